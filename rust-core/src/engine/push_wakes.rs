//! The calls a push announced whose INVITE has not come yet, and the timeline of every
//! push-woken call until it ends. Each is a [`PushWake`] machine; this book finds the one an
//! INVITE or a REGISTER outcome belongs to, under one lock, never across an await.

use crate::push::wake::{PushWake, WakeEnd, WakeInput, WakeStage};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One stage of a push-woken call, in milliseconds after the push arrived (monotonic clock).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineStage {
    pub stage: WakeStage,
    pub ms: f64,
}

struct Entry {
    account: String,
    wake: PushWake,
}

#[derive(Default)]
pub struct PushWakes {
    entries: Mutex<HashMap<String, Entry>>,
    /// Timelines of push-woken calls that ended, kept with the call for the call log (the
    /// store persists them once it lands); the last 64.
    ended: Mutex<std::collections::VecDeque<(String, Vec<TimelineStage>, Option<String>)>>,
}

const KEPT_TIMELINES: usize = 64;

/// In time order: the REGISTER's 2xx and the INVITE it lets through race on the wire.
fn stages(wake: &PushWake) -> Vec<TimelineStage> {
    let mut out: Vec<TimelineStage> = wake.timeline().iter().map(|(stage, d)| TimelineStage { stage: *stage, ms: d.as_secs_f64() * 1000.0 }).collect();
    out.sort_by(|a, b| a.ms.total_cmp(&b.ms));
    out
}

/// A wake that ended without its INVITE, with its timeline.
pub type Ended = (String, WakeEnd, Vec<TimelineStage>);

impl PushWakes {
    /// Starts waiting for `call`; false when it is already known (a duplicate push).
    pub fn start(&self, call: &str, account: &str, wake: PushWake) -> bool {
        let Ok(mut entries) = self.entries.lock() else { return false };
        if entries.contains_key(call) {
            return false;
        }
        entries.insert(call.to_string(), Entry { account: account.to_string(), wake });
        true
    }

    pub fn is_waiting(&self, call: &str) -> bool {
        self.entries.lock().map(|e| e.get(call).is_some_and(|x| x.wake.is_waiting())).unwrap_or(false)
    }

