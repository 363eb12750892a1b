//! CallMachine on a virtual clock: each test names the rule it proves.

use super::*;

fn drain(m: &mut CallMachine) -> Vec<CallAction> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn ended(reason: EndReason, sip_code: Option<u16>, duration: Option<Duration>) -> CallAction {
    CallAction::Event(CallEvent::Ended { reason, sip_code, duration })
}

#[test]
fn incoming_call_is_reported_once_and_rings() {
    let mut m = CallMachine::incoming(Instant::now());
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Incoming), CallAction::SendRinging]);
}

#[test]
fn rfc3326_cancel_cause_200_is_answered_elsewhere_not_missed() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::RemoteCancelled { reason: Some("SIP;cause=200;text=\"Call completed elsewhere\"".into()) });
    assert_eq!(drain(&mut m), vec![ended(EndReason::AnsweredElsewhere, Some(487), None)]);
    assert!(m.is_ended());
}

#[test]
fn cancel_causes_map_to_end_reasons() {
    assert_eq!(cancel_reason(Some("SIP ;cause=600;text=\"Busy Everywhere\"")), EndReason::DeclinedElsewhere);
    assert_eq!(cancel_reason(Some("SIP;cause=603")), EndReason::DeclinedElsewhere);
    assert_eq!(cancel_reason(Some("Q.850;cause=16, SIP;cause=200")), EndReason::AnsweredElsewhere);
    assert_eq!(cancel_reason(Some("Q.850;cause=16")), EndReason::Cancelled, "a Q.850 cause alone says nothing of SIP");
}

#[test]
fn q850_cause_26_non_selected_user_clearing_is_answered_elsewhere() {
    assert_eq!(cancel_reason(Some("Q.850;cause=26;text=\"ANSWERED_ELSEWHERE\"")), EndReason::AnsweredElsewhere);
    assert_eq!(cancel_reason(Some("q.850 ; cause=26")), EndReason::AnsweredElsewhere);
    assert_eq!(cancel_reason(Some("SIP;cause=487, Q.850;cause=26")), EndReason::Cancelled, "a SIP cause says more than Q.850");
    assert_eq!(cancel_reason(None), EndReason::Cancelled, "no Reason: the caller gave up, a missed call");
}

#[test]
fn local_decline_is_486_so_the_desk_keeps_ringing() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Decline { everywhere: false });
    assert_eq!(drain(&mut m), vec![CallAction::Reject { code: 486 }, ended(EndReason::Declined, Some(486), None)]);
}

#[test]
fn decline_everywhere_is_603() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Decline { everywhere: true });
    assert_eq!(drain(&mut m)[0], CallAction::Reject { code: 603 });
}

#[test]
fn answered_call_is_active_after_ack_and_reports_its_duration() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Answer);
    assert_eq!(drain(&mut m), vec![CallAction::Accept]);
    m.handle(t + Duration::from_millis(20), CallInput::AckReceived);
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Answered)]);
    m.handle(t + Duration::from_secs(5), CallInput::RemoteBye);
    assert_eq!(drain(&mut m), vec![ended(EndReason::RemoteHangup, None, Some(Duration::from_millis(4980)))]);
}

#[test]
fn rfc3261_9_2_cancel_crossing_our_200_has_no_effect() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Answer);
    m.handle(t, CallInput::RemoteCancelled { reason: None });
    m.handle(t, CallInput::AckReceived);
    assert_eq!(drain(&mut m), vec![CallAction::Accept, CallAction::Event(CallEvent::Answered)]);
    assert!(m.is_active());
}

#[test]
fn missing_ack_ends_the_call_as_failed_with_bye() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Answer);
    drain(&mut m);
    m.handle(t, CallInput::AckTimeout);
    assert_eq!(drain(&mut m), vec![CallAction::SendBye, ended(EndReason::Failed, Some(408), None)]);
}

