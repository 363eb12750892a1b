//! `Phone`: the public Rust API. One per process; it starts the SIP stack and one registration
//! task per account, and unregisters them all on shutdown.

use super::account::{AccountCommand, AccountSetup, AccountTask};
use super::calls::{CallAccount, CallHub};
use super::config::{AccountConfig, PhoneConfig};
use super::dns::Locator;
use super::error::EngineError;
use super::events::PhoneEvent;
use super::events::PhoneListener;
use super::instance::instance_urn;
use super::secrets::SecretStore;
use super::sip_stack::{route_ip, SipStack};
use crate::signalling::call::CallInput;
use crate::signalling::registration::RegistrationConfig;
use rsipstack::sip::{Host, Transport, Uri};
use rsipstack::transport::SipAddr;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

pub struct Phone {
    stack: Arc<SipStack>,
    accounts: Vec<mpsc::Sender<AccountCommand>>,
    calls: Arc<CallHub>,
    /// Voicemail subscriptions: stopped (unsubscribed) before the accounts unregister.
    mwi_stop: tokio_util::sync::CancellationToken,
    mwi_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The call log in the data directory's database.
    pub(super) call_log: Arc<super::call_log_writer::CallLogWriter>,
    /// Contacts, directory and voicemail (`library.rs` has their methods).
    pub(super) library: super::library::Library,
    /// Where every event goes out (state, shell, push flow).
    bus: Arc<super::event_bus::EventBus>,
    /// Account keys, in the order of `accounts`.
    account_keys: Vec<String>,
    /// The first account's server address: the OS route toward it says our local address
    /// when the shell reports a network change without one.
    route_probe: Option<SocketAddr>,
}

impl Phone {
    /// Validates the configuration, starts the stack and begins registering every account.
    /// Must be called inside a tokio runtime.
    pub async fn start(config: PhoneConfig, secrets: Arc<dyn SecretStore>, listener: Arc<dyn PhoneListener>) -> Result<Phone, EngineError> {
        Self::start_with_audio(config, secrets, listener, Arc::new(crate::audio::NullDevice)).await
    }

