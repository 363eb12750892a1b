//! Settings of the phone's library: contacts, the company directory (CardDAV) and visual
//! voicemail (IMAP). The CLI reads them from `[contacts]`, `[directory]`, `[voicemail]`;
//! passwords never appear here, only the secret store's key (or the CLI's variable name).

use serde::Deserialize;

/// `[contacts]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ContactsConfig {
    /// How national numbers read (`FR`: `06…` is `+336…`); none = only international ones.
    pub default_region: Option<String>,
}

/// `[directory]`: the company address book over CardDAV (RFC 6352).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// The address book collection, `http(s)://host/…/addressbook/`.
    pub url: String,
    pub username: String,
    /// CLI only: the environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
}

/// `[voicemail]`: the PBX's voicemail-to-e-mail mailbox over IMAP.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VoicemailConfig {
    /// `imaps://host:993` (TLS) or `imap://host:143` (plain, loopback tests only).
    pub imap_url: String,
    pub username: String,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default = "inbox")]
    pub folder: String,
    /// The largest audio attachment fetched and kept; a larger message stays listed, without
    /// audio, and says why.
    #[serde(default = "max_audio_bytes")]
    pub max_audio_bytes: u64,
}

fn inbox() -> String {
    "INBOX".into()
}

fn max_audio_bytes() -> u64 {
    crate::voicemail::mail::DEFAULT_MAX_AUDIO_BYTES
}

/// Everything the library needs besides the data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibraryConfig {
    pub contacts: ContactsConfig,
    pub directory: Option<DirectoryConfig>,
    pub voicemail: Option<VoicemailConfig>,
    /// The extra trusted CA of `[sip] tls_ca_file`, honoured by HTTPS and IMAPS too.
    pub tls_ca_file: Option<std::path::PathBuf>,
}
