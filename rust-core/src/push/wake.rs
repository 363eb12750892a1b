//! `PushWake`: one push-woken call, from the push to its INVITE (issue 5, design §2). Sans-IO:
//! it takes what happened and when (`handle(now, input)`), and says when to give up
//! (`poll_timeout`). The engine heals the flow and re-REGISTERs; this machine decides:
//!
//! - which INVITE is the pushed call: same Call-ID, else the same `X-Push-ID`, else the same
//!   caller before the deadline (a PBX that rewrites Call-IDs between its legs);
//! - what the user already did: answering on the lock screen before the INVITE arrived is kept
//!   as an intent, carried out the moment the INVITE matches; hanging up ends the wake;
//! - how it ends without an INVITE: the REGISTER failed, a `cancel` push said why (answered
//!   elsewhere, the caller gave up), or the deadline passed (`failed`);
//! - and the timeline every push-woken call keeps (monotonic, relative to the push).

use crate::signalling::call::EndReason;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WakeStage {
    PushReceived,
    HintReturned,
    RegisterSent,
    Registered,
    Invite,
    Ringing,
    Answered,
    Ended,
}

impl WakeStage {
    /// The stage's name as the `push_timeline` event spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WakeStage::PushReceived => "push_received",
            WakeStage::HintReturned => "hint_returned",
            WakeStage::RegisterSent => "register_sent",
            WakeStage::Registered => "registered",
            WakeStage::Invite => "invite",
            WakeStage::Ringing => "ringing",
            WakeStage::Answered => "answered",
            WakeStage::Ended => "ended",
        }
    }
}

