//! RegistrationMachine on a virtual clock: each test names the rule it proves.

use super::*;

const CHALLENGE: &str = "Digest realm=\"pbx\", nonce=\"n1\", qop=\"auth\", algorithm=MD5";

fn creds() -> DigestCredentials {
    DigestCredentials { username: "1001".into(), password: "pw".into() }
}

fn machine() -> (RegistrationMachine, Instant) {
    (RegistrationMachine::new(RegistrationConfig::default()), Instant::now())
}

fn drain(m: &mut RegistrationMachine) -> Vec<RegistrationAction> {
    std::iter::from_fn(|| m.poll_action()).collect()
}

fn resp(code: u16) -> RegistrationInput {
    RegistrationInput::Response(RegisterResponse { code, reason: format!("R{code}"), ..Default::default() })
}

fn ok(expires: u32) -> RegistrationInput {
    RegistrationInput::Response(RegisterResponse { code: 200, granted_expires: Some(expires), ..Default::default() })
}

fn challenge(code: u16, value: &str) -> RegistrationInput {
    let header = if code == 407 { ChallengeHeader::Proxy } else { ChallengeHeader::Www };
    RegistrationInput::Response(RegisterResponse { code, challenge: Some((header, value.into())), ..Default::default() })
}

fn send(expires: u32) -> RegistrationAction {
    RegistrationAction::SendRegister { expires }
}

/// Registers through one 401 so a challenge is cached.
fn registered(m: &mut RegistrationMachine, now: Instant) {
    m.handle(now, RegistrationInput::Start);
    assert_eq!(drain(m), vec![send(600)]);
    assert!(m.authorization(&creds(), "sip:pbx").is_none(), "first REGISTER goes without credentials");
    m.handle(now, challenge(401, CHALLENGE));
    assert_eq!(drain(m), vec![send(600)]);
    let (header, value) = m.authorization(&creds(), "sip:pbx").unwrap();
    assert_eq!(header, ChallengeHeader::Www);
    assert!(value.contains("nc=00000001"));
    m.handle(now, ok(600));
    assert_eq!(drain(m), vec![RegistrationAction::Event(RegistrationEvent::Registered { expires: 600 })]);
}

/// Runs the machine to its refresh and sends it with the cached credentials; returns when.
fn refresh(m: &mut RegistrationMachine) -> Instant {
    let t = m.poll_timeout().unwrap();
    m.handle_timeout(t);
    assert_eq!(drain(m), vec![send(600)]);
    m.authorization(&creds(), "sip:pbx").expect("refresh carries credentials up front");
    t
}

#[test]
fn refresh_reuses_cached_challenge_one_round_trip() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    let refresh_at = m.poll_timeout().unwrap();
    assert_eq!(refresh_at - t0, Duration::from_secs(510), "85 % of 600 s");
    m.handle_timeout(refresh_at - Duration::from_millis(1));
    assert!(drain(&mut m).is_empty(), "no refresh before the deadline");
    m.handle_timeout(refresh_at);
    assert_eq!(drain(&mut m), vec![send(600)]);
    let (_, value) = m.authorization(&creds(), "sip:pbx").expect("refresh carries credentials up front");
    assert!(value.contains("nc=00000002"), "nonce count increments: {value}");
    m.handle(refresh_at, ok(600));
    assert!(m.is_registered());
}

#[test]
fn stale_nonce_is_retried_silently() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    let t = refresh(&mut m);
    m.handle(t, challenge(401, "Digest realm=\"pbx\", nonce=\"n2\", qop=\"auth\", stale=true"));
    assert_eq!(drain(&mut m), vec![send(600)], "no event: the user is not bothered");
    let (_, value) = m.authorization(&creds(), "sip:pbx").unwrap();
    assert!(value.contains("nonce=\"n2\"") && value.contains("nc=00000001"));
    m.handle(t, ok(600));
    assert!(m.is_registered());
}

#[test]
fn reused_nonce_refused_after_server_restart_is_not_a_wrong_password() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    let t = refresh(&mut m);
    // A restarted server forgot our nonce and challenges afresh, without stale=true.
    m.handle(t, challenge(401, "Digest realm=\"pbx\", nonce=\"other\", qop=\"auth\""));
    assert_eq!(drain(&mut m), vec![send(600)]);
}

