//! The push sender's settings (TOML): where Kamailio reaches it, and how it reaches APNs and
//! FCM. Endpoints are settings so tests point them at local fakes; keys are files, never inline.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderConfig {
    /// Where Kamailio's `http_client_query` posts wake-ups (keep it on loopback or a private net).
    pub listen: SocketAddr,
    /// Bound on one APNs/FCM request, token fetch included.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// An extra trusted CA (PEM) for the upstreams; the system roots stay trusted.
    pub ca_file: Option<PathBuf>,
    pub apns: Option<ApnsConfig>,
    pub fcm: Option<FcmConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsConfig {
    #[serde(default = "default_apns_endpoint")]
    pub endpoint: String,
    /// The Apple developer team that owns the key (the JWT's `iss`).
    pub team_id: String,
    /// The key's id (the JWT header's `kid`).
    pub key_id: String,
    /// The `.p8` file Apple issued (PKCS#8 PEM, P-256).
    pub key_file: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmConfig {
    #[serde(default = "default_fcm_endpoint")]
    pub endpoint: String,
    /// The service-account JSON Google issued (client_email, private_key, token_uri).
    pub service_account_file: PathBuf,
    /// Overrides the file's `token_uri` (tests point it at a fake).
    pub token_uri: Option<String>,
}

fn default_timeout_ms() -> u64 {
    5_000
}

fn default_apns_endpoint() -> String {
    "https://api.push.apple.com".into()
}

fn default_fcm_endpoint() -> String {
    "https://fcm.googleapis.com".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a valid push sender config: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("{what} in {path} is not usable: {reason}")]
    Key { what: &'static str, path: PathBuf, reason: String },
}

impl SenderConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.into(), source })
    }
}

pub fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::Read { path: path.into(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_the_real_services() {
        let c: SenderConfig = toml::from_str(
            "listen = \"127.0.0.1:8089\"\n[apns]\nteam_id = \"T\"\nkey_id = \"K\"\nkey_file = \"k.p8\"\n[fcm]\nservice_account_file = \"sa.json\"\n",
        )
        .unwrap();
        assert_eq!(c.apns.unwrap().endpoint, "https://api.push.apple.com");
        assert_eq!(c.fcm.unwrap().endpoint, "https://fcm.googleapis.com");
        assert_eq!(c.timeout_ms, 5_000);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<SenderConfig>("listen = \"127.0.0.1:1\"\npassword = \"x\"\n").is_err());
    }
}
