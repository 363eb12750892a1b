//! Settings records of the public API: what a shell (or the CLI's TOML) hands the core.

use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// One SIP account: the four values of an Axivox *SIP Identifiers* tab, minus the password,
/// which only the [`crate::engine::SecretStore`] holds.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// SIP username (= the extension).
    pub username: String,
    /// SIP domain (the registrar's realm and the host of our AOR).
    pub domain: String,
    /// Outbound proxy URI, e.g. `sip:pabx.axivox.com` or `sip:127.0.0.1:5060;transport=tcp`.
    /// Without it the domain is resolved (RFC 3263).
    #[serde(default)]
    pub proxy: Option<String>,
    /// Environment variable holding the password (CLI only; shells use Keystore/Keychain).
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Digest username when it differs from the extension.
    #[serde(default)]
    pub auth_username: Option<String>,
    /// Voicemail to subscribe to for message-waiting (RFC 3842): an extension (`*97`) or a
    /// SIP URI. Without it, only the NOTIFYs a PBX sends unasked are shown.
    #[serde(default)]
    pub voicemail: Option<String>,
}

impl AccountConfig {
    /// Stable key of this account (`user@domain`), used for secrets and instance IDs.
    pub fn key(&self) -> String {
        crate::vocab::account_key(&self.username, &self.domain)
    }
}

/// SIP transport settings shared by all accounts.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SipConfig {
    /// Local UDP port; 0 picks any free port.
    pub local_port: u16,
    /// Registration expiry we ask for, in seconds.
    pub expires: u32,
    /// Extra trusted CA (PEM) for TLS; the system roots stay trusted.
    pub tls_ca_file: Option<PathBuf>,
    /// Seconds between keep-alives: CRLF pings on TCP/TLS flows (RFC 5626 §4.4.1), CRLF
    /// datagrams on UDP (they keep the NAT binding of our contact open). Unset: 30 s on UDP,
    /// 120 s on TCP/TLS (see [`SipConfig::keepalive`]).
    pub keepalive_secs: Option<u64>,
    /// Seconds to wait for the pong before the flow is declared dead.
    pub pong_timeout_secs: u64,
    pub user_agent: String,
    /// DNS servers (`ip` or `ip:port`) for locating the registrar; empty = the system's.
    /// Android shells pass the active network's servers (there is no /etc/resolv.conf).
    pub dns_servers: Vec<String>,
    /// RFC 3261 T1 in milliseconds (500 by default); tests shorten it so a non-INVITE
    /// transaction times out (64·T1) in seconds rather than 32 s.
    pub timer_t1_ms: u64,
    /// The shortest session interval (RFC 4028 Min-SE) we accept, in seconds. 90 by default,
    /// the RFC's floor; tests lower it to see refreshes and expiries in seconds.
    pub min_session_expires: u32,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            local_port: 0,
            expires: 600,
            tls_ca_file: None,
            keepalive_secs: None,
            pong_timeout_secs: 10,
            user_agent: format!("Ringside/{}", env!("CARGO_PKG_VERSION")),
            timer_t1_ms: 500,
            dns_servers: Vec::new(),
            min_session_expires: crate::signalling::session_timer::MIN_SE,
        }
    }
}

impl SipConfig {
    /// The configured DNS servers as socket addresses (port 53 when none is given).
    pub fn dns_server_addrs(&self) -> Result<Vec<std::net::SocketAddr>, String> {
        self.dns_servers
            .iter()
            .map(|s| {
                s.parse::<std::net::SocketAddr>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(|ip| std::net::SocketAddr::new(ip, 53)))
                    .map_err(|_| format!("{s:?} is not an IP address"))
            })
            .collect()
    }

    /// The keep-alive interval of a flow (`stream`: TCP or TLS). Each keep-alive wakes the
    /// radio, so the defaults are as long as the NAT in front of the phone allows: carriers'
    /// NATs drop an idle UDP mapping after about 30 s, while a TCP mapping lives for minutes,
    /// and 120 s is RFC 5626 §4.4.1's default for connection-oriented flows (libre's too).
    pub fn keepalive(&self, stream: bool) -> Duration {
        let default = if stream { 120 } else { 30 };
        Duration::from_secs(self.keepalive_secs.unwrap_or(default).max(1))
    }
}

/// What a second incoming call does while a call is answered.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallWaiting {
    /// It rings; answering it puts the first call on hold (desk-phone behaviour).
    #[default]
    Ring,
    /// It is declined with 486, so the PBX tries the desk or voicemail.
    Busy,
}

/// Call handling settings.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CallsConfig {
    pub waiting: CallWaiting,
    /// How long a push-woken call waits for its INVITE before it ends `failed`. Below the
    /// gateway's hold (30 s in gateway.cfg), so the phone gives up first and says why.
    pub push_wake_secs: u64,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig { waiting: CallWaiting::default(), push_wake_secs: 20 }
    }
}

/// Media settings (design §4 `[media]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// Codecs in order of preference: `opus`, `pcmu`, `pcma`.
    pub codecs: Vec<crate::sip::sdp::CodecKind>,
    /// `off`, `optional` (offer SDES keys, accept plain RTP) or `mandatory`.
    pub srtp: crate::sip::sdp::SrtpPolicy,
    /// Opus encoder complexity 0-10 (5: good speech at a phone's battery cost).
    pub opus_complexity: i32,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig { codecs: crate::sip::sdp::MediaPolicy::default().codecs, srtp: Default::default(), opus_complexity: 5 }
    }
}

impl MediaConfig {
    pub fn policy(&self) -> crate::sip::sdp::MediaPolicy {
        crate::sip::sdp::MediaPolicy { codecs: self.codecs.clone(), srtp: self.srtp }
    }

    pub fn opus(&self) -> crate::media::codec::OpusSettings {
        crate::media::codec::OpusSettings { complexity: self.opus_complexity.clamp(0, 10), ..Default::default() }
    }
}

/// Everything a [`crate::engine::Phone`] needs to start.
#[derive(Debug, Clone, Default)]
pub struct PhoneConfig {
    /// Where the core keeps its state (the persisted `+sip.instance`, later the SQLite cache).
    pub data_dir: PathBuf,
    pub accounts: Vec<AccountConfig>,
    pub sip: SipConfig,
    pub calls: CallsConfig,
    pub media: MediaConfig,
    /// RFC 8599 push registration (the device token), when the shell has one.
    pub push: Option<crate::push::pn_params::PushConfig>,
    /// Contacts, the company directory and visual voicemail.
    pub library: super::library_config::LibraryConfig,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alives_default_to_what_each_transports_nat_allows_and_one_setting_overrides_both() {
        let default = SipConfig::default();
        assert_eq!((default.keepalive(false), default.keepalive(true)), (Duration::from_secs(30), Duration::from_secs(120)));
        let set: SipConfig = serde_json::from_str(r#"{"keepalive_secs": 5}"#).unwrap();
        assert_eq!((set.keepalive(false), set.keepalive(true)), (Duration::from_secs(5), Duration::from_secs(5)));
        let zero: SipConfig = serde_json::from_str(r#"{"keepalive_secs": 0}"#).unwrap();
        assert_eq!(zero.keepalive(true), Duration::from_secs(1), "never a busy loop");
    }
}
