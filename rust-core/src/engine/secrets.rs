//! The secret store seam: passwords never live in the core's files, logs or panics.

/// Where account passwords come from: Keystore/Keychain in the shells, the environment in the CLI.
pub trait SecretStore: Send + Sync {
    /// The SIP password of the account keyed `user@domain`, if known.
    fn password(&self, account_key: &str) -> Option<String>;
}

/// A store over fixed values, for tests and embedders that already hold the secret.
pub struct StaticSecrets(pub Vec<(String, String)>);

impl SecretStore for StaticSecrets {
    fn password(&self, account_key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == account_key).map(|(_, v)| v.clone())
    }
}
