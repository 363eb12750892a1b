//! dnsmasq as the DNS server that publishes a PBX's NAPTR, SRV and A records on loopback.

use crate::ports::free_port;
use crate::process::Owned;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Dns {
    _process: Owned,
    pub port: u16,
}

impl Dns {
    /// Serves the given dnsmasq record options (`--naptr-record=…`, `--srv-host=…`,
    /// `--host-record=…`) and nothing else: no upstream, no /etc/hosts.
    pub fn start(records: &[String]) -> Dns {
        let port = free_port();
        let mut cmd = Command::new("dnsmasq");
        cmd.args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--pid-file=",
            "--user=root",
        ])
        .arg(format!("--port={port}"))
        .args(records)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let process = Owned::spawn("dnsmasq", &mut cmd).expect("dnsmasq is installed (scripts/install-deps)");
        // Ready when it answers, not after a guess: a query sent before dnsmasq binds is lost,
        // and the phone under test then waits out its resolver's timeout.
        assert!(answers(port, Duration::from_secs(10)), "dnsmasq on port {port} never answered");
        Dns { _process: process, port }
    }
}

/// Whether a DNS server on 127.0.0.1:`port` answers a query (any answer, NXDOMAIN included)
/// within `limit`, asking every 50 ms.
fn answers(port: u16, limit: Duration) -> bool {
    let Ok(sock) = std::net::UdpSocket::bind("127.0.0.1:0") else { return false };
    let _ = sock.set_read_timeout(Some(Duration::from_millis(50)));
    // One A query for `ready.test`: id 0x5253, recursion desired.
    let mut query = vec![0x52, 0x53, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in ["ready", "test"] {
        query.push(label.len() as u8);
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0, 0, 1, 0, 1]);
    let deadline = std::time::Instant::now() + limit;
    let mut buf = [0u8; 512];
    while std::time::Instant::now() < deadline {
        let _ = sock.send_to(&query, ("127.0.0.1", port));
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            if n >= 2 && buf[..2] == query[..2] {
                return true;
            }
        }
    }
    false
}
