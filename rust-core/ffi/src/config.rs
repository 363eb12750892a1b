//! The settings a shell hands the core: records mirroring the engine's config, with every
//! optional field defaulted, converted to `PhoneConfig` in one place.

use crate::error::PhoneError;
use ringside_core::engine::config::{AccountConfig, CallWaiting, CallsConfig, MediaConfig, PhoneConfig, SipConfig};
use ringside_core::sip::sdp::{CodecKind, SrtpPolicy};

/// One SIP account: the four values of the PBX's *SIP Identifiers* tab. The password is not
/// here: the core asks the shell's [`crate::SecretStore`] (Keystore, Keychain) for it.
#[derive(Debug, Clone, uniffi::Record)]
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

/// The device's push token (RFC 8599): FCM on Android (`provider` `fcm`, `param` the project
/// id), APNs VoIP on iOS (`apns`, `param` `TEAMID.bundle.id.voip`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct PushToken {
    pub provider: String,
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
    /// `opus`, `pcmu`, `pcma` in order of preference; empty: the default order.
    #[uniffi(default = [])]
    pub codecs: Vec<String>,
    /// `off`, `optional` (the default) or `mandatory`.
    #[uniffi(default = "optional")]
    pub srtp: String,
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
}

impl From<PushToken> for ringside_core::push::pn_params::PushConfig {
    fn from(t: PushToken) -> Self {
        ringside_core::push::pn_params::PushConfig { provider: t.provider, prid: t.prid, param: t.param }
    }
}

impl TryFrom<PhoneSettings> for PhoneConfig {
    type Error = PhoneError;

    fn try_from(s: PhoneSettings) -> Result<Self, PhoneError> {
        let invalid = |reason: String| PhoneError::InvalidInput { reason };
        let mut media = MediaConfig::default();
        if !s.codecs.is_empty() {
            media.codecs = s
                .codecs
                .iter()
                .map(|c| match c.to_ascii_lowercase().as_str() {
                    "opus" => Ok(CodecKind::Opus),
                    "pcmu" => Ok(CodecKind::Pcmu),
                    "pcma" => Ok(CodecKind::Pcma),
                    other => Err(invalid(format!("unknown codec {other:?} (opus, pcmu, pcma)"))),
                })
                .collect::<Result<_, _>>()?;
        }
        media.srtp = match s.srtp.to_ascii_lowercase().as_str() {
            "off" => SrtpPolicy::Off,
            "optional" => SrtpPolicy::Optional,
            "mandatory" => SrtpPolicy::Mandatory,
            other => return Err(invalid(format!("unknown SRTP policy {other:?} (off, optional, mandatory)"))),
        };
        let mut sip = SipConfig { dns_servers: s.dns_servers, ..SipConfig::default() };
        if let Some(ua) = s.user_agent {
            sip.user_agent = ua;
        }
        let accounts = s
            .accounts
            .into_iter()
            .map(|a| AccountConfig {
                username: a.username,
                domain: a.domain,
                proxy: a.proxy,
                password_env: None,
                display_name: a.display_name,
                auth_username: a.auth_username,
                voicemail: a.voicemail,
            })
            .collect();
        let calls = CallsConfig { waiting: if s.busy_when_in_call { CallWaiting::Busy } else { CallWaiting::Ring }, ..CallsConfig::default() };
        Ok(PhoneConfig { data_dir: s.data_dir.into(), accounts, sip, calls, media, push: s.push.map(Into::into), library: Default::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            codecs: vec!["PCMA".into(), "opus".into()],
            srtp: "mandatory".into(),
            busy_when_in_call: true,
            dns_servers: vec![],
            push: Some(PushToken { provider: "fcm".into(), prid: "tok".into(), param: Some("proj".into()) }),
            user_agent: None,
        }
    }

    #[test]
    fn settings_become_the_engine_config() {
        let c = PhoneConfig::try_from(settings()).unwrap();
        assert_eq!(c.media.codecs, vec![CodecKind::Pcma, CodecKind::Opus]);
        assert_eq!((c.media.srtp, c.calls.waiting), (SrtpPolicy::Mandatory, CallWaiting::Busy));
        assert_eq!((c.accounts[0].key(), c.accounts[0].proxy.as_deref()), ("1001@pbx.example.com".into(), Some("pabx.axivox.com")));
        assert_eq!(c.push.unwrap().prid, "tok");
    }

    #[test]
    fn a_wrong_setting_is_named() {
        let err = PhoneConfig::try_from(PhoneSettings { srtp: "sometimes".into(), ..settings() }).unwrap_err();
        assert!(matches!(err, PhoneError::InvalidInput { reason } if reason.contains("sometimes")));
        let err = PhoneConfig::try_from(PhoneSettings { codecs: vec!["g729".into()], ..settings() }).unwrap_err();
        assert!(matches!(err, PhoneError::InvalidInput { reason } if reason.contains("g729")));
    }
}
