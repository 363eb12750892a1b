//! The call history to trust: a real `ringside` killed with SIGKILL mid-call leaves one
//! consistent entry, found at its next start; rows carry the contact's name, account and
//! Call-ID; the CLI's `history` reads them without SIP.

use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ringside::{config, Ringside};
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

#[test]
fn a_phone_killed_mid_call_has_one_consistent_entry_at_its_next_start() {
    let pbx = Pbx::start(PbxOptions::default());
    let callee = DeskPhone::start_auto_answer("1002", "pw1002", "pbx.test", pbx.udp_port);
    assert!(callee.wait_registered(5 * SEC), "callee registered:\n{}", callee.log());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let cfg = config("1001", "pbx.test", &pbx.proxy_uri("udp"), "[contacts]\ndefault_region = \"FR\"\n");
    // The address book names extension 1002.
    let vcf = dir.path().join("book.vcf");
    std::fs::write(&vcf, "BEGIN:VCARD\nVERSION:3.0\nFN:Bob Desk\nTEL:1002\nEND:VCARD\n").unwrap();
    let (code, out, stderr) = Ringside::run_in(&data, &cfg, "pw1001", &["contacts", "import", vcf.to_str().unwrap()], 10 * SEC);
    assert_eq!(code, Some(0), "{out:?}\n{stderr}");

    let mut phone = Ringside::start(&cfg, "pw1001", &["--data-dir", data_arg, "drive"]);
    phone.expect_event("registered", 5 * SEC);
    phone.send(r#"{"cmd":"call","target":"1002"}"#);
    let calling = phone.expect_event("calling", 2 * SEC);
    let call = calling["call"].as_str().unwrap().to_string();
    phone.expect_event("answered", 5 * SEC);
    std::thread::sleep(Duration::from_millis(700));
    phone.signal(libc::SIGKILL);
    assert!(phone.wait_exit(5 * SEC).is_some(), "killed");

    // The next start closes the call the crash left open, once.
    let mut again = Ringside::start(&cfg, "pw1001", &["--data-dir", data_arg, "drive"]);
    again.send(r#"{"cmd":"call_log"}"#);
    let log = again.expect_event("call_log", 5 * SEC);
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    let e = &entries[0];
    assert_eq!((e["call"].as_str(), e["direction"].as_str(), e["reason"].as_str()), (Some(call.as_str()), Some("out"), Some("failed")), "{log}");
    assert_eq!((e["account"].as_str(), e["call_id"].as_str()), (Some("1001@pbx.test"), calling["call_id"].as_str()), "{log}");
    assert_eq!(e["display_name"], "Bob Desk", "named from the contacts: {log}");
    assert!(e["answered_ms"].as_i64().is_some() && e["ended_ms"].as_i64() >= e["answered_ms"].as_i64(), "{log}");
    assert!(e["ring_ms"].as_i64().is_some_and(|r| r >= 0) && e["talk_ms"].as_i64().is_some(), "{log}");
    again.send(r#"{"cmd":"quit"}"#);
    assert_eq!(again.wait_exit(5 * SEC), Some(0));

    let (code, out, _) = Ringside::run_in(&data, &cfg, "pw1001", &["history", "--limit", "5"], 10 * SEC);
    assert_eq!(code, Some(0));
    assert_eq!((out[0]["event"].as_str(), out[0]["entries"].as_array().map(Vec::len), out[0]["missed_unseen"].as_u64()), (Some("history"), Some(1), Some(0)));
    drop(callee);
}