/// What the push said, to recognise its INVITE by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeExpect {
    pub call_id: Option<String>,
    pub push_id: Option<String>,
    pub caller: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchedBy {
    CallId,
    PushId,
    Caller,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WakeInput {
    /// Fed by the tests and the fuzz target; the engine records this stage itself as it sends.
    #[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
    RegisterSent,
    Registered,
    RegisterFailed {
        reason: String,
    },
    /// The user answered on the call screen before the INVITE came.
    Answer,
    /// The user hung up or declined before the INVITE came.
    Hangup,
    /// A `cancel` push: the call ended before it reached us, and why.
    Cancelled {
        reason: EndReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeEnd {
    pub reason: EndReason,
    pub diagnostic: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    /// The INVITE arrived: the call machine owns the call from here.
    Matched,
    Ended,
}

#[derive(Debug, Clone)]
pub struct PushWake {
    started: Instant,
    deadline: Instant,
    expect: WakeExpect,
    state: State,
    answer_intent: bool,
    timeline: Vec<(WakeStage, Duration)>,
}

/// `sip:0612@pbx;user=phone` → `0612`: callers are compared by user part, since a PBX may
/// rewrite the host between the push and the INVITE.
fn caller_user(uri: &str) -> Option<String> {
    let rest = uri.trim().trim_start_matches('<');
    let rest = crate::sip::name_addr::without_scheme(rest)?;
    let user = rest.split(['@', ';', '>', '?']).next()?.trim();
    (!user.is_empty()).then(|| user.to_ascii_lowercase())
}

impl PushWake {
    pub fn new(now: Instant, deadline: Duration, expect: WakeExpect) -> Self {
        PushWake {
            started: now,
            deadline: now + deadline,
            expect,
            state: State::Waiting,
            answer_intent: false,
            timeline: vec![(WakeStage::PushReceived, Duration::ZERO)],
        }
    }

    pub fn record(&mut self, now: Instant, stage: WakeStage) {
        // One entry per stage: a second REGISTER or a retransmitted INVITE keeps the first time.
        if !self.timeline.iter().any(|(s, _)| *s == stage) {
            self.timeline.push((stage, now.saturating_duration_since(self.started)));
        }
    }

    pub fn timeline(&self) -> &[(WakeStage, Duration)] {
        &self.timeline
    }

    pub fn is_waiting(&self) -> bool {
        self.state == State::Waiting
    }

    /// Whether this INVITE is the pushed call, and by what.
    pub fn matches(&self, now: Instant, call_id: &str, push_id: Option<&str>, caller: &str) -> Option<MatchedBy> {
        if self.state != State::Waiting {
            return None;
        }
        if self.expect.call_id.as_deref() == Some(call_id) {
            return Some(MatchedBy::CallId);
        }
        if push_id.is_some() && self.expect.push_id.as_deref() == push_id {
            return Some(MatchedBy::PushId);
        }
        let same_caller = caller_user(caller).is_some() && caller_user(caller) == caller_user(&self.expect.caller);
        (same_caller && now < self.deadline).then_some(MatchedBy::Caller)
    }

    /// Whether the user answered on the call screen before the INVITE came.
    pub fn answered(&self) -> bool {
        self.answer_intent
    }

    /// The INVITE matched: returns whether the user already answered (send 200 at once).
    pub fn invite_matched(&mut self, now: Instant) -> bool {
        self.record(now, WakeStage::Invite);
        self.state = State::Matched;
        self.answer_intent
    }

    pub fn handle(&mut self, now: Instant, input: WakeInput) -> Option<WakeEnd> {
        match input {
            WakeInput::RegisterSent => self.record(now, WakeStage::RegisterSent),
            WakeInput::Registered => self.record(now, WakeStage::Registered),
            WakeInput::Answer => {
                if self.state == State::Waiting {
                    self.answer_intent = true;
                    self.record(now, WakeStage::Answered);
                }
            }
            WakeInput::RegisterFailed { reason } => return self.end(now, EndReason::Failed, Some(format!("re-registering after the push failed: {reason}"))),
            WakeInput::Hangup => return self.end(now, EndReason::LocalHangup, None),
            WakeInput::Cancelled { reason } => return self.end(now, reason, None),
        }
        None
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        (self.state == State::Waiting).then_some(self.deadline)
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Option<WakeEnd> {
        if now < self.deadline {
            return None;
        }
        let waited = self.deadline.saturating_duration_since(self.started).as_secs();
        let diagnostic = if self.answer_intent {
            format!("answered on the call screen, but no INVITE came within {waited} s")
        } else {
            format!("no INVITE came within {waited} s of the push")
        };
        self.end(now, EndReason::Failed, Some(diagnostic))
    }

    fn end(&mut self, now: Instant, reason: EndReason, diagnostic: Option<String>) -> Option<WakeEnd> {
        if self.state != State::Waiting {
            return None;
        }
        self.state = State::Ended;
        self.record(now, WakeStage::Ended);
        Some(WakeEnd { reason, diagnostic })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stage_names_are_the_ones_events_serialise() {
        use super::WakeStage::*;
        for s in [PushReceived, HintReturned, RegisterSent, Registered, Invite, Ringing, Answered, Ended] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "{s:?}");
        }
    }

    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn wake(t0: Instant) -> PushWake {
        PushWake::new(t0, 20 * S, WakeExpect { call_id: Some("c1@pbx".into()), push_id: Some("p1".into()), caller: "sip:0612345678@pbx.example".into() })
    }

    #[test]
    fn the_invite_is_found_by_call_id_then_push_id_then_caller_before_the_deadline() {
        let t0 = Instant::now();
        let w = wake(t0);
        assert_eq!(w.matches(t0, "c1@pbx", None, "sip:other@x"), Some(MatchedBy::CallId));
        assert_eq!(w.matches(t0, "rewritten@b2bua", Some("p1"), "sip:other@x"), Some(MatchedBy::PushId));
        assert_eq!(w.matches(t0 + S, "rewritten@b2bua", None, "<sip:0612345678@10.0.0.1;user=phone>"), Some(MatchedBy::Caller));
        assert_eq!(w.matches(t0 + 21 * S, "rewritten@b2bua", None, "sip:0612345678@10.0.0.1"), None, "a caller match only counts before the deadline");
        assert_eq!(w.matches(t0, "other@pbx", Some("p2"), "sip:someone@pbx"), None);
    }

    #[test]
    fn answering_before_the_invite_answers_it_the_moment_it_matches() {
        let t0 = Instant::now();
        let mut w = wake(t0);
        assert_eq!(w.handle(t0 + S, WakeInput::Answer), None);
        assert!(w.invite_matched(t0 + 2 * S), "the stored intent answers the INVITE");
        assert!(!w.is_waiting());
        assert_eq!(w.poll_timeout(), None, "the call machine owns the call now");
        assert_eq!(w.matches(t0 + 2 * S, "c1@pbx", None, ""), None, "one INVITE per wake");
    }

    #[test]
    fn answered_but_no_invite_fails_cleanly_at_the_deadline() {
        let t0 = Instant::now();
        let mut w = wake(t0);
        w.handle(t0 + S, WakeInput::Answer);
        assert_eq!(w.handle_timeout(t0 + 19 * S), None);
        let end = w.handle_timeout(t0 + 20 * S).unwrap();
        assert_eq!(end.reason, EndReason::Failed);
        assert!(end.diagnostic.unwrap().contains("answered on the call screen"));
        assert_eq!(w.handle_timeout(t0 + 30 * S), None, "ends once");
    }

    #[test]
    fn a_cancel_push_or_a_failed_register_ends_it_with_the_reason() {
        let t0 = Instant::now();
        let mut w = wake(t0);
        assert_eq!(w.handle(t0 + S, WakeInput::Cancelled { reason: EndReason::AnsweredElsewhere }).unwrap().reason, EndReason::AnsweredElsewhere);
        let mut w = wake(t0);
        let end = w.handle(t0 + S, WakeInput::RegisterFailed { reason: "403 Forbidden".into() }).unwrap();
        assert_eq!(end.reason, EndReason::Failed);
        assert!(end.diagnostic.unwrap().contains("403"));
        assert_eq!(w.handle(t0 + 2 * S, WakeInput::Hangup), None, "already ended");
    }

    #[test]
    fn the_timeline_keeps_the_first_time_of_each_stage_in_order() {
        let t0 = Instant::now();
        let mut w = wake(t0);
        w.record(t0 + Duration::from_millis(1), WakeStage::HintReturned);
        w.handle(t0 + Duration::from_millis(5), WakeInput::RegisterSent);
        w.handle(t0 + Duration::from_millis(9), WakeInput::RegisterSent);
        w.handle(t0 + Duration::from_millis(40), WakeInput::Registered);
        w.invite_matched(t0 + Duration::from_millis(60));
        let stages: Vec<_> = w.timeline().iter().map(|(s, d)| (*s, d.as_millis())).collect();
        assert_eq!(
            stages,
            vec![
                (WakeStage::PushReceived, 0),
                (WakeStage::HintReturned, 1),
                (WakeStage::RegisterSent, 5),
                (WakeStage::Registered, 40),
                (WakeStage::Invite, 60)
            ]
        );
    }
}
