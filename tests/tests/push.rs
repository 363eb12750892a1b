//! Push-woken calls, the core's side: `drive` takes a push payload (proto/push-payload.schema.json)
//! and answers `push_hint` at once; the INVITE the push announced is the same call (one
//! `call_uuid`); duplicate, late and stale pushes are reported and ended as design §2 says.

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

fn push(kind: &str, call_id: &str, age_ms: u64) -> String {
    let now = ringside_core::clock::wall_ms() as u64;
    format!(
        r#"{{"cmd":"push","payload":{{"type":"{kind}","call-id":"{call_id}","from-uri":"sip:caller@127.0.0.1","display-name":"Carol Caller","to-uri":"sip:1001@pbx.test","send-time":{},"x-push-id":"p1"}}}}"#,
        now - age_ms
    )
}

#[test]
fn a_push_and_its_invite_are_one_call_and_late_pushes_end_with_its_reason() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    let call_id = format!("pushed-{}@test", free_port());
    let pushed_at = phone.events.len();
    phone.send(&push("call", &call_id, 300));
    let hint = phone.expect_event("push_hint", SEC);
    assert_eq!((hint["action"].as_str(), hint["caller"].as_str()), (Some("ring"), Some("sip:caller@127.0.0.1")), "{hint}");
    // The wake re-registers (on loopback its event can beat the hint's); then the PBX delivers
    // the INVITE the push announced.
    phone.expect_event_since("registered", pushed_at, 5 * SEC);
    let mut caller = Sipp::uac_call_id("call-uac", free_port(), "1001", pbx.udp_port, 1500, &call_id);
    let incoming = phone.expect_event("incoming", 5 * SEC);
    assert_eq!(incoming["call"], hint["call"], "the INVITE is the call the push reported");
    // A duplicate push while it rings: the same call, nothing new.
    phone.send(&push("call", &call_id, 100));
    let again = phone.expect_event("push_hint", SEC);
    assert_eq!((again["action"].as_str(), &again["call"]), (Some("already_ringing"), &hint["call"]));
    let call = incoming["call"].as_str().unwrap();
    phone.send(&format!(r#"{{"cmd":"answer","call":"{call}"}}"#));
    phone.expect_event("answered", 5 * SEC);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "remote_hangup");
    assert!(caller.passed(5 * SEC), "{}", caller.errors());
    // A push that arrives after the call: reported and ended with how the call ended.
    phone.send(&push("call", &call_id, 100));
    let late = phone.expect_event("push_hint", SEC);
    assert_eq!((late["action"].as_str(), late["reason"].as_str()), (Some("end"), Some("remote_hangup")));
    // A stale push for an unknown call: unanswered, no ringing.
    phone.send(&push("call", "never-seen@test", 120_000));
    let stale = phone.expect_event("push_hint", SEC);
    assert_eq!((stale["action"].as_str(), stale["reason"].as_str()), (Some("end"), Some("unanswered")));
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}

#[test]
fn rfc8599_push_parameters_ride_on_the_registered_contact() {
    let pbx = Pbx::start(PbxOptions::default());
    let extra = "[push]\nprovider = \"fcm\"\nprid = \"dGVzdC10b2tlbg\"\nparam = \"ringside-test\"\n";
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), extra), "pw1001", &["register"]);
    let registered = phone.expect_event("registered", 5 * SEC);
    assert_eq!(registered["push"], false, "our Kamailio registrar sends no Feature-Caps: no push promised");
    let contacts = pbx.contacts("1001");
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert!(c.contains("pn-provider=fcm") && c.contains("pn-prid=dGVzdC10b2tlbg") && c.contains("pn-param=ringside-test"), "{c}");
}
