//! Ringing alongside the desk phone: Kamailio forks a call to extension 1001 to a baresip desk
//! phone and to `ringside`; a sipp caller. Each branch of design §2's end reasons, on real peers.

use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

struct Office {
    pbx: Pbx,
    desk: DeskPhone,
    phone: Ringside,
}

/// The PBX, the desk phone on 1001, and ringside on 1001 running `args`.
fn office(desk_auto_answer: bool, args: &[&str]) -> Office {
    let pbx = Pbx::start(PbxOptions::default());
    let desk = if desk_auto_answer {
        DeskPhone::start_auto_answer("1001", "pw1001", "pbx.test", pbx.udp_port)
    } else {
        DeskPhone::start("1001", "pw1001", "pbx.test", pbx.udp_port)
    };
    assert!(desk.wait_registered(5 * SEC), "desk registered:\n{}", desk.log());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", args);
    phone.expect_event("registered", 5 * SEC);
    assert_eq!(pbx.contacts("1001").len(), 2, "desk and ringside both bound to 1001");
    Office { pbx, desk, phone }
}

fn caller(office: &Office, scenario: &str, pause_ms: u64) -> Sipp {
    Sipp::uac(scenario, free_port(), "1001", office.pbx.udp_port, pause_ms)
}

#[test]
fn ringside_answers_and_the_desk_stops_ringing() {
    let mut o = office(false, &["listen", "--answer-after", "0.3", "--calls", "1"]);
    let mut sipp = caller(&o, "call-uac", 1000);
    let incoming = o.phone.expect_event("incoming", 5 * SEC);
    assert_eq!(incoming["display_name"], "Carol Caller");
    assert!(o.desk.wait_log("Incoming call", 2 * SEC), "the desk rang too");
    o.phone.expect_event("answered", 3 * SEC);
    assert!(o.desk.wait_log("session closed", 3 * SEC), "the desk got its CANCEL:\n{}", o.desk.log());
    let ended = o.phone.expect_event("call_ended", 5 * SEC);
    assert_eq!(ended["reason"], "remote_hangup");
    let ms = ended["duration_ms"].as_u64().unwrap();
    assert!((900..2000).contains(&ms), "talked about 1 s: {ms}");
    assert_eq!(ended["call"], incoming["call"]);
    assert!(sipp.passed(5 * SEC), "caller: {}", sipp.errors());
    assert_eq!(o.phone.wait_exit(5 * SEC), Some(0), "--calls 1 exits after the call");
}

#[test]
fn desk_answers_and_ringside_reports_answered_elsewhere() {
    let mut o = office(false, &["listen"]);
    let mut sipp = caller(&o, "call-uac", 500);
    let incoming = o.phone.expect_event("incoming", 5 * SEC);
    // Both ring; the employee picks up at the desk, at a human pace. (`incoming` is reported
    // before our 180 leaves: a desk answering within milliseconds can beat it to the PBX,
    // which then may not CANCEL a branch that has sent no provisional, RFC 3261 §9.1.)
    assert!(o.desk.wait_log("Incoming call", 2 * SEC));
    std::thread::sleep(Duration::from_millis(500));
    assert!(o.desk.answer(4 * SEC), "the desk answered:\n{}", o.desk.log());
    let Some(ended) = o.phone.wait_event("call_ended", 5 * SEC) else {
        panic!("ringside got no CANCEL; desk:\n{}\nPBX:\n{}\ncaller: {}", o.desk.log(), o.pbx.log(), sipp.errors());
    };
    assert_eq!(ended["reason"], "answered_elsewhere", "CANCEL with Reason: SIP;cause=200 is not a missed call: {ended}");
    assert_eq!(ended["call"], incoming["call"]);
    assert!(sipp.passed(5 * SEC), "the desk answered the caller: {}", sipp.errors());
    let incomings = o.phone.events.iter().filter(|e| e["event"] == "incoming").count();
    assert_eq!(incomings, 1, "one Call-ID, one call");
}

