//! The one error the shells see: only what they act on (design §2), converted from the
//! engine's rich errors in this one place.

use ringside_core::EngineError;

/// What went wrong, reduced to what a shell can act on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PhoneError {
    /// The network or the SIP server did not answer; retry later.
    #[error("network: {reason}")]
    Network { reason: String },
    /// The account's credentials were refused, or the secret store has no password.
    #[error("authentication: {reason}")]
    Auth { reason: String },
    /// No such call (it ended, or never was).
    #[error("no such call: {call}")]
    NotFound { call: String },
    /// The account cannot do it now (not registered yet).
    #[error("busy: {reason}")]
    Busy { reason: String },
    /// A setting or argument is wrong; `reason` says which and why.
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    #[error("{reason}")]
    Other { reason: String },
}

impl From<EngineError> for PhoneError {
    fn from(e: EngineError) -> Self {
        let reason = e.to_string();
        match e {
            EngineError::Config { .. } | EngineError::InvalidTarget(_) => PhoneError::InvalidInput { reason },
            EngineError::MissingPassword { .. } => PhoneError::Auth { reason },
            EngineError::Transport(_) => PhoneError::Network { reason },
            EngineError::NotRegistered { .. } => PhoneError::Busy { reason },
            EngineError::NoSuchCall(call) => PhoneError::NotFound { call },
            EngineError::Sip(_) | EngineError::Store(_) | EngineError::NotConfigured(_) => PhoneError::Other { reason },
            EngineError::Network(_) => PhoneError::Network { reason },
            EngineError::Auth(_) => PhoneError::Auth { reason },
            EngineError::InvalidInput(_) => PhoneError::InvalidInput { reason },
            EngineError::NotFound { id, .. } => PhoneError::NotFound { call: id },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_map_to_what_a_shell_acts_on() {
        assert!(matches!(PhoneError::from(EngineError::NoSuchCall("c".into())), PhoneError::NotFound { call } if call == "c"));
        assert!(matches!(PhoneError::from(EngineError::MissingPassword { account: "1001@d".into() }), PhoneError::Auth { .. }));
        assert!(matches!(PhoneError::from(EngineError::Config { field: "account", reason: "x".into() }), PhoneError::InvalidInput { .. }));
        assert!(matches!(PhoneError::from(EngineError::NotRegistered { account: "a".into() }), PhoneError::Busy { .. }));
    }
}