#[test]
fn outgoing_rings_once_answers_and_hangs_up() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Provisional { code: 100 });
    m.handle(t, CallInput::Provisional { code: 180 });
    m.handle(t, CallInput::Provisional { code: 183 });
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Ringing)], "forked 18x report ringing once");
    m.handle(t, CallInput::Answered);
    m.handle(t + Duration::from_secs(3), CallInput::Hangup);
    assert_eq!(
        drain(&mut m),
        vec![CallAction::Event(CallEvent::Answered), CallAction::SendBye, ended(EndReason::LocalHangup, None, Some(Duration::from_secs(3)))]
    );
}

#[test]
fn rfc3960_3_early_media_rings_then_is_reported_once() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::EarlyMedia);
    m.handle(t, CallInput::EarlyMedia);
    m.handle(t, CallInput::Provisional { code: 180 });
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Ringing), CallAction::Event(CallEvent::EarlyMedia)], "a fork's second stream is no new event");
    m.handle(t + Duration::from_secs(2), CallInput::Answered);
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Answered)]);
    assert!(m.is_active(), "the talk time starts at the 2xx, not at the early media");
}

#[test]
fn a_180_then_early_media_reports_both_in_order() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Provisional { code: 180 });
    m.handle(t, CallInput::EarlyMedia);
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Ringing), CallAction::Event(CallEvent::EarlyMedia)]);
}

#[test]
fn early_media_then_486_ends_busy() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::EarlyMedia);
    drain(&mut m);
    m.handle(t, CallInput::Rejected { code: 486 });
    assert_eq!(drain(&mut m), vec![ended(EndReason::Busy, Some(486), None)], "the end stops the media (call_actions)");
}

#[test]
fn hanging_up_during_early_media_cancels_and_ends_on_487() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::EarlyMedia);
    drain(&mut m);
    m.handle(t, CallInput::Hangup);
    assert_eq!(drain(&mut m), vec![CallAction::SendCancel]);
    m.handle(t, CallInput::EarlyMedia);
    assert_eq!(drain(&mut m), vec![], "a fork's stream while cancelling is no news");
    m.handle(t, CallInput::Rejected { code: 487 });
    assert_eq!(drain(&mut m), vec![ended(EndReason::LocalHangup, Some(487), None)]);
}

#[test]
fn early_media_after_the_answer_is_stale() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Answered);
    drain(&mut m);
    m.handle(t, CallInput::EarlyMedia);
    assert_eq!(drain(&mut m), vec![]);
}

#[test]
fn outgoing_final_errors_say_what_the_user_understands() {
    for (code, reason) in [
        (486, EndReason::Busy),
        (600, EndReason::Busy),
        (603, EndReason::Declined),
        (480, EndReason::Unanswered),
        (404, EndReason::Failed),
        (503, EndReason::Failed),
    ] {
        let t = Instant::now();
        let mut m = CallMachine::outgoing(t);
        m.handle(t, CallInput::Rejected { code });
        assert_eq!(drain(&mut m), vec![ended(reason, Some(code), None)], "{code}");
    }
}

#[test]
fn hanging_up_while_dialing_cancels_and_ends_on_487() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Hangup);
    assert_eq!(drain(&mut m), vec![CallAction::SendCancel]);
    m.handle(t, CallInput::Rejected { code: 487 });
    assert_eq!(drain(&mut m), vec![ended(EndReason::LocalHangup, Some(487), None)]);
}

#[test]
fn rfc3261_15_200_after_our_cancel_is_ended_with_bye() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Hangup);
    drain(&mut m);
    m.handle(t, CallInput::Answered);
    assert_eq!(drain(&mut m), vec![CallAction::SendBye, ended(EndReason::LocalHangup, Some(200), None)]);
}

#[test]
fn ring_timeout_cancels_as_unanswered() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Provisional { code: 180 });
    drain(&mut m);
    assert_eq!(m.poll_timeout(), Some(t + RING_TIMEOUT));
    m.handle_timeout(t + RING_TIMEOUT);
    assert_eq!(drain(&mut m), vec![CallAction::SendCancel]);
    m.handle(t + RING_TIMEOUT, CallInput::Rejected { code: 487 });
    assert_eq!(drain(&mut m), vec![ended(EndReason::Unanswered, Some(487), None)]);
}

