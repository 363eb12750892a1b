//! The call registry without sockets: channels, dialog ids and a clock handed in.

use super::*;

fn ids(call_id: &str, local: &str, remote: &str) -> DialogIds {
    let id = DialogId { call_id: call_id.into(), local_tag: local.into(), remote_tag: remote.into() };
    Box::new(move || id.clone())
}

fn named(call_id: &str, to_tag: &str, from_tag: &str) -> ReplacesId {
    ReplacesId { call_id: call_id.into(), to_tag: to_tag.into(), from_tag: from_tag.into() }
}

#[tokio::test]
async fn a_call_is_live_once_and_its_commands_reach_its_task_until_forgotten() {
    let calls = CallRegistry::default();
    let mut rx = calls.insert("u1", 1, true, "sip:100@pbx").unwrap();
    assert!(calls.insert("u1", 1, true, "sip:100@pbx").is_none(), "the same call twice is a merged request");
    assert!(calls.is_live("u1") && !calls.is_empty());
    let (tx, account) = calls.commands("u1").unwrap();
    assert_eq!(account, 1);
    tx.send(CallInput::Answer).await.unwrap();
    assert_eq!(rx.recv().await, Some(CallInput::Answer));
    assert_eq!(calls.live(), vec!["u1".to_string()]);
    drop(tx);
    calls.forget("u1");
    assert!(!calls.is_live("u1") && calls.is_empty() && calls.commands("u1").is_none());
    let closed = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await;
    assert_eq!(closed, Ok(None), "a forgotten call's channel closes");
}

#[test]
fn a_dialog_is_read_as_it_is_now_and_an_attach_replaces_the_first() {
    let calls = CallRegistry::default();
    calls.insert("u1", 0, false, "sip:200@pbx").unwrap();
    assert_eq!(calls.dialog("u1"), None, "no dialog before the INVITE goes out");
    calls.attach("u1", ids("c1", "ours", ""));
    calls.attach("u1", ids("c1", "ours", "theirs"));
    let (id, uri) = calls.dialog("u1").unwrap();
    assert_eq!((id.remote_tag.as_str(), uri.as_str()), ("theirs", "sip:200@pbx"));
}

#[test]
fn rfc3891_replaces_matches_our_dialog_with_the_tags_read_from_the_senders_side() {
    let (calls, now) = (CallRegistry::default(), Instant::now());
    calls.insert("u1", 0, false, "sip:200@pbx").unwrap();
    calls.attach("u1", ids("c1", "ours", "theirs"));
    calls.track("u1", &CallEvent::Answered);
    let (uuid, found) = calls.replaced(Some(&named("c1", "ours", "theirs")), false, None, now);
    assert_eq!(uuid.as_deref(), Some("u1"));
    assert_eq!(found, ReplacesMatch::Live { ringing_here: false, answered: true, early_only: false });
    // The sender's to-tag is our local tag: swapped tags name another dialog.
    assert_eq!(calls.replaced(Some(&named("c1", "theirs", "ours")), false, None, now), (None, ReplacesMatch::NoDialog));
    assert_eq!(calls.replaced(None, false, None, now), (None, ReplacesMatch::NoDialog), "an unreadable Replaces names nothing");
}

#[test]
fn rfc3891_replaces_sees_an_incoming_call_still_ringing_as_early_and_not_ours() {
    let (calls, now) = (CallRegistry::default(), Instant::now());
    calls.insert("u1", 0, true, "sip:100@pbx").unwrap();
    calls.attach("u1", ids("c1", "ours", "theirs"));
    let (_, found) = calls.replaced(Some(&named("c1", "ours", "theirs")), true, None, now);
    assert_eq!(found, ReplacesMatch::Live { ringing_here: true, answered: false, early_only: true });
}

#[test]
fn rfc3891_replaces_naming_a_call_that_ended_lately_is_told_apart_from_an_unknown_one() {
    let (calls, t0) = (CallRegistry::default(), Instant::now());
    calls.remember_ended("u-old", EndReason::RemoteHangup, t0);
    assert_eq!(calls.replaced(Some(&named("c1", "a", "b")), false, Some("u-old"), t0).1, ReplacesMatch::Ended);
    assert_eq!(calls.replaced(Some(&named("c1", "a", "b")), false, Some("u-other"), t0).1, ReplacesMatch::NoDialog);
    assert_eq!(calls.replaced(Some(&named("c1", "a", "b")), false, Some("u-old"), t0 + REMEMBER_ENDED).1, ReplacesMatch::NoDialog);
}

#[test]
fn call_waiting_counts_answered_calls_and_knows_which_we_hold() {
    let calls = CallRegistry::default();
    for u in ["u1", "u2", "u3"] {
        calls.insert(u, 0, true, "sip:x@pbx").unwrap();
    }
    calls.track("u1", &CallEvent::Answered);
    calls.track("u2", &CallEvent::Answered);
    calls.track("u2", &CallEvent::Held { by_remote: false });
    calls.track("u1", &CallEvent::Held { by_remote: true });
    assert_eq!(calls.answered(), 2, "u3 only rings");
    assert_eq!(calls.unheld_except("u3"), vec!["u1".to_string()], "the far end's hold is not ours");
    assert!(calls.unheld_except("u1").is_empty());
    calls.track("u2", &CallEvent::Resumed { by_remote: false });
    let mut unheld = calls.unheld_except("u3");
    unheld.sort();
    assert_eq!(unheld, vec!["u1".to_string(), "u2".to_string()]);
    calls.release("u2");
    calls.track("u1", &CallEvent::Ended { reason: EndReason::RemoteHangup, sip_code: None, duration: None });
    assert_eq!(calls.answered(), 0, "a replaced call and an ended one are not answered");
    assert!(calls.is_live("u1"), "the event alone does not forget the call");
}

#[test]
fn an_ended_call_is_remembered_for_two_minutes_on_the_clock_handed_in() {
    let (calls, t0) = (CallRegistry::default(), Instant::now());
    calls.remember_ended("u1", EndReason::LocalHangup, t0);
    assert_eq!(calls.ended("u1", t0 + REMEMBER_ENDED - Duration::from_millis(1)), Some(EndReason::LocalHangup));
    assert_eq!(calls.ended("u1", t0 + REMEMBER_ENDED), None);
    calls.remember_ended("u2", EndReason::Cancelled, t0 + REMEMBER_ENDED);
    assert_eq!(calls.ended("u1", t0), None, "old entries are dropped when a new one comes");
    assert_eq!(calls.ended("u2", t0 + REMEMBER_ENDED), Some(EndReason::Cancelled));
}

#[test]
fn rfc3515_a_referred_calls_transferor_hears_of_it_once() {
    let calls = CallRegistry::default();
    calls.referred("new", "original");
    assert_eq!(calls.take_referral("new").as_deref(), Some("original"));
    assert_eq!(calls.take_referral("new"), None);
}