#[test]
fn the_desk_declines_with_603_and_ringside_stops_ringing_declined_elsewhere_not_missed() {
    let pbx = Pbx::start(PbxOptions::default());
    // The desk: a sipp call leg, bound to 1001 by a digest-authenticated REGISTER.
    let desk_port = free_port();
    let mut desk = Sipp::uas("desk-decline-603", desk_port, 1);
    let desk_port_text = desk_port.to_string();
    let mut binding = Sipp::uac_once_with("desk-register", free_port(), "1001", pbx.udp_port, &["-key", "deskport", &desk_port_text]);
    assert!(binding.passed(5 * SEC), "the desk registered: {}\nPBX:\n{}", binding.errors(), pbx.log());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    assert_eq!(pbx.contacts("1001").len(), 2, "desk and ringside both bound to 1001");
    let mut caller = Sipp::uac("call-uac-603", free_port(), "1001", pbx.udp_port, 0);
    let incoming = phone.expect_event("incoming", 5 * SEC);
    // RFC 3261 §16.7: the PBX cancels our fork on the desk's 6xx; Kamailio's CANCEL says why
    // (RFC 3326 Reason: SIP;cause=603).
    let Some(ended) = phone.wait_event("call_ended", 5 * SEC) else {
        panic!("ringside kept ringing: desk: {}\ncaller: {}\nPBX:\n{}", desk.errors(), caller.errors(), pbx.log());
    };
    assert_eq!((ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some("declined_elsewhere"), Some(487)), "{ended}");
    assert_eq!(ended["call"], incoming["call"]);
    assert!(caller.passed(5 * SEC), "the caller got the desk's 603: {}", caller.errors());
    assert!(desk.passed(5 * SEC), "{}", desk.errors());
    // Declined at the desk is a call the user dealt with: history keeps it, not as missed.
    phone.send(r#"{"cmd":"call_log"}"#);
    let log = phone.expect_event("call_log", 5 * SEC);
    let entry = &log["entries"][0];
    assert_eq!((entry["reason"].as_str(), entry["missed"].as_bool()), (Some("declined_elsewhere"), Some(false)), "{log}");
}

#[test]
fn caller_gives_up_and_it_is_a_missed_call() {
    let mut o = office(false, &["listen"]);
    let mut sipp = caller(&o, "call-uac-cancel", 800);
    o.phone.expect_event("incoming", 5 * SEC);
    let ended = o.phone.expect_event("call_ended", 5 * SEC);
    assert_eq!(ended["reason"], "cancelled", "{ended}");
    assert_eq!(ended["sip_code"], 487);
    assert!(sipp.passed(5 * SEC), "{}", sipp.errors());
}

#[test]
fn ringside_declines_with_486_and_the_desk_keeps_ringing() {
    let mut o = office(false, &["listen", "--decline", "486"]);
    let mut sipp = caller(&o, "call-uac", 300);
    o.phone.expect_event("incoming", 5 * SEC);
    let ended = o.phone.expect_event("call_ended", 3 * SEC);
    assert_eq!((ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some("declined"), Some(486)));
    // A second later the desk still rings: the caller has no final answer yet. The desk answers.
    std::thread::sleep(SEC);
    assert!(!o.desk.log().contains("session closed"), "the desk was not cancelled:\n{}", o.desk.log());
    assert!(o.desk.answer(4 * SEC), "the desk answered:\n{}", o.desk.log());
    assert!(sipp.passed(5 * SEC), "the caller got the desk's 200: {}", sipp.errors());
}

#[test]
fn outgoing_call_is_answered_and_hung_up() {
    let pbx = Pbx::start(PbxOptions::default());
    let callee = DeskPhone::start_auto_answer("1002", "pw1002", "pbx.test", pbx.udp_port);
    assert!(callee.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["call", "1002", "--hangup-after", "1"]);
    phone.expect_event("registered", 5 * SEC);
    phone.expect_event("answered", 5 * SEC);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!(ended["reason"], "local_hangup");
    assert!(ended["duration_ms"].as_u64().unwrap() >= 900);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    assert!(callee.wait_log("terminated", 3 * SEC) || callee.wait_log("closed", 1 * SEC), "callee saw our BYE:\n{}", callee.log());
}

#[test]
fn outgoing_call_to_nobody_fails_with_exit_4() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["call", "1003"]);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!((ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some("failed"), Some(404)), "{ended}");
    assert_eq!(phone.wait_exit(5 * SEC), Some(4));
}

