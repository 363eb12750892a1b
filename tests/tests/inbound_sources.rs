//! Requests only from where they belong: a stranger's INVITE and NOTIFY sent straight to the
//! phone's contact are ignored (nothing rings, no voicemail count), while the PBX's still ring;
//! and a phone that quits while a call rings answers 480, so the PBX's forward-on-busy stays
//! for a user who really is busy.

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

#[test]
fn a_stranger_sending_straight_to_our_contact_rings_nothing_and_gets_no_answer() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["listen"]);
    let contact = phone.expect_event("registered", 5 * SEC)["contact"].as_str().unwrap().to_string();
    let target = contact.rsplit_once('@').unwrap().1.parse().unwrap();
    // 127.0.0.2 is loopback too on Linux, but not the PBX's address.
    let mut stranger = Sipp::stranger("stranger", "127.0.0.2", "1001", target);
    assert!(stranger.passed(10 * SEC), "no answer to the stranger's INVITE or NOTIFY: {}", stranger.errors());
    assert!(phone.stderr().contains("request from a stranger ignored"), "counted in the log: {}", phone.stderr_tail());
    // The PBX's own call still rings, and it is the first thing that does.
    let mut caller = Sipp::uac("call-uac-cancel", free_port(), "1001", pbx.udp_port, 0);
    let first = phone.expect_event("incoming", 5 * SEC);
    assert_eq!(first["display_name"], "Carol Caller", "the PBX's call, not the scanner's");
    assert!(phone.events.iter().all(|e| e["event"] != "mwi"), "no spoofed message count: {:?}", phone.events);
    assert!(caller.passed(10 * SEC), "{}", caller.errors());
}

#[test]
fn rfc3261_21_4_18_quitting_while_a_call_rings_answers_480_not_busy() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["listen"]);
    phone.expect_event("registered", 5 * SEC);
    let mut caller = Sipp::uac("call-uac-480", free_port(), "1001", pbx.udp_port, 0);
    let incoming = phone.expect_event("incoming", 5 * SEC);
    phone.signal(libc::SIGTERM);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!(
        (ended["call"].clone(), ended["reason"].clone(), ended["sip_code"].clone()),
        (incoming["call"].clone(), "unanswered".into(), 480.into()),
        "{ended}"
    );
    assert!(caller.passed(10 * SEC), "the caller got 480 through the PBX: {}", caller.errors());
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}