    /// As [`Phone::start`], with the shell's audio: each call opens its device from `audio`.
    pub async fn start_with_audio(
        config: PhoneConfig,
        secrets: Arc<dyn SecretStore>,
        listener: Arc<dyn PhoneListener>,
        audio: Arc<dyn crate::audio::AudioDeviceFactory>,
    ) -> Result<Phone, EngineError> {
        // No account yet is a phone being set up: contacts, history and voicemail work, and
        // the shell adds the account when the user has typed it.
        let dns = config.sip.dns_server_addrs().map_err(|reason| EngineError::Config { field: "sip.dns_servers", reason })?;
        let locator = Arc::new(Locator::new(&dns));
        let mut setups = Vec::new();
        // Each account says here when the registrar took a new Contact for it: its calls move.
        let (moves_tx, mut moves) = mpsc::unbounded_channel::<super::account::ContactMoved>();
        for (i, account) in config.accounts.iter().enumerate() {
            validate(account)?;
            let password = secrets.password(&account.key()).ok_or_else(|| EngineError::MissingPassword { account: account.key() })?;
            let target = match &account.proxy {
                Some(_) => target_of(account)?,
                None => located_target(&locator, &account.domain).await,
            };
            let instance = instance_urn(&config.data_dir, &account.key())
                .map_err(|e| EngineError::Config { field: "data_dir", reason: format!("{}: {e}", config.data_dir.display()) })?;
            let registration = RegistrationConfig {
                expires: config.sip.expires,
                // Different accounts and devices must not retry in step.
                jitter_seed: instance.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3)),
                ..Default::default()
            };
            setups.push(AccountSetup {
                account: account.clone(),
                password,
                target,
                instance,
                reg_id: 1 + i as u32,
                registration,
                route: Arc::default(),
                push: config.push.clone(),
                moves: moves_tx.clone(),
            });
        }
        // Every event is first named from the contacts (when SIP gave no name), then goes out
        // through the bus (state, call log, shell, push flow).
        let library = super::library::Library::open(&config.data_dir, config.library.clone(), secrets.clone(), listener.clone())?;
        let call_log = super::call_log_writer::CallLogWriter::start(library.writer(), library.region()).map_err(EngineError::Store)?;
        let account_keys: Vec<String> = setups.iter().map(|s| s.account.key()).collect();
        let state = Arc::new(super::phone_state::PhoneState::new(&account_keys));
        let (bus, mut wake_outcomes) = super::event_bus::EventBus::new(state, Some(call_log.clone()), listener);
        let listener: Arc<dyn PhoneListener> = Arc::new(super::library::CallerIdTap { inner: bus.clone(), library: library.clone() });
        let route_probe = match setups.first() {
            Some(first) => probe_for(&locator, &first.target).await,
            None => None,
        };
        let bind_ip = route_probe.map(route_ip).unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let stack = SipStack::start(&config.sip, bind_ip, locator).await?;
        let call_accounts = setups
            .iter()
            .map(|s| CallAccount {
                key: s.account.key(),
                username: s.account.username.clone(),
                domain: s.account.domain.clone(),
                display_name: s.account.display_name.clone(),
                auth_username: s.account.auth_username.clone(),
                password: s.password.clone(),
                route: s.route.clone(),
            })
            .collect();
        let media = super::call_media::MediaSetup { ip: bind_ip, policy: config.media.policy(), opus: config.media.opus(), devices: audio };
        let (fresh_flows, mut fresh_flow_requests) = mpsc::unbounded_channel();
        let push = super::push_flow::PushFlowSetup {
            events: listener.clone(),
            bus: bus.clone(),
            call_log: Some(call_log.clone()),
            fresh_flows,
            accounts: account_keys.clone(),
            deadline: Duration::from_secs(config.calls.push_wake_secs.max(1)),
        };
        let calls = CallHub::new(&stack, listener.clone(), call_accounts, media, config.calls.waiting, config.sip.min_session_expires, push);
        super::incoming::serve(stack.clone(), calls.clone());
        // The push flow hears how each REGISTER went on its own channel.
        let flow = calls.push().clone();
        tokio::spawn(async move {
            while let Some((account, input)) = wake_outcomes.recv().await {
                flow.registration(&account, input);
            }
        });
        let hub = calls.clone();
        tokio::spawn(async move {
            while let Some(moved) = moves.recv().await {
                hub.move_calls(&moved.account, &moved.contact, moved.local_ip).await;
            }
        });
        let mwi_stop = tokio_util::sync::CancellationToken::new();
        let mut mwi_tasks = Vec::new();
        for setup in setups.iter().filter(|s| s.account.voicemail.is_some()) {
            let a = &setup.account;
            let mailbox = a.voicemail.clone().unwrap_or_default();
            let target = if mailbox.contains(':') { mailbox } else { format!("sip:{mailbox}@{}", a.domain) };
            let mwi = super::mwi::MwiSetup {
                account_key: a.key(),
                username: a.username.clone(),
                domain: a.domain.clone(),
                target,
                creds: crate::sip::digest::DigestCredentials {
                    username: a.auth_username.clone().unwrap_or_else(|| a.username.clone()),
                    password: setup.password.clone(),
                },
                route: setup.route.clone(),
            };
            mwi_tasks.push(tokio::spawn(super::mwi::run(stack.clone(), mwi, mwi_stop.child_token())));
        }
        let mut accounts = Vec::new();
        for setup in setups {
            let (tx, rx) = mpsc::channel(8);
            let task = AccountTask::new(stack.clone(), listener.clone(), setup);
            tokio::spawn(task.run(rx));
            accounts.push(tx);
        }
        // A push says a call waits: out of suspension, and every account heals its flow and
        // REGISTERs at once (the gateway forks the INVITE on that REGISTER). In this order, so
        // the INVITE never finds the phone still asleep.
        let (hub, flows) = (calls.clone(), accounts.clone());
        tokio::spawn(async move {
            while let Some(super::push_flow::FreshFlow) = fresh_flow_requests.recv().await {
                hub.set_suspended(false);
                for account in &flows {
                    // try_send: a full queue is already waking.
                    let _ = account.try_send(AccountCommand::Suspended(false));
                    let _ = account.try_send(AccountCommand::NetworkChanged);
                }
            }
        });
        Ok(Phone {
            stack,
            accounts,
            calls,
            mwi_stop,
            mwi_tasks,
            call_log,
            bus,
            account_keys,
            library,
            route_probe,
        })
    }

    /// Calls `target` (an extension of the first account's PBX, or a SIP URI); returns the
    /// call's id, which every later event of the call carries.
    pub fn call(&self, target: &str) -> Result<String, EngineError> {
        self.calls.place_call(0, target)
    }

    /// Calls `target` from the account `account` (its key, `user@domain`).
    pub fn call_from(&self, account: &str, target: &str) -> Result<String, EngineError> {
        let index = self
            .account_keys
            .iter()
            .position(|k| k == account)
            .ok_or_else(|| EngineError::Config { field: "account", reason: format!("no account {account}") })?;
        self.calls.place_call(index, target)
    }

    /// The keys (`user@domain`) of the configured accounts, in order.
    pub fn account_keys(&self) -> &[String] {
        &self.account_keys
    }

    /// Each account's registration state now, then every change.
    pub fn watch_registrations(&self) -> tokio::sync::watch::Receiver<super::phone_state::Registrations> {
        self.bus.state().registrations()
    }

    /// The live calls now, then every change.
    pub fn watch_calls(&self) -> tokio::sync::watch::Receiver<Vec<super::phone_state::CallInfo>> {
        self.bus.state().calls()
    }

    /// Message-waiting counts per account now, then every change.
    pub fn watch_mwi(&self) -> tokio::sync::watch::Receiver<super::phone_state::Mwi> {
        self.bus.state().mwi()
    }

    /// Answers a ringing call; any other answered call is put on hold first.
    pub async fn answer(&self, call: &str) -> Result<(), EngineError> {
        // A call still waking (answered on the lock screen before its INVITE): kept as an
        // intent, carried out when the INVITE arrives.
        if self.calls.answer(call).await || self.calls.push().call_screen(call, crate::push::wake::WakeInput::Answer) {
            Ok(())
        } else {
            Err(EngineError::NoSuchCall(call.to_string()))
        }
    }

    /// Declines a ringing call: 486 so the desk keeps ringing, or 603 `everywhere`.
    pub async fn decline(&self, call: &str, everywhere: bool) -> Result<(), EngineError> {
        if self.calls.push().call_screen(call, crate::push::wake::WakeInput::Hangup) {
            return Ok(());
        }
        self.command(call, CallInput::Decline { everywhere }).await
    }

    /// Puts an active call on hold (re-INVITE, sendonly); `held` follows when the far end agrees.
    pub async fn hold(&self, call: &str) -> Result<(), EngineError> {
        self.command(call, CallInput::Hold).await
    }

    /// Mutes (or unmutes) our microphone on `call`; `muted` follows.
    pub async fn mute(&self, call: &str, on: bool) -> Result<(), EngineError> {
        self.command(call, CallInput::Mute { on }).await
    }

    pub async fn resume(&self, call: &str) -> Result<(), EngineError> {
        self.command(call, CallInput::Resume).await
    }

    /// Sends DTMF digits (0-9, *, #, A-D) on an active call, one SIP INFO each.
    pub async fn send_dtmf(&self, call: &str, digits: &str) -> Result<(), EngineError> {
        self.command(call, CallInput::SendDtmf { digits: digits.to_string() }).await
    }

    /// Blind transfer (REFER) to an extension or SIP URI; `transferred` or `transfer_failed`
    /// follows. Best done on hold, as desk phones do.
    pub async fn transfer_blind(&self, call: &str, target: &str) -> Result<(), EngineError> {
        self.command(call, CallInput::TransferBlind { target: target.to_string() }).await
    }

    /// Attended transfer: `call`'s far end is referred to `other`'s with `Replaces`, so they
    /// talk and both our calls end (`transferred` on `call`; `other` ends when replaced).
    pub async fn transfer_attended(&self, call: &str, other: &str) -> Result<(), EngineError> {
        if self.calls.transfer_attended(call, other).await {
            Ok(())
        } else {
            Err(EngineError::NoSuchCall(format!("{call} or {other}")))
        }
    }

    pub async fn hangup(&self, call: &str) -> Result<(), EngineError> {
        if self.calls.push().call_screen(call, crate::push::wake::WakeInput::Hangup) {
            return Ok(());
        }
        self.command(call, CallInput::Hangup).await
    }

    async fn command(&self, call: &str, input: CallInput) -> Result<(), EngineError> {
        if self.calls.command(call, input).await {
            Ok(())
        } else {
            Err(EngineError::NoSuchCall(call.to_string()))
        }
    }

    /// A push arrived (design §2): decides at once — no network, no disk, never an error —
    /// what the shell reports, and for a call to ring, starts waking the phone: every account
    /// re-registers on a fresh flow, and the INVITE the gateway holds arrives as the same call
    /// (`call_uuid` of account and Call-ID).
    pub fn handle_push(&self, envelope: &[u8]) -> crate::push::hint::IncomingCallHint {
        self.calls.push().on_push(envelope, super::clock::wall_ms().max(0) as u64)
    }

    /// The shell's push registration (RFC 8599) changed: every account registers again at
    /// once with the new Contact parameters (`None`: plain registration, no push).
    pub async fn set_push(&self, push: Option<crate::push::pn_params::PushConfig>) {
        for account in &self.accounts {
            let _ = account.send(AccountCommand::PushChanged(push.clone())).await;
        }
    }

    /// The latest quality report of `call` (`media_stats`), live or among the last 64 ended
    /// (design §2 `stats()`).
    pub fn stats(&self, call: &str) -> Option<PhoneEvent> {
        self.calls.stats(call)
    }

    /// The newest `limit` entries of the call log (design §6), newest first: every call with
    /// its end reason, last quality report and push timeline, as persisted.
    pub fn call_log(&self, limit: u32) -> Result<Vec<crate::store::call_log::CallLogEntry>, EngineError> {
        self.call_log.recent(limit).map_err(EngineError::Store)
    }

    /// One call's persisted entry.
    pub fn call_log_entry(&self, call: &str) -> Result<Option<crate::store::call_log::CallLogEntry>, EngineError> {
        self.call_log.get(call).map_err(EngineError::Store)
    }

    /// The timeline of a push-woken call (push received … ended, ms after the push): the one
    /// it ended with, as its `push_timeline` event said, or, while it still wakes or rings, the
    /// stages so far; `None` for a call no push announced.
    pub fn push_timeline(&self, call: &str) -> Option<PhoneEvent> {
        let (stages, diagnostic) = self.calls.push().timeline(call)?;
        Some(PhoneEvent::PushTimeline { call: call.to_string(), stages, diagnostic })
    }

    /// Plays (or ends) the app's sleep: while suspended the binding stays, but requests on the
    /// flow go unanswered and no keep-alive is sent, as when iOS or Android froze the app. A
    /// push wakes it.
    pub fn set_suspended(&self, on: bool) {
        self.calls.set_suspended(on);
        for account in &self.accounts {
            // try_send: this is called from the shell's thread; a full queue (eight commands
            // waiting) is a phone far from idle, whose keep-alives matter less than its commands.
            let _ = account.try_send(AccountCommand::Suspended(on));
        }
    }

    /// The shell reports a network change, with the device's new local address when it knows
    /// it (else the OS route toward the first account's server says it). The SIP UDP socket
    /// moves to that address (the old one is closed); every account re-registers on a fresh
    /// flow, removing its old Contact; and once the registrar has the new Contact, every live
    /// call of the account is re-INVITEd with it, its media moved to the new address.
    /// An address we cannot bind is an error, and nothing changes.
    pub async fn network_changed(&self, local_ip: Option<IpAddr>) -> Result<(), EngineError> {
        let current = self.stack.udp_local().map(|a| a.ip());
        let wanted = local_ip.or_else(|| self.route_probe.map(route_ip)).filter(|ip| !ip.is_unspecified());
        // A listener on every address (no account at start) never needs to move.
        if let (Some(ip), Some(current)) = (wanted, current) {
            if ip != current && !current.is_unspecified() {
                self.stack.rebind_udp(ip).await?;
                self.calls.set_media_ip(ip);
            }
        }
        for account in &self.accounts {
            let _ = account.send(AccountCommand::NetworkChanged).await;
        }
        Ok(())
    }

    /// Unregisters every account (bounded by `timeout`) and stops the stack.
    pub async fn shutdown(self, timeout: Duration) {
        self.calls.hangup_all(timeout / 2).await;
        self.mwi_stop.cancel();
        for task in self.mwi_tasks {
            let _ = tokio::time::timeout(timeout / 2, task).await;
        }
        let mut waits = Vec::new();
        for account in &self.accounts {
            let (tx, rx) = oneshot::channel();
            if account.send(AccountCommand::Stop(tx)).await.is_ok() {
                waits.push(rx);
            }
        }
        let _ = tokio::time::timeout(timeout, futures_join(waits)).await;
        self.stack.shutdown();
    }
}

