//! Bench: what a registered phone costs while nothing happens (the battery figure, design §8).
//! Ringside over UDP, TCP and TLS, in push-only mode (`register --suspended`, UDP, with push
//! parameters), and over TCP with keep-alives pushed beyond the window (so every wake-up left
//! is a timer of ours); baresip registered on the same Kamailio over the same three transports.
//! All at once, each on its own extension, in one refresh-free window: wake-ups (voluntary +
//! non-voluntary context switches summed over all threads), CPU ticks and RSS, per minute.
//! The counts do not depend on the machine's load; runs are repeated and medians taken.
//! Usage: bench_idle [runs, default 3]; BENCH_IDLE_SECONDS (default 60) sets the window.

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ports::free_port_block;
use ringside_testbed::proc_stats::{median, ProcSample};
use ringside_testbed::process::Owned;
use ringside_testbed::ringside::{config, Ringside};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);
/// Long enough that no refresh falls in the window (Kamailio's max_expires is 3600).
const EXPIRES: u32 = 3600;
/// rsipstack drops a finished transaction 64·T1 (32 s) after it ends: the REGISTER's last
/// timers fire before the window opens.
const SETTLE: Duration = Duration::from_secs(35);

/// baresip registered over `transport` with nothing but SIP loaded: no audio, no UI.
struct Baresip {
    process: Owned,
    dir: tempfile::TempDir,
}

