//! Records the shells read: accounts and calls as they stand, the push hint, quality, a push
//! timeline, the history; mirrors of the engine's types with FFI-friendly fields.

use crate::config::Account;
use crate::enums::{CallDirection, CallState, Codec, EndReason, HintAction, RegistrationState, WakeStage};
// The core's phone-state types, named apart from the mirrors exported here.
use ringside_core as state;

/// One account and how its registration stands.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AccountInfo {
    /// `user@domain`: how every call and event names the account.
    pub key: String,
    pub account: Account,
    pub state: RegistrationState,
}

/// One live call.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CallInfo {
    /// The call's stable id: every event and command names it.
    pub call: String,
    /// The account it came in on or went out from (`user@domain`).
    pub account: String,
    pub direction: CallDirection,
    /// The other party's SIP URI or number.
    pub remote: String,
    /// Their name from SIP, else from the contacts.
    pub remote_name: Option<String>,
    pub state: CallState,
    pub muted: bool,
    /// Wall clock, ms since 1970.
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
}

impl From<state::CallInfo> for CallInfo {
    fn from(c: state::CallInfo) -> Self {
        CallInfo {
            call: c.call,
            account: c.account,
            direction: c.direction.into(),
            remote: c.remote,
            remote_name: c.remote_name,
            state: c.state.into(),
            muted: c.muted,
            started_ms: c.started_ms,
            answered_ms: c.answered_ms,
        }
    }
}

/// A call's audio quality.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MediaStats {
    pub codec: Codec,
    pub srtp: bool,
    pub jitter_ms: f32,
    pub loss_pct: f32,
    pub rtt_ms: Option<f32>,
    /// ITU-T G.107 E-model estimate, 1–4.5.
    pub mos: f32,
    pub concealed_pct: f32,
}

impl MediaStats {
    /// From a `media_stats` event; `None` for any other, or a codec we do not know.
    pub(crate) fn from_event(e: &ringside_core::PhoneEvent) -> Option<MediaStats> {
        match e {
            ringside_core::PhoneEvent::MediaStats { codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct, .. } => Some(MediaStats {
                codec: Codec::from_name(codec)?,
                srtp: *srtp,
                jitter_ms: *jitter_ms,
                loss_pct: *loss_pct,
                rtt_ms: *rtt_ms,
                mos: *mos,
                concealed_pct: *concealed_pct,
            }),
            _ => None,
        }
    }
}

/// One stage of a push-woken call, in ms after the push arrived.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TimelineStage {
    pub stage: WakeStage,
    pub ms: f64,
}

impl From<ringside_core::TimelineStage> for TimelineStage {
    fn from(s: ringside_core::TimelineStage) -> Self {
        TimelineStage { stage: s.stage.into(), ms: s.ms }
    }
}

/// A push-woken call's stages, and why one that never got its INVITE ended as it did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PushTimeline {
    pub stages: Vec<TimelineStage>,
    pub diagnostic: Option<String>,
}

/// The answer of `handle_push`: enough to report the call to the platform's call screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IncomingCallHint {
    /// The call's stable id, the same the INVITE's events will carry.
    pub call: String,
    pub call_id: Option<String>,
    pub account: Option<String>,
    /// Who calls (a SIP URI), or `unknown`.
    pub caller: String,
    pub display_name: Option<String>,
    pub action: HintAction,
}

impl From<ringside_core::IncomingCallHint> for IncomingCallHint {
    fn from(h: ringside_core::IncomingCallHint) -> Self {
        IncomingCallHint { call: h.call, call_id: h.call_id, account: h.account, caller: h.caller, display_name: h.display_name, action: h.action.into() }
    }
}

/// One call of the history, as persisted.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CallLogEntry {
    pub call: String,
    pub call_id: Option<String>,
    pub account: Option<String>,
    pub direction: CallDirection,
    pub peer: String,
    /// The name SIP gave, else the contact's.
    pub display_name: Option<String>,
    /// Wall clock, ms since 1970.
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    /// None while the call goes on.
    pub reason: Option<EndReason>,
    pub sip_code: Option<u16>,
    /// How long it rang before it was answered or ended.
    pub ring_ms: Option<i64>,
    /// How long the two talked (answered to ended).
    pub talk_ms: Option<i64>,
    pub push_woken: bool,
    /// The caller gave up or nobody took it; never a call answered elsewhere.
    pub missed: bool,
    /// The user has seen this missed call.
    pub seen: bool,
    pub quality: Option<MediaStats>,
}

/// The history and how many missed calls the user has not seen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct History {
    pub entries: Vec<CallLogEntry>,
    pub missed_unseen: u32,
}

impl From<ringside_core::library::CallLogEntry> for CallLogEntry {
    fn from(e: ringside_core::library::CallLogEntry) -> Self {
        let direction = if e.direction == "out" { CallDirection::Outgoing } else { CallDirection::Incoming };
        let reason = e.reason.as_deref().and_then(|r| r.parse::<ringside_core::vocab::EndReason>().ok()).map(Into::into);
        CallLogEntry {
            call: e.call,
            call_id: e.call_id,
            account: e.account,
            direction,
            peer: e.peer,
            display_name: e.display_name,
            started_ms: e.started_ms,
            answered_ms: e.answered_ms,
            ended_ms: e.ended_ms,
            reason,
            sip_code: e.sip_code,
            ring_ms: e.ring_ms,
            talk_ms: e.talk_ms,
            push_woken: e.push_woken,
            missed: e.missed,
            seen: e.seen,
            quality: e.quality.and_then(|q| {
                Some(MediaStats {
                    codec: Codec::from_name(&q.codec)?,
                    srtp: q.srtp,
                    jitter_ms: q.jitter_ms as f32,
                    loss_pct: q.loss_pct as f32,
                    rtt_ms: q.rtt_ms.map(|r| r as f32),
                    mos: q.mos as f32,
                    concealed_pct: q.concealed_pct as f32,
                })
            }),
        }
    }
}
