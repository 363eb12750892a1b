//! Records the shells read: the push hint, the call log, quality, a push timeline; mirrors of
//! the engine's types with only FFI-friendly fields.

use ringside_core::signalling::call::EndReason;

/// Design §2's name of an end reason (`answered_elsewhere`…), as events and the log say it.
pub(crate) fn end_reason(r: EndReason) -> String {
    r.as_str().to_string()
}

/// What to do with a push, decided before `handle_push` returns.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum HintAction {
    /// Report the call (CallKit / Telecom) and ring; the core wakes and waits for the INVITE.
    Ring,
    /// Already reported and ringing (a duplicate push): nothing new.
    AlreadyRinging,
    /// Report it, then end it at once with `reason` (iOS must still report every VoIP push).
    End { reason: String, diagnostic: Option<String> },
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

impl From<ringside_core::push::hint::IncomingCallHint> for IncomingCallHint {
    fn from(h: ringside_core::push::hint::IncomingCallHint) -> Self {
        use ringside_core::push::hint::HintAction as Core;
        let action = match h.action {
            Core::Ring => HintAction::Ring,
            Core::AlreadyRinging => HintAction::AlreadyRinging,
            Core::End { reason, diagnostic } => HintAction::End { reason: end_reason(reason), diagnostic },
        };
        IncomingCallHint { call: h.call, call_id: h.call_id, account: h.account, caller: h.caller, display_name: h.display_name, action }
    }
}

/// One stage of a push-woken call, in ms after the push arrived.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TimelineStage {
    /// `push_received`, `hint_returned`, `register_sent`, `registered`, `invite`, `ringing`,
    /// `answered`, `ended`.
    pub stage: String,
    pub ms: f64,
}

impl From<ringside_core::engine::push_wakes::TimelineStage> for TimelineStage {
    fn from(s: ringside_core::engine::push_wakes::TimelineStage) -> Self {
        TimelineStage { stage: s.stage.as_str().to_string(), ms: s.ms }
    }
}

/// A call's last audio quality report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CallQuality {
    pub codec: String,
    pub srtp: bool,
    pub jitter_ms: f64,
    pub loss_pct: f64,
    pub rtt_ms: Option<f64>,
    /// ITU-T G.107 E-model estimate, 1–4.5.
    pub mos: f64,
    pub concealed_pct: f64,
}

/// One call of the history, as persisted.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CallLogEntry {
    pub call: String,
    pub call_id: Option<String>,
    pub account: Option<String>,
    /// `in` or `out`.
    pub direction: String,
    pub peer: String,
    pub display_name: Option<String>,
    /// Wall clock, ms since 1970.
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub reason: Option<String>,
    pub duration_ms: Option<i64>,
    pub push_woken: bool,
    /// The caller gave up or nobody took it; never a call answered elsewhere.
    pub missed: bool,
    pub quality: Option<CallQuality>,
    /// A push-woken call's timeline as JSON (`[{"stage":…,"ms":…}]`).
    pub push_timeline_json: Option<String>,
}

impl From<ringside_core::store::call_log::CallLogEntry> for CallLogEntry {
    fn from(e: ringside_core::store::call_log::CallLogEntry) -> Self {
        CallLogEntry {
            call: e.call,
            call_id: e.call_id,
            account: e.account,
            direction: e.direction,
            peer: e.peer,
            display_name: e.display_name,
            started_ms: e.started_ms,
            answered_ms: e.answered_ms,
            ended_ms: e.ended_ms,
            reason: e.reason,
            duration_ms: e.duration_ms,
            push_woken: e.push_woken,
            missed: e.missed,
            quality: e.quality.map(|q| CallQuality {
                codec: q.codec,
                srtp: q.srtp,
                jitter_ms: q.jitter_ms,
                loss_pct: q.loss_pct,
                rtt_ms: q.rtt_ms,
                mos: q.mos,
                concealed_pct: q.concealed_pct,
            }),
            push_timeline_json: e.push_timeline.map(|t| t.to_string()),
        }
    }
}