impl Baresip {
    fn start(user: &str, proxy: &str, ca: &Path) -> Baresip {
        let dir = tempfile::tempdir().unwrap();
        // baresip opens its TLS listener on the SIP port + 1.
        let sip_port = free_port_block(2);
        let config = format!(
            "sip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\nsip_cafile {ca}\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule_app account.so\n",
            ca = ca.display()
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(dir.path().join("accounts"), format!("<sip:{user}@pbx.test>;auth_pass=pw{user};outbound=\"{proxy}\";regint={EXPIRES}\n")).unwrap();
        let log = std::fs::File::create(dir.path().join("baresip.log")).unwrap();
        let mut cmd = Command::new("baresip");
        cmd.arg("-f").arg(dir.path()).stdout(log).stderr(Stdio::null());
        Baresip { process: Owned::spawn("baresip", &mut cmd).expect("baresip is installed (scripts/install-deps)"), dir }
    }

    fn wait_registered(&self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if std::fs::read_to_string(self.dir.path().join("baresip.log")).unwrap_or_default().contains("200 OK") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }
}

/// One process's cost over the window, per minute.
#[derive(Debug, Clone, Default)]
struct Cost {
    wakeups: f64,
    ticks: f64,
    rss_mib: f64,
    threads: BTreeMap<String, u64>,
}

fn cost(before: &ProcSample, after: &ProcSample, minutes: f64) -> Cost {
    Cost {
        wakeups: after.wakeups_since(before) as f64 / minutes,
        ticks: after.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / minutes,
        rss_mib: after.rss_kib as f64 / 1024.0,
        threads: after.by_thread_since(before).into_iter().filter(|(_, n)| *n > 0).collect(),
    }
}

/// The cases measured side by side: (label, ringside user, proxy transport, extra [sip] lines,
/// extra args), and for the three transports the baresip user.
struct Case {
    label: &'static str,
    user: &'static str,
    transport: &'static str,
    extra: &'static str,
    suspended: bool,
    baresip_user: Option<&'static str>,
}

const CASES: [Case; 5] = [
    Case { label: "udp", user: "1001", transport: "udp", extra: "", suspended: false, baresip_user: Some("1011") },
    Case { label: "tcp", user: "1002", transport: "tcp", extra: "", suspended: false, baresip_user: Some("1012") },
    Case { label: "tls", user: "1003", transport: "tls", extra: "", suspended: false, baresip_user: Some("1013") },
    Case { label: "push-only", user: "1004", transport: "udp", extra: "", suspended: true, baresip_user: None },
    Case { label: "tcp, no keep-alive in window", user: "1005", transport: "tcp", extra: "keepalive_secs = 3600\n", suspended: false, baresip_user: None },
];

fn one_run(window: Duration) -> Vec<(Cost, Option<Cost>)> {
    let users = CASES.iter().flat_map(|c| [Some(c.user), c.baresip_user]).flatten().map(|u| (u.to_string(), format!("pw{u}"))).collect();
    let pbx = Pbx::start(PbxOptions { debug: 0, tls: true, users, ..Default::default() });
    let ca = pbx.ca_cert.clone().expect("a TLS PBX has a CA");
    let mut phones = Vec::new();
    let mut desks = Vec::new();
    for case in &CASES {
        let push = if case.suspended { "\n[push]\nprovider = \"fcm\"\nprid = \"bench-idle-token\"\nparam = \"bench-project\"\n" } else { "" };
        let sip = format!("expires = {EXPIRES}\ntls_ca_file = \"{}\"\n{}{push}", ca.display(), case.extra);
        let args: &[&str] = if case.suspended { &["--log", "warn", "register", "--suspended"] } else { &["--log", "warn", "register"] };
        let mut phone = Ringside::start(&config(case.user, "pbx.test", &pbx.proxy_uri(case.transport), &sip), &format!("pw{}", case.user), args);
        phone.expect_event("registered", 10 * SEC);
        phones.push(phone);
        if let Some(user) = case.baresip_user {
            let desk = Baresip::start(user, &pbx.proxy_uri(case.transport), &ca);
            assert!(desk.wait_registered(10 * SEC), "baresip {} registered", case.label);
            desks.push(Some(desk));
        } else {
            desks.push(None);
        }
    }
    std::thread::sleep(SETTLE);
    let before: Vec<_> = phones.iter().map(|p| ProcSample::read(p.pid())).collect();
    let desks_before: Vec<_> = desks.iter().map(|d| d.as_ref().map(|d| ProcSample::read(d.process.pid()))).collect();
    let start = Instant::now();
    std::thread::sleep(window);
    let after: Vec<_> = phones.iter().map(|p| ProcSample::read(p.pid())).collect();
    let desks_after: Vec<_> = desks.iter().map(|d| d.as_ref().map(|d| ProcSample::read(d.process.pid()))).collect();
    let minutes = start.elapsed().as_secs_f64() / 60.0;
    (0..CASES.len())
        .map(|i| {
            let desk = desks_before[i].as_ref().zip(desks_after[i].as_ref()).map(|(b, a)| cost(b, a, minutes));
            (cost(&before[i], &after[i], minutes), desk)
        })
        .collect()
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let seconds: u64 = std::env::var("BENCH_IDLE_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let results: Vec<_> = (0..runs).map(|_| one_run(Duration::from_secs(seconds))).collect();
    println!("bench idle: registered, nothing happening, {seconds} s window x {runs} runs (medians), Kamailio 5.6 on loopback");
    println!("  per minute: wake-ups = context switches summed over all threads; CPU in clock ticks; RSS at the end");
    let med = |f: &dyn Fn(&Cost) -> f64, pick: &dyn Fn(&(Cost, Option<Cost>)) -> Option<Cost>, i: usize| {
        median(&results.iter().filter_map(|r| pick(&r[i])).map(|c| f(&c)).collect::<Vec<_>>())
    };
    let ours = |r: &(Cost, Option<Cost>)| Some(r.0.clone());
    let theirs = |r: &(Cost, Option<Cost>)| r.1.clone();
    let mut worst: f64 = 0.0;
    let mut pass = true;
    for (i, case) in CASES.iter().enumerate() {
        let (w, t, m) = (med(&|c| c.wakeups, &ours, i), med(&|c| c.ticks, &ours, i), med(&|c| c.rss_mib, &ours, i));
        let threads = results.last().map(|r| format!("{:?}", r[i].0.threads)).unwrap_or_default();
        print!("  {:<29} ringside {w:6.1} wake-ups {t:5.1} ticks {m:5.1} MiB", case.label);
        if case.baresip_user.is_some() {
            let (bw, bt, bm) = (med(&|c| c.wakeups, &theirs, i), med(&|c| c.ticks, &theirs, i), med(&|c| c.rss_mib, &theirs, i));
            let ratio = w / bw.max(1.0);
            worst = worst.max(ratio);
            pass &= w <= bw && t <= bt.max(1.0);
            println!("  | baresip {bw:6.1} wake-ups {bt:5.1} ticks {bm:5.1} MiB  | wake-up ratio {ratio:.2}");
        } else {
            // Push-only and keep-alive-free: no wake-up of ours at all.
            pass &= w == 0.0;
            println!("  | target 0 wake-ups");
        }
        println!("      ringside threads woken (last run): {threads}");
    }
    println!("RESULT idle ratio={worst:.2} target=1.00 {}", if pass { "pass" } else { "miss" });
}
