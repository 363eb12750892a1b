//! Two accounts with the same extension (1001) on two PBXs (alpha.test, beta.test): calls go
//! out from the account the user picks, incoming calls ring on the account they were
//! addressed to, and the call log says which.

use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ringside::Ringside;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

fn twin_accounts(alpha: &Pbx, beta: &Pbx) -> String {
    format!(
        "[account]\nusername = \"1001\"\ndomain = \"alpha.test\"\nproxy = \"{}\"\n\n\
         [[accounts]]\nusername = \"1001\"\ndomain = \"beta.test\"\nproxy = \"{}\"\n\n\
         [sip]\nlocal_port = 0\n",
        alpha.proxy_uri("udp"),
        beta.proxy_uri("udp")
    )
}

#[test]
fn the_same_extension_on_two_pbxs_calls_out_and_rings_on_the_account_the_call_is_for() {
    let alpha = Pbx::start(PbxOptions { domain: "alpha.test".into(), ..Default::default() });
    let beta = Pbx::start(PbxOptions { domain: "beta.test".into(), ..Default::default() });
    // Only beta has a 1002 (answering) and a 1003 (calling us).
    let bob = DeskPhone::start_auto_answer("1002", "pw1002", "beta.test", beta.udp_port);
    let carol = DeskPhone::start("1003", "pw1003", "beta.test", beta.udp_port);
    assert!(bob.wait_registered(5 * SEC) && carol.wait_registered(5 * SEC), "desks registered");
    let mut phone = Ringside::start(&twin_accounts(&alpha, &beta), "pw1001", &["drive"]);
    let mut registered: Vec<String> = (0..2).map(|_| phone.expect_event("registered", 5 * SEC)["account"].as_str().unwrap_or_default().to_string()).collect();
    registered.sort();
    assert_eq!(registered, ["1001@alpha.test", "1001@beta.test"]);
    assert_eq!((alpha.contacts("1001").len(), beta.contacts("1001").len()), (1, 1), "one binding on each PBX");

    // Out from beta: alpha has no 1002 and would answer 404.
    phone.send(r#"{"cmd":"call","target":"1002","account":"1001@beta.test"}"#);
    let calling = phone.expect_event("calling", 2 * SEC);
    assert_eq!(calling["account"], "1001@beta.test", "{calling}");
    let out_call = calling["call"].as_str().unwrap().to_string();
    let Some(_) = phone.wait_event("answered", 5 * SEC) else {
        panic!("the call from beta was not answered: {:?}\nbeta:\n{}", phone.events, beta.log());
    };
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{out_call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");

    // In on beta: To is sip:1001@beta.test; by username alone it rang on alpha.
    carol.command("dial 1001").unwrap();
    let incoming = phone.expect_event("incoming", 5 * SEC);
    assert_eq!(incoming["account"], "1001@beta.test", "{incoming}");
    let in_call = incoming["call"].as_str().unwrap().to_string();
    phone.send(&format!(r#"{{"cmd":"decline","call":"{in_call}"}}"#));
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "declined");

    // The call log carries the account of each call.
    phone.send(r#"{"cmd":"call_log"}"#);
    let log = phone.expect_event("call_log", 5 * SEC);
    let account_of = |call: &str| {
        log["entries"].as_array().and_then(|e| e.iter().find(|e| e["call"] == call)).map(|e| e["account"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(account_of(&out_call).as_deref(), Some("1001@beta.test"), "{log}");
    assert_eq!(account_of(&in_call).as_deref(), Some("1001@beta.test"), "{log}");
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
}
