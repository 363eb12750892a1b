//! What a call's events mean beyond its task: call waiting's view of who is answered and held,
//! a transferor's progress NOTIFYs, the push timeline, the shell's `PhoneEvent`s, and the
//! quality reports kept for the call log.

use super::call_task::IncomingCaller;
use super::CallHub;
use crate::engine::events::PhoneEvent;
use crate::engine::media_session::MediaStats;
use crate::signalling::call::{CallEvent, CallInput};

impl CallHub {
    pub(super) fn emit_stats(&self, uuid: &str, s: MediaStats) {
        self.keep_stats(uuid, &s);
        self.listener.on_event(stats_event(uuid, s));
    }

    /// The latest quality report of a call, kept after it ends (the last 64 calls) for the
    /// call log; the store persists it once it lands.
    fn keep_stats(&self, uuid: &str, s: &MediaStats) {
        let Ok(mut kept) = self.stats.lock() else { return };
        kept.retain(|(c, _)| c != uuid);
        if kept.len() == 64 {
            kept.pop_front();
        }
        kept.push_back((uuid.to_string(), s.clone()));
    }

    /// The latest `media_stats` of `call` (live, or among the last 64 ended).
    pub fn stats(&self, call: &str) -> Option<PhoneEvent> {
        let kept = self.stats.lock().ok()?;
        kept.iter().find(|(c, _)| c == call).map(|(c, s)| stats_event(c, s.clone()))
    }

    /// The machine reported an incoming call: the shell hears who calls, and a push-woken
    /// call's timeline reaches `ringing`.
    pub(super) fn announce_incoming(&self, uuid: &str, caller: IncomingCaller) {
        let IncomingCaller { call_id, from, display_name, account } = caller;
        self.listener.on_event(PhoneEvent::Incoming { call: uuid.to_string(), call_id, from, display_name, account });
        self.push.ringing(uuid);
    }

    pub(super) fn emit(&self, uuid: &str, event: CallEvent) {
        self.calls.track(uuid, &event);
        // A call placed for a REFER: its transferor hears how it went (RFC 3515 §2.4.4).
        let progress = match &event {
            CallEvent::Answered => Some(200),
            CallEvent::Ended { sip_code, .. } => Some(sip_code.filter(|c| *c >= 300).unwrap_or(487)),
            _ => None,
        };
        if let CallEvent::Ended { reason, .. } = &event {
            // Out of the registry before anyone hears of the end: the task still winds down
            // (BYE, media) after this, and a push arriving meanwhile must find the call over,
            // not ringing.
            self.remember_ended(uuid, *reason);
            self.calls.forget(uuid);
            self.push.finished(uuid);
        }
        if let CallEvent::Answered = &event {
            self.push.answered(uuid);
        }
        if let Some(code) = progress {
            if let Some(original) = self.calls.take_referral(uuid) {
                self.notify_call(&original, CallInput::ReferredCallProgress { code });
            }
        }
        let call = uuid.to_string();
        let event = match event {
            CallEvent::Incoming => return, // announced with its caller (`announce_incoming`)
            CallEvent::Ringing => PhoneEvent::Ringing { call },
            CallEvent::EarlyMedia => PhoneEvent::EarlyMedia { call },
            CallEvent::Answered => PhoneEvent::Answered { call },
            CallEvent::Held { by_remote } => PhoneEvent::Held { call, by_remote },
            CallEvent::Resumed { by_remote } => PhoneEvent::Resumed { call, by_remote },
            CallEvent::Muted { on } => PhoneEvent::Muted { call, muted: on },
            CallEvent::Dtmf { digit } => PhoneEvent::Dtmf { call, digit: digit.to_string() },
            CallEvent::Transferred { target } => PhoneEvent::Transferred { call, target },
            CallEvent::TransferFailed { target, sip_code } => PhoneEvent::TransferFailed { call, target, sip_code },
            CallEvent::Ended { reason, sip_code, duration } => {
                PhoneEvent::CallEnded { call, reason, sip_code, duration_ms: duration.map(|d| d.as_millis() as u64) }
            }
        };
        self.listener.on_event(event);
    }
}

fn stats_event(uuid: &str, s: MediaStats) -> PhoneEvent {
    PhoneEvent::MediaStats {
        call: uuid.to_string(),
        codec: s.codec,
        srtp: s.srtp,
        jitter_ms: s.jitter_ms,
        loss_pct: s.loss_pct,
        rtt_ms: s.rtt_ms,
        mos: s.mos,
        concealed_pct: s.concealed_pct,
        packets_sent: s.packets_sent,
        packets_received: s.packets_received,
    }
}