    pub fn record(&self, call: &str, now: Instant, stage: WakeStage) {
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(e) = entries.get_mut(call) {
                e.wake.record(now, stage);
            }
        }
    }

    pub fn deadline(&self, call: &str) -> Option<Instant> {
        self.entries.lock().ok()?.get(call)?.wake.poll_timeout()
    }

    /// Feeds one wake; an ending takes it out of the book.
    pub fn input(&self, call: &str, now: Instant, input: WakeInput) -> Option<Ended> {
        let mut entries = self.entries.lock().ok()?;
        let end = entries.get_mut(call)?.wake.handle(now, input)?;
        let e = entries.remove(call)?;
        Some((call.to_string(), end, stages(&e.wake)))
    }

    #[cfg(test)]
    pub fn knows(&self, call: &str) -> bool {
        self.entries.lock().map(|e| e.contains_key(call)).unwrap_or(false)
    }

    pub fn timeout(&self, call: &str, now: Instant) -> Option<Ended> {
        let mut entries = self.entries.lock().ok()?;
        let end = entries.get_mut(call)?.wake.handle_timeout(now)?;
        let e = entries.remove(call)?;
        Some((call.to_string(), end, stages(&e.wake)))
    }

    /// A REGISTER outcome of `account` reaches every call waking on it.
    pub fn registration(&self, account: &str, now: Instant, input: WakeInput) -> Vec<Ended> {
        let Ok(mut entries) = self.entries.lock() else { return Vec::new() };
        let mut ended = Vec::new();
        // A 2xx is recorded even for a call whose INVITE already came (the gateway forks it on
        // our REGISTER, so the two arrive together); a failure only ends calls still waiting.
        for (call, e) in entries.iter_mut().filter(|(_, e)| e.account == account && (e.wake.is_waiting() || input == WakeInput::Registered)) {
            if let Some(end) = e.wake.handle(now, input.clone()) {
                ended.push((call.clone(), end, stages(&e.wake)));
            }
        }
        for (call, _, _) in &ended {
            entries.remove(call);
        }
        ended
    }

    /// The waking call this INVITE is, if any: the best match (Call-ID, then X-Push-ID, then
    /// caller) among the account's waiting calls. Does not claim it.
    pub fn find(&self, account: &str, now: Instant, call_id: &str, push_id: Option<&str>, caller: &str) -> Option<String> {
        let entries = self.entries.lock().ok()?;
        entries
            .iter()
            .filter(|(_, e)| e.account == account)
            .filter_map(|(call, e)| e.wake.matches(now, call_id, push_id, caller).map(|by| (by, call)))
            .min()
            .map(|(_, call)| call.clone())
    }

    /// Whether the user already answered `call` on the call screen (its INVITE not yet taken).
    pub fn answered(&self, call: &str) -> bool {
        self.entries.lock().map(|e| e.get(call).is_some_and(|x| x.wake.answered())).unwrap_or(false)
    }

    /// The INVITE arrived for `call`: returns whether the user already answered.
    pub fn claim(&self, call: &str, now: Instant) -> bool {
        self.entries.lock().ok().and_then(|mut e| e.get_mut(call).map(|x| x.wake.invite_matched(now))).unwrap_or(false)
    }

    /// Keeps an ended call's timeline (and why it ended without an INVITE, if it did).
    pub fn keep(&self, call: &str, stages: &[TimelineStage], diagnostic: Option<&str>) {
        if let Ok(mut ended) = self.ended.lock() {
            if ended.len() == KEPT_TIMELINES {
                ended.pop_front();
            }
            ended.push_back((call.to_string(), stages.to_vec(), diagnostic.map(str::to_string)));
        }
    }

    /// The timeline a push-woken call ended with.
    pub fn kept(&self, call: &str) -> Option<(Vec<TimelineStage>, Option<String>)> {
        self.ended.lock().ok()?.iter().rev().find(|(c, _, _)| c == call).map(|(_, s, d)| (s.clone(), d.clone()))
    }

    /// The timeline so far of a call still waking or ringing: what QA (and a shell's
    /// diagnostics screen) reads while the wake is under way.
    pub fn live(&self, call: &str) -> Option<Vec<TimelineStage>> {
        self.entries.lock().ok()?.get(call).map(|e| stages(&e.wake))
    }

    /// The call ended: its complete timeline, if it was push-woken.
    pub fn finish(&self, call: &str, now: Instant) -> Option<Vec<TimelineStage>> {
        let mut e = self.entries.lock().ok()?.remove(call)?;
        e.wake.record(now, WakeStage::Ended);
        Some(stages(&e.wake))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::wake::WakeExpect;
    use crate::signalling::call::EndReason;
    use std::time::Duration;

    fn wake(t0: Instant, call_id: &str, caller: &str) -> PushWake {
        PushWake::new(t0, Duration::from_secs(20), WakeExpect { call_id: Some(call_id.into()), push_id: None, caller: caller.into() })
    }

    #[test]
    fn an_invite_prefers_the_call_id_match_over_a_caller_match() {
        let t0 = Instant::now();
        let book = PushWakes::default();
        assert!(book.start("u1", "a", wake(t0, "c1", "sip:100@pbx")));
        assert!(book.start("u2", "a", wake(t0, "c2", "sip:200@pbx")));
        assert!(!book.start("u1", "a", wake(t0, "c1", "sip:100@pbx")), "a duplicate push is one wake");
        assert_eq!(book.find("a", t0, "c2", None, "sip:100@pbx").as_deref(), Some("u2"));
        assert_eq!(book.live("u1").map(|s| s.len()), Some(1), "a waking call's timeline so far: the push");
        assert_eq!(book.find("a", t0, "zz", None, "sip:100@pbx").as_deref(), Some("u1"));
        assert_eq!(book.find("other-account", t0, "c2", None, ""), None);
        assert!(!book.claim("u2", t0));
        assert!(!book.is_waiting("u2") && book.is_waiting("u1"));
        let tl = book.finish("u2", t0 + Duration::from_millis(5)).unwrap();
        assert_eq!(tl.last().map(|s| s.stage), Some(WakeStage::Ended));
        book.keep("u2", &tl, None);
        assert_eq!(book.kept("u2").map(|(s, _)| s), Some(tl), "kept with the call after it ended");
        assert_eq!(book.kept("u1"), None);
    }

    #[test]
    fn a_failed_register_ends_every_call_waking_on_that_account() {
        let t0 = Instant::now();
        let book = PushWakes::default();
        book.start("u1", "a", wake(t0, "c1", "sip:1@x"));
        book.start("u2", "b", wake(t0, "c2", "sip:2@x"));
        let ended = book.registration("a", t0, WakeInput::RegisterFailed { reason: "403".into() });
        assert_eq!(ended.len(), 1);
        assert_eq!((ended[0].0.as_str(), ended[0].1.reason), ("u1", EndReason::Failed));
        assert!(!book.knows("u1") && book.knows("u2"));
    }

    #[test]
    fn a_wake_without_its_invite_ends_failed_at_its_deadline_on_the_clock_it_is_given() {
        let t0 = Instant::now();
        let book = PushWakes::default();
        book.start("u1", "a", wake(t0, "c1", "sip:1@x"));
        assert_eq!(book.deadline("u1"), Some(t0 + Duration::from_secs(20)));
        assert!(book.timeout("u1", t0 + Duration::from_secs(19)).is_none(), "not before the deadline");
        let (call, end, stages) = book.timeout("u1", t0 + Duration::from_secs(20)).unwrap();
        assert_eq!((call.as_str(), end.reason), ("u1", EndReason::Failed));
        assert!(end.diagnostic.unwrap().contains("no INVITE came within 20 s"));
        assert_eq!(stages.last().map(|s| (s.stage, s.ms)), Some((WakeStage::Ended, 20_000.0)));
        assert!(!book.knows("u1") && book.deadline("u1").is_none());
    }

    #[test]
    fn an_answer_before_the_invite_is_kept_until_the_invite_claims_the_wake() {
        let t0 = Instant::now();
        let book = PushWakes::default();
        book.start("u1", "a", wake(t0, "c1", "sip:1@x"));
        assert!(!book.answered("u1"));
        assert!(book.input("u1", t0 + Duration::from_millis(300), WakeInput::Answer).is_none());
        assert!(book.answered("u1"), "the policy reads the intent before the INVITE is taken");
        assert!(book.claim("u1", t0 + Duration::from_millis(900)));
        assert!(!book.is_waiting("u1") && book.deadline("u1").is_none(), "a claimed wake has no deadline");
        // The gateway forks the INVITE on our REGISTER: its 2xx still lands on the timeline.
        assert!(book.registration("a", t0 + Duration::from_secs(1), WakeInput::Registered).is_empty());
        let stages: Vec<WakeStage> = book.live("u1").unwrap().iter().map(|s| s.stage).collect();
        assert_eq!(stages, vec![WakeStage::PushReceived, WakeStage::Answered, WakeStage::Invite, WakeStage::Registered]);
    }
}
