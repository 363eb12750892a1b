//! The push gateway scaled out: one or more gateway Kamailio nodes (gateway.cfg, registrar
//! mode), each in its own network namespace with its own push sender and fake push cloud,
//! sharing registrations over DMQ (`WITH_DMQ`) when there are several, all behind one address
//! (a [`UdpBalancer`]). For the scale bench: a node can be killed (SIGKILL, every process) and
//! its memory read from /proc and from Kamailio's shared-memory statistics.

use crate::gateway::PushService;
use crate::kamailio::{modules_dir, GATEWAY_CONFIG};
use crate::netns::Lan;
use crate::process::Owned;
use crate::udp_balancer::UdpBalancer;
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const DOMAIN: &str = "pbx.test";
const SIP_PORT: u16 = 5060;
const DMQ_PORT: u16 = 5090;

#[derive(Clone, Debug)]
pub struct ClusterOptions {
    pub nodes: usize,
    /// (extension, password) for the gateway's users table.
    pub users: Vec<(String, String)>,
    /// UDP worker processes per node.
    pub children: u32,
    pub wake_timeout_ms: u32,
    /// Shared memory per node, MiB (`-m`).
    pub shm_mb: u32,
}

pub struct GatewayNode {
    pub ip: String,
    pub push: PushService,
    process: Option<Owned>,
    dir: tempfile::TempDir,
}

/// Fields drop in order: the balancer, then the nodes, then the network they live in.
pub struct GatewayCluster {
    pub balancer: UdpBalancer,
    pub nodes: Vec<GatewayNode>,
    pub lan: Lan,
}

/// What a node's memory holds, read at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeMemory {
    /// Proportional set size summed over the node's processes (shared pages split, not
    /// counted once per process), KiB.
    pub pss_kib: u64,
    /// Kamailio's shared memory in use (`core.shmmem` real_used), bytes.
    pub shm_used: u64,
}

impl GatewayCluster {
    pub fn start(options: &ClusterOptions) -> Result<GatewayCluster, String> {
        let lan = Lan::create(options.nodes)?;
        let mut nodes = Vec::new();
        for i in 0..options.nodes {
            let peer = &lan.nodes[(i + 1) % options.nodes].ip;
            let push = PushService::start(&lan.host_ip, true);
            let mut node = GatewayNode { ip: lan.nodes[i].ip.clone(), push, process: None, dir: tempfile::tempdir().unwrap() };
            node.launch(&lan.nodes[i].netns, peer, options)?;
            nodes.push(node);
        }
        if options.nodes > 1 {
            wait_for_bus(&nodes, Duration::from_secs(20))?;
        }
        let backends: Vec<SocketAddr> = nodes.iter().map(|n| format!("{}:{SIP_PORT}", n.ip).parse().unwrap()).collect();
        let balancer = UdpBalancer::start("127.0.0.1:0".parse().unwrap(), lan.host_ip.parse().unwrap(), &backends, DOMAIN);
        Ok(GatewayCluster { balancer, nodes, lan })
    }
}