async fn futures_join(waits: Vec<oneshot::Receiver<()>>) {
    for w in waits {
        let _ = w.await;
    }
}

fn validate(account: &AccountConfig) -> Result<(), EngineError> {
    if account.username.trim().is_empty() {
        return Err(EngineError::Config { field: "account.username", reason: "is empty".into() });
    }
    if account.domain.trim().is_empty() || account.domain.contains(['/', '@', ' ']) {
        return Err(EngineError::Config { field: "account.domain", reason: format!("{:?} is not a domain", account.domain) });
    }
    Ok(())
}

/// Where REGISTERs go: the proxy if set (`sip:host[:port][;transport=…]`, `sips:` = TLS),
/// else the domain, resolved by rsipstack (SRV, then A/AAAA).
pub fn target_of(account: &AccountConfig) -> Result<SipAddr, EngineError> {
    let raw = account.proxy.clone().unwrap_or_else(|| format!("sip:{}", account.domain));
    let raw = if raw.contains(':') && (raw.starts_with("sip:") || raw.starts_with("sips:")) { raw } else { format!("sip:{raw}") };
    let uri = Uri::try_from(raw.as_str()).map_err(|e| EngineError::Config { field: "account.proxy", reason: format!("{raw:?}: {e}") })?;
    let mut addr = SipAddr::try_from(&uri).map_err(|e| EngineError::Config { field: "account.proxy", reason: format!("{raw:?}: {e}") })?;
    if addr.r#type.is_none() {
        let secure = raw.starts_with("sips:");
        addr.r#type = Some(if secure { Transport::Tls } else { Transport::Udp });
    }
    Ok(addr)
}

