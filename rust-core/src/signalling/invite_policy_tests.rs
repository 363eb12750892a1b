//! The INVITE policy, one rule per test: every reply `decide` can give.

use super::*;
use crate::signalling::session_timer::{negotiate_uas, Role, MIN_SE};

/// A plain new INVITE: nothing live, nothing ended, no timer, no Replaces, media ready.
fn plain() -> InviteFacts {
    InviteFacts {
        already_live: false,
        wake: None,
        recently_ended: None,
        session_timer: UasDecision::None,
        min_se: MIN_SE,
        replaces: ReplacesMatch::Absent,
        media: MediaReadiness::Ready,
        busy_when_answered: false,
        answered_calls: 0,
    }
}

fn refusal(facts: &InviteFacts) -> Refusal {
    match decide(facts) {
        InviteDecision::Refuse(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The refusal the facts get, and the status code it is answered with.
fn refused_as(facts: InviteFacts, want: Refusal, code: u16) {
    let got = refusal(&facts);
    assert_eq!((&got, got.code()), (&want, code));
}

fn start(facts: &InviteFacts) -> CallStart {
    match decide(facts) {
        InviteDecision::Take { start, .. } => start,
        other => panic!("expected a call, got {other:?}"),
    }
}

#[test]
fn a_plain_invite_rings_without_a_timer() {
    assert_eq!(decide(&plain()), InviteDecision::Take { start: CallStart::Ring, timer: None });
    assert_eq!(CallStart::Ring.first_input(), None);
}

#[test]
fn rfc3261_8_2_2_2_merged_request_is_482() {
    refused_as(InviteFacts { already_live: true, ..plain() }, Refusal::MergedRequest, 482);
    assert_eq!(Refusal::MergedRequest.header(), None);
}

#[test]
fn rfc3261_8_2_2_2_merged_request_is_482_before_anything_it_asks_for_is_read() {
    // Header inspection (§8.2.2) comes before content and extension processing: a merged copy
    // whose offer or interval we would refuse is still answered as the loop it is.
    let facts = InviteFacts {
        already_live: true,
        session_timer: UasDecision::TooSmall,
        replaces: ReplacesMatch::NoDialog,
        media: MediaReadiness::OfferRefused { why: "no common codec".into() },
        ..plain()
    };
    assert_eq!(refusal(&facts).code(), 482);
}

#[test]
fn a_call_hung_up_on_the_call_screen_before_its_invite_is_486_so_the_desk_keeps_ringing() {
    refused_as(InviteFacts { recently_ended: Some(EndReason::LocalHangup), ..plain() }, Refusal::HungUpAlready, 486);
}

#[test]
fn rfc3261_21_4_18_a_call_that_ended_lately_for_another_reason_is_480_never_486() {
    for reason in EndReason::ALL.into_iter().filter(|r| *r != EndReason::LocalHangup) {
        let facts = InviteFacts { recently_ended: Some(reason), ..plain() };
        let r = refusal(&facts);
        assert_eq!((r.clone(), r.code()), (Refusal::EndedLately, 480), "{reason:?}");
        assert_eq!(r.header(), None);
    }
}

#[test]
fn an_invite_that_matches_a_waking_push_is_not_refused_for_an_earlier_end() {
    for reason in EndReason::ALL {
        let facts = InviteFacts { recently_ended: Some(reason), wake: Some(WakeMatch { answered: false }), ..plain() };
        assert_eq!(start(&facts), CallStart::Ring, "{reason:?}");
    }
}

#[test]
fn rfc4028_8_1_session_expires_below_min_se_is_422_naming_min_se() {
    let facts = InviteFacts { session_timer: negotiate_uas(Some("60"), true, 120), min_se: 120, ..plain() };
    let r = refusal(&facts);
    assert_eq!(r, Refusal::IntervalTooSmall { min_se: 120 });
    assert_eq!(r.code(), 422);
    assert_eq!(r.header(), Some(("Min-SE", "120".to_string())));
}

#[test]
fn rfc4028_9_an_agreed_timer_rides_on_the_call() {
    let facts = InviteFacts { session_timer: negotiate_uas(Some("1800"), true, MIN_SE), ..plain() };
    let InviteDecision::Take { start: CallStart::Ring, timer: Some(t) } = decide(&facts) else { panic!("{:?}", decide(&facts)) };
    // A caller that supports timers and leaves the choice open refreshes itself.
    assert_eq!(t, AgreedTimer { expires: SessionExpires { seconds: 1800, refresher: Some(Role::Uac) }, require_timer: true, we_refresh: false });
}

#[test]
fn rfc3891_3_replaces_without_dialog_is_481() {
    refused_as(InviteFacts { replaces: ReplacesMatch::NoDialog, ..plain() }, Refusal::NoDialogToReplace, 481);
}

#[test]
fn rfc3891_3_replaces_naming_an_early_dialog_we_did_not_initiate_is_481() {
    let ringing_here = ReplacesMatch::Live { ringing_here: true, answered: false, early_only: false };
    refused_as(InviteFacts { replaces: ringing_here, ..plain() }, Refusal::NoDialogToReplace, 481);
}

#[test]
fn rfc3891_3_replaces_naming_an_ended_dialog_is_603() {
    refused_as(InviteFacts { replaces: ReplacesMatch::Ended, ..plain() }, Refusal::ReplacedDialogEnded, 603);
}

#[test]
fn rfc3891_3_early_only_replaces_naming_a_confirmed_dialog_is_486() {
    let confirmed = ReplacesMatch::Live { ringing_here: false, answered: true, early_only: true };
    refused_as(InviteFacts { replaces: confirmed, ..plain() }, Refusal::ReplacedDialogConfirmed, 486);
}

#[test]
fn rfc3891_3_replaces_naming_a_live_call_is_answered_at_once_even_when_busy() {
    let live = ReplacesMatch::Live { ringing_here: false, answered: true, early_only: false };
    let facts = InviteFacts { replaces: live, busy_when_answered: true, answered_calls: 1, ..plain() };
    assert_eq!(start(&facts), CallStart::AnswerReplacing);
    assert_eq!(CallStart::AnswerReplacing.first_input(), Some(CallInput::Answer));
    // Our own outgoing call still ringing there is ours to take over, early-only or not.
    let early_ours = ReplacesMatch::Live { ringing_here: false, answered: false, early_only: true };
    assert_eq!(start(&InviteFacts { replaces: early_ours, ..plain() }), CallStart::AnswerReplacing);
}

#[test]
fn rfc4028_8_1_the_interval_is_judged_before_the_replaces_header() {
    let facts = InviteFacts { session_timer: UasDecision::TooSmall, replaces: ReplacesMatch::NoDialog, ..plain() };
    refused_as(facts, Refusal::IntervalTooSmall { min_se: MIN_SE }, 422);
}

#[test]
fn no_rtp_port_is_503() {
    refused_as(InviteFacts { media: MediaReadiness::NoPort, ..plain() }, Refusal::NoMediaPort, 503);
}

#[test]
fn rfc3264_6_an_offer_we_cannot_answer_is_488_with_warning_305() {
    let facts = InviteFacts { media: MediaReadiness::OfferRefused { why: "no \"common\" codec".into() }, ..plain() };
    let r = refusal(&facts);
    assert_eq!(r.code(), 488);
    // The reason goes in a quoted-string: its own quotes must not close it.
    assert_eq!(r.header(), Some(("Warning", "305 ringside \"no 'common' codec\"".to_string())));
}

#[test]
fn rfc8599_a_push_answered_on_the_lock_screen_is_answered_when_its_invite_comes() {
    let facts = InviteFacts { wake: Some(WakeMatch { answered: true }), ..plain() };
    assert_eq!(start(&facts), CallStart::AnswerWoken);
    assert_eq!(CallStart::AnswerWoken.first_input(), Some(CallInput::Answer));
    assert_eq!(start(&InviteFacts { wake: Some(WakeMatch { answered: false }), ..plain() }), CallStart::Ring);
}

#[test]
fn rfc3261_21_4_7_call_waiting_busy_declines_a_second_call_with_486() {
    let facts = InviteFacts { busy_when_answered: true, answered_calls: 1, ..plain() };
    assert_eq!(start(&facts), CallStart::DeclineBusy);
    assert_eq!(CallStart::DeclineBusy.first_input(), Some(CallInput::Decline { everywhere: false }));
}

#[test]
fn call_waiting_busy_rings_when_no_call_is_answered_and_waiting_rings_beside_one() {
    assert_eq!(start(&InviteFacts { busy_when_answered: true, ..plain() }), CallStart::Ring);
    assert_eq!(start(&InviteFacts { answered_calls: 2, ..plain() }), CallStart::Ring);
}

#[test]
fn the_lock_screen_answer_wins_over_call_waiting_busy() {
    let facts = InviteFacts { wake: Some(WakeMatch { answered: true }), busy_when_answered: true, answered_calls: 1, ..plain() };
    assert_eq!(start(&facts), CallStart::AnswerWoken);
}

#[test]
fn rfc3261_12_1_1_an_invite_no_dialog_can_be_made_of_is_400_saying_why() {
    let r = Refusal::NoDialog { why: "missing \"Contact\" header".into() };
    assert_eq!(r.code(), 400);
    assert_eq!(r.header(), Some(("Warning", "399 ringside \"missing 'Contact' header\"".to_string())));
}
