//! Bench: call setup through Kamailio — dial to 200 OK at the caller — with Ringside as the
//! callee, against baresip as the callee and a sipp UAS (the floor), in one run. A sipp caller
//! dials each in interleaved rounds; tcpdump at the PBX's port times each INVITE to its 200.
//! Usage: bench_call_setup [calls per callee, default 100]

use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::pcap::{self, SipPacket};
use ringside_testbed::ports::free_port;
use ringside_testbed::process::Owned;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

const ROUND: u32 = 20;

fn main() {
    let per_callee: u32 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    let uas_port = free_port();
    let pbx = Pbx::start(PbxOptions { debug: 0, static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{uas_port}"))], ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let capture_path = dir.path().join("sip.pcap");
    let mut tcpdump = ringside_testbed::pcap::capture_udp(&capture_path, pbx.udp_port);
    let mut uas = Owned::spawn(
        "sipp uas",
        Command::new("sipp")
            .args(["-sn", "uas", "-i", "127.0.0.1", "-p", &uas_port.to_string(), "-mp", &ringside_testbed::ports::free_port_block(4).to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
    .unwrap();
    let baresip = DeskPhone::start_auto_answer("1002", "pw1002", "pbx.test", pbx.udp_port);
    assert!(baresip.wait_registered(Duration::from_secs(5)));
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["--log", "warn", "listen", "--answer-after", "0"]);
    phone.expect_event("registered", Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(300));

    let callees = [("1009", "sipp (floor)"), ("1001", "ringside"), ("1002", "baresip")];
    for _ in 0..per_callee.div_ceil(ROUND) {
        for (ext, _) in callees {
            let mut sipp = Sipp::uac_calls("bench-call", free_port(), ext, pbx.udp_port, ROUND);
            assert!(sipp.passed(Duration::from_secs(60)), "{ext}: {}", sipp.errors());
        }
    }
    drop(phone);
    drop(baresip);
    uas.stop();
    std::thread::sleep(Duration::from_millis(300));
    tcpdump.stop();

    let packets = pcap::read(&std::fs::read(&capture_path).unwrap());
    let setups = setup_times(&packets, pbx.udp_port);
    let legs = callee_legs(&packets, pbx.udp_port);
    println!("bench call-setup: dial -> 200 OK through Kamailio 5.6 (UDP, loopback), observed by tcpdump at the PBX");
    let mut medians = HashMap::new();
    for (ext, name) in callees {
        let mut d = setups.get(ext).cloned().unwrap_or_default();
        d.sort();
        if d.is_empty() {
            println!("{name:13}: no call observed");
            continue;
        }
        let pct = |p: usize| d[(d.len() * p / 100).min(d.len() - 1)];
        println!("{name:13}: {} calls, p50 {:?}, p99 {:?}", d.len(), pct(50), pct(99));
        // Where the time goes at the callee: the PBX's INVITE to the callee's 180 and 200.
        if let Some(l) = legs.get(ext) {
            let p50 = |v: &mut Vec<Duration>| {
                v.sort();
                v.get(v.len() / 2).copied().unwrap_or_default()
            };
            let (mut ringing, mut ok) = (l.0.clone(), l.1.clone());
            println!("{:13}  at the callee: INVITE -> 180 p50 {:?}, INVITE -> 200 p50 {:?}", "", p50(&mut ringing), p50(&mut ok));
        }
        medians.insert(ext, (pct(50), pct(99)));
    }
    if let (Some(r), Some(f), Some(b)) = (medians.get("1001"), medians.get("1009"), medians.get("1002")) {
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!("ratio ringside/sipp floor: p50 {:.2}, p99 {:.2}", ratio(r.0, f.0), ratio(r.1, f.1));
        println!("ratio ringside/baresip:    p50 {:.2}, p99 {:.2}", ratio(r.0, b.0), ratio(r.1, b.1));
        // Targets (design §8): p50 within 1.2x the sipp floor, p99 below baresip's.
        let floor = ratio(r.0, f.0);
        let pass = floor <= 1.2 && r.1 < b.1;
        println!("RESULT call-setup ratio={floor:.2} target=1.20 {}", if pass { "pass" } else { "miss" });
    } else {
        println!("RESULT call-setup ratio=nan target=1.20 miss");
    }
}

/// Per dialed extension, the callee's own share: the INVITE the PBX forwarded to the callee's
/// 180, and to its 200 (both seen at the PBX's port).
fn callee_legs(packets: &[SipPacket], pbx_port: u16) -> HashMap<String, (Vec<Duration>, Vec<Duration>)> {
    let mut dialed: HashMap<String, String> = HashMap::new();
    let mut forwarded: HashMap<String, (String, Duration)> = HashMap::new();
    let mut out: HashMap<String, (Vec<Duration>, Vec<Duration>)> = HashMap::new();
    for p in packets {
        let Some(call_id) = p.header("Call-ID") else { continue };
        if p.is_request("INVITE") && p.dst_port == pbx_port && p.text.contains("From: \"Bench\"") {
            // The caller's INVITE names the extension; the forwarded one a contact.
            let ext = p.text.split_whitespace().nth(1).and_then(|u| u.strip_prefix("sip:")).and_then(|u| u.split('@').next()).unwrap_or("").to_string();
            dialed.insert(call_id.to_string(), ext);
        } else if p.is_request("INVITE") && p.src_port == pbx_port {
            if let Some(ext) = dialed.get(call_id) {
                forwarded.entry(call_id.to_string()).or_insert((ext.clone(), p.at));
            }
        } else if p.dst_port == pbx_port && p.header("CSeq").is_some_and(|c| c.ends_with("INVITE")) {
            if let (Some((ext, sent)), Some(code @ (180 | 200))) = (forwarded.get(call_id), p.status()) {
                let legs = out.entry(ext.clone()).or_default();
                if code == 180 {
                    legs.0.push(p.at - *sent);
                } else {
                    legs.1.push(p.at - *sent);
                    forwarded.remove(call_id);
                }
            }
        }
    }
    out
}

/// INVITE (caller -> PBX) to its 200 (PBX -> caller), per dialed extension.
fn setup_times(packets: &[SipPacket], pbx_port: u16) -> HashMap<String, Vec<Duration>> {
    let mut invites: HashMap<String, (String, Duration)> = HashMap::new();
    let mut out: HashMap<String, Vec<Duration>> = HashMap::new();
    for p in packets {
        let Some(call_id) = p.header("Call-ID") else {
            continue;
        };
        let cseq_invite = p.header("CSeq").is_some_and(|c| c.ends_with("INVITE"));
        if p.is_request("INVITE") && p.dst_port == pbx_port && p.header("User-Agent").is_none() && p.text.contains("From: \"Bench\"") {
            let ext = p.text.split_whitespace().nth(1).and_then(|u| u.strip_prefix("sip:")).and_then(|u| u.split('@').next()).unwrap_or("").to_string();
            invites.entry(call_id.to_string()).or_insert((ext, p.at));
        } else if p.status() == Some(200) && cseq_invite && p.src_port == pbx_port {
            if let Some((ext, sent)) = invites.remove(call_id) {
                out.entry(ext).or_default().push(p.at - sent);
            }
        }
    }
    out
}
