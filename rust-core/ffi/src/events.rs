//! What the core tells the shell (events, as the CLI's JSON lines carry them: design §4) and
//! what it asks of it (the password), as traits the shell implements.

use crate::records::{end_reason, TimelineStage};
use ringside_core::engine::PhoneEvent;
use std::sync::Arc;

/// One event of the core; every call event carries the call's stable id.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Event {
    Registered {
        account: String,
        expires: u32,
        contact: String,
        push: Option<bool>,
    },
    RegistrationFailed {
        account: String,
        code: u16,
        reason: String,
        retry_in_ms: Option<u64>,
    },
    Unregistered {
        account: String,
    },
    Incoming {
        call: String,
        call_id: String,
        from: String,
        display_name: Option<String>,
        account: String,
    },
    Calling {
        call: String,
        target: String,
    },
    Ringing {
        call: String,
    },
    Answered {
        call: String,
    },
    Held {
        call: String,
        by_remote: bool,
    },
    Resumed {
        call: String,
        by_remote: bool,
    },
    Muted {
        call: String,
        muted: bool,
    },
    PushHint {
        call: String,
        action: String,
        caller: String,
        reason: Option<String>,
        diagnostic: Option<String>,
    },
    PushTimeline {
        call: String,
        stages: Vec<TimelineStage>,
        diagnostic: Option<String>,
    },
    MediaStats {
        call: String,
        codec: String,
        srtp: bool,
        jitter_ms: f32,
        loss_pct: f32,
        rtt_ms: Option<f32>,
        mos: f32,
        concealed_pct: f32,
    },
    Transferred {
        call: String,
        target: String,
    },
    TransferFailed {
        call: String,
        target: String,
        sip_code: u16,
    },
    Dtmf {
        call: String,
        digit: String,
    },
    /// `reason` is one of design §2's end reasons (`answered_elsewhere` is never missed).
    CallEnded {
        call: String,
        reason: String,
        sip_code: Option<u16>,
        duration_ms: Option<u64>,
    },
    Mwi {
        account: String,
        new_messages: u32,
        old_messages: u32,
    },
    Error {
        message: String,
    },
    SyncProgress {
        source: SyncSource,
        done: u32,
        total: Option<u32>,
    },
    SyncFinished {
        source: SyncSource,
        report: SyncReport,
    },
    SyncFailed {
        source: SyncSource,
        message: String,
    },
}

/// What a sync fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncSource {
    Directory,
    Voicemail,
}

impl From<ringside_core::engine::events::SyncSource> for SyncSource {
    fn from(s: ringside_core::engine::events::SyncSource) -> Self {
        match s {
            ringside_core::engine::events::SyncSource::Directory => SyncSource::Directory,
            ringside_core::engine::events::SyncSource::Voicemail => SyncSource::Voicemail,
        }
    }
}

/// What one sync changed, and why it skipped each item it skipped.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub added: u32,
    pub updated: u32,
    pub removed: u32,
    pub skipped: Vec<String>,
}

impl From<ringside_core::store::sync_state::SyncReport> for SyncReport {
    fn from(r: ringside_core::store::sync_state::SyncReport) -> Self {
        SyncReport { added: r.added, updated: r.updated, removed: r.removed, skipped: r.skipped }
    }
}

impl From<PhoneEvent> for Event {
    fn from(e: PhoneEvent) -> Self {
        match e {
            PhoneEvent::Registered { account, expires, contact, push } => Event::Registered { account, expires, contact, push },
            PhoneEvent::RegistrationFailed { account, code, reason, retry_in_ms } => Event::RegistrationFailed { account, code, reason, retry_in_ms },
            PhoneEvent::Unregistered { account } => Event::Unregistered { account },
            PhoneEvent::Incoming { call, call_id, from, display_name, account } => Event::Incoming { call, call_id, from, display_name, account },
            PhoneEvent::Calling { call, target, .. } => Event::Calling { call, target },
            PhoneEvent::Ringing { call } => Event::Ringing { call },
            PhoneEvent::Answered { call } => Event::Answered { call },
            PhoneEvent::Held { call, by_remote } => Event::Held { call, by_remote },
            PhoneEvent::Resumed { call, by_remote } => Event::Resumed { call, by_remote },
            PhoneEvent::Muted { call, muted } => Event::Muted { call, muted },
            PhoneEvent::PushHint { call, action, caller, reason, diagnostic } => {
                Event::PushHint { call, action, caller, reason: reason.map(end_reason), diagnostic }
            }
            PhoneEvent::PushTimeline { call, stages, diagnostic } => {
                Event::PushTimeline { call, stages: stages.into_iter().map(Into::into).collect(), diagnostic }
            }
            PhoneEvent::MediaStats { call, codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct, .. } => {
                Event::MediaStats { call, codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct }
            }
            PhoneEvent::Transferred { call, target } => Event::Transferred { call, target },
            PhoneEvent::TransferFailed { call, target, sip_code } => Event::TransferFailed { call, target, sip_code },
            PhoneEvent::Dtmf { call, digit } => Event::Dtmf { call, digit },
            PhoneEvent::CallEnded { call, reason, sip_code, duration_ms } => Event::CallEnded { call, reason: end_reason(reason), sip_code, duration_ms },
            PhoneEvent::Mwi { account, new, old } => Event::Mwi { account, new_messages: new, old_messages: old },
            PhoneEvent::Error { message } => Event::Error { message },
            PhoneEvent::SyncProgress { source, done, total } => Event::SyncProgress { source: source.into(), done, total },
            PhoneEvent::SyncFinished { source, report } => Event::SyncFinished { source: source.into(), report: report.into() },
            PhoneEvent::SyncFailed { source, message } => Event::SyncFailed { source: source.into(), message },
        }
    }
}

/// Receives the core's events, on the core's threads: hop to the main thread before touching
/// UI, and never call back into the phone and wait from here.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, event: Event);
}

/// Where the shell keeps passwords (Android Keystore, iOS Keychain): asked when the phone
/// starts, never written to disk by the core.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    /// The SIP password of the account `username@domain`, if the user gave one.
    fn password(&self, account: String) -> Option<String>;
}

/// The engine's listener, forwarding to the shell's.
pub(crate) struct ToShell(pub Arc<dyn EventListener>);

impl ringside_core::engine::PhoneListener for ToShell {
    fn on_event(&self, event: PhoneEvent) {
        self.0.on_event(event.into());
    }
}

/// The engine's secret store, asking the shell's.
pub(crate) struct SecretsFromShell(pub Arc<dyn SecretStore>);

impl ringside_core::engine::SecretStore for SecretsFromShell {
    fn password(&self, account_key: &str) -> Option<String> {
        self.0.password(account_key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_core::signalling::call::EndReason;

    #[test]
    fn events_keep_their_fields_and_end_reasons_read_as_the_cli_writes_them() {
        let e: Event = PhoneEvent::CallEnded { call: "c".into(), reason: EndReason::AnsweredElsewhere, sip_code: Some(487), duration_ms: None }.into();
        assert_eq!(e, Event::CallEnded { call: "c".into(), reason: "answered_elsewhere".into(), sip_code: Some(487), duration_ms: None });
        let e: Event = PhoneEvent::Mwi { account: "a".into(), new: 2, old: 5 }.into();
        assert_eq!(e, Event::Mwi { account: "a".into(), new_messages: 2, old_messages: 5 });
    }
}