#[test]
fn wrong_password_stops_with_a_clear_error() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    m.handle(t0, challenge(401, CHALLENGE));
    drain(&mut m);
    m.authorization(&creds(), "sip:pbx");
    m.handle(t0, challenge(401, "Digest realm=\"pbx\", nonce=\"n9\", qop=\"auth\""));
    match drain(&mut m).as_slice() {
        [RegistrationAction::Event(RegistrationEvent::Failed { code: 401, fatal: true, reason, .. })] => {
            assert!(reason.contains("password"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(m.is_idle() && m.poll_timeout().is_none(), "no retry loop on a wrong password");
}

#[test]
fn proxy_challenge_answers_in_proxy_authorization() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    m.handle(t0, challenge(407, CHALLENGE));
    drain(&mut m);
    assert_eq!(m.authorization(&creds(), "sip:pbx").unwrap().0, ChallengeHeader::Proxy);
}

#[test]
fn rfc3261_10_2_8_interval_too_brief_retries_with_min_expires() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    m.handle(t0, RegistrationInput::Response(RegisterResponse { code: 423, min_expires: Some(1800), ..Default::default() }));
    assert_eq!(drain(&mut m), vec![send(1800)]);
    m.handle(t0, ok(1800));
    drain(&mut m);
    // Later refreshes keep asking for what the server accepts.
    let t = m.poll_timeout().unwrap();
    m.handle_timeout(t);
    assert_eq!(drain(&mut m), vec![send(1800)]);
}

#[test]
fn forbidden_and_not_found_stop_without_retry() {
    for code in [403, 404, 405, 489, 501] {
        let (mut m, t0) = machine();
        m.handle(t0, RegistrationInput::Start);
        drain(&mut m);
        m.handle(t0, resp(code));
        assert!(matches!(drain(&mut m).as_slice(), [RegistrationAction::Event(RegistrationEvent::Failed { fatal: true, .. })]));
        assert!(m.poll_timeout().is_none());
    }
}

#[test]
fn service_unavailable_honours_retry_after() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    m.handle(t0, RegistrationInput::Response(RegisterResponse { code: 503, retry_after: Some(7), ..Default::default() }));
    assert!(matches!(drain(&mut m).as_slice(),
        [RegistrationAction::Event(RegistrationEvent::Failed { code: 503, fatal: false, retry_in: Some(d), .. })] if *d == Duration::from_secs(7)));
    assert_eq!(m.poll_timeout(), Some(t0 + Duration::from_secs(7)));
    m.handle_timeout(t0 + Duration::from_secs(7));
    assert_eq!(drain(&mut m), vec![send(600)]);
}

#[test]
fn transport_failures_back_off_exponentially_with_jitter_and_cap() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    let mut now = t0;
    let mut delays = Vec::new();
    for _ in 0..10 {
        m.handle(now, RegistrationInput::TransportFailed { reason: "timeout".into() });
        drain(&mut m);
        let until = m.poll_timeout().unwrap();
        delays.push(until - now);
        now = until;
        m.handle_timeout(now);
        assert_eq!(drain(&mut m), vec![send(600)]);
    }
    for (i, d) in delays.iter().enumerate() {
        let full = Duration::from_secs(2).saturating_mul(1 << i).min(Duration::from_secs(120));
        assert!(*d >= full / 2 && *d <= full, "attempt {i}: {d:?} not within 50-100 % of {full:?}");
    }
    assert!(delays[9] <= Duration::from_secs(120), "capped");
    // A success resets the back-off.
    m.handle(now, RegistrationInput::TransportFailed { reason: "x".into() });
    let t = m.poll_timeout().unwrap();
    m.handle_timeout(t);
    m.handle(t, ok(600));
    m.handle_timeout(m.poll_timeout().unwrap());
    drain(&mut m);
    m.handle(t, RegistrationInput::TransportFailed { reason: "x".into() });
    assert!(m.poll_timeout().unwrap() - t <= Duration::from_secs(2));
}

#[test]
fn backoff_is_replayable_from_its_seed() {
    let run = |seed| {
        let mut m = RegistrationMachine::new(RegistrationConfig { jitter_seed: seed, ..Default::default() });
        let t0 = Instant::now();
        m.handle(t0, RegistrationInput::Start);
        m.handle(t0, RegistrationInput::TransportFailed { reason: "x".into() });
        m.poll_timeout().unwrap() - t0
    };
    assert_eq!(run(42), run(42));
}

