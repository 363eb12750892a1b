//! The secret store seam: passwords never live in the core's files, logs or panics.

/// Which service a password is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Sip,
    /// The company directory (CardDAV).
    Directory,
    /// The voicemail mailbox (IMAP).
    Voicemail,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Sip => "sip",
            SecretKind::Directory => "directory",
            SecretKind::Voicemail => "voicemail",
        }
    }
}

/// Where account passwords come from: Keystore/Keychain in the shells, the environment in the CLI.
pub trait SecretStore: Send + Sync {
    /// The SIP password of the account keyed `user@domain`, if known.
    fn password(&self, account_key: &str) -> Option<String>;

    /// The password of `username` at a directory or voicemail server. By default the one
    /// stored under `directory:<username>` / `voicemail:<username>`.
    fn service_password(&self, kind: SecretKind, username: &str) -> Option<String> {
        match kind {
            SecretKind::Sip => self.password(username),
            _ => self.password(&format!("{}:{username}", kind.as_str())),
        }
    }
}

/// A store over fixed values, for tests and embedders that already hold the secret.
pub struct StaticSecrets(pub Vec<(String, String)>);

impl SecretStore for StaticSecrets {
    fn password(&self, account_key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == account_key).map(|(_, v)| v.clone())
    }
}