/// RFC 3263 §4: the best target for `domain` (the host stays a name, for TLS identity; our
/// resolver gives rsipstack its address).
async fn located_target(locator: &Locator, domain: &str) -> SipAddr {
    let best = locator.locate(domain, false).await.into_iter().next();
    let (transport, host, port) = best.map(|t| (t.transport, t.host, t.port)).unwrap_or((Transport::Udp, domain.to_string(), 5060));
    let host = host.parse::<IpAddr>().map(Host::IpAddr).unwrap_or_else(|_| Host::Domain(host.into()));
    SipAddr { r#type: Some(transport), addr: rsipstack::sip::HostWithPort { host, port: Some(port.into()) } }
}

/// The address of `target`, whose route tells our local address.
async fn probe_for(locator: &Locator, target: &SipAddr) -> Option<SocketAddr> {
    let port = target.addr.port.as_ref().map(|p| p.value()).unwrap_or(5060);
    let ip = match &target.addr.host {
        Host::IpAddr(ip) => Some(*ip),
        Host::Domain(d) => locator.address(&d.to_string(), port).await.map(|a| a.ip()),
    };
    ip.map(|ip| SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(proxy: Option<&str>) -> AccountConfig {
        AccountConfig {
            username: "1001".into(),
            domain: "pbx.test".into(),
            proxy: proxy.map(str::to_string),
            password_env: None,
            display_name: None,
            auth_username: None,
            voicemail: None,
        }
    }

    #[test]
    fn proxy_uri_selects_transport() {
        let t = target_of(&account(Some("sip:127.0.0.1:5070;transport=tcp"))).unwrap();
        assert_eq!(t.r#type, Some(Transport::Tcp));
        assert_eq!(t.addr.to_string(), "127.0.0.1:5070");
        assert_eq!(target_of(&account(Some("sips:127.0.0.1:5071"))).unwrap().r#type, Some(Transport::Tls));
        assert_eq!(target_of(&account(Some("pabx.axivox.com"))).unwrap().r#type, Some(Transport::Udp));
        assert_eq!(target_of(&account(None)).unwrap().addr.to_string(), "pbx.test");
    }

    #[test]
    fn bad_domain_is_a_clear_config_error() {
        let mut a = account(None);
        a.domain = "http://x".into();
        assert!(validate(&a).unwrap_err().to_string().contains("account.domain"));
    }
}