impl GatewayNode {
    fn launch(&mut self, netns: &str, peer: &str, o: &ClusterOptions) -> Result<(), String> {
        let d = self.dir.path();
        let users: String = o.users.iter().map(|(u, p)| format!("\t$sht(users=>{u}) = \"{p}\";\n")).collect();
        let mut text = GATEWAY_CONFIG.to_string();
        for (key, value) in [
            ("DEBUG", "2".to_string()),
            ("CHILDREN", o.children.to_string()),
            ("DOMAIN", DOMAIN.into()),
            ("LISTEN_IP", self.ip.clone()),
            ("NODE_ADDRESS", self.ip.clone()),
            ("UDP_PORT", SIP_PORT.to_string()),
            ("TCP_PORT", SIP_PORT.to_string()),
            ("TLS_PORT", "5061".into()),
            ("DMQ_PORT", DMQ_PORT.to_string()),
            ("DMQ_PEER", format!("sip:{peer}:{DMQ_PORT}")),
            ("MODULES", modules_dir()),
            ("TLS_CFG", d.join("tls.cfg").display().to_string()),
            ("CTL_SOCKET", d.join("ctl.sock").display().to_string()),
            ("USERS", users),
            ("PUSH_URL", format!("http://{}:{}", self.push.listen_ip, self.push.sender_port)),
            ("RING_TIMEOUT_MS", "30000".into()),
            ("WAKE_TIMEOUT_MS", o.wake_timeout_ms.to_string()),
            ("PBX_URI", String::new()),
            ("HOLD_SECONDS", (30_000u32.max(o.wake_timeout_ms) / 1000 + 5).to_string()),
        ] {
            text = text.replace(&format!("%%{key}%%"), &value);
        }
        std::fs::write(d.join("kamailio.cfg"), text).unwrap();
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", netns, "kamailio", "-f"]).arg(d.join("kamailio.cfg")).args(["-DD", "-E", "-m", &o.shm_mb.to_string(), "-M", "64", "-w"]).arg(d);
        // -M: private memory per process; parsing ten thousand users' lines takes more than 8 MiB.
        cmd.arg("-Y").arg(d);
        if o.nodes > 1 {
            cmd.args(["-A", "WITH_DMQ"]);
        }
        cmd.stdout(Stdio::null()).stderr(std::fs::File::create(d.join("kamailio.log")).unwrap());
        // `ip netns exec` execs Kamailio: the PID is Kamailio's main process.
        self.process = Some(Owned::spawn("kamailio node", &mut cmd).map_err(|e| format!("ip netns exec kamailio: {e}"))?);
        if !answers_options(&format!("{}:{SIP_PORT}", self.ip), Duration::from_secs(15)) {
            return Err(format!("gateway node {} did not answer; log:\n{}", self.ip, self.log()));
        }
        Ok(())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }

    /// Kamailio's main process and the workers it forked.
    pub fn pids(&self) -> Vec<u32> {
        let Some(main) = self.process.as_ref().map(|p| p.pid()) else { return Vec::new() };
        let mut pids = vec![main];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let ppid = stat.rsplit_once(") ").and_then(|(_, r)| r.split_whitespace().nth(1)).and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(main) {
                pids.push(pid);
            }
        }
        pids
    }

    /// kill -9 of every process of the node, workers first (a worker left behind would keep
    /// answering on the node's sockets). The main process is reaped when the node drops.
    pub fn kill(&self) {
        for pid in self.pids().iter().rev() {
            // SAFETY: kill(2) on the node's own processes, found by their parent's PID.
            unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
        }
    }

    fn kamcmd(&self, args: &[&str]) -> String {
        let out = Command::new("kamcmd").arg("-s").arg(format!("unix:{}", self.dir.path().join("ctl.sock").display())).args(args).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
    }

    pub fn memory(&self) -> NodeMemory {
        let pss_kib = self
            .pids()
            .iter()
            .map(|pid| {
                let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
                rollup.lines().find_map(|l| l.strip_prefix("Pss:")).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            })
            .sum();
        let shm = self.kamcmd(&["core.shmmem"]);
        let shm_used = shm.lines().find_map(|l| l.trim().strip_prefix("real_used:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
        NodeMemory { pss_kib, shm_used }
    }

    /// Contacts in the node's location table.
    pub fn contacts(&self) -> u64 {
        let out = self.kamcmd(&["stats.get_statistics", "usrloc:"]);
        out.lines().find_map(|l| l.trim().strip_prefix("usrloc:location_contacts =")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    }
}

/// Waits (bounded) until every node lists every node as active on the DMQ bus: a binding saved
/// before then would not replicate.
fn wait_for_bus(nodes: &[GatewayNode], limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if nodes.iter().all(|n| n.kamcmd(&["dmq.list_nodes"]).matches("status: active").count() >= nodes.len()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the DMQ bus did not form within {limit:?}: {}", nodes[0].kamcmd(&["dmq.list_nodes"])))
}

/// Polls `target` with OPTIONS until it answers 200 (bounded).
fn answers_options(target: &str, limit: Duration) -> bool {
    let sock = UdpSocket::bind("0.0.0.0:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < limit {
        n += 1;
        let msg = format!(
            "OPTIONS sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 0.0.0.0:9;rport;branch=z9hG4bKup{n}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@{DOMAIN}>;tag=p{n}\r\nTo: <sip:{DOMAIN}>\r\nCall-ID: up{n}@testbed\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        let _ = sock.send_to(msg.as_bytes(), target);
        let mut buf = [0u8; 2048];
        if let Ok((len, _)) = sock.recv_from(&mut buf) {
            if buf[..len].starts_with(b"SIP/2.0 200") {
                return true;
            }
        }
    }
    false
}