#[test]
fn outgoing_call_to_a_busy_phone_is_busy() {
    let pbx = Pbx::start(PbxOptions::default());
    let callee = DeskPhone::start("1002", "pw1002", "pbx.test", pbx.udp_port);
    assert!(callee.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["call", "1002"]);
    phone.expect_event("ringing", 5 * SEC);
    // The callee rejects the ringing call (baresip answers 486 Busy Here).
    callee.command("hangup").unwrap();
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!(ended["reason"], "busy", "{ended}");
    assert_eq!(phone.wait_exit(5 * SEC), Some(4));
}

#[test]
fn demo_runs_unattended_both_scenes_and_exits_0() {
    let out = std::process::Command::new(ringside_testbed::ringside::binary()).arg("demo").output().unwrap();
    let narration = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{narration}");
    assert!(narration.contains("scene 1 (Ringside answers) passed, scene 2 (desk answers) passed"), "{narration}");
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let reasons: Vec<&str> = events.iter().filter(|e| e["event"] == "call_ended").filter_map(|e| e["reason"].as_str()).collect();
    assert_eq!(reasons, ["local_hangup", "answered_elsewhere"]);
    assert_eq!(events.last().map(|e| e["event"].clone()), Some("unregistered".into()));
}

/// Places a call through `drive` and waits until it is answered; returns its id.
fn drive_call(phone: &mut Ringside, target: &str) -> String {
    phone.send(&format!(r#"{{"cmd":"call","target":"{target}"}}"#));
    let call = phone.expect_event("calling", 2 * SEC)["call"].as_str().unwrap().to_string();
    assert_eq!(phone.expect_event("answered", 5 * SEC)["call"], call.as_str());
    call
}

#[test]
fn drive_places_and_hangs_up_a_call_from_json_commands() {
    let pbx = Pbx::start(PbxOptions::default());
    let callee = DeskPhone::start_auto_answer("1002", "pw1002", "pbx.test", pbx.udp_port);
    assert!(callee.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("tcp"), ""), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    phone.send(r#"{"cmd":"push","payload":{}}"#);
    let hint = phone.expect_event("push_hint", 2 * SEC);
    assert_eq!((hint["action"].as_str(), hint["reason"].as_str()), (Some("end"), Some("failed")), "a bad push is still a call to report, then end");
    let call = drive_call(&mut phone, "1002");
    // Media has flowed (the first report) before the hangup: on a loaded machine a hangup right
    // after the answer can beat the first frame, and the test is about what stays after it.
    phone.expect_event("media_stats", 5 * SEC);
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    // The call's quality stays with it after it ended (design §2 stats()).
    phone.send(&format!(r#"{{"cmd":"stats","call":"{call}"}}"#));
    let stats = phone.expect_event("media_stats", 2 * SEC);
    assert_eq!(stats["call"], call.as_str());
    assert!(stats["packets_sent"].as_u64().unwrap_or(0) > 0, "{stats}");
    phone.send(r#"{"cmd":"quit"}"#);
    phone.expect_event("unregistered", 5 * SEC);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}

/// Ringside answering at once on 1001, called through the PBX by sipp scenario `scenario`;
/// returns once the call is answered.
fn answered_by_ringside(scenario: &str) -> (Pbx, Ringside, Sipp) {
    answered_by_ringside_with(scenario, "")
}

#[test]
fn far_end_hold_dtmf_info_and_resume_are_answered_and_reported() {
    let (_pbx, mut phone, mut sipp) = answered_by_ringside("call-uac-hold");
    assert_eq!(phone.expect_event("held", 5 * SEC)["by_remote"], true);
    assert_eq!(phone.expect_event("dtmf", 5 * SEC)["digit"], "5");
    assert_eq!(phone.expect_event("resumed", 5 * SEC)["by_remote"], true);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "remote_hangup");
    assert!(sipp.passed(5 * SEC), "our answers were recvonly then sendrecv: {}", sipp.errors());
}

#[test]
fn rfc3261_12_2_2_a_reinvite_from_a_new_contact_moves_the_calls_remote_target() {
    let pbx = Pbx::start(PbxOptions::default());
    let args = ["listen", "--answer-after", "0", "--hangup-after", "2", "--calls", "1"];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &args);
    phone.expect_event("registered", 5 * SEC);
    let mut sipp = Sipp::uac("call-uac-target-refresh", free_port(), "1001", pbx.udp_port, 0);
    assert_eq!(phone.expect_event("held", 5 * SEC)["by_remote"], true);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(sipp.passed(5 * SEC), "our BYE went to the re-INVITE's Contact: {}", sipp.errors());
}

#[test]
fn drive_holds_resumes_and_sends_dtmf_to_a_baresip_callee() {
    let pbx = Pbx::start(PbxOptions::default());
    let callee = DeskPhone::start_auto_answer("1002", "pw1002", "pbx.test", pbx.udp_port);
    assert!(callee.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    let call = drive_call(&mut phone, "1002");
    phone.send(&format!(r#"{{"cmd":"hold","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("held", 5 * SEC)["by_remote"], false);
    assert!(callee.wait_log("got re-INVITE (SDP Offer)", 3 * SEC), "baresip got the hold re-INVITE:\n{}", callee.log());
    phone.send(&format!(r#"{{"cmd":"resume","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("resumed", 5 * SEC)["by_remote"], false);
    phone.send(&format!(r#"{{"cmd":"dtmf","call":"{call}","digits":"7"}}"#));
    assert!(phone.wait_event("error", SEC).is_none(), "INFO accepted");
    phone.send(&format!(r#"{{"cmd":"mute","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("muted", 5 * SEC)["muted"], true);
    phone.send(&format!(r#"{{"cmd":"mute","call":"{call}","on":false}}"#));
    assert_eq!(phone.expect_event("muted", 5 * SEC)["muted"], false);
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    // The call log (SQLite in the data directory) has the call with its last quality report.
    phone.send(r#"{"cmd":"call_log"}"#);
    let log = phone.expect_event("call_log", 5 * SEC);
    let entry = &log["entries"][0];
    assert_eq!((entry["call"].as_str(), entry["direction"].as_str(), entry["peer"].as_str()), (Some(call.as_str()), Some("out"), Some("1002")), "{log}");
    assert_eq!((entry["reason"].as_str(), entry["missed"].as_bool()), (Some("local_hangup"), Some(false)), "{log}");
    assert!(entry["answered_ms"].is_i64() && entry["duration_ms"].as_i64().is_some_and(|d| d > 0), "{log}");
    assert_eq!(entry["quality"]["codec"], "PCMU", "{log}");
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}

#[test]
fn unsolicited_message_summary_notify_reports_voicemail() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    let mut voicemail = Sipp::uac("notify-mwi", free_port(), "1001", pbx.udp_port, 0);
    let mwi = phone.expect_event("mwi", 5 * SEC);
    assert_eq!((mwi["new"].as_u64(), mwi["old"].as_u64(), mwi["account"].as_str()), (Some(2), Some(8), Some("1001@pbx.test")));
    assert!(voicemail.passed(5 * SEC), "answered 200: {}", voicemail.errors());
}

#[test]
fn blind_transfer_hands_the_far_end_to_another_extension() {
    let pbx = Pbx::start(PbxOptions::default());
    let colleague = DeskPhone::start_auto_answer("1002", "pw1002", "pbx.test", pbx.udp_port);
    let target = DeskPhone::start_auto_answer("1003", "pw1003", "pbx.test", pbx.udp_port);
    assert!(colleague.wait_registered(5 * SEC) && target.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    let call = drive_call(&mut phone, "1002");
    phone.send(&format!(r#"{{"cmd":"transfer","call":"{call}","target":"1003"}}"#));
    let transferred = phone.expect_event("transferred", 10 * SEC);
    assert_eq!(transferred["target"], "sip:1003@pbx.test");
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(target.wait_log("Call established", 3 * SEC), "1002 now talks to 1003:\n{}", target.log());
}

/// Ringside (drive) on 1001 with `extra` config, and two baresip callers, 1002 and 1003.
fn two_callers(extra: &str) -> (Pbx, DeskPhone, DeskPhone, Ringside) {
    let pbx = Pbx::start(PbxOptions::default());
    let first = DeskPhone::start("1002", "pw1002", "pbx.test", pbx.udp_port);
    let second = DeskPhone::start("1003", "pw1003", "pbx.test", pbx.udp_port);
    assert!(first.wait_registered(5 * SEC) && second.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), extra), "pw1001", &["drive"]);
    phone.expect_event("registered", 5 * SEC);
    (pbx, first, second, phone)
}

/// `first` calls and ringside answers; then `second` calls: returns both calls' ids.
fn second_call_during_first(first: &DeskPhone, second: &DeskPhone, phone: &mut Ringside) -> (String, String) {
    first.command("dial 1001").unwrap();
    let a = phone.expect_event("incoming", 5 * SEC)["call"].as_str().unwrap().to_string();
    phone.send(&format!(r#"{{"cmd":"answer","call":"{a}"}}"#));
    phone.expect_event("answered", 5 * SEC);
    second.command("dial 1001").unwrap();
    let b = phone.expect_event("incoming", 5 * SEC)["call"].as_str().unwrap().to_string();
    assert_ne!(a, b);
    (a, b)
}

#[test]
fn call_waiting_rings_and_answering_holds_the_first_call() {
    let (_pbx, first, second, mut phone) = two_callers("");
    let (a, b) = second_call_during_first(&first, &second, &mut phone);
    phone.send(&format!(r#"{{"cmd":"answer","call":"{b}"}}"#));
    phone.expect_event("answered", 5 * SEC);
    let held = phone.events.iter().find(|e| e["event"] == "held").expect("the first call was held before the second was answered");
    assert_eq!((held["call"].as_str(), held["by_remote"].as_bool()), (Some(a.as_str()), Some(false)));
    assert_eq!(phone.events.last().unwrap()["call"], b.as_str());
    for call in [&a, &b] {
        phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
        phone.expect_event("call_ended", 5 * SEC);
    }
}

#[test]
fn call_waiting_busy_policy_declines_the_second_call_with_486() {
    let (_pbx, first, second, mut phone) = two_callers("\n[calls]\nwaiting = \"busy\"");
    let (_, b) = second_call_during_first(&first, &second, &mut phone);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!((ended["call"].as_str(), ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some(b.as_str()), Some("declined"), Some(486)));
    assert!(second.wait_log("486", 3 * SEC), "the caller heard busy:\n{}", second.log());
}

#[test]
fn rfc3261_14_1_hold_refused_with_491_is_retried_after_a_pause() {
    let (_pbx, mut callee, mut phone) = calling_sipp("uas-glare");
    let call = drive_call(&mut phone, "1009");
    let asked = std::time::Instant::now();
    phone.send(&format!(r#"{{"cmd":"hold","call":"{call}"}}"#));
    phone.expect_event("held", 8 * SEC);
    assert!(asked.elapsed() >= Duration::from_millis(2000), "retried after RFC 3261's pause: {:?}", asked.elapsed());
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    phone.expect_event("call_ended", 5 * SEC);
    assert!(callee.passed(5 * SEC), "{}", callee.errors());
}

#[test]
fn rfc3261_12_2_1_2_a_reinvites_2xx_from_a_new_contact_moves_the_calls_remote_target() {
    let (_pbx, mut callee, mut phone) = calling_sipp("uas-target-refresh");
    let call = drive_call(&mut phone, "1009");
    phone.send(&format!(r#"{{"cmd":"hold","call":"{call}"}}"#));
    phone.expect_event("held", 5 * SEC);
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    phone.expect_event("call_ended", 5 * SEC);
    assert!(callee.passed(5 * SEC), "the BYE went to the re-INVITE's 200's Contact: {}", callee.errors());
}

#[test]
fn rfc3842_voicemail_subscription_notifies_refreshes_and_unsubscribes() {
    let vm_port = free_port();
    let pbx = Pbx::start(PbxOptions { static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{vm_port}"))], ..Default::default() });
    let mut voicemail = Sipp::uas("mwi-server", vm_port, 1);
    let cfg = format!("[account]\nusername = \"1001\"\ndomain = \"pbx.test\"\nproxy = \"{}\"\nvoicemail = \"1009\"\n", pbx.proxy_uri("udp"));
    let mut phone = Ringside::start(&cfg, "pw1001", &["register"]);
    phone.expect_event("registered", 5 * SEC);
    let mwi = phone.expect_event("mwi", 5 * SEC);
    assert_eq!((mwi["new"].as_u64(), mwi["old"].as_u64()), (Some(3), Some(1)));
    // The 2 s subscription is refreshed after 1 s; then shutdown unsubscribes.
    std::thread::sleep(Duration::from_millis(1800));
    phone.signal(libc::SIGTERM);
    assert_eq!(phone.wait_exit(10 * SEC), Some(0));
    assert!(voicemail.passed(5 * SEC), "NOTIFY answered, refresh in-dialog, unsubscribe: {}", voicemail.errors());
}

#[test]
fn rfc3311_update_mid_call_is_answered_like_a_reinvite() {
    let (_pbx, mut phone, mut sipp) = answered_by_ringside("call-uac-update");
    assert_eq!(phone.expect_event("held", 5 * SEC)["by_remote"], true);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "remote_hangup");
    assert!(sipp.passed(5 * SEC), "our UPDATE answer was recvonly: {}", sipp.errors());
}

/// Ringside answering at once with `extra` config.
fn answered_by_ringside_with(scenario: &str, extra: &str) -> (Pbx, Ringside, Sipp) {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), extra), "pw1001", &["listen", "--answer-after", "0", "--calls", "1"]);
    phone.expect_event("registered", 5 * SEC);
    let sipp = Sipp::uac(scenario, free_port(), "1001", pbx.udp_port, 0);
    phone.expect_event("answered", 5 * SEC);
    (pbx, phone, sipp)
}

/// RFC 4028 with a 4 s interval (the test lowers our Min-SE from 90 s to see it in seconds).
const SHORT_SESSIONS: &str = "min_session_expires = 4";

#[test]
fn rfc4028_session_timer_we_refresh_when_the_caller_asks_us_to() {
    let (_pbx, mut phone, mut sipp) = answered_by_ringside_with("call-uac-timer-uas", SHORT_SESSIONS);
    assert_eq!(phone.expect_event("call_ended", 8 * SEC)["reason"], "remote_hangup");
    assert!(sipp.passed(5 * SEC), "2xx confirmed the timer, a refresh came: {}", sipp.errors());
}

#[test]
fn rfc4028_10_session_nobody_refreshes_is_ended_with_bye() {
    let (_pbx, mut phone, mut sipp) = answered_by_ringside_with("call-uac-timer-expire", SHORT_SESSIONS);
    let ended = phone.expect_event("call_ended", 6 * SEC);
    assert_eq!((ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some("failed"), Some(408)));
    let ms = ended["duration_ms"].as_u64().unwrap();
    assert!((2000..4000).contains(&ms), "ended before the 4 s interval ran out: {ms}");
    assert!(sipp.passed(5 * SEC), "the caller got a BYE: {}", sipp.errors());
}

#[test]
fn rfc4028_8_1_too_short_an_interval_is_refused_with_422_and_min_se() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), SHORT_SESSIONS), "pw1001", &["listen", "--answer-after", "0"]);
    phone.expect_event("registered", 5 * SEC);
    let mut sipp = Sipp::uac("call-uac-timer-small", free_port(), "1001", pbx.udp_port, 0);
    assert!(sipp.passed(5 * SEC), "422 with Min-SE: 4: {}", sipp.errors());
    assert!(phone.wait_event("incoming", SEC).is_none(), "a refused interval is no call");
}

#[test]
fn rfc3515_being_transferred_calls_the_target_and_reports_it_to_the_transferor() {
    let pbx = Pbx::start(PbxOptions::default());
    let target = DeskPhone::start_auto_answer("1003", "pw1003", "pbx.test", pbx.udp_port);
    assert!(target.wait_registered(5 * SEC));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["listen", "--answer-after", "0"]);
    phone.expect_event("registered", 5 * SEC);
    let mut transferor = Sipp::uac("call-uac-refer", free_port(), "1001", pbx.udp_port, 0);
    let first = phone.expect_event("answered", 5 * SEC)["call"].clone();
    let new_call = phone.expect_event("calling", 5 * SEC);
    assert_eq!(new_call["target"], "sip:1003@pbx.test");
    assert_eq!(phone.expect_event("answered", 5 * SEC)["call"], new_call["call"], "the target answered the new call");
    let transferred = phone.expect_event("transferred", 5 * SEC);
    assert_eq!((&transferred["call"], transferred["target"].as_str()), (&first, Some("sip:1003@pbx.test")));
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!((&ended["call"], ended["reason"].as_str()), (&first, Some("remote_hangup")));
    assert!(transferor.passed(5 * SEC), "202, NOTIFY 100 and 200, then BYE: {}", transferor.errors());
    assert!(target.wait_log("Call established", 3 * SEC), "1003 talks to ringside:\n{}", target.log());
}

/// Ringside (drive) on 1001 talking to the sipp transferee on 1009 and to a baresip target
/// on 1003: the two calls of an attended transfer. Returns (pbx, target, sipp, phone, A, B).
fn consulting(transferee: &str) -> (Pbx, DeskPhone, Sipp, Ringside, String, String) {
    let (pbx, sipp, mut phone) = calling_sipp(transferee);
    let target = DeskPhone::start_auto_answer("1003", "pw1003", "pbx.test", pbx.udp_port);
    assert!(target.wait_registered(5 * SEC));
    let a = drive_call(&mut phone, "1009");
    let b = drive_call(&mut phone, "1003");
    (pbx, target, sipp, phone, a, b)
}

#[test]
fn rfc5589_attended_transfer_refers_the_far_end_with_replaces() {
    let (_pbx, _target, mut transferee, mut phone, a, b) = consulting("uas-refer-replaces");
    phone.send(&format!(r#"{{"cmd":"transfer","call":"{a}","to_call":"{b}"}}"#));
    let transferred = phone.expect_event("transferred", 5 * SEC);
    assert_eq!((transferred["call"].as_str(), transferred["target"].as_str()), (Some(a.as_str()), Some("sip:1003@pbx.test")));
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!((ended["call"].as_str(), ended["reason"].as_str()), (Some(a.as_str()), Some("local_hangup")));
    assert!(transferee.passed(5 * SEC), "Refer-To carried an escaped Replaces: {}", transferee.errors());
    // The sipp transferee only says it reached the target; the consultation call is ours to end.
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{b}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["call"], b.as_str());
}

#[test]
fn attended_transfer_end_to_end_the_target_takes_the_transferee_over_with_replaces() {
    // Three ringsides through Kamailio: 1001 transfers its call with 1002 to 1003, with whom it
    // consulted. 1002 must INVITE 1003 with Replaces; 1003 must take it at once and drop 1001.
    let pbx = Pbx::start(PbxOptions::default());
    let proxy = pbx.proxy_uri("udp");
    let mut transferee = Ringside::start(&config("1002", "pbx.test", &proxy, ""), "pw1002", &["listen", "--answer-after", "0"]);
    let mut target = Ringside::start(&config("1003", "pbx.test", &proxy, ""), "pw1003", &["listen", "--answer-after", "0"]);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &proxy, ""), "pw1001", &["drive"]);
    for p in [&mut transferee, &mut target, &mut phone] {
        p.expect_event("registered", 5 * SEC);
    }
    let a = drive_call(&mut phone, "1002");
    let b = drive_call(&mut phone, "1003");
    let consultation = target.expect_event("answered", 5 * SEC)["call"].clone();
    phone.send(&format!(r#"{{"cmd":"transfer","call":"{a}","to_call":"{b}"}}"#));
    // The target: a new call, answered without ringing the user, and the old one left.
    let replacing = target.expect_event("incoming", 5 * SEC);
    assert_eq!(replacing["from"], "sip:1002@pbx.test");
    assert_eq!(target.expect_event("answered", 5 * SEC)["call"], replacing["call"]);
    // The replaced call ends as the new one is taken: either may be reported first.
    let seen = |p: &Ringside| p.events.iter().any(|e| e["event"] == "call_ended" && e["call"] == consultation);
    if !seen(&target) {
        assert_eq!(target.expect_event("call_ended", 5 * SEC)["call"], consultation);
    }
    // The transferor: both its calls end, the transferred one with `transferred`.
    // (The target may drop the consultation call before the transferee's NOTIFY arrives.)
    let deadline = std::time::Instant::now() + 5 * SEC;
    let ended = |p: &Ringside, call: &str| p.events.iter().any(|e| e["event"] == "call_ended" && e["call"] == call);
    while !(ended(&phone, &a) && ended(&phone, &b)) && std::time::Instant::now() < deadline {
        phone.wait_event("call_ended", Duration::from_millis(200));
    }
    assert!(ended(&phone, &a) && ended(&phone, &b), "both calls ended: {:?}", phone.events);
    assert!(phone.events.iter().any(|e| e["event"] == "transferred" && e["call"] == a.as_str()));
    // The transferee talks to the target now.
    transferee.expect_event("transferred", 5 * SEC);
}

/// Ringside (drive) on 1001 and a sipp callee reached as 1009 through the PBX.
fn calling_sipp(scenario: &str) -> (Pbx, Sipp, Ringside) {
    sipp_callee(scenario, &["drive"])
}

/// A sipp callee serving `scenario` as 1009 through the PBX, and ringside on 1001 running
/// `args`, registered.
fn sipp_callee(scenario: &str, args: &[&str]) -> (Pbx, Sipp, Ringside) {
    let uas_port = free_port();
    let pbx = Pbx::start(PbxOptions { static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{uas_port}"))], ..Default::default() });
    let sipp = Sipp::uas(scenario, uas_port, 1);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", args);
    phone.expect_event("registered", 5 * SEC);
    (pbx, sipp, phone)
}

#[test]
fn rfc3261_13_2_2_4_forked_answers_keep_the_first_and_bye_the_other() {
    let (_pbx, mut callee, mut phone) = calling_sipp("uas-forked");
    let call = drive_call(&mut phone, "1009");
    assert!(phone.events.iter().filter(|e| e["event"] == "ringing").count() <= 1, "two early dialogs ring once");
    std::thread::sleep(SEC);
    assert!(phone.wait_event("call_ended", Duration::from_millis(200)).is_none(), "the first answer's call goes on");
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(callee.passed(5 * SEC), "forkA got ACK and BYE, forkB its BYE at the end: {}", callee.errors());
    assert_eq!(phone.events.iter().filter(|e| e["event"] == "answered").count(), 1, "one call, answered once");
}

#[test]
fn rfc3261_9_1_cancel_crossing_the_answer_is_followed_by_ack_and_bye() {
    let (_pbx, mut callee, mut phone) = calling_sipp("uas-cancel-race");
    phone.send(r#"{"cmd":"call","target":"1009"}"#);
    let call = phone.expect_event("ringing", 5 * SEC)["call"].as_str().unwrap().to_string();
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert!(callee.passed(5 * SEC), "the late 2xx got its ACK and a BYE: {}", callee.errors());
}

#[test]
fn call_with_dtmf_sends_the_digits_by_info_once_answered() {
    let (_pbx, mut callee, mut phone) = sipp_callee("uas-dtmf-info", &["call", "1009", "--dtmf", "12", "--hangup-after", "1"]);
    phone.expect_event("answered", 5 * SEC);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    assert!(callee.passed(5 * SEC), "INFO 1, INFO 2, BYE: {}", callee.errors());
}
