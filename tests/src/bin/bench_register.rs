//! Bench: how long a registration refresh takes, Ringside vs baresip, on the same Kamailio in
//! the same run. Both refresh every ~1-2 s for the run's length; tcpdump on loopback observes
//! both, and each refresh is timed from its first REGISTER to the 200 OK that ends it (so a
//! client that does not reuse the digest nonce pays its 401 round trip here).
//! Prints medians, p95 and the ratio. Usage: bench_register [seconds]

use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::pcap::{self, SipPacket};
use ringside_testbed::ringside::{config, Ringside};
use std::collections::BTreeMap;
use std::time::Duration;

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(40);
    let pbx = Pbx::start(PbxOptions { debug: 0, ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let capture_path = dir.path().join("sip.pcap");
    let mut tcpdump = ringside_testbed::pcap::capture_udp(&capture_path, pbx.udp_port);
    std::thread::sleep(Duration::from_millis(500));

    // Both ask for 2 s bindings; Kamailio (min_expires 1) grants them.
    let desk = DeskPhone::start_with_regint("1002", "pw1002", "pbx.test", pbx.udp_port, 2);
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), "expires = 2"), "pw1001", &["register"]);
    phone.expect_event("registered", Duration::from_secs(5));
    assert!(desk.wait_registered(Duration::from_secs(5)), "baresip registered");
    std::thread::sleep(Duration::from_secs(seconds));
    drop(phone);
    drop(desk);
    std::thread::sleep(Duration::from_millis(300));
    tcpdump.stop();

    let packets = pcap::read(&std::fs::read(&capture_path).unwrap());
    let ours = refreshes(&packets, "Ringside");
    let theirs = refreshes(&packets, "baresip");
    println!("bench register-refresh: {seconds} s on Kamailio 5.6 (UDP, loopback), observed by tcpdump");
    report("ringside", &ours);
    report("baresip ", &theirs);
    // Target: a refresh no slower than baresip's (one REGISTER each, the nonce reused).
    match (median(&ours), median(&theirs)) {
        (Some(a), Some(b)) => {
            let ratio = a.as_secs_f64() / b.as_secs_f64();
            println!("ratio ringside/baresip (median refresh time): {ratio:.2}");
            println!("RESULT register-refresh ratio={ratio:.2} target=1.00 {}", if ratio <= 1.0 { "pass" } else { "miss" });
        }
        _ => println!("RESULT register-refresh ratio=nan target=1.00 miss"),
    }
}

/// (duration, round trips) of every refresh whose REGISTERs carry `agent` in User-Agent.
fn refreshes(packets: &[SipPacket], agent: &str) -> Vec<(Duration, u32)> {
    let mut calls: BTreeMap<String, Vec<&SipPacket>> = BTreeMap::new();
    let ours: std::collections::HashSet<String> = packets
        .iter()
        .filter(|p| p.is_request("REGISTER") && p.header("User-Agent").is_some_and(|u| u.contains(agent)))
        .filter_map(|p| p.header("Call-ID").map(str::to_string))
        .collect();
    for p in packets {
        if let Some(id) = p.header("Call-ID").filter(|id| ours.contains(*id)) {
            calls.entry(id.to_string()).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    for seq in calls.values() {
        let mut start = None;
        let mut trips = 0;
        let mut first_chain = true;
        for p in seq {
            let expires_zero = p.header("Expires") == Some("0");
            if p.is_request("REGISTER") && !expires_zero {
                // A retransmission (same CSeq) is not a new round trip.
                trips += 1;
                start.get_or_insert(p.at);
            } else if p.status() == Some(200) {
                if let Some(s) = start.take() {
                    // The first chain is the initial registration, not a refresh.
                    if !first_chain {
                        out.push((p.at - s, trips));
                    }
                    first_chain = false;
                }
                trips = 0;
            }
        }
    }
    out
}

fn median(v: &[(Duration, u32)]) -> Option<Duration> {
    let mut d: Vec<Duration> = v.iter().map(|x| x.0).collect();
    d.sort();
    d.get(d.len() / 2).copied()
}

fn report(name: &str, v: &[(Duration, u32)]) {
    let mut d: Vec<Duration> = v.iter().map(|x| x.0).collect();
    d.sort();
    if d.is_empty() {
        println!("{name}: no refresh observed");
        return;
    }
    let p95 = d[(d.len() * 95 / 100).min(d.len() - 1)];
    let trips = v.iter().map(|x| x.1).sum::<u32>() as f64 / v.len() as f64;
    println!("{name}: {n} refreshes, median {med:?}, p95 {p95:?}, {trips:.2} REGISTERs per refresh", n = d.len(), med = d[d.len() / 2]);
}