#[test]
fn network_change_resets_flow_and_registers_at_once() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    m.handle(t0 + Duration::from_secs(5), RegistrationInput::NetworkChanged);
    assert_eq!(drain(&mut m), vec![RegistrationAction::ResetFlow, send(600)]);
}

#[test]
fn rfc5626_flow_failure_reregisters_without_waiting_for_refresh() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    m.handle(t0 + Duration::from_secs(5), RegistrationInput::FlowFailed);
    assert_eq!(drain(&mut m), vec![RegistrationAction::ResetFlow, send(600)]);
    // The restarted server refuses connections: back off, then recover.
    m.handle(t0 + Duration::from_secs(5), RegistrationInput::TransportFailed { reason: "refused".into() });
    drain(&mut m);
    let t = m.poll_timeout().unwrap();
    assert!(t - (t0 + Duration::from_secs(5)) <= Duration::from_secs(2));
    m.handle_timeout(t);
    assert_eq!(drain(&mut m), vec![send(600)]);
}

#[test]
fn rfc3581_discovered_address_rewrites_contact_once() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    let nat = RegisterResponse { code: 200, granted_expires: Some(600), public_addr: Some("198.51.100.7:40000".into()), ..Default::default() };
    m.handle(t0, RegistrationInput::Response(nat));
    assert_eq!(drain(&mut m), vec![RegistrationAction::UseContactAddress { addr: "198.51.100.7:40000".into() }, send(600)]);
    m.handle(t0, ok(600));
    assert_eq!(drain(&mut m), vec![RegistrationAction::Event(RegistrationEvent::Registered { expires: 600 })]);
}

#[test]
fn stop_unregisters_and_reports() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    m.handle(t0, RegistrationInput::Stop);
    assert_eq!(drain(&mut m), vec![send(0)]);
    assert!(m.authorization(&creds(), "sip:pbx").is_some(), "unregister carries cached credentials");
    m.handle(t0, ok(0));
    assert_eq!(drain(&mut m), vec![RegistrationAction::Event(RegistrationEvent::Unregistered)]);
    assert!(m.is_idle());
}

#[test]
fn stop_completes_even_when_server_is_gone() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    m.handle(t0, RegistrationInput::Stop);
    drain(&mut m);
    m.handle(t0, RegistrationInput::TransportFailed { reason: "timeout".into() });
    assert_eq!(drain(&mut m), vec![RegistrationAction::Event(RegistrationEvent::Unregistered)]);
}

#[test]
fn challenge_loop_is_bounded() {
    let (mut m, t0) = machine();
    m.handle(t0, RegistrationInput::Start);
    drain(&mut m);
    let mut sends = 0;
    for i in 0..20 {
        m.handle(t0, challenge(401, &format!("Digest realm=\"pbx\", nonce=\"n{i}\", stale=true")));
        let actions = drain(&mut m);
        if actions.contains(&send(600)) {
            sends += 1;
            m.authorization(&creds(), "sip:pbx");
        } else {
            break;
        }
    }
    assert!(sends <= MAX_IMMEDIATE_RETRIES as usize, "{sends}");
    assert!(m.is_idle());
}

#[test]
fn late_responses_are_ignored() {
    let (mut m, t0) = machine();
    registered(&mut m, t0);
    m.handle(t0, resp(500));
    assert!(drain(&mut m).is_empty());
    assert!(m.is_registered());
}

#[test]
fn refresh_delay_leaves_a_transaction_timeout_of_margin() {
    assert_eq!(refresh_delay(600), Duration::from_secs(510));
    assert_eq!(refresh_delay(120), Duration::from_secs(88));
    assert_eq!(refresh_delay(60), Duration::from_secs(30));
    assert_eq!(refresh_delay(1), Duration::from_secs(1));
}

#[test]
fn rfc8599_a_new_push_token_registers_again_at_once_on_the_same_flow() {
    let (mut m, t) = machine();
    registered(&mut m, t);
    m.handle(t + Duration::from_secs(10), RegistrationInput::ContactChanged);
    assert_eq!(drain(&mut m), vec![send(600)], "no flow reset, no waiting for the refresh");
    assert!(m.authorization(&creds(), "sip:pbx").is_some(), "the cached challenge is reused");
    let (mut idle, t) = machine();
    idle.handle(t, RegistrationInput::ContactChanged);
    assert!(drain(&mut idle).is_empty(), "not registering: nothing to update");
}
