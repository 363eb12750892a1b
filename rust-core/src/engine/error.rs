//! The engine's rich errors; the FFI layer maps them to its small exported enum in one place.

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid {field}: {reason}")]
    Config { field: &'static str, reason: String },
    #[error("no password for account {account}")]
    MissingPassword { account: String },
    #[error("transport: {0}")]
    Transport(String),
    #[error("SIP: {0}")]
    Sip(String),
    #[error("account {account} is not registered yet")]
    NotRegistered { account: String },
    #[error("cannot call {0}")]
    InvalidTarget(String),
    #[error("no call {0}")]
    NoSuchCall(String),
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    /// A directory or voicemail server could not be reached, or broke off.
    #[error("network: {0}")]
    Network(String),
    /// A directory or voicemail server refused our credentials.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// What the shell handed in cannot be used (a vCard with no card, an unknown id).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    /// The feature needs a config section the phone was not given.
    #[error("not configured: {0}")]
    NotConfigured(&'static str),
}

impl From<rsipstack::Error> for EngineError {
    fn from(e: rsipstack::Error) -> Self {
        EngineError::Sip(e.to_string())
    }
}
