//! The push gateway end to end (issue 5): Kamailio with gateway/kamailio/gateway.cfg, the
//! `ringside-push` sender, a fake APNs/FCM cloud checking every request, a baresip desk phone on
//! the same extension, a sipp caller, and Ringside as the phone asleep in a pocket. The test plays
//! the phone's OS: it takes what the cloud accepted and hands the payload to the app (`push`).

use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::gateway::{Gateway, GatewayOptions, FCM_PROJECT};
use ringside_testbed::pcap;
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

fn fcm_phone(gw: &Gateway, token: &str) -> Ringside {
    let extra = format!("[push]\nprovider = \"fcm\"\nprid = \"{token}\"\nparam = \"{FCM_PROJECT}\"\n");
    let mut phone = Ringside::start(&config("1001", "pbx.test", &gw.pbx.proxy_uri("udp"), &extra), "pw1001", &["drive"]);
    let registered = phone.expect_event("registered", 5 * SEC);
    assert_eq!(registered["push"], true, "the gateway's Feature-Caps promise push: {registered}");
    phone
}

fn push_cmd(payload: &serde_json::Value) -> String {
    serde_json::json!({"cmd": "push", "payload": payload}).to_string()
}

#[test]
fn happy_path_push_wakes_the_phone_it_answers_and_the_desk_is_cancelled_as_answered_elsewhere() {
    let gw = Gateway::start(GatewayOptions::default());
    let desk = DeskPhone::start("1001", "pw1001", "pbx.test", gw.pbx.udp_port);
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let mut phone = fcm_phone(&gw, "tok-happy");
    let call_id = format!("gw-happy-{}@test", free_port());
    let dir = tempfile::tempdir().unwrap();
    let mut capture = pcap::capture_udp(&dir.path().join("gw.pcap"), gw.pbx.udp_port);
    let mut caller = Sipp::uac_call_id("call-uac", free_port(), "1001", gw.pbx.udp_port, 1000, &call_id);
    // The desk rings at once; the phone gets a push, not an INVITE.
    assert!(desk.wait_log("Incoming call", 5 * SEC) || desk.wait_log("incoming call", SEC), "{}", desk.log());
    let push = gw.cloud.next(5 * SEC).unwrap_or_else(|| panic!("no push; sender log:\n{}\nkamailio:\n{}", gw.sender_log(), gw.pbx.log()));
    assert_eq!((push.service, push.token.as_str()), ("fcm", "tok-happy"));
    assert_eq!((push.payload["type"].as_str(), push.payload["call-id"].as_str()), (Some("call"), Some(call_id.as_str())));
    phone.send(&push_cmd(&push.payload));
    let hint = phone.expect_event("push_hint", SEC);
    assert_eq!(hint["action"], "ring", "{hint}");
    let incoming = phone.expect_event("incoming", 5 * SEC);
    assert_eq!(incoming["call"], hint["call"]);
    phone.send(&format!(r#"{{"cmd":"answer","call":"{}"}}"#, incoming["call"].as_str().unwrap()));
    phone.expect_event("answered", 5 * SEC);
    assert!(desk.wait_log("session closed", 5 * SEC), "the desk got its CANCEL:\n{}", desk.log());
    std::thread::sleep(Duration::from_millis(300));
    capture.stop();
    let packets = pcap::read(&std::fs::read(dir.path().join("gw.pcap")).unwrap());
    let cancel = packets.iter().find(|p| p.is_request("CANCEL") && p.src_port == gw.pbx.udp_port).unwrap_or_else(|| {
        panic!(
            "the gateway cancelled the desk: {:#?}",
            packets.iter().map(|p| (p.src_port, p.dst_port, p.text.lines().next().unwrap_or(""))).collect::<Vec<_>>()
        )
    });
    assert!(cancel.header("Reason").is_some_and(|r| r.contains("cause=200")), "answered elsewhere, not missed: {}", cancel.text);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "remote_hangup");
    assert!(caller.passed(5 * SEC), "{}", caller.errors());
    assert!(gw.cloud.problems().is_empty(), "{:?}", gw.cloud.problems());
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}
