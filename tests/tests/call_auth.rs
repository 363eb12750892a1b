//! Outgoing calls through a PBX that challenges INVITEs: Kamailio's auth module (MD5 and
//! SHA-256, 407 Proxy-Authenticate) and a sipp callee with the challenges real PBXs send
//! (401, SHA-256, a quoted qop list, a stale `-sess` nonce). Every one is answered by our
//! RFC 7616 digest; a refused one ends the call with its SIP code and a log line.

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

/// A PBX challenging every INVITE of its users, a sipp callee answering as 1009 behind it
/// (baresip 1.0 cannot register with SHA-256), and ringside on 1001 calling it for a second.
fn challenged_call(sha256: bool) -> (Pbx, Sipp, Ringside) {
    let uas_port = free_port();
    let pbx = Pbx::start(PbxOptions {
        invite_auth: true,
        sha256,
        static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{uas_port}"))],
        ..Default::default()
    });
    let callee = Sipp::uas("uas-rtp-echo", uas_port, 1);
    let phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["call", "1009", "--hangup-after", "1"]);
    (pbx, callee, phone)
}

fn answered_and_hung_up(pbx: &Pbx, phone: &mut Ringside) {
    let Some(_) = phone.wait_event("answered", 5 * SEC) else {
        panic!("the challenged call was not answered: {:?}\nringside:\n{}\nPBX:\n{}", phone.events, phone.stderr_tail(), pbx.log());
    };
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    assert!(pbx.log().contains("INVITE from 1001 challenged") && pbx.log().contains("INVITE from 1001 authenticated"), "{}", pbx.log());
}

#[test]
fn rfc3261_22_3_a_pbx_challenging_the_invite_with_md5_gets_our_proxy_authorization() {
    let (pbx, mut callee, mut phone) = challenged_call(false);
    answered_and_hung_up(&pbx, &mut phone);
    assert!(callee.passed(5 * SEC), "{}", callee.errors());
}

#[test]
fn rfc7616_a_pbx_challenging_the_invite_with_sha256_gets_a_sha256_answer() {
    let (pbx, mut callee, mut phone) = challenged_call(true);
    answered_and_hung_up(&pbx, &mut phone);
    assert!(callee.passed(5 * SEC), "{}", callee.errors());
}

#[test]
fn rfc7616_a_callee_asking_sha256_with_a_qop_list_then_a_stale_sess_nonce_is_answered() {
    let uas_port = free_port();
    let pbx = Pbx::start(PbxOptions { static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{uas_port}"))], ..Default::default() });
    let mut callee = Sipp::uas("uas-auth-challenges", uas_port, 1);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["call", "1009", "--hangup-after", "1"]);
    let Some(_) = phone.wait_event("answered", 5 * SEC) else {
        panic!("not answered: {:?}\ncallee: {}\nringside:\n{}", phone.events, callee.errors(), phone.stderr_tail());
    };
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(callee.passed(5 * SEC), "each challenge answered with its nonce, nc=1: {}", callee.errors());
}

#[test]
fn refused_credentials_end_the_call_failed_with_the_407_and_say_why() {
    let pbx = Pbx::start(PbxOptions { invite_auth: true, ..Default::default() });
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    // The PBX changes the password after we registered: our INVITE's answer is refused.
    pbx.set_password("1001", "changed");
    phone.send(r#"{"cmd":"call","target":"1002"}"#);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!((ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some("failed"), Some(407)), "{ended}");
    assert!(phone.stderr().contains("outgoing call not authenticated"), "{}", phone.stderr_tail());
    assert_eq!(pbx.log().matches("INVITE from 1001 challenged").count(), 2, "one answer, then we stop: {}", pbx.log());
}

/// A callee behind the PBX (record-routed) answering our call as 1009 in the sipp scenario
/// `scenario`, and ringside on 1001 calling it with `args`.
fn call_to_sipp(scenario: &str, args: &[&str]) -> (Pbx, Sipp, Ringside) {
    let uas_port = free_port();
    let pbx = Pbx::start(PbxOptions { static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{uas_port}"))], ..Default::default() });
    let callee = Sipp::uas(scenario, uas_port, 1);
    let phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", args);
    (pbx, callee, phone)
}

#[test]
fn rfc7616_a_bye_challenged_with_sha256_and_a_qop_list_is_sent_again_with_our_answer() {
    let (_pbx, mut callee, mut phone) = call_to_sipp("uas-bye-challenged", &["--log", "warn,ringside_core=info", "call", "1009", "--hangup-after", "1"]);
    let Some(_) = phone.wait_event("answered", 5 * SEC) else {
        panic!("not answered: {:?}\ncallee: {}\nringside:\n{}", phone.events, callee.errors(), phone.stderr_tail());
    };
    let Some(ended) = phone.wait_event("call_ended", 5 * SEC) else {
        panic!("the call did not end: callee: {}\nringside:\n{}", callee.errors(), phone.stderr_tail());
    };
    assert_eq!(ended["reason"], "local_hangup");
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    assert!(callee.passed(5 * SEC), "the BYE sent again, higher CSeq, SHA-256 answer: {}", callee.errors());
    assert!(phone.stderr().contains("in-dialog request challenged"), "{}", phone.stderr_tail());
}

/// Ringside (drive) on 1001 in a call to the sipp callee: the call's id.
fn drive_call_to(phone: &mut Ringside) -> String {
    phone.expect_event("registered", 5 * SEC);
    phone.send(r#"{"cmd":"call","target":"1009"}"#);
    let call = phone.expect_event("calling", 2 * SEC)["call"].as_str().unwrap().to_string();
    assert_eq!(phone.expect_event("answered", 5 * SEC)["call"], call.as_str());
    call
}

#[test]
fn rfc7616_a_hold_reinvite_challenged_by_a_proxy_is_sent_again_and_the_bye_reuses_the_nonce() {
    let (_pbx, mut callee, mut phone) = call_to_sipp("uas-reinvite-challenged", &["--log", "warn,ringside_core=info", "drive"]);
    let call = drive_call_to(&mut phone);
    phone.send(&format!(r#"{{"cmd":"hold","call":"{call}"}}"#));
    let Some(held) = phone.wait_event("held", 5 * SEC) else {
        panic!("not held: callee: {}\nringside:\n{}", callee.errors(), phone.stderr_tail());
    };
    assert_eq!(held["by_remote"], false);
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(callee.passed(5 * SEC), "re-INVITE answered with SHA-256, BYE authorized up front with nc=2: {}", callee.errors());
    assert_eq!(phone.stderr().matches("in-dialog request challenged").count(), 1, "{}", phone.stderr_tail());
}

#[test]
fn rfc3261_22_2_a_refer_challenged_with_md5_gets_an_authorization_that_verifies() {
    let (_pbx, mut callee, mut phone) = call_to_sipp("uas-refer-challenged", &["--log", "warn,ringside_core=info", "drive"]);
    let call = drive_call_to(&mut phone);
    phone.send(&format!(r#"{{"cmd":"transfer","call":"{call}","target":"1003"}}"#));
    let Some(transferred) = phone.wait_event("transferred", 10 * SEC) else {
        panic!("not transferred: callee: {}\nringside:\n{}", callee.errors(), phone.stderr_tail());
    };
    assert_eq!(transferred["target"], "sip:1003@pbx.test");
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(callee.passed(5 * SEC), "REFER answered, sipp verified the digest: {}", callee.errors());
    assert!(phone.stderr().contains("in-dialog request challenged"), "{}", phone.stderr_tail());
}