#[test]
fn nothing_happens_after_the_end() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    m.handle(t, CallInput::RemoteCancelled { reason: None });
    drain(&mut m);
    for input in [CallInput::Answer, CallInput::RemoteBye, CallInput::Hangup, CallInput::AckReceived] {
        m.handle(t, input);
    }
    assert!(drain(&mut m).is_empty());
}

fn active() -> (CallMachine, Instant) {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Answered);
    drain(&mut m);
    (m, t)
}

#[test]
fn rfc3264_8_4_far_end_hold_is_answered_recvonly_and_reported() {
    let (mut m, t) = active();
    m.handle(t, CallInput::RemoteOffer { direction: MediaDirection::SendOnly });
    assert_eq!(drain(&mut m), vec![CallAction::AnswerReoffer { direction: MediaDirection::RecvOnly }, CallAction::Event(CallEvent::Held { by_remote: true })]);
    m.handle(t, CallInput::RemoteOffer { direction: MediaDirection::SendRecv });
    assert_eq!(
        drain(&mut m),
        vec![CallAction::AnswerReoffer { direction: MediaDirection::SendRecv }, CallAction::Event(CallEvent::Resumed { by_remote: true })]
    );
}

#[test]
fn session_refresh_reoffer_is_answered_without_events() {
    let (mut m, t) = active();
    m.handle(t, CallInput::RemoteOffer { direction: MediaDirection::SendRecv });
    assert_eq!(drain(&mut m), vec![CallAction::AnswerReoffer { direction: MediaDirection::SendRecv }], "a refresh is no hold");
}

#[test]
fn local_hold_and_resume_report_once_the_far_end_agrees() {
    let (mut m, t) = active();
    m.handle(t, CallInput::Hold);
    m.handle(t, CallInput::Hold);
    assert_eq!(drain(&mut m), vec![CallAction::SendReoffer { direction: MediaDirection::SendOnly }], "one re-INVITE at a time");
    m.handle(t, CallInput::ReofferAnswered { code: 200 });
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Held { by_remote: false })]);
    // While we hold, the far end's refresh still gets sendonly.
    m.handle(t, CallInput::RemoteOffer { direction: MediaDirection::SendRecv });
    assert_eq!(drain(&mut m), vec![CallAction::AnswerReoffer { direction: MediaDirection::SendOnly }]);
    m.handle(t, CallInput::Resume);
    m.handle(t, CallInput::ReofferAnswered { code: 200 });
    assert_eq!(
        drain(&mut m),
        vec![CallAction::SendReoffer { direction: MediaDirection::SendRecv }, CallAction::Event(CallEvent::Resumed { by_remote: false })]
    );
}

#[test]
fn refused_hold_leaves_the_call_as_it_was() {
    let (mut m, t) = active();
    m.handle(t, CallInput::Hold);
    m.handle(t, CallInput::ReofferAnswered { code: 491 });
    drain(&mut m);
    m.handle(t, CallInput::Hold);
    assert_eq!(drain(&mut m), vec![CallAction::SendReoffer { direction: MediaDirection::SendOnly }], "not held: hold can be tried again");
}

#[test]
fn dtmf_digits_are_sent_one_info_each_and_received_as_events() {
    let (mut m, t) = active();
    m.handle(t, CallInput::SendDtmf { digits: "1a#x".into() });
    assert_eq!(
        drain(&mut m),
        vec![CallAction::SendDtmfInfo { digit: '1' }, CallAction::SendDtmfInfo { digit: 'A' }, CallAction::SendDtmfInfo { digit: '#' }],
        "invalid characters are skipped"
    );
    m.handle(t, CallInput::RemoteDtmf { digit: '5' });
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Dtmf { digit: '5' })]);
}

#[test]
fn hold_before_answer_does_nothing() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Hold);
    assert!(drain(&mut m).is_empty());
}

