//! The push flow without sockets: a registry, a bus that records, a fresh-flow channel. The
//! wakes run on the real clock (their machine's own tests use a given one), so deadlines here
//! are short.

use super::*;
use std::sync::Mutex;

#[derive(Default)]
struct Seen(Mutex<Vec<PhoneEvent>>);

impl PhoneListener for Seen {
    fn on_event(&self, event: PhoneEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Seen {
    fn names(&self) -> Vec<&'static str> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|e| match e {
                PhoneEvent::PushHint { .. } => "push_hint",
                PhoneEvent::PushTimeline { .. } => "push_timeline",
                PhoneEvent::CallEnded { .. } => "call_ended",
                _ => "other",
            })
            .collect()
    }
}

const ACCOUNT: &str = "1001@pbx.example";
const NOW_MS: u64 = 1_795_300_000_000;

fn flow(deadline: Duration) -> (Arc<PushFlow>, Arc<CallRegistry>, Arc<Seen>, mpsc::UnboundedReceiver<FreshFlow>) {
    let (calls, seen) = (Arc::new(CallRegistry::default()), Arc::new(Seen::default()));
    let (fresh_flows, requests) = mpsc::unbounded_channel();
    let setup = PushFlowSetup { events: seen.clone(), bus: seen.clone(), call_log: None, fresh_flows, accounts: vec![ACCOUNT.into()], deadline };
    (PushFlow::new(setup, calls.clone()), calls, seen, requests)
}

fn push(kind: &str, call_id: &str, sent_ms: u64) -> Vec<u8> {
    format!(r#"{{"type":"{kind}","call-id":"{call_id}","from-uri":"sip:0612345678@pbx.example","to-uri":"sip:1001@pbx.example","send-time":{sent_ms}}}"#).into_bytes()
}

#[tokio::test]
async fn a_call_push_asks_for_one_fresh_flow_and_a_duplicate_for_none() {
    let (flow, _, seen, mut requests) = flow(Duration::from_secs(20));
    let hint = flow.on_push(&push("call", "c1", NOW_MS), NOW_MS);
    assert_eq!(hint.action, HintAction::Ring);
    assert_eq!(requests.try_recv(), Ok(FreshFlow));
    assert_eq!(flow.on_push(&push("call", "c1", NOW_MS), NOW_MS).action, HintAction::AlreadyRinging);
    assert!(requests.try_recv().is_err(), "one wake, one fresh flow");
    assert_eq!(seen.names(), ["push_hint", "push_hint"], "the shell hears every push's decision");
    let (stages, _) = flow.timeline(&hint.call).unwrap();
    let names: Vec<_> = stages.iter().map(|s| s.stage).collect();
    assert_eq!(names, [WakeStage::PushReceived, WakeStage::HintReturned, WakeStage::RegisterSent]);
}

#[tokio::test]
async fn a_wake_whose_invite_never_comes_ends_failed_at_the_deadline_and_is_remembered() {
    let (flow, calls, seen, _requests) = flow(Duration::from_millis(200));
    let hint = flow.on_push(&push("call", "c2", NOW_MS), NOW_MS);
    flow.registration(ACCOUNT, WakeInput::Registered);
    for _ in 0..50 {
        if seen.names().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.names(), ["push_hint", "push_timeline", "call_ended"]);
    assert_eq!(calls.ended(&hint.call, Instant::now()), Some(EndReason::Failed), "an INVITE now is refused, not rung");
    assert_eq!(flow.on_push(&push("call", "c2", NOW_MS), NOW_MS).action, HintAction::End { reason: EndReason::Failed, diagnostic: None });
}

#[tokio::test]
async fn hanging_up_on_the_call_screen_before_the_invite_ends_the_wake_as_a_local_hangup() {
    let (flow, calls, seen, _requests) = flow(Duration::from_secs(20));
    let hint = flow.on_push(&push("call", "c3", NOW_MS), NOW_MS);
    assert!(flow.call_screen(&hint.call, WakeInput::Hangup));
    assert_eq!(calls.ended(&hint.call, Instant::now()), Some(EndReason::LocalHangup));
    assert!(!flow.call_screen(&hint.call, WakeInput::Answer), "no longer waking");
    assert_eq!(seen.names(), ["push_hint", "push_timeline", "call_ended"]);
}

#[tokio::test]
async fn a_stale_push_is_ended_at_once_remembered_and_wakes_nothing() {
    let (flow, calls, seen, mut requests) = flow(Duration::from_secs(20));
    let hint = flow.on_push(&push("call", "c4", NOW_MS - 60_000), NOW_MS);
    assert!(matches!(hint.action, HintAction::End { reason: EndReason::Unanswered, .. }), "{hint:?}");
    assert!(requests.try_recv().is_err(), "no fresh flow for a call that will not ring");
    assert!(flow.timeline(&hint.call).is_none());
    assert_eq!(seen.names(), ["push_hint"]);
    assert_eq!(calls.ended(&hint.call, Instant::now()), Some(EndReason::Unanswered), "its INVITE, if it comes, is refused");
}

#[tokio::test]
async fn the_invite_claims_a_wake_answered_on_the_lock_screen_and_the_timeline_follows_the_call() {
    let (flow, _, seen, _requests) = flow(Duration::from_secs(20));
    let hint = flow.on_push(&push("call", "c5", NOW_MS), NOW_MS);
    assert!(flow.call_screen(&hint.call, WakeInput::Answer));
    let found = flow.book().find(ACCOUNT, Instant::now(), "c5", None, "sip:0612345678@pbx.example");
    assert_eq!(found.as_deref(), Some(hint.call.as_str()));
    assert!(flow.claim(&hint.call, Instant::now()), "the user already said yes");
    flow.ringing(&hint.call);
    flow.answered(&hint.call);
    flow.finished(&hint.call);
    assert_eq!(seen.names(), ["push_hint", "push_timeline"]);
    let (stages, _) = flow.timeline(&hint.call).unwrap();
    assert_eq!(stages.last().map(|s| s.stage), Some(WakeStage::Ended));
}
