//! The phone object the shells hold: one per app process, owning the core's tokio runtime.
//! Methods are blocking and short (they hand a command to the engine and return); the shell
//! calls them off its main thread, and hears what happened through its [`EventListener`].

use crate::audio::{AudioBridge, BridgeFactory};
use crate::config::{PhoneSettings, PushToken};
use crate::error::PhoneError;
use crate::events::{EventListener, SecretStore, SecretsFromShell, ToShell};
use crate::records::{CallLogEntry, IncomingCallHint};
use ringside_core::engine::config::PhoneConfig;
use std::sync::{Arc, RwLock};
use std::time::Duration;

#[derive(uniffi::Object)]
pub struct Phone {
    runtime: tokio::runtime::Runtime,
    /// None once shut down.
    inner: RwLock<Option<Arc<ringside_core::engine::Phone>>>,
}

#[uniffi::export]
impl Phone {
    /// Starts the phone: reads the passwords from `secrets`, binds its sockets, registers
    /// every account, and reports through `listener`. With `audio`, calls sound through the
    /// shell's audio (iOS); without, through the platform device the core drives (Oboe on
    /// Android) or silence.
    #[uniffi::constructor]
    pub fn start(
        settings: PhoneSettings,
        secrets: Arc<dyn SecretStore>,
        listener: Arc<dyn EventListener>,
        audio: Option<Arc<AudioBridge>>,
    ) -> Result<Arc<Self>, PhoneError> {
        let config = PhoneConfig::try_from(settings)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ringside-core")
            .enable_all()
            .build()
            .map_err(|e| PhoneError::Other { reason: format!("no runtime: {e}") })?;
        let secrets = Arc::new(SecretsFromShell(secrets));
        let listener = Arc::new(ToShell(listener));
        let devices: Arc<dyn ringside_core::audio::AudioDeviceFactory> = match audio {
            Some(bridge) => Arc::new(BridgeFactory(bridge)),
            None => ringside_core::audio::platform_devices(),
        };
        let phone = runtime.block_on(ringside_core::engine::Phone::start_with_audio(config, secrets, listener, devices))?;
        Ok(Arc::new(Phone { runtime, inner: RwLock::new(Some(Arc::new(phone))) }))
    }

    /// Calls `target` (an extension or a SIP URI) from the first account; returns the call id
    /// every later event of it carries.
    pub fn call(&self, target: String) -> Result<String, PhoneError> {
        self.with(|p| async move { p.call(&target) })
    }

    /// Answers a ringing call (holding any other answered call first).
    pub fn answer(&self, call: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.answer(&call).await })
    }

    /// Declines a ringing call: 486 so the desk keeps ringing, or 603 `everywhere`.
    pub fn decline(&self, call: String, everywhere: bool) -> Result<(), PhoneError> {
        self.with(|p| async move { p.decline(&call, everywhere).await })
    }

    pub fn hangup(&self, call: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.hangup(&call).await })
    }

    pub fn hold(&self, call: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.hold(&call).await })
    }

    pub fn resume(&self, call: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.resume(&call).await })
    }

    pub fn mute(&self, call: String, on: bool) -> Result<(), PhoneError> {
        self.with(|p| async move { p.mute(&call, on).await })
    }

    /// Sends DTMF digits (0-9, *, #, A-D).
    pub fn send_dtmf(&self, call: String, digits: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.send_dtmf(&call, &digits).await })
    }

    pub fn transfer_blind(&self, call: String, target: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.transfer_blind(&call, &target).await })
    }

    /// Attended transfer: `call`'s far end is connected to `other`'s.
    pub fn transfer_attended(&self, call: String, other: String) -> Result<(), PhoneError> {
        self.with(|p| async move { p.transfer_attended(&call, &other).await })
    }

    /// A VoIP push (PushKit) or FCM data message, as received. Never blocks and never fails:
    /// report the hint's call to CallKit/Telecom before returning from the push callback.
    pub fn handle_push(&self, envelope: Vec<u8>) -> IncomingCallHint {
        let phone = self.inner.read().ok().and_then(|g| g.clone());
        match phone.map(|p| p.handle_push(&envelope)) {
            Some(hint) => hint.into(),
            None => {
                // Shut down: still a hint the shell can report and end (iOS requires the report).
                let hint = ringside_core::push::hint::IncomingCallHint {
                    call: ringside_core::push::hint::push_uuid(&envelope),
                    call_id: None,
                    account: None,
                    caller: "unknown".into(),
                    display_name: None,
                    push_id: None,
                    action: ringside_core::push::hint::HintAction::End {
                        reason: ringside_core::signalling::call::EndReason::Failed,
                        diagnostic: Some("the phone is shut down".into()),
                    },
                };
                hint.into()
            }
        }
    }

    /// The push token changed (or `None`: push off); the phone registers again at once.
    pub fn set_push_token(&self, token: Option<PushToken>) -> Result<(), PhoneError> {
        self.with(|p| async move {
            p.set_push(token.map(Into::into)).await;
            Ok::<(), PhoneError>(())
        })
    }

    /// The device's network changed: new flows, re-REGISTER, re-INVITE live calls.
    pub fn network_changed(&self) -> Result<(), PhoneError> {
        self.with(|p| async move {
            p.network_changed().await;
            Ok::<(), PhoneError>(())
        })
    }

    /// The newest `limit` calls of the history, newest first.
    pub fn call_log(&self, limit: u32) -> Result<Vec<CallLogEntry>, PhoneError> {
        self.with(|p| async move { p.call_log(limit).map(|v| v.into_iter().map(Into::into).collect()) })
    }

    /// Unregisters every account (bounded by `timeout_ms`) and stops; later calls fail.
    pub fn shutdown(&self, timeout_ms: u64) {
        let Some(mut phone) = self.inner.write().ok().and_then(|mut g| g.take()) else {
            return;
        };
        // A command still in flight on another shell thread holds a reference: let it finish.
        let deadline = std::time::Instant::now() + Duration::from_millis(timeout_ms);
        let phone = loop {
            match Arc::try_unwrap(phone) {
                Ok(p) => break p,
                Err(shared) if std::time::Instant::now() < deadline => {
                    phone = shared;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(_) => return,
            }
        };
        self.runtime.block_on(phone.shutdown(Duration::from_millis(timeout_ms)));
    }
}

impl Phone {
    /// Runs `f` on the live phone, blocking this (shell) thread until it returns.
    fn with<T, E, F, Fut>(&self, f: F) -> Result<T, PhoneError>
    where
        F: FnOnce(Arc<ringside_core::engine::Phone>) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        PhoneError: From<E>,
    {
        let phone = self.inner.read().ok().and_then(|g| g.clone()).ok_or_else(|| PhoneError::Other { reason: "the phone is shut down".into() })?;
        let fut = f(phone);
        let result = if tokio::runtime::Handle::try_current().is_ok() {
            // Called from one of the core's own threads (a listener that calls back): let the
            // runtime keep its other work going while this one waits.
            tokio::task::block_in_place(|| self.runtime.block_on(fut))
        } else {
            self.runtime.block_on(fut)
        };
        result.map_err(PhoneError::from)
    }
}
