//! The settings screen's changes reaching the running phone: media security, codec order, call
//! waiting, the caller-ID region, the directory and the mailbox. In: [`CallSettings`]; out: a
//! phone restarted on them (the same restart an account change makes, refused during a call).

use crate::enums::{Codec, SrtpPolicy};
use crate::error::PhoneError;
use ringside_core::library::{DirectoryConfig, VoicemailConfig};
use ringside_core::{CallWaiting, PhoneConfig};

/// What a user edits in the app's settings (everything of [`crate::PhoneSettings`] but the
/// data directory, the accounts, the network and the push token).
#[derive(Debug, Clone, uniffi::Record)]
pub struct CallSettings {
    /// In order of preference; empty: Opus, PCMU, PCMA.
    #[uniffi(default = [])]
    pub codecs: Vec<Codec>,
    pub srtp: SrtpPolicy,
    /// A second call while one is answered: rings (false) or is declined 486 (true).
    #[uniffi(default = false)]
    pub busy_when_in_call: bool,
    /// The region numbers without a country code belong to (`FR`).
    #[uniffi(default = None)]
    pub default_region: Option<String>,
    /// None: no company directory.
    #[uniffi(default = None)]
    pub directory: Option<DirectorySettings>,
    /// None: no visual voicemail.
    #[uniffi(default = None)]
    pub voicemail: Option<VoicemailSettings>,
}

impl CallSettings {
    /// Writes these settings into `config`, leaving the rest (accounts, network, push) as it is.
    /// One place for both the start settings and a later change, so they cannot drift apart.
    pub(crate) fn apply_to(self, config: &mut PhoneConfig) -> Result<(), PhoneError> {
        if let Some(region) = &self.default_region {
            if !ringside_core::library::is_region(region) {
                return Err(PhoneError::InvalidInput { reason: format!("default_region {region:?} is not a region code (FR, BE, US…)") });
            }
        }
        config.media.codecs =
            if self.codecs.is_empty() { ringside_core::MediaConfig::default().codecs } else { self.codecs.iter().map(|c| (*c).into()).collect() };
        config.media.srtp = self.srtp.into();
        config.calls.waiting = if self.busy_when_in_call { CallWaiting::Busy } else { CallWaiting::Ring };
        config.library.contacts.default_region = self.default_region;
        config.library.directory = self.directory.map(|d| DirectoryConfig { url: d.url, username: d.username, password_env: None });
        config.library.voicemail = self.voicemail.map(|v| VoicemailConfig {
            imap_url: v.imap_url,
            username: v.username,
            password_env: None,
            folder: v.folder,
            max_audio_bytes: ringside_core::library::DEFAULT_MAX_AUDIO_BYTES,
        });
        Ok(())
    }
}

/// The company directory: a CardDAV address book (RFC 6352). The password comes from the
/// [`crate::SecretStore`] (`SecretKind::Directory`, keyed by `username`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct DirectorySettings {
    /// `https://dav.example.com/addressbooks/alice/company/`
    pub url: String,
    pub username: String,
}

/// The voicemail-to-e-mail mailbox (IMAP). The password comes from the [`crate::SecretStore`]
/// (`SecretKind::Voicemail`, keyed by `username`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct VoicemailSettings {
    /// `imaps://mail.example.com:993`
    pub imap_url: String,
    pub username: String,
    #[uniffi(default = "INBOX")]
    pub folder: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Account, PhoneSettings};
    use ringside_core::vocab::CodecKind;

    fn started() -> PhoneConfig {
        let account = Account { username: "1001".into(), domain: "pbx.test".into(), proxy: None, display_name: None, auth_username: None, voicemail: None };
        PhoneConfig::try_from(PhoneSettings {
            data_dir: "/data/app".into(),
            accounts: vec![account],
            codecs: vec![],
            srtp: SrtpPolicy::Optional,
            busy_when_in_call: false,
            dns_servers: vec!["10.0.0.1".into()],
            push: None,
            user_agent: Some("Ringside-test".into()),
            tls_ca_file: None,
            default_region: Some("FR".into()),
            directory: None,
            voicemail: None,
        })
        .unwrap()
    }

    fn changed() -> CallSettings {
        CallSettings {
            codecs: vec![Codec::Pcma],
            srtp: SrtpPolicy::Mandatory,
            busy_when_in_call: true,
            default_region: Some("BE".into()),
            directory: Some(DirectorySettings { url: "https://dav.test/book/".into(), username: "alice".into() }),
            voicemail: Some(VoicemailSettings { imap_url: "imaps://mail.test:993".into(), username: "vm".into(), folder: "Voicemail".into() }),
        }
    }

    #[test]
    fn a_settings_change_reaches_media_calls_and_library() {
        let mut config = started();
        changed().apply_to(&mut config).unwrap();
        assert_eq!((config.media.codecs.clone(), config.media.srtp), (vec![CodecKind::Pcma], ringside_core::vocab::SrtpPolicy::Mandatory));
        assert_eq!(config.calls.waiting, CallWaiting::Busy);
        assert_eq!(config.library.contacts.default_region.as_deref(), Some("BE"));
        assert_eq!(config.library.directory.as_ref().map(|d| d.url.as_str()), Some("https://dav.test/book/"));
        assert_eq!(config.library.voicemail.as_ref().map(|v| v.folder.as_str()), Some("Voicemail"));
    }

    #[test]
    fn a_settings_change_keeps_accounts_network_and_identity() {
        let before = started();
        let mut config = before.clone();
        changed().apply_to(&mut config).unwrap();
        assert_eq!(config.accounts.iter().map(|a| a.key()).collect::<Vec<_>>(), vec!["1001@pbx.test".to_string()]);
        assert_eq!((config.sip.dns_servers.clone(), config.sip.user_agent.clone()), (before.sip.dns_servers, before.sip.user_agent));
        assert_eq!(config.data_dir, before.data_dir);
    }

    #[test]
    fn clearing_the_directory_and_mailbox_turns_them_off() {
        let mut config = started();
        changed().apply_to(&mut config).unwrap();
        CallSettings { directory: None, voicemail: None, codecs: vec![], ..changed() }.apply_to(&mut config).unwrap();
        assert!(config.library.directory.is_none() && config.library.voicemail.is_none());
        assert_eq!(config.media.codecs, ringside_core::MediaConfig::default().codecs, "no codec chosen: the defaults");
    }

    #[test]
    fn a_wrong_region_changes_nothing() {
        let mut config = started();
        let err = CallSettings { default_region: Some("Belgium".into()), ..changed() }.apply_to(&mut config).unwrap_err();
        assert!(matches!(err, PhoneError::InvalidInput { reason } if reason.contains("Belgium")));
        assert_eq!(config.calls.waiting, CallWaiting::Ring);
    }
}
