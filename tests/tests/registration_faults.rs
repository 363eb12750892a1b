//! Registration faults scripted with sipp as the registrar: stale nonce, 423, 503 with
//! Retry-After, and no answer at all (UDP retransmission, timeout, back-off, recovery); and a
//! TCP flow to Kamailio that goes silent (a blackhole), through the testbed's TCP relay.

use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);

fn phone_at(port: u16, extra: &str) -> Ringside {
    Ringside::start(&config("1001", "pbx.test", &format!("sip:127.0.0.1:{port}"), extra), "pw1001", &["register"])
}

#[test]
fn stale_true_is_answered_at_once_with_the_new_nonce() {
    let port = free_port();
    let mut sipp = Sipp::uas("register-stale", port, 1);
    let mut phone = phone_at(port, "");
    phone.expect_event("registered", 5 * SEC);
    let refreshed = phone.expect_event("registered", 5 * SEC);
    assert_eq!(refreshed["expires"], 60);
    assert!(sipp.passed(5 * SEC), "sipp checks (nonce reuse with nc=2, new nonce with nc=1): {}", sipp.errors());
    assert!(phone.events.iter().all(|e| e["event"] == "registered"), "{:?}", phone.events);
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let port = free_port();
    let mut sipp = Sipp::uas("register-423", port, 1);
    let mut phone = phone_at(port, "expires = 60");
    let ev = phone.expect_event("registered", 5 * SEC);
    assert_eq!(ev["expires"], 1800);
    assert!(sipp.passed(5 * SEC), "{}", sipp.errors());
}

#[test]
fn service_unavailable_waits_for_retry_after() {
    let port = free_port();
    let mut sipp = Sipp::uas("register-503", port, 1);
    let mut phone = phone_at(port, "");
    let failed = phone.expect_event("registration_failed", 5 * SEC);
    assert_eq!(failed["code"], 503);
    assert_eq!(failed["retry_in_ms"], 3000, "Retry-After honoured: {failed}");
    let t = Instant::now();
    phone.expect_event("registered", 6 * SEC);
    assert!(t.elapsed() >= Duration::from_millis(2800), "retried after {:?}", t.elapsed());
    assert!(sipp.passed(5 * SEC), "{}", sipp.errors());
}

#[test]
fn no_answer_retransmits_times_out_backs_off_and_recovers() {
    let port = free_port();
    // Nobody listens yet. T1 = 100 ms: the transaction times out after 64·T1 = 6.4 s.
    let mut phone = phone_at(port, "timer_t1_ms = 100");
    let failed = phone.expect_event("registration_failed", 12 * SEC);
    assert_eq!(failed["code"], 408, "{failed}");
    let retry_in = failed["retry_in_ms"].as_u64().expect("retried");
    assert!((1000..=2000).contains(&retry_in), "first back-off within 50-100 % of 2 s: {retry_in}");
    let sends = phone.stderr().matches("cseq=1 REGISTER").count();
    assert!(sends >= 5, "UDP retransmissions of the unanswered REGISTER: {sends}");
    // The registrar comes up while the phone backs off.
    let mut sipp = Sipp::uas("register-ok", port, 1);
    phone.expect_event("registered", 15 * SEC);
    assert!(sipp.passed(5 * SEC), "{}", sipp.errors());
}

#[test]
fn proxy_challenge_407_with_sha256_is_answered_in_proxy_authorization() {
    let port = free_port();
    let mut sipp = Sipp::uas("register-407", port, 1);
    let mut phone = phone_at(port, "");
    phone.expect_event("registered", 5 * SEC);
    phone.expect_event("registered", 5 * SEC);
    assert!(sipp.passed(5 * SEC), "{}", sipp.errors());
    assert!(phone.stderr().contains("algorithm=SHA-256"));
}

#[test]
fn rfc5626_4_4_1_a_blackholed_tcp_flow_is_declared_dead_and_a_fresh_one_registers() {
    use ringside_testbed::kamailio::{Pbx, PbxOptions};
    use ringside_testbed::tcp_relay::TcpRelay;
    let pbx = Pbx::start(PbxOptions::default());
    // The path dies without FIN or RST (a NAT that forgot the flow) while the phone is awake.
    let relay = TcpRelay::start(format!("127.0.0.1:{}", pbx.tcp_port).parse().unwrap());
    let proxy = format!("sip:127.0.0.1:{};transport=tcp", relay.port);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &proxy, "keepalive_secs = 1\npong_timeout_secs = 1"), "pw1001", &["register"]);
    let first = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    relay.freeze();
    // The 600 s binding is not due for a refresh: only the missing pong can bring this REGISTER.
    let second = phone.expect_event("registered", 10 * SEC)["contact"].as_str().unwrap().to_string();
    assert_ne!(first, second, "a fresh flow, a fresh contact");
    assert!(phone.stderr().contains("registration flow died"), "{}", phone.stderr_tail());
    assert_eq!(pbx.contacts("1001"), vec![second], "the dead flow's binding was replaced");
}
