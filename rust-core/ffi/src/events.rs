//! What the core tells the shell and asks of it, as traits the shell implements: one listener
//! per subscription (registrations, calls, MWI, history, the raw event stream), the password
//! store and the log sink. Listeners are called on the core's threads: hop to the main thread
//! before touching UI, and never call back into the phone and wait from there.

use crate::enums::{EndReason, HintAction, SecretKind, SyncSource};
use crate::records::{AccountInfo, CallInfo, History, MediaStats, PushTimeline};
use ringside_core::PhoneEvent;
use std::sync::Arc;

/// What a sync achieved.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub added: u32,
    pub updated: u32,
    pub removed: u32,
    /// One sentence per entry that could not be read (the rest went in).
    pub skipped: Vec<String>,
}

impl From<ringside_core::library::SyncReport> for SyncReport {
    fn from(r: ringside_core::library::SyncReport) -> Self {
        SyncReport { added: r.added, updated: r.updated, removed: r.removed, skipped: r.skipped }
    }
}

/// The events that have no subscription of their own.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Event {
    /// What a push decided, as `handle_push` returned it.
    PushHint {
        call: String,
        action: HintAction,
        caller: String,
    },
    /// A push-woken call's stages, sent as it ends.
    PushTimeline {
        call: String,
        timeline: PushTimeline,
    },
    /// A DTMF digit from the far end.
    Dtmf {
        call: String,
        digit: String,
    },
    /// The far end reached the transfer target; our leg ends next.
    Transferred {
        call: String,
        target: String,
    },
    /// The transfer did not go through; the call goes on.
    TransferFailed {
        call: String,
        target: String,
        sip_code: u16,
    },
    /// A call's audio quality, every few seconds and once more at its end.
    MediaStats {
        call: String,
        stats: MediaStats,
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
    Error {
        message: String,
    },
}

impl Event {
    /// The shell's view of an engine event; `None` for what a subscription carries instead
    /// (registrations, call states, MWI).
    pub(crate) fn from_engine(e: &PhoneEvent) -> Option<Event> {
        Some(match e {
            PhoneEvent::PushHint { call, action, caller, reason, diagnostic } => {
                let action = match (action.as_str(), reason) {
                    ("ring", _) => HintAction::Ring,
                    ("already_ringing", _) => HintAction::AlreadyRinging,
                    (_, reason) => HintAction::End { reason: reason.map(Into::into).unwrap_or(EndReason::Failed), diagnostic: diagnostic.clone() },
                };
                Event::PushHint { call: call.clone(), action, caller: caller.clone() }
            }
            PhoneEvent::PushTimeline { call, stages, diagnostic } => Event::PushTimeline {
                call: call.clone(),
                timeline: PushTimeline { stages: stages.iter().cloned().map(Into::into).collect(), diagnostic: diagnostic.clone() },
            },
            PhoneEvent::Dtmf { call, digit } => Event::Dtmf { call: call.clone(), digit: digit.clone() },
            PhoneEvent::Transferred { call, target } => Event::Transferred { call: call.clone(), target: target.clone() },
            PhoneEvent::TransferFailed { call, target, sip_code } => Event::TransferFailed { call: call.clone(), target: target.clone(), sip_code: *sip_code },
            PhoneEvent::MediaStats { call, .. } => Event::MediaStats { call: call.clone(), stats: MediaStats::from_event(e)? },
            PhoneEvent::Error { message } => Event::Error { message: message.clone() },
            PhoneEvent::SyncProgress { source, done, total } => Event::SyncProgress { source: (*source).into(), done: *done, total: *total },
            PhoneEvent::SyncFinished { source, report } => Event::SyncFinished { source: (*source).into(), report: report.clone().into() },
            PhoneEvent::SyncFailed { source, message } => Event::SyncFailed { source: (*source).into(), message: message.clone() },
            _ => return None,
        })
    }
}

/// The raw event stream.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, event: Event);
}

/// Every account and its registration: at once, then on each change.
#[uniffi::export(with_foreign)]
pub trait RegistrationListener: Send + Sync {
    fn on_registrations(&self, accounts: Vec<AccountInfo>);
}

/// Every live call: at once, then on each change (an ended call shows `Ended` once).
#[uniffi::export(with_foreign)]
pub trait CallsListener: Send + Sync {
    fn on_calls(&self, calls: Vec<CallInfo>);
}

/// Voicemail waiting (RFC 3842) per account: the current counts at once, then each change.
#[uniffi::export(with_foreign)]
pub trait MwiListener: Send + Sync {
    fn on_mwi(&self, account: String, new_messages: u32, old_messages: u32);
}

/// The newest 200 calls of the history and the unseen missed count: at once, then each change.
#[uniffi::export(with_foreign)]
pub trait HistoryListener: Send + Sync {
    fn on_history(&self, history: History);
}

/// Where the shell keeps passwords (Android Keystore, iOS Keychain): asked when needed, never
/// written to disk by the core.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    /// The password of `account` (`user@domain` for SIP; the username for the directory and
    /// the voicemail mailbox), if the user gave one.
    fn password(&self, kind: SecretKind, account: String) -> Option<String>;
}

/// The engine's secret store, asking the shell's.
pub(crate) struct SecretsFromShell(pub Arc<dyn SecretStore>);

impl ringside_core::SecretStore for SecretsFromShell {
    fn password(&self, account_key: &str) -> Option<String> {
        self.0.password(SecretKind::Sip, account_key.to_string())
    }

    fn service_password(&self, kind: ringside_core::SecretKind, username: &str) -> Option<String> {
        use ringside_core::SecretKind as Core;
        let kind = match kind {
            Core::Sip => SecretKind::Sip,
            Core::Directory => SecretKind::Directory,
            Core::Voicemail => SecretKind::Voicemail,
        };
        self.0.password(kind, username.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_hints_cross_as_typed_actions() {
        let hint = PhoneEvent::PushHint {
            call: "c".into(),
            action: "end".into(),
            caller: "sip:1002@pbx".into(),
            reason: Some(ringside_core::vocab::EndReason::AnsweredElsewhere),
            diagnostic: None,
        };
        assert_eq!(
            Event::from_engine(&hint),
            Some(Event::PushHint {
                call: "c".into(),
                action: HintAction::End { reason: EndReason::AnsweredElsewhere, diagnostic: None },
                caller: "sip:1002@pbx".into()
            })
        );
        assert_eq!(Event::from_engine(&PhoneEvent::Answered { call: "c".into() }), None, "call states go to subscribe_calls");
    }
}
