//! Events the core reports to shells (design §4): one enum, serialised as the CLI's JSON lines.

use crate::signalling::call::EndReason;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PhoneEvent {
    /// The registrar accepted our binding for `expires` seconds.
    Registered {
        account: String,
        expires: u32,
        contact: String,
        /// With push configured (RFC 8599): whether the registrar's `Feature-Caps` says it
        /// will push (`false`: the phone must stay awake to ring). Absent without push.
        #[serde(skip_serializing_if = "Option::is_none")]
        push: Option<bool>,
    },
    /// An attempt failed; `retry_in_ms` is absent when the user must act (wrong password).
    RegistrationFailed {
        account: String,
        code: u16,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_in_ms: Option<u64>,
    },
    Unregistered {
        account: String,
    },
    /// A call rings here (and, forked by the PBX, at the desk).
    Incoming {
        call: String,
        call_id: String,
        from: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        display_name: Option<String>,
        account: String,
    },
    /// We placed a call; every later event of it carries `call`.
    Calling {
        call: String,
        target: String,
        /// The account placing it (`user@domain`) and the INVITE's Call-ID, for the call log.
        account: String,
        call_id: String,
    },
    /// Our outgoing call rings at the far end.
    Ringing {
        call: String,
    },
    /// The far end's early media (ringback, announcement) plays before the answer.
    EarlyMedia {
        call: String,
    },
    Answered {
        call: String,
    },
    /// The call is on hold: by us (`by_remote` false) or by the far end.
    Held {
        call: String,
        by_remote: bool,
    },
    Resumed {
        call: String,
        by_remote: bool,
    },
    /// What a push decided (`handle_push`): `ring`, `already_ringing` or `end` (with why).
    PushHint {
        call: String,
        action: String,
        caller: String,
        reason: Option<crate::signalling::call::EndReason>,
        diagnostic: Option<String>,
    },
    /// A push-woken call's stages (push received, hint returned, REGISTER sent, registered,
    /// INVITE, ringing, answered, ended), in ms after the push; sent as the call ends.
    PushTimeline {
        call: String,
        stages: Vec<super::push_wakes::TimelineStage>,
        /// Why a call that never got its INVITE ended as it did (the deadline, a failed REGISTER).
        #[serde(skip_serializing_if = "Option::is_none")]
        diagnostic: Option<String>,
    },
    /// A call's audio quality (every few seconds, and once more at its end).
    MediaStats {
        call: String,
        codec: String,
        srtp: bool,
        jitter_ms: f32,
        loss_pct: f32,
        rtt_ms: Option<f32>,
        /// ITU-T G.107 E-model estimate, 1-4.5.
        mos: f32,
        concealed_pct: f32,
        packets_sent: u64,
        packets_received: u64,
    },
    /// Our microphone on this call is off (`muted`) or back on.
    Muted {
        call: String,
        muted: bool,
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
    /// A DTMF digit from the far end.
    Dtmf {
        call: String,
        digit: String,
    },
    CallEnded {
        call: String,
        reason: EndReason,
        #[serde(skip_serializing_if = "Option::is_none")]
        sip_code: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_ms: Option<u64>,
    },
    /// Voicemail waiting (RFC 3842), from a NOTIFY of the PBX.
    Mwi {
        account: String,
        new: u32,
        old: u32,
    },
    Error {
        message: String,
    },
    /// A directory or voicemail sync is under way: `done` of `total` items.
    SyncProgress {
        source: SyncSource,
        done: u32,
        total: Option<u32>,
    },
    /// A sync ended: what it changed in the cache.
    SyncFinished {
        source: SyncSource,
        report: crate::store::sync_state::SyncReport,
    },
    /// A sync stopped (server error, disconnect, full disk); what was cached before stays.
    SyncFailed {
        source: SyncSource,
        message: String,
    },
}

/// What a sync fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncSource {
    /// The company directory (CardDAV).
    Directory,
    /// The voicemail mailbox (IMAP).
    Voicemail,
}

impl SyncSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncSource::Directory => "directory",
            SyncSource::Voicemail => "voicemail",
        }
    }
}

impl PhoneEvent {
    /// The `push_hint` event reporting what `handle_push` decided.
    pub fn from_hint(hint: &crate::push::hint::IncomingCallHint) -> PhoneEvent {
        use crate::push::hint::HintAction;
        let (action, reason, diagnostic) = match &hint.action {
            HintAction::Ring => ("ring", None, None),
            HintAction::AlreadyRinging => ("already_ringing", None, None),
            HintAction::End { reason, diagnostic } => ("end", Some(*reason), diagnostic.clone()),
        };
        PhoneEvent::PushHint { call: hint.call.clone(), action: action.into(), caller: hint.caller.clone(), reason, diagnostic }
    }
}

/// Receives the core's events; shells adapt it once (Kotlin Flow, Swift AsyncStream, JSON lines).
pub trait PhoneListener: Send + Sync {
    fn on_event(&self, event: PhoneEvent);
}
