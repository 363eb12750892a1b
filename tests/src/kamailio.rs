//! Kamailio as the local PBX: registrar with digest auth and forking proxy (tests/peers/pbx.cfg).

use crate::certs;
use crate::ports::free_port;
use crate::process::Owned;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = include_str!("../peers/pbx.cfg");
pub const GATEWAY_CONFIG: &str = include_str!("../../gateway/kamailio/gateway.cfg");

/// Runs the push gateway's configuration (gateway/kamailio/gateway.cfg) instead of the plain PBX.
#[derive(Clone, Debug)]
pub struct GatewaySettings {
    /// The push sender's base URL (`http://127.0.0.1:PORT`).
    pub push_url: String,
    /// How long an INVITE rings before 408/480 (tm fr_inv_timer).
    pub ring_timeout_ms: u32,
    /// How long an INVITE for sleeping phones only waits for one to wake.
    pub wake_timeout_ms: u32,
    /// FRONT_PBX mode: an edge proxy in front of this PBX URI (`sip:127.0.0.1:PORT`), instead
    /// of the phones' registrar.
    pub front_pbx: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PbxOptions {
    pub domain: String,
    pub users: Vec<(String, String)>,
    pub tls: bool,
    /// With `tls`: a self-signed certificate naming this subjectAltName (`IP:127.0.0.1`)
    /// instead of one signed by a test CA; `ca_cert` is then that certificate itself.
    pub tls_self_signed: Option<String>,
    pub sha256: bool,
    /// Initial INVITEs from our users are challenged with 407 (WITH_INVITE_AUTH).
    pub invite_auth: bool,
    pub nonce_expire: u32,
    pub min_expires: u32,
    pub debug: i32,
    /// Extensions routed to a fixed URI instead of a registration (e.g. a sipp UAS).
    pub static_routes: Vec<(String, String)>,
    pub gateway: Option<GatewaySettings>,
}

impl Default for PbxOptions {
    fn default() -> Self {
        PbxOptions {
            domain: "pbx.test".into(),
            users: vec![("1001".into(), "pw1001".into()), ("1002".into(), "pw1002".into()), ("1003".into(), "pw1003".into())],
            tls: false,
            tls_self_signed: None,
            sha256: false,
            invite_auth: false,
            nonce_expire: 300,
            min_expires: 1,
            debug: std::env::var("RINGSIDE_KAMAILIO_DEBUG").ok().and_then(|d| d.parse().ok()).unwrap_or(1),
            static_routes: Vec::new(),
            gateway: None,
        }
    }
}

pub struct Pbx {
    pub options: PbxOptions,
    pub udp_port: u16,
    pub tcp_port: u16,
    pub tls_port: u16,
    /// The CA that signed the TLS listener's certificate (when `tls`).
    pub ca_cert: Option<PathBuf>,
    dir: tempfile::TempDir,
    process: Option<Owned>,
}

pub fn modules_dir() -> String {
    let candidates = [
        "/usr/lib/x86_64-linux-gnu/kamailio/modules",
        "/usr/lib/aarch64-linux-gnu/kamailio/modules",
        "/usr/lib64/kamailio/modules",
        "/usr/lib/kamailio/modules",
    ];
    candidates.iter().find(|d| std::path::Path::new(d).join("tm.so").exists()).map(|d| format!("{d}/")).expect("Kamailio modules (scripts/install-deps)")
}

impl Pbx {
    pub fn start(options: PbxOptions) -> Pbx {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut pbx = Pbx { udp_port: port, tcp_port: port, tls_port: if options.tls { free_port() } else { 0 }, ca_cert: None, options, dir, process: None };
        let mut text = if pbx.options.gateway.is_some() { GATEWAY_CONFIG } else { CONFIG }.to_string();
        let gw = pbx.options.gateway.clone().unwrap_or(GatewaySettings {
            push_url: String::new(),
            ring_timeout_ms: 30_000,
            wake_timeout_ms: 30_000,
            front_pbx: None,
        });
        let mut users: String = pbx.options.users.iter().map(|(u, p)| format!("\t$sht(users=>{u}) = \"{p}\";\n")).collect();
        users.extend(pbx.options.static_routes.iter().map(|(u, uri)| format!("\t$sht(static=>{u}) = \"{uri}\";\n")));
        for (key, value) in [
            ("DEBUG", pbx.options.debug.to_string()),
            // One UDP worker: two workers forward a 180 and a 200 sent 1 ms apart in either
            // order, and sipp aborts a call on a 180 after its 200. Real user agents absorb
            // that, so it is the test peer's order to fix, not the phone's.
            ("CHILDREN", "1".into()),
            ("DOMAIN", pbx.options.domain.clone()),
            ("UDP_PORT", pbx.udp_port.to_string()),
            ("TCP_PORT", pbx.tcp_port.to_string()),
            ("TLS_PORT", pbx.tls_port.to_string()),
            ("MODULES", modules_dir()),
            ("NONCE_EXPIRE", pbx.options.nonce_expire.to_string()),
            ("MIN_EXPIRES", pbx.options.min_expires.to_string()),
            ("TLS_CFG", pbx.dir.path().join("tls.cfg").display().to_string()),
            ("CTL_SOCKET", pbx.dir.path().join("ctl.sock").display().to_string()),
            ("USERS", users),
            ("LISTEN_IP", "127.0.0.1".into()),
            ("PUSH_URL", gw.push_url.clone()),
            ("RING_TIMEOUT_MS", gw.ring_timeout_ms.to_string()),
            ("WAKE_TIMEOUT_MS", gw.wake_timeout_ms.to_string()),
            ("PBX_URI", gw.front_pbx.clone().unwrap_or_default()),
            ("HOLD_SECONDS", (gw.wake_timeout_ms.max(gw.ring_timeout_ms) / 1000 + 5).to_string()),
        ] {
            text = text.replace(&format!("%%{key}%%"), &value);
        }
        std::fs::write(pbx.dir.path().join("kamailio.cfg"), text).unwrap();
        if pbx.options.tls {
            let (cert, key, ca) = match &pbx.options.tls_self_signed {
                Some(san) => {
                    let (cert, key) = certs::self_signed(pbx.dir.path(), san);
                    (cert.clone(), key, cert)
                }
                None => {
                    let pki = certs::make(pbx.dir.path());
                    (pki.server_cert, pki.server_key, pki.ca_cert)
                }
            };
            std::fs::write(
                pbx.dir.path().join("tls.cfg"),
                format!(
                    "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n",
                    key.display(),
                    cert.display()
                ),
            )
            .unwrap();
            pbx.ca_cert = Some(ca);
        }
        pbx.launch();
        pbx
    }

