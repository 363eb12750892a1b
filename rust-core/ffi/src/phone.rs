//! The phone object the shells hold: one per app process, owning the core's tokio runtime.
//! Everything that can wait is an `async fn` whose work runs on that runtime (the shell's
//! coroutine or task only awaits it), so no call blocks a shell thread; what the phone does is
//! delivered through subscriptions that start with the current state.

use crate::audio::{AudioBridge, BridgeFactory};
use crate::config::{Account, PhoneSettings, PushToken};
use crate::error::PhoneError;
use crate::events::{CallsListener, Event, EventListener, HistoryListener, MwiListener, RegistrationListener, SecretStore, SecretsFromShell};
use crate::log_sink::LogSink;
use crate::records::{AccountInfo, CallInfo, History, IncomingCallHint, MediaStats, PushTimeline};
use crate::subscription::Subscription;
use ringside_core::PhoneConfig;
use ringside_core::{PhoneEvent, PhoneListener};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

type Engine = ringside_core::Phone;

/// How many calls the history subscription delivers.
const HISTORY_SIZE: u32 = 200;

/// Starts the phone: reads the passwords from `secrets`, binds its sockets, opens the database,
/// registers every account. With `audio`, calls sound through the shell's audio (iOS); without,
/// through the device the core drives (Oboe on Android) or silence. With `log`, the core's
/// logs go to the shell's sink (logcat, os_log).
#[uniffi::export]
pub async fn start_phone(
    settings: PhoneSettings,
    secrets: Arc<dyn SecretStore>,
    log: Option<Arc<dyn LogSink>>,
    audio: Option<Arc<AudioBridge>>,
) -> Result<Arc<Phone>, PhoneError> {
    if let Some(sink) = log {
        crate::log_sink::install(sink);
    }
    let config = PhoneConfig::try_from(settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ringside-core")
        .enable_all()
        .build()
        .map_err(|e| PhoneError::Other { reason: format!("no runtime: {e}") })?;
    let devices: Arc<dyn ringside_core::audio::AudioDeviceFactory> = match audio {
        Some(bridge) => Arc::new(BridgeFactory(bridge)),
        None => ringside_core::audio::platform_devices(),
    };
    let shared = Arc::new(Shared { secrets: Arc::new(SecretsFromShell(secrets)), devices, fanout: Arc::default() });
    let engine = runtime.spawn(start_engine(config.clone(), shared.clone())).await.map_err(joined)??;
    let (current, _) = watch::channel(Some(engine));
    Ok(Arc::new(Phone { runtime: Mutex::new(Some(runtime)), config: Mutex::new(config), shared, current }))
}

/// Parses an account provisioning link (a `ringside:` URI, an https `…/provision` link, or the
/// text of a QR code holding one): the four *SIP Identifiers* values, password optional.
#[uniffi::export]
pub fn parse_provisioning(input: String) -> Result<Provisioning, PhoneError> {
    ringside_core::provisioning::parse(&input)
        .map(|p| Provisioning { username: p.username, domain: p.domain, proxy: p.proxy, password: p.password, display_name: p.display_name })
        .map_err(|reason| PhoneError::InvalidInput { reason })
}

/// What a provisioning link carries.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Provisioning {
    pub username: String,
    pub domain: String,
    pub proxy: Option<String>,
    pub password: Option<String>,
    pub display_name: Option<String>,
}

/// What every engine the phone starts shares: the shell's secrets, audio and listeners.
struct Shared {
    secrets: Arc<SecretsFromShell>,
    devices: Arc<dyn ringside_core::audio::AudioDeviceFactory>,
    fanout: Arc<Fanout>,
}

async fn start_engine(config: PhoneConfig, shared: Arc<Shared>) -> Result<Arc<Engine>, PhoneError> {
    let engine = Engine::start_with_audio(config, shared.secrets.clone(), shared.fanout.clone(), shared.devices.clone()).await?;
    Ok(Arc::new(engine))
}

fn joined(e: tokio::task::JoinError) -> PhoneError {
    PhoneError::Other { reason: format!("the core's task failed: {e}") }
}

/// The engine's listener: hands each event to the subscribed event listeners, and tells the
/// history subscriptions when the call log changed.
#[derive(Default)]
struct Fanout {
    events: Mutex<Vec<(u64, Arc<dyn EventListener>)>>,
    next_id: std::sync::atomic::AtomicU64,
    /// Bumped whenever an event changes the call log.
    history: watch::Sender<u64>,
}