#[test]
fn rfc5589_blind_transfer_ends_our_leg_once_the_target_answered() {
    let (mut m, t) = active();
    m.handle(t, CallInput::TransferBlind { target: "1003".into() });
    m.handle(t, CallInput::TransferBlind { target: "1004".into() });
    assert_eq!(drain(&mut m), vec![CallAction::SendRefer { target: "1003".into() }], "one transfer at a time");
    m.handle(t, CallInput::ReferAnswered { code: 202 });
    m.handle(t, CallInput::ReferProgress { code: 100, last: false });
    m.handle(t, CallInput::ReferProgress { code: 180, last: false });
    assert!(drain(&mut m).is_empty(), "progress is not an outcome");
    m.handle(t + Duration::from_secs(2), CallInput::ReferProgress { code: 200, last: true });
    assert_eq!(
        drain(&mut m),
        vec![
            CallAction::Event(CallEvent::Transferred { target: "1003".into() }),
            CallAction::SendBye,
            ended(EndReason::LocalHangup, None, Some(Duration::from_secs(2)))
        ]
    );
}

#[test]
fn refused_or_failed_transfer_keeps_the_call() {
    let (mut m, t) = active();
    m.handle(t, CallInput::TransferBlind { target: "1003".into() });
    m.handle(t, CallInput::ReferAnswered { code: 403 });
    assert_eq!(drain(&mut m)[1], CallAction::Event(CallEvent::TransferFailed { target: "1003".into(), sip_code: 403 }));
    assert!(m.is_active());
    m.handle(t, CallInput::TransferBlind { target: "1004".into() });
    m.handle(t, CallInput::ReferAnswered { code: 202 });
    m.handle(t, CallInput::ReferProgress { code: 486, last: true });
    assert_eq!(drain(&mut m)[1], CallAction::Event(CallEvent::TransferFailed { target: "1004".into(), sip_code: 486 }));
    assert!(m.is_active(), "a busy target leaves the caller with us");
}

#[test]
fn rfc4028_we_refresh_at_half_interval_with_the_media_as_they_are() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    m.handle(t, CallInput::SessionTimerAgreed { interval: Duration::from_secs(120), we_refresh: true });
    m.handle(t, CallInput::Answer);
    let answered = t + Duration::from_secs(5);
    m.handle(answered, CallInput::AckReceived);
    drain(&mut m);
    // The interval runs from the answer, not from the ringing.
    assert_eq!(m.poll_timeout(), Some(answered + Duration::from_secs(60)));
    m.handle(answered, CallInput::Hold);
    m.handle(answered, CallInput::ReofferAnswered { code: 200 });
    drain(&mut m);
    m.handle_timeout(answered + Duration::from_secs(60));
    assert_eq!(drain(&mut m), vec![CallAction::SendSessionRefresh { direction: MediaDirection::SendOnly }], "held: the refresh keeps the hold");
    m.handle(answered + Duration::from_secs(61), CallInput::SessionRefreshAnswered { code: 200 });
    assert_eq!(m.poll_timeout(), Some(answered + Duration::from_secs(121)));
}

#[test]
fn rfc4028_10_unrefreshed_session_is_ended_with_bye() {
    let (mut m, t) = active();
    m.handle(t, CallInput::SessionTimerAgreed { interval: Duration::from_secs(90), we_refresh: false });
    // The far end's refresh, with or without an offer, moves the expiry.
    m.handle(t + Duration::from_secs(50), CallInput::RemoteRefresh);
    assert_eq!(drain(&mut m), vec![CallAction::AnswerReoffer { direction: MediaDirection::SendRecv }]);
    assert_eq!(m.poll_timeout(), Some(t + Duration::from_secs(110)));
    m.handle_timeout(t + Duration::from_secs(110));
    assert_eq!(drain(&mut m), vec![CallAction::SendBye, ended(EndReason::Failed, Some(408), Some(Duration::from_secs(110)))]);
}

#[test]
fn refresh_answered_481_means_the_dialog_is_gone() {
    let (mut m, t) = active();
    m.handle(t, CallInput::SessionTimerAgreed { interval: Duration::from_secs(90), we_refresh: true });
    m.handle_timeout(t + Duration::from_secs(45));
    drain(&mut m);
    m.handle(t + Duration::from_secs(46), CallInput::SessionRefreshAnswered { code: 481 });
    assert_eq!(drain(&mut m), vec![ended(EndReason::Failed, Some(481), Some(Duration::from_secs(46)))]);
}