    fn launch(&mut self) {
        let mut cmd = Command::new("kamailio");
        cmd.arg("-f").arg(self.dir.path().join("kamailio.cfg")).args(["-DD", "-E", "-w"]).arg(self.dir.path());
        cmd.arg("-Y").arg(self.dir.path());
        if self.options.tls {
            cmd.args(["-A", "WITH_TLS"]);
        }
        if self.options.gateway.as_ref().is_some_and(|g| g.front_pbx.is_some()) {
            cmd.args(["-A", "FRONT_PBX"]);
        }
        if self.options.sha256 {
            cmd.args(["-A", "WITH_SHA256"]);
        }
        if self.options.invite_auth {
            cmd.args(["-A", "WITH_INVITE_AUTH"]);
        }
        let log = std::fs::File::create(self.dir.path().join("kamailio.log")).unwrap();
        cmd.stdout(Stdio::null()).stderr(log);
        self.process = Some(Owned::spawn("kamailio", &mut cmd).expect("kamailio is installed (scripts/install-deps)"));
        self.wait_ready(Duration::from_secs(10));
    }

    /// Polls with OPTIONS until Kamailio answers (bounded).
    fn wait_ready(&self, limit: Duration) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < limit {
            n += 1;
            let local = sock.local_addr().unwrap();
            let msg = format!(
                "OPTIONS sip:{dom} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKready{n}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@{dom}>;tag=p{n}\r\nTo: <sip:{dom}>\r\nCall-ID: ready{n}@testbed\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n",
                dom = self.options.domain
            );
            let _ = sock.send_to(msg.as_bytes(), ("127.0.0.1", self.udp_port));
            let mut buf = [0u8; 2048];
            if let Ok((len, _)) = sock.recv_from(&mut buf) {
                if buf[..len].starts_with(b"SIP/2.0 200") {
                    return;
                }
            }
        }
        panic!("Kamailio did not answer within {limit:?}; log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }

    pub fn proxy_uri(&self, transport: &str) -> String {
        match transport {
            "tcp" => format!("sip:127.0.0.1:{};transport=tcp", self.tcp_port),
            "tls" => format!("sip:127.0.0.1:{};transport=tls", self.tls_port),
            _ => format!("sip:127.0.0.1:{}", self.udp_port),
        }
    }

    /// The contact URIs the registrar holds for `user` (read with `kamcmd ul.lookup`).
    pub fn contacts(&self, user: &str) -> Vec<String> {
        let out = Command::new("kamcmd")
            .arg("-s")
            .arg(format!("unix:{}", self.dir.path().join("ctl.sock").display()))
            .args(["ul.lookup", "location", &format!("{user}@{}", self.options.domain)])
            .output()
            .expect("kamcmd ships with kamailio");
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().strip_prefix("Address:").map(|a| a.trim().to_string())).collect()
    }

    /// Changes a user's password at runtime (`kamcmd htable.sets`): the next REGISTER fails.
    pub fn set_password(&self, user: &str, password: &str) {
        let out = Command::new("kamcmd")
            .arg("-s")
            .arg(format!("unix:{}", self.dir.path().join("ctl.sock").display()))
            // `s:`: kamcmd would read an all-digit extension as a number, not a key.
            .args(["htable.sets", "users", &format!("s:{user}"), &format!("s:{password}")])
            .output()
            .expect("kamcmd ships with kamailio");
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && !said.contains("error"), "kamcmd: {said}");
    }

    pub fn pid(&self) -> u32 {
        self.process.as_ref().map(|p| p.pid()).unwrap_or(0)
    }

    /// Stops Kamailio (its bindings are in memory: they are lost, as in a PBX restart).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }

    /// Starts it again on the same ports.
    pub fn restart(&mut self) {
        self.stop();
        // The main process reaps first; its children may still hold the listening sockets a
        // moment longer, and a launch then fails to bind ("Address already in use").
        let ports = [self.udp_port, self.tcp_port, self.tls_port];
        let start = Instant::now();
        while !ports.iter().all(|p| crate::ports::is_free(*p)) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.launch();
    }
}