impl PhoneListener for Fanout {
    fn on_event(&self, event: PhoneEvent) {
        if matches!(event, PhoneEvent::Incoming { .. } | PhoneEvent::Calling { .. } | PhoneEvent::Answered { .. } | PhoneEvent::CallEnded { .. }) {
            self.history.send_modify(|n| *n += 1);
        }
        let Some(out) = Event::from_engine(&event) else { return };
        let listeners: Vec<_> = self.events.lock().map(|l| l.iter().map(|(_, l)| l.clone()).collect()).unwrap_or_default();
        for l in listeners {
            l.on_event(out.clone());
        }
    }
}

#[derive(uniffi::Object)]
pub struct Phone {
    /// Taken at shutdown (or drop) and shut down in the background.
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    config: Mutex<PhoneConfig>,
    shared: Arc<Shared>,
    /// The running engine; replaced when the accounts change, `None` once shut down.
    current: watch::Sender<Option<Arc<Engine>>>,
}

impl Drop for Phone {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.lock().ok().and_then(|mut r| r.take()) {
            rt.shutdown_background();
        }
    }
}

#[uniffi::export]
impl Phone {
    /// Calls `target` (an extension or a SIP URI) from `account` (its key; `None`: the first
    /// account); returns the call id every later event of it carries.
    pub async fn call(&self, account: Option<String>, target: String) -> Result<String, PhoneError> {
        self.run(move |p| async move {
            match account {
                Some(a) => p.call_from(&a, &target),
                None => p.call(&target),
            }
        })
        .await
    }

