//! push-to-ring (design §8, issue 5): from the moment the phone's OS hands the app a push to
//! the `incoming` event, through the real gateway (Kamailio + tsilo + ringside-push + fake cloud)
//! with the phone on TLS, asleep between calls. Against the floor measured in the same run:
//! a fresh TLS handshake to the same Kamailio plus two SIP round trips (what waking must at
//! least cost: a new flow, a REGISTER, the INVITE).
//! Usage: bench_push [RUNS, default 50]

use ringside_testbed::gateway::{Gateway, GatewayOptions, FCM_PROJECT};
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// TLS handshake + two OPTIONS round trips to Kamailio itself, with rustls (what the phone uses).
fn floor_once(port: u16, ca: &std::path::Path) -> f64 {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let start = Instant::now();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp.set_read_timeout(Some(5 * SEC)).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(cfg), "127.0.0.1".try_into().unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    for n in 0..2 {
        let local = tls.sock.local_addr().unwrap();
        let msg = format!(
            "OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/TLS {local};branch=z9hG4bKfloor{n}{}\r\nMax-Forwards: 70\r\nFrom: <sip:floor@pbx.test>;tag=f{n}\r\nTo: <sip:pbx.test>\r\nCall-ID: floor{n}-{}@bench\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            start.elapsed().as_nanos(),
            start.elapsed().as_nanos()
        );
        tls.write_all(msg.as_bytes()).unwrap();
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let k = tls.read(&mut buf).unwrap();
            assert!(k > 0, "Kamailio closed the flow");
            got.extend_from_slice(&buf[..k]);
        }
        assert!(got.starts_with(b"SIP/2.0 200"), "{}", String::from_utf8_lossy(&got));
    }
    start.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let gw = Gateway::start(GatewayOptions { tls: true, ..Default::default() });
    let ca = gw.pbx.ca_cert.clone().expect("TLS gateway");
    let extra = format!("tls_ca_file = \"{}\"\n[push]\nprovider = \"fcm\"\nprid = \"tok-bench\"\nparam = \"{FCM_PROJECT}\"\n", ca.display());
    // `extra` lands in [sip] first (tls_ca_file), then opens [push].
    let mut phone = Ringside::start(&config("1001", "pbx.test", &gw.pbx.proxy_uri("tls"), &extra), "pw1001", &["drive"]);
    phone.expect_event("registered", 10 * SEC);
    let (mut ring, mut floor, mut decide) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        floor.push(floor_once(gw.pbx.tls_port, &ca));
        phone.send(r#"{"cmd":"suspend"}"#);
        let call_id = format!("bench-push-{i}-{}@bench", free_port());
        // The caller is on UDP, the phone on TLS: the phone declines (486) rather than answers,
        // so no in-dialog request has to cross Kamailio's double Record-Route from sipp.
        let mut caller = Sipp::uac_call_id("call-uac-486", free_port(), "1001", gw.pbx.udp_port, 0, &call_id);
        let push = gw.cloud.next(10 * SEC).expect("the gateway pushed");
        let t0 = Instant::now();
        phone.send(&serde_json::json!({"cmd": "push", "payload": push.payload}).to_string());
        let incoming = phone.expect_event("incoming", 10 * SEC);
        ring.push(t0.elapsed().as_secs_f64() * 1000.0);
        phone.send(&format!(r#"{{"cmd":"decline","call":"{}"}}"#, incoming["call"].as_str().unwrap()));
        phone.expect_event("call_ended", 10 * SEC);
        // handle_push's own time, on the core's monotonic clock: push received -> hint returned.
        let timeline = phone.events.iter().rev().find(|e| e["event"] == "push_timeline" && e["call"] == incoming["call"]).cloned().expect("timeline");
        let hint_ms = timeline["stages"].as_array().and_then(|s| s.iter().find(|x| x["stage"] == "hint_returned")).and_then(|x| x["ms"].as_f64());
        decide.push(hint_ms.expect("hint_returned stage"));
        assert!(caller.passed(10 * SEC), "{}", caller.errors());
    }
    let (r50, r95) = (percentile(&mut ring, 0.5), percentile(&mut ring, 0.95));
    let (f50, f95) = (percentile(&mut floor, 0.5), percentile(&mut floor, 0.95));
    println!("push-to-ring over {runs} runs (push handed to the app -> incoming event; TLS flow, Kamailio gateway)");
    println!("  ringside  p50 {r50:7.2} ms   p95 {r95:7.2} ms");
    println!("  floor     p50 {f50:7.2} ms   p95 {f95:7.2} ms   (TLS handshake + 2 SIP round trips, same Kamailio)");
    println!("  over floor: p50 {:+.2} ms, p95 {:+.2} ms (target: within 20 ms)", r50 - f50, r95 - f95);
    let (d50, d99) = (percentile(&mut decide, 0.5), percentile(&mut decide, 0.99));
    println!("handle_push on the calling thread (push received -> hint returned): p50 {d50:.3} ms, p99 {d99:.3} ms (target: well under 5 ms)");
    phone.send(r#"{"cmd":"quit"}"#);
    let _ = phone.wait_exit(5 * SEC);
    // Target (design §8): within 20 ms of the floor, at the median.
    let ratio = r50 / (f50 + 20.0);
    println!("RESULT push-to-ring ratio={ratio:.2} target=1.00 {}", if ratio <= 1.0 { "pass" } else { "miss" });
}
