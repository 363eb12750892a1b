//! The inbound gate on the live path: RFC 4475 requests sent over UDP to a registered
//! `ringside` get the answer RFC 3261 prescribes, and the phone stays registered.

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ringside::{config, Ringside};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::time::Duration;

fn torture(file: &str) -> String {
    let shared = std::env::var_os("RINGSIDE_SHARED").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    String::from_utf8_lossy(&std::fs::read(shared.join("sip-torture").join(file)).unwrap()).to_string()
}

/// Sends `file` with its Via replaced by ours and returns the status line and headers we get.
fn exchange(sock: &UdpSocket, to: &str, file: &str, n: usize) -> Option<String> {
    let local = sock.local_addr().unwrap();
    let text = torture(file);
    let mut out = String::new();
    let mut replaced = false;
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    for line in head.split("\r\n") {
        let name = line.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
        if name == "via" || name == "v" {
            if !replaced {
                out.push_str(&format!("Via: SIP/2.0/UDP {local};branch=z9hG4bKlive{n}{}\r\n", std::process::id()));
                replaced = true;
            }
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    sock.send_to(out.as_bytes(), to).unwrap();
    let mut buf = [0u8; 8192];
    loop {
        let (len, _) = sock.recv_from(&mut buf).ok()?;
        let reply = String::from_utf8_lossy(&buf[..len]).to_string();
        if !reply.starts_with("SIP/2.0 1") {
            return Some(reply);
        }
    }
}

#[test]
fn torture_requests_get_their_rfc_answers_on_the_live_path() {
    let pbx = Pbx::start(PbxOptions::default());
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["register"]);
    let contact = phone.expect_event("registered", Duration::from_secs(5))["contact"].as_str().unwrap().to_string();
    let addr = contact.rsplit_once('@').unwrap().1.to_string();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    for (n, (file, code, header)) in [
        ("bext01.dat", "420", Some("Unsupported:")),
        ("invut.dat", "415", Some("Accept:")),
        ("sdp01.dat", "406", Some("Accept:")),
        ("unksm2.dat", "480", None),
        ("zeromf.dat", "200", None),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = exchange(&sock, &addr, file, n).unwrap_or_else(|| panic!("{file}: no answer"));
        assert!(reply.starts_with(&format!("SIP/2.0 {code} ")), "{file}: {}", reply.lines().next().unwrap_or(""));
        if let Some(h) = header {
            assert!(reply.contains(h), "{file}: answer lacks {h}\n{reply}");
        }
    }
    assert!(phone.wait_event("registration_failed", Duration::from_millis(200)).is_none());
}