#[test]
fn rfc3515_being_transferred_places_the_call_and_reports_its_progress() {
    let (mut m, t) = active();
    m.handle(t, CallInput::RemoteRefer { target: "sip:1003@pbx".into(), replaces: None });
    assert_eq!(
        drain(&mut m),
        vec![CallAction::SendReferNotify { code: 100, last: false }, CallAction::PlaceReferredCall { target: "sip:1003@pbx".into(), replaces: None }]
    );
    m.handle(t, CallInput::RemoteRefer { target: "sip:1004@pbx".into(), replaces: None });
    assert!(drain(&mut m).is_empty(), "one transfer at a time");
    m.handle(t, CallInput::ReferredCallProgress { code: 180 });
    assert!(drain(&mut m).is_empty());
    m.handle(t + Duration::from_secs(2), CallInput::ReferredCallProgress { code: 200 });
    assert_eq!(
        drain(&mut m),
        vec![
            CallAction::SendReferNotify { code: 200, last: true },
            CallAction::Event(CallEvent::Transferred { target: "sip:1003@pbx".into() }),
            CallAction::SendBye,
            ended(EndReason::RemoteHangup, None, Some(Duration::from_secs(2))),
        ]
    );
}

#[test]
fn a_failed_referred_call_is_reported_and_the_call_goes_on() {
    let (mut m, t) = active();
    m.handle(t, CallInput::RemoteRefer { target: "sip:1003@pbx".into(), replaces: Some("abc;to-tag=1;from-tag=2".into()) });
    drain(&mut m);
    m.handle(t, CallInput::ReferredCallProgress { code: 486 });
    assert_eq!(drain(&mut m), vec![CallAction::SendReferNotify { code: 486, last: true }]);
    assert!(m.is_active());
}

#[test]
fn rfc5589_attended_transfer_refers_with_replaces_and_reports_the_plain_target() {
    let (mut m, t) = active();
    m.handle(t, CallInput::TransferAttended { target: "sip:1003@pbx".into(), refer_to: "<sip:1003@pbx?Replaces=x%3Bto-tag%3D1%3Bfrom-tag%3D2>".into() });
    assert_eq!(drain(&mut m), vec![CallAction::SendRefer { target: "<sip:1003@pbx?Replaces=x%3Bto-tag%3D1%3Bfrom-tag%3D2>".into() }]);
    m.handle(t, CallInput::ReferAnswered { code: 202 });
    m.handle(t, CallInput::ReferProgress { code: 200, last: true });
    assert_eq!(
        drain(&mut m),
        vec![
            CallAction::Event(CallEvent::Transferred { target: "sip:1003@pbx".into() }),
            CallAction::SendBye,
            ended(EndReason::LocalHangup, None, Some(Duration::ZERO))
        ]
    );
}

#[test]
fn rfc3891_a_replaced_call_is_left_with_bye() {
    let (mut m, t) = active();
    m.handle(t, CallInput::Replaced);
    assert_eq!(drain(&mut m), vec![CallAction::SendBye, ended(EndReason::RemoteHangup, None, Some(Duration::ZERO))]);
}

#[test]
fn mute_is_reported_once_per_change_and_kept_across_hold() {
    let (mut m, t) = active();
    m.handle(t, CallInput::Mute { on: true });
    m.handle(t, CallInput::Mute { on: true });
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Muted { on: true })]);
    m.handle(t, CallInput::Hold);
    m.handle(t, CallInput::ReofferAnswered { code: 200 });
    drain(&mut m);
    assert!(m.is_muted(), "hold does not unmute");
    m.handle(t, CallInput::Mute { on: false });
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Muted { on: false })]);
}

#[test]
fn end_reason_names_are_the_ones_events_serialise() {
    use EndReason::*;
    for r in [LocalHangup, RemoteHangup, AnsweredElsewhere, DeclinedElsewhere, Cancelled, Busy, Declined, Unanswered, Failed] {
        assert_eq!(serde_json::to_value(r).unwrap(), r.as_str(), "{r:?}");
    }
}

