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
        std::thread::sleep(Duration::from_millis(200));
        Dns { _process: process, port }
    }
}
