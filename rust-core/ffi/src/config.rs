//! The settings a shell hands the core: records mirroring the engine's config, with every
//! optional field defaulted, converted to `PhoneConfig` in one place.

use crate::enums::{Codec, PushProvider, SrtpPolicy};
use crate::error::PhoneError;
use crate::settings::{CallSettings, DirectorySettings, VoicemailSettings};
use ringside_core::library::{ContactsConfig, LibraryConfig};
use ringside_core::{AccountConfig, CallsConfig, MediaConfig, PhoneConfig, SipConfig};

/// One SIP account: the four values of the PBX's *SIP Identifiers* tab. The password is not
/// here: the core asks the shell's [`crate::SecretStore`] (Keystore, Keychain) for it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Account {
    /// SIP username (the extension).
    pub username: String,
    /// SIP domain.
    pub domain: String,
    /// Proxy address (`pabx.axivox.com`, `sip:host:port;transport=tls`); none: resolve the domain.
    #[uniffi(default = None)]
    pub proxy: Option<String>,
    #[uniffi(default = None)]
    pub display_name: Option<String>,
    /// Digest username when it differs from the extension.
    #[uniffi(default = None)]
    pub auth_username: Option<String>,
    /// Voicemail to subscribe to for message-waiting (an extension such as `*97`, or a URI).
    #[uniffi(default = None)]
    pub voicemail: Option<String>,
}

/// The device's push token (RFC 8599): FCM on Android (`param` the project id), APNs VoIP on
/// iOS (`param` `TEAMID.bundle.id.voip`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct PushToken {
    pub provider: PushProvider,
    pub prid: String,
    #[uniffi(default = None)]
    pub param: Option<String>,
}

/// Everything the phone needs to start.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PhoneSettings {
    /// The app's private directory: the database and the instance id live here.
    pub data_dir: String,
    pub accounts: Vec<Account>,
    /// In order of preference; empty: Opus, PCMU, PCMA.
    #[uniffi(default = [])]
    pub codecs: Vec<Codec>,
    /// `Optional` is what a business phone wants: SRTP offered, plain RTP accepted.
    pub srtp: SrtpPolicy,
    /// A second call while one is answered: rings (false) or is declined 486 (true).
    #[uniffi(default = false)]
    pub busy_when_in_call: bool,
    /// The active network's DNS servers (Android has no resolv.conf); empty: the system's.
    #[uniffi(default = [])]
    pub dns_servers: Vec<String>,
    #[uniffi(default = None)]
    pub push: Option<PushToken>,
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
    /// An extra trusted CA (PEM file) for a PBX with its own certificate; system roots stay.
    #[uniffi(default = None)]
    pub tls_ca_file: Option<String>,
    /// The region numbers without a country code belong to (`FR`), for caller ID.
    #[uniffi(default = None)]
    pub default_region: Option<String>,
    #[uniffi(default = None)]
    pub directory: Option<DirectorySettings>,
    #[uniffi(default = None)]
    pub voicemail: Option<VoicemailSettings>,
}

impl From<PushToken> for ringside_core::PushConfig {
    fn from(t: PushToken) -> Self {
        ringside_core::PushConfig { provider: t.provider.pn_provider().into(), prid: t.prid, param: t.param }
    }
}

impl From<Account> for AccountConfig {
    fn from(a: Account) -> Self {
        AccountConfig {
            username: a.username,
            domain: a.domain,
            proxy: a.proxy,
            password_env: None,
            display_name: a.display_name,
            auth_username: a.auth_username,
            voicemail: a.voicemail,
        }
    }
}

impl From<&AccountConfig> for Account {
    fn from(a: &AccountConfig) -> Self {
        Account {
            username: a.username.clone(),
            domain: a.domain.clone(),
            proxy: a.proxy.clone(),
            display_name: a.display_name.clone(),
            auth_username: a.auth_username.clone(),
            voicemail: a.voicemail.clone(),
        }
    }
}

impl TryFrom<PhoneSettings> for PhoneConfig {
    type Error = PhoneError;

    fn try_from(s: PhoneSettings) -> Result<Self, PhoneError> {
        let tls_ca_file: Option<std::path::PathBuf> = s.tls_ca_file.map(Into::into);
        let library = LibraryConfig { contacts: ContactsConfig { default_region: None }, directory: None, voicemail: None, tls_ca_file: tls_ca_file.clone() };
        let mut sip = SipConfig { dns_servers: s.dns_servers, tls_ca_file, ..SipConfig::default() };
        if let Some(ua) = s.user_agent {
            sip.user_agent = ua;
        }
        let accounts = s.accounts.into_iter().map(Into::into).collect();
        let mut config = PhoneConfig {
            data_dir: s.data_dir.into(),
            accounts,
            sip,
            calls: CallsConfig::default(),
            media: MediaConfig::default(),
            push: s.push.map(Into::into),
            library,
        };
        let chosen = CallSettings {
            codecs: s.codecs,
            srtp: s.srtp,
            busy_when_in_call: s.busy_when_in_call,
            default_region: s.default_region,
            directory: s.directory,
            voicemail: s.voicemail,
        };
        chosen.apply_to(&mut config)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_core::vocab::CodecKind;
    use ringside_core::CallWaiting;

    fn settings() -> PhoneSettings {
        PhoneSettings {
            data_dir: "/data/app".into(),
            accounts: vec![Account {
                username: "1001".into(),
                domain: "pbx.example.com".into(),
                proxy: Some("pabx.axivox.com".into()),
                display_name: None,
                auth_username: None,
                voicemail: None,
            }],
            codecs: vec![Codec::Pcma, Codec::Opus],
            srtp: SrtpPolicy::Mandatory,
            busy_when_in_call: true,
            dns_servers: vec![],
            push: Some(PushToken { provider: PushProvider::Fcm, prid: "tok".into(), param: Some("proj".into()) }),
            user_agent: None,
            tls_ca_file: Some("/data/app/pbx-ca.pem".into()),
            default_region: Some("FR".into()),
            directory: None,
            voicemail: None,
        }
    }

    #[test]
    fn settings_become_the_engine_config() {
        let c = PhoneConfig::try_from(settings()).unwrap();
        assert_eq!(c.media.codecs, vec![CodecKind::Pcma, CodecKind::Opus]);
        assert_eq!((c.media.srtp, c.calls.waiting), (ringside_core::vocab::SrtpPolicy::Mandatory, CallWaiting::Busy));
        assert_eq!((c.accounts[0].key(), c.accounts[0].proxy.as_deref()), ("1001@pbx.example.com".into(), Some("pabx.axivox.com")));
        let push = c.push.unwrap();
        assert_eq!((push.provider.as_str(), push.prid.as_str()), ("fcm", "tok"));
        assert_eq!(c.sip.tls_ca_file.as_deref(), Some(std::path::Path::new("/data/app/pbx-ca.pem")));
        assert_eq!(c.library.contacts.default_region.as_deref(), Some("FR"));
        assert_eq!(c.library.tls_ca_file, c.sip.tls_ca_file, "the directory and mailbox trust the same extra CA");
    }

    #[test]
    fn a_wrong_region_is_named() {
        let err = PhoneConfig::try_from(PhoneSettings { default_region: Some("France".into()), ..settings() }).unwrap_err();
        assert!(matches!(err, PhoneError::InvalidInput { reason } if reason.contains("France")));
    }
}