    /// Answers a ringing call (holding any other answered call first). Before the INVITE of a
    /// push-woken call arrives, the answer is kept and carried out when it does.
    pub async fn answer(&self, call: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.answer(&call).await }).await
    }

    /// Declines a ringing call: 486 so the desk keeps ringing, or 603 `everywhere`.
    pub async fn decline(&self, call: String, everywhere: bool) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.decline(&call, everywhere).await }).await
    }

    /// Ends a call (BYE, or CANCEL while it rings out).
    pub async fn hangup(&self, call: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.hangup(&call).await }).await
    }

    /// Puts an active call on hold; the call's state shows `Held` when the far end agrees.
    pub async fn hold(&self, call: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.hold(&call).await }).await
    }

    pub async fn resume(&self, call: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.resume(&call).await }).await
    }

    /// Mutes (or unmutes) our microphone on `call`.
    pub async fn mute(&self, call: String, on: bool) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.mute(&call, on).await }).await
    }

    /// Sends DTMF digits (0-9, *, #, A-D).
    pub async fn send_dtmf(&self, call: String, digits: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.send_dtmf(&call, &digits).await }).await
    }

    /// Blind transfer (REFER) to an extension or SIP URI.
    pub async fn transfer_blind(&self, call: String, target: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.transfer_blind(&call, &target).await }).await
    }

    /// Attended transfer: `call`'s far end is connected to `other`'s.
    pub async fn transfer_attended(&self, call: String, other: String) -> Result<(), PhoneError> {
        self.run(move |p| async move { p.transfer_attended(&call, &other).await }).await
    }

    /// A VoIP push (PushKit) or FCM data message, as received. Never blocks and never fails:
    /// report the hint's call to CallKit/Telecom before returning from the push callback.
    pub fn handle_push(&self, envelope: Vec<u8>) -> IncomingCallHint {
        match self.engine() {
            Some(p) => p.handle_push(&envelope).into(),
            // Shut down: still a hint the shell can report and end (iOS requires the report).
            None => IncomingCallHint {
                call: ringside_core::vocab::push_uuid(&envelope),
                call_id: None,
                account: None,
                caller: "unknown".into(),
                display_name: None,
                action: crate::enums::HintAction::End { reason: crate::enums::EndReason::Failed, diagnostic: Some("the phone is shut down".into()) },
            },
        }
    }

    /// The push token changed (or `None`: push off); the phone registers again at once.
    pub async fn set_push_token(&self, token: Option<PushToken>) -> Result<(), PhoneError> {
        if let Ok(mut c) = self.config.lock() {
            c.push = token.clone().map(Into::into);
        }
        self.run(move |p| async move {
            p.set_push(token.map(Into::into)).await;
            Ok::<(), PhoneError>(())
        })
        .await
    }

    /// The device's network changed, its new local address unknown to the shell: the
    /// address the OS routes from toward the PBX is taken. The SIP UDP socket moves there
    /// (the old one closed), every account re-registers on a fresh flow (its old Contact
    /// removed), and live calls are re-INVITEd with the new Contact and media address.
    /// Returns at once.
    pub fn network_changed(&self) {
        if let (Some(p), Some(rt)) = (self.engine(), self.handle()) {
            rt.spawn(async move {
                if let Err(e) = p.network_changed(None).await {
                    tracing::warn!(error = %e, "network change");
                }
            });
        }
    }

    /// As [`Self::network_changed`], with the device's new local address (`"10.1.2.3"`,
    /// `"2001:db8::1"`) as the shell's network monitor reports it. An address that is no IP,
    /// or that the phone cannot bind, is `InvalidInput`/`Network`, and nothing moves.
    pub async fn network_changed_to(&self, local_ip: String) -> Result<(), PhoneError> {
        let ip = local_ip.trim().parse::<std::net::IpAddr>().map_err(|_| PhoneError::InvalidInput { reason: format!("{local_ip:?} is not an IP address") })?;
        self.run(move |p| async move { p.network_changed(Some(ip)).await }).await
    }

    /// Adds an account and registers it. The phone restarts its SIP side to do so, so it
    /// refuses (`Busy`) while a call is live.
    pub async fn add_account(&self, account: Account) -> Result<(), PhoneError> {
        let mut config = self.config_now()?;
        let key = ringside_core::vocab::account_key(&account.username, &account.domain);
        if config.accounts.iter().any(|a| a.key() == key) {
            return Err(PhoneError::InvalidInput { reason: format!("{key} is already an account") });
        }
        config.accounts.push(account.into());
        self.restart(config).await
    }

    /// Changes an account (the same `username@domain`): registers it again with the new values.
    pub async fn update_account(&self, account: Account) -> Result<(), PhoneError> {
        let mut config = self.config_now()?;
        let key = ringside_core::vocab::account_key(&account.username, &account.domain);
        let slot = config.accounts.iter_mut().find(|a| a.key() == key).ok_or_else(|| PhoneError::NotFound { call: key.clone() })?;
        *slot = account.into();
        self.restart(config).await
    }

    /// Unregisters and forgets an account (the last one too: the phone then rings for nobody
    /// until one is added).
    pub async fn remove_account(&self, key: String) -> Result<(), PhoneError> {
        let mut config = self.config_now()?;
        let before = config.accounts.len();
        config.accounts.retain(|a| a.key() != key);
        if config.accounts.len() == before {
            return Err(PhoneError::NotFound { call: key });
        }
        self.restart(config).await
    }

    /// Every account and its registration state now.
    pub fn accounts(&self) -> Vec<AccountInfo> {
        match (self.engine(), self.config.lock()) {
            (Some(p), Ok(config)) => account_infos(&config, &p.watch_registrations().borrow()),
            _ => Vec::new(),
        }
    }

    /// The live calls now.
    pub fn calls(&self) -> Vec<CallInfo> {
        self.engine().map(|p| p.watch_calls().borrow().iter().cloned().map(Into::into).collect()).unwrap_or_default()
    }

    /// A call's latest quality report, live or among the last 64 ended.
    pub fn stats(&self, call: String) -> Option<MediaStats> {
        self.engine()?.stats(&call).as_ref().and_then(MediaStats::from_event)
    }

    /// A push-woken call's timeline: so far while it wakes or rings, complete once it ended.
    pub fn push_timeline(&self, call: String) -> Option<PushTimeline> {
        match self.engine()?.push_timeline(&call)? {
            PhoneEvent::PushTimeline { stages, diagnostic, .. } => Some(PushTimeline { stages: stages.into_iter().map(Into::into).collect(), diagnostic }),
            _ => None,
        }
    }

    /// Every account and its registration: at once, then on each change.
    pub fn subscribe_registrations(self: Arc<Self>, listener: Arc<dyn RegistrationListener>) -> Arc<Subscription> {
        let phone = self.clone();
        self.follow(
            move |engine| engine.watch_registrations(),
            move |regs| listener.on_registrations(phone.config.lock().map(|c| account_infos(&c, regs)).unwrap_or_default()),
        )
    }

    /// Every live call: at once, then on each change.
    pub fn subscribe_calls(&self, listener: Arc<dyn CallsListener>) -> Arc<Subscription> {
        self.follow(|engine| engine.watch_calls(), move |calls| listener.on_calls(calls.iter().cloned().map(Into::into).collect()))
    }

    /// Voicemail waiting per account: the current counts at once, then each change.
    pub fn subscribe_mwi(&self, listener: Arc<dyn MwiListener>) -> Arc<Subscription> {
        self.follow(
            |engine| engine.watch_mwi(),
            move |mwi| {
                for (account, (new, old)) in mwi {
                    listener.on_mwi(account.clone(), *new, *old);
                }
            },
        )
    }

    /// The newest 200 calls and the unseen missed count: at once, then whenever a call starts,
    /// is answered or ends.
    pub fn subscribe_history(self: Arc<Self>, listener: Arc<dyn HistoryListener>) -> Arc<Subscription> {
        let mut changes = self.shared.fanout.history.subscribe();
        let phone = self.clone();
        let task = self.spawn(async move {
            loop {
                changes.mark_unchanged();
                if let Ok(history) = phone.history(HISTORY_SIZE, false).await {
                    listener.on_history(history);
                }
                if changes.changed().await.is_err() {
                    break;
                }
            }
        });
        Arc::new(Subscription::new(task))
    }

    /// Every event that has no subscription of its own (push hints, DTMF, transfers, quality,
    /// sync progress, errors), from now on.
    pub fn subscribe_events(&self, listener: Arc<dyn EventListener>) -> Arc<Subscription> {
        let fanout = self.shared.fanout.clone();
        let id = fanout.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut l) = fanout.events.lock() {
            l.push((id, listener));
        }
        // The task only waits to be cancelled; cancelling it takes the listener out.
        let task = self.spawn(async move {
            let _leave = Leave(fanout, id);
            std::future::pending::<()>().await
        });
        Arc::new(Subscription::new(task))
    }

    /// The newest `limit` calls (only the missed ones if `missed_only`), newest first, and the
    /// unseen missed count.
    pub async fn history(&self, limit: u32, missed_only: bool) -> Result<History, PhoneError> {
        self.run(move |p| async move { p.history(limit, missed_only).await.map(Into::into) }).await
    }

    /// Unregisters every account (bounded by `timeout_ms`) and stops; later calls fail.
    pub async fn shutdown(&self, timeout_ms: u64) {
        let Some(engine) = self.current.send_replace(None) else { return };
        let Some(rt) = self.handle() else { return };
        // Bounded as a whole: unregistering waits on the network, and a shell's shutdown must end.
        let limit = Duration::from_millis(timeout_ms);
        let _ = rt.spawn(async move { tokio::time::timeout(limit * 3, stop_engine(engine, limit)).await }).await;
    }
}

