//! The INVITE path without sockets: a registry and a book of wakes in some state, an INVITE as
//! parsed, the facts gathered from them and the policy's decision.

use super::*;
use crate::push::wake::{PushWake, WakeExpect, WakeInput};
use crate::signalling::call::{CallEvent, EndReason};
use rsipstack::dialog::DialogId;
use std::time::Duration;

const ACCOUNT: &str = "1001@pbx.test";
const LIMITS: Limits = Limits { min_se: 90, busy_when_answered: true };

fn invite(call_id: &str, extra: &str) -> Request {
    Request::try_from(format!(
        "INVITE sip:1001@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-{call_id}\r\nFrom: \"Carol\" <sip:carol@pbx.test>;tag=c1\r\nTo: <sip:1001@pbx.test>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
    ))
    .unwrap()
}

fn decided(calls: &CallRegistry, wakes: &PushWakes, req: &Request, now: std::time::Instant) -> (Gathered, InviteDecision) {
    let gathered = gather(calls, wakes, ACCOUNT, req, LIMITS, now);
    let decision = decide(&gathered.facts);
    (gathered, decision)
}

fn take(start: CallStart) -> InviteDecision {
    InviteDecision::Take { start, timer: None }
}

/// A call of ours that is answered, with its dialog's ids.
fn answered_call(calls: &CallRegistry, uuid: &str, id: DialogId) {
    calls.insert(uuid, 0, false, "sip:200@pbx.test").unwrap();
    calls.attach(uuid, Box::new(move || id.clone()));
    calls.track(uuid, &CallEvent::Answered);
}

#[test]
fn a_new_invite_is_the_call_of_its_account_and_call_id_and_rings() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    let (g, decision) = decided(&calls, &wakes, &invite("c1", ""), now);
    assert_eq!(g.uuid, call_uuid(ACCOUNT, "c1"));
    assert_eq!((g.woken, g.replaced), (None, None));
    assert_eq!(decision, take(CallStart::Ring));
}

#[test]
fn rfc3261_8_2_2_2_an_invite_for_a_live_call_is_482() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    calls.insert(&call_uuid(ACCOUNT, "c1"), 0, true, "sip:carol@pbx.test").unwrap();
    assert_eq!(decided(&calls, &wakes, &invite("c1", ""), now).1, InviteDecision::Refuse(Refusal::MergedRequest));
}

#[test]
fn an_invite_for_a_call_the_user_hung_up_lately_is_486_and_after_two_minutes_rings() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    calls.remember_ended(&call_uuid(ACCOUNT, "c1"), EndReason::LocalHangup, now);
    assert_eq!(decided(&calls, &wakes, &invite("c1", ""), now).1, InviteDecision::Refuse(Refusal::HungUpAlready));
    assert_eq!(decided(&calls, &wakes, &invite("c1", ""), now + Duration::from_secs(120)).1, take(CallStart::Ring));
}

#[test]
fn an_invite_for_a_call_a_stale_push_ended_is_480_not_busy() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    calls.remember_ended(&call_uuid(ACCOUNT, "c1"), EndReason::Unanswered, now);
    assert_eq!(decided(&calls, &wakes, &invite("c1", ""), now).1, InviteDecision::Refuse(Refusal::EndedLately));
}

#[test]
fn rfc8599_an_invite_for_a_push_answered_on_the_lock_screen_is_answered_under_the_pushs_id() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    let expect = WakeExpect { call_id: Some("leg-a".into()), push_id: Some("p1".into()), caller: "sip:carol@pbx.test".into() };
    assert!(wakes.start("pushed-uuid", ACCOUNT, PushWake::new(now, Duration::from_secs(20), expect)));
    assert!(wakes.input("pushed-uuid", now, WakeInput::Answer).is_none());
    // The PBX changed the Call-ID between its legs; the push id still names the call.
    let (g, decision) = decided(&calls, &wakes, &invite("leg-b", "X-Push-ID: p1\r\n"), now);
    assert_eq!((g.uuid.as_str(), g.woken.as_deref()), ("pushed-uuid", Some("pushed-uuid")));
    assert_eq!(decision, take(CallStart::AnswerWoken));
    assert!(wakes.is_waiting("pushed-uuid"), "gathering claims nothing: a refused INVITE leaves the wake waiting");
}

#[test]
fn rfc3261_21_4_7_call_waiting_busy_declines_an_invite_while_a_call_is_answered() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    answered_call(&calls, "u-first", DialogId { call_id: "c0".into(), local_tag: "l".into(), remote_tag: "r".into() });
    assert_eq!(decided(&calls, &wakes, &invite("c1", ""), now).1, take(CallStart::DeclineBusy));
    calls.track("u-first", &CallEvent::Held { by_remote: false });
    assert_eq!(decided(&calls, &wakes, &invite("c1", ""), now).1, take(CallStart::DeclineBusy), "a held call is still answered");
}

#[test]
fn rfc3891_an_invite_replacing_our_answered_call_is_answered_and_names_it() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    answered_call(&calls, "u-old", DialogId { call_id: "c0".into(), local_tag: "ours".into(), remote_tag: "theirs".into() });
    let (g, decision) = decided(&calls, &wakes, &invite("c1", "Replaces: c0;to-tag=ours;from-tag=theirs\r\n"), now);
    assert_eq!(g.replaced.as_deref(), Some("u-old"));
    assert_eq!(decision, take(CallStart::AnswerReplacing), "answered at once, call waiting busy or not");
    let early_only = invite("c2", "Replaces: c0;to-tag=ours;from-tag=theirs;early-only\r\n");
    assert_eq!(decided(&calls, &wakes, &early_only, now).1, InviteDecision::Refuse(Refusal::ReplacedDialogConfirmed));
}

#[test]
fn rfc3891_an_invite_replacing_a_dialog_we_do_not_have_is_481_or_603_once_it_ended() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    let replacing = invite("c1", "Replaces: c0;to-tag=ours;from-tag=theirs\r\n");
    assert_eq!(decided(&calls, &wakes, &replacing, now).1, InviteDecision::Refuse(Refusal::NoDialogToReplace));
    calls.remember_ended(&call_uuid(ACCOUNT, "c0"), EndReason::RemoteHangup, now);
    assert_eq!(decided(&calls, &wakes, &replacing, now).1, InviteDecision::Refuse(Refusal::ReplacedDialogEnded));
}

#[test]
fn rfc4028_a_short_session_interval_is_422_and_an_agreed_one_rides_on_the_call() {
    let (calls, wakes, now) = (CallRegistry::default(), PushWakes::default(), std::time::Instant::now());
    let short = invite("c1", "Supported: timer\r\nSession-Expires: 60\r\n");
    assert_eq!(decided(&calls, &wakes, &short, now).1, InviteDecision::Refuse(Refusal::IntervalTooSmall { min_se: 90 }));
    let ok = invite("c1", "Supported: timer\r\nSession-Expires: 1800;refresher=uas\r\n");
    let InviteDecision::Take { start: CallStart::Ring, timer: Some(t) } = decided(&calls, &wakes, &ok, now).1 else { panic!() };
    assert!(t.we_refresh && t.require_timer && t.expires.seconds == 1800);
}