#[test]
fn rfc3261_21_4_18_a_phone_going_away_answers_a_ringing_call_480_not_busy() {
    let t = Instant::now();
    let mut m = CallMachine::incoming(t);
    drain(&mut m);
    m.handle(t, CallInput::Withdraw);
    assert_eq!(drain(&mut m), vec![CallAction::Reject { code: 480 }, ended(EndReason::Unanswered, Some(480), None)]);
}

#[test]
fn a_phone_going_away_ends_other_calls_as_a_hangup_does() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Withdraw);
    assert_eq!(drain(&mut m), vec![CallAction::SendCancel], "dialing: CANCEL");
    let mut m = CallMachine::outgoing(t);
    m.handle(t, CallInput::Answered);
    drain(&mut m);
    m.handle(t, CallInput::Withdraw);
    assert_eq!(drain(&mut m), vec![CallAction::SendBye, ended(EndReason::LocalHangup, None, Some(Duration::ZERO))], "active: BYE");
}

#[test]
fn rfc3261_9_1_an_outgoing_call_awaits_its_answer_until_we_cancel_it() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    assert!(m.awaits_answer(), "a challenge to the INVITE is answered while dialing");
    m.handle(t, CallInput::Provisional { code: 180 });
    assert!(m.awaits_answer(), "and while alerting");
    m.handle(t, CallInput::Hangup);
    assert!(!m.awaits_answer(), "a challenge to a cancelled INVITE is final");
    assert!(!CallMachine::incoming(t).awaits_answer());
}

fn moved() -> CallInput {
    CallInput::AddressMoved { contact: "sip:1001@127.0.0.2:5070;transport=udp".into(), ip: std::net::IpAddr::from([127, 0, 0, 2]) }
}

#[test]
fn rfc3261_12_2_a_moved_address_is_one_target_refresh_reinvite_offering_the_media_as_they_are() {
    let (mut m, t) = active();
    m.handle(t, moved());
    m.handle(t, moved());
    assert_eq!(drain(&mut m), vec![CallAction::SendSessionRefresh { direction: MediaDirection::SendRecv }], "one re-INVITE for two moves in flight");
    m.handle(t, CallInput::SessionRefreshAnswered { code: 200 });
    assert_eq!(drain(&mut m), vec![CallAction::SendSessionRefresh { direction: MediaDirection::SendRecv }], "the second move goes after the first");
    m.handle(t, CallInput::SessionRefreshAnswered { code: 200 });
    assert!(drain(&mut m).is_empty(), "told: nothing more owed");
}

#[test]
fn rfc3261_14_1_a_move_during_our_hold_reinvite_waits_for_its_answer_and_keeps_the_hold() {
    let (mut m, t) = active();
    m.handle(t, CallInput::Hold);
    drain(&mut m);
    m.handle(t, moved());
    assert!(drain(&mut m).is_empty(), "no second INVITE transaction while ours is pending");
    m.handle(t, CallInput::ReofferAnswered { code: 200 });
    assert_eq!(
        drain(&mut m),
        vec![CallAction::Event(CallEvent::Held { by_remote: false }), CallAction::SendSessionRefresh { direction: MediaDirection::SendOnly }]
    );
}

#[test]
fn a_move_before_the_call_is_up_is_told_once_it_is() {
    let t = Instant::now();
    let mut m = CallMachine::outgoing(t);
    m.handle(t, moved());
    assert!(drain(&mut m).is_empty(), "no dialog to refresh yet");
    m.handle(t, CallInput::Answered);
    assert_eq!(drain(&mut m), vec![CallAction::Event(CallEvent::Answered), CallAction::SendSessionRefresh { direction: MediaDirection::SendRecv }]);
}

#[test]
fn a_session_timer_refresh_while_a_move_is_in_flight_is_not_a_second_reinvite() {
    let (mut m, t) = active();
    m.handle(t, CallInput::SessionTimerAgreed { interval: Duration::from_secs(120), we_refresh: true });
    m.handle(t, moved());
    drain(&mut m);
    m.handle_timeout(t + Duration::from_secs(60));
    assert!(drain(&mut m).is_empty(), "the move's re-INVITE refreshes the session too");
    m.handle(t + Duration::from_secs(61), CallInput::SessionRefreshAnswered { code: 200 });
    assert!(m.is_active());
}