/// Takes the listener out when the subscription's task ends.
struct Leave(Arc<Fanout>, u64);

impl Drop for Leave {
    fn drop(&mut self) {
        if let Ok(mut l) = self.0.events.lock() {
            l.retain(|(id, _)| *id != self.1);
        }
    }
}

fn account_infos(config: &PhoneConfig, regs: &ringside_core::Registrations) -> Vec<AccountInfo> {
    config
        .accounts
        .iter()
        .map(|a| {
            let key = a.key();
            let state = regs.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone().into()).unwrap_or(crate::enums::RegistrationState::Registering);
            AccountInfo { key, account: a.into(), state }
        })
        .collect()
}

/// Shuts an engine down once no command still holds it (bounded by `timeout`).
async fn stop_engine(mut engine: Arc<Engine>, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    let engine = loop {
        match Arc::try_unwrap(engine) {
            Ok(p) => break p,
            Err(shared) if tokio::time::Instant::now() < deadline => {
                engine = shared;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(_) => return,
        }
    };
    engine.shutdown(timeout).await;
}

impl Phone {
    fn engine(&self) -> Option<Arc<Engine>> {
        self.current.borrow().clone()
    }

    fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.runtime.lock().ok()?.as_ref().map(|r| r.handle().clone())
    }

    fn spawn<F: Future<Output = ()> + Send + 'static>(&self, fut: F) -> Option<tokio::task::JoinHandle<()>> {
        self.handle().map(|rt| rt.spawn(fut))
    }

    /// Tells the history subscriptions to read again (a change no call event announces).
    pub(crate) fn history_changed(&self) {
        self.shared.fanout.history.send_modify(|n| *n += 1);
    }

    pub(crate) fn config_now(&self) -> Result<PhoneConfig, PhoneError> {
        self.config.lock().map(|c| c.clone()).map_err(|_| PhoneError::Other { reason: "the phone's settings are unreadable".into() })
    }

    /// Runs `f` on the live engine, on the core's runtime; the caller only awaits.
    pub(crate) async fn run<T, E, F, Fut>(&self, f: F) -> Result<T, PhoneError>
    where
        F: FnOnce(Arc<Engine>) -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
        PhoneError: From<E>,
    {
        let shut = || PhoneError::Other { reason: "the phone is shut down".into() };
        let engine = self.engine().ok_or_else(shut)?;
        let rt = self.handle().ok_or_else(shut)?;
        rt.spawn(f(engine)).await.map_err(joined)?.map_err(PhoneError::from)
    }

    /// Delivers `watch`'s value now and on every change, following the engine across restarts.
    fn follow<T, W, D>(&self, watch: W, deliver: D) -> Arc<Subscription>
    where
        T: Send + Sync + 'static,
        W: Fn(&Engine) -> watch::Receiver<T> + Send + 'static,
        D: Fn(&T) + Send + 'static,
    {
        let mut engines = self.current.subscribe();
        let task = self.spawn(async move {
            loop {
                let current = engines.borrow_and_update().clone();
                let Some(engine) = current else {
                    // Between two engines (an account change restarts it): the next one comes
                    // on this same channel. Only the phone going away ends the subscription.
                    if engines.changed().await.is_err() {
                        break;
                    }
                    continue;
                };
                let mut rx = watch(&engine);
                drop(engine);
                loop {
                    deliver(&rx.borrow_and_update());
                    tokio::select! {
                        changed = rx.changed() => if changed.is_err() { break },
                        _ = engines.changed() => break,
                    }
                }
            }
        });
        Arc::new(Subscription::new(task))
    }

    /// Starts a new engine on `config` in place of the running one (refused during a call).
    pub(crate) async fn restart(&self, config: PhoneConfig) -> Result<(), PhoneError> {
        let engine = self.engine().ok_or_else(|| PhoneError::Other { reason: "the phone is shut down".into() })?;
        if !engine.watch_calls().borrow().is_empty() {
            return Err(PhoneError::Busy { reason: "accounts change when no call is live".into() });
        }
        let rt = self.handle().ok_or_else(|| PhoneError::Other { reason: "the phone is shut down".into() })?;
        if let Some(old) = self.current.send_replace(None) {
            drop(engine);
            rt.spawn(stop_engine(old, Duration::from_secs(3))).await.map_err(joined)?;
        }
        let started = rt.spawn(start_engine(config.clone(), self.shared.clone())).await.map_err(joined)?;
        match started {
            Ok(engine) => {
                if let Ok(mut c) = self.config.lock() {
                    *c = config;
                }
                self.current.send_replace(Some(engine));
                Ok(())
            }
            Err(e) => {
                // The new settings did not start: the old ones come back, so the phone still rings.
                let old = self.config_now()?;
                if let Ok(engine) = rt.spawn(start_engine(old, self.shared.clone())).await.map_err(joined)? {
                    self.current.send_replace(Some(engine));
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
#[path = "phone_tests.rs"]
mod tests;

#[uniffi::export]
impl Phone {
    /// Applies the settings screen's changes: the phone restarts on them and registers again
    /// (subscriptions carry on across the restart). Refused (`Busy`) while a call is live, so a
    /// change never cuts a call; the running settings then stay. Directory and mailbox passwords
    /// are read from the [`crate::SecretStore`] again, so store new ones before calling this.
    pub async fn update_settings(&self, settings: crate::settings::CallSettings) -> Result<(), PhoneError> {
        let mut config = self.config_now()?;
        settings.apply_to(&mut config)?;
        self.restart(config).await
    }
}
