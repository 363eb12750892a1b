//! Bench: startup (design §8). In-process, through the core's API: `Phone::start` -> ready (it
//! returned) and -> registered, each run in a fresh process of its own (this binary run again
//! with `--in-process`), so every start pays its first-use costs as an app's would. Out of
//! process: exec -> registered for the `ringside` CLI, baresip and linphonec on the same
//! Kamailio in the same run, interleaved, and each one's RSS once registered.
//! Data directories persist across runs (an app starts on its existing database); a first
//! round is a warm-up and not counted. Usage: bench_startup [runs, default 10]

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::ports::{free_port, free_port_block};
use ringside_testbed::proc_stats::{median, ProcSample};
use ringside_testbed::process::Owned;
use ringside_testbed::ringside::{config, Ringside};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);
const INIT_TARGET_MS: f64 = 10.0;

/// Spawns `cmd` with stdout piped and returns when a stdout line contains `needle` (bounded):
/// the elapsed time since just before the spawn, and the process (still running).
fn exec_until(name: &str, cmd: &mut Command, needle: &'static str, limit: Duration) -> (Duration, Owned, Option<std::process::ChildStdin>) {
    cmd.stdout(Stdio::piped());
    let start = Instant::now();
    let mut process = Owned::from_child(name, cmd.spawn().unwrap_or_else(|e| panic!("{name} is installed (scripts/install-deps): {e}")));
    let stdin = process.child_mut().stdin.take();
    let stdout = process.child_mut().stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains(needle) {
                let _ = tx.send(Instant::now());
            }
        }
    });
    let seen = rx.recv_timeout(limit).unwrap_or_else(|_| panic!("{name}: no {needle:?} within {limit:?}"));
    (seen - start, process, stdin)
}

fn baresip(dir: &Path, user: &str, proxy_port: u16) -> Command {
    let sip_port = free_port_block(2);
    // The modules a SIP phone needs for calls like ours (G.711, Opus, SRTP) and its accounts.
    let config = format!(
        "sip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule opus.so\nmodule srtp.so\nmodule_app account.so\n"
    );
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("accounts"), format!("<sip:{user}@pbx.test>;auth_pass=pw{user};outbound=\"sip:127.0.0.1:{proxy_port}\";regint=600\n")).unwrap();
    let mut cmd = Command::new("baresip");
    cmd.arg("-f").arg(dir).stdin(Stdio::null()).stderr(Stdio::null());
    cmd
}

fn linphonec(dir: &Path) -> Command {
    let rc = format!(
        "[sip]\nsip_port={}\nsip_tcp_port=-1\nsip_tls_port=-1\nbind_address=127.0.0.1\n[sound]\necho_cancellation=0\n[net]\nnat_policy_ref=\n",
        free_port()
    );
    std::fs::write(dir.join("linphonerc"), rc).unwrap();
    std::fs::create_dir_all(dir.join(".local/share/linphone")).unwrap();
    let mut cmd = Command::new("linphonec");
    // linphonec's console says nothing when it registers; its library log does, and at the
    // lowest level it still names every account state, so it goes to the stdout pipe.
    cmd.arg("-c")
        .arg(dir.join("linphonerc"))
        .args(["-d", "1", "-l", "/dev/stdout"])
        .env("HOME", dir)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

/// One start of each peer: (ringside, baresip, linphonec) exec -> registered, RSS and its
/// anonymous part in KiB.
fn one_round(pbx: &Pbx, dirs: &[tempfile::TempDir; 3]) -> [(Duration, u64, u64); 3] {
    let ringside_config = config("1001", "pbx.test", &pbx.proxy_uri("udp"), "");
    let data = dirs[0].path().join("data");
    let start = Instant::now();
    let mut phone = Ringside::start(&ringside_config, "pw1001", &["--log", "warn", "--data-dir", data.to_str().unwrap(), "register"]);
    phone.expect_event("registered", 10 * SEC);
    let sample = ProcSample::read(phone.pid());
    let ours = (start.elapsed(), sample.rss_kib, sample.rss_anon_kib);
    phone.signal(libc::SIGTERM);
    phone.wait_exit(5 * SEC);

    let (took, mut desk, _) = exec_until("baresip", &mut baresip(dirs[1].path(), "1002", pbx.udp_port), "200 OK", 10 * SEC);
    let sample = ProcSample::read(desk.pid());
    let desk_cost = (took, sample.rss_kib, sample.rss_anon_kib);
    desk.stop();

    // linphonec reads its commands once started: the `register` line waits in the pipe.
    let mut cmd = linphonec(dirs[2].path());
    let start = Instant::now();
    let mut child = Owned::from_child("linphonec", cmd.stdout(Stdio::piped()).spawn().expect("linphonec is installed (scripts/install-deps)"));
    let mut stdin = child.child_mut().stdin.take().expect("piped stdin");
    writeln!(stdin, "register sip:1003@pbx.test sip:127.0.0.1:{} pw1003", pbx.udp_port).unwrap();
    let stdout = child.child_mut().stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("to [LinphoneRegistrationOk]") {
                let _ = tx.send(Instant::now());
            }
        }
    });
    let seen = rx.recv_timeout(10 * SEC).expect("linphonec registered");
    let sample = ProcSample::read(child.pid());
    let theirs = (seen - start, sample.rss_kib, sample.rss_anon_kib);
    writeln!(stdin, "quit").ok();
    child.wait_exit(3 * SEC);
    drop(child);
    [ours, desk_cost, theirs]
}

/// `--in-process DATA_DIR PROXY_PORT`: one `Phone::start` in this fresh process; prints
/// `ready_us registered_us rss_kib`.
fn in_process(data_dir: &str, proxy_port: u16) {
    use ringside_core::{AccountConfig, Phone, PhoneConfig, PhoneEvent, PhoneListener, StaticSecrets};
    struct Registered(std::sync::Mutex<Option<mpsc::Sender<Instant>>>);
    impl PhoneListener for Registered {
        fn on_event(&self, event: PhoneEvent) {
            if let PhoneEvent::Registered { .. } = event {
                if let Some(tx) = self.0.lock().ok().and_then(|mut t| t.take()) {
                    let _ = tx.send(Instant::now());
                }
            }
        }
    }
    // The CLI's runtime: two workers.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let account = AccountConfig {
        username: "1004".into(),
        domain: "pbx.test".into(),
        proxy: Some(format!("sip:127.0.0.1:{proxy_port}")),
        password_env: None,
        display_name: None,
        auth_username: None,
        voicemail: None,
    };
    let config = PhoneConfig { data_dir: data_dir.into(), accounts: vec![account], ..Default::default() };
    let (tx, rx) = mpsc::channel();
    let listener = std::sync::Arc::new(Registered(std::sync::Mutex::new(Some(tx))));
    let secrets = std::sync::Arc::new(StaticSecrets(vec![("1004@pbx.test".into(), "pw1004".into())]));
    runtime.block_on(async move {
        let start = Instant::now();
        let phone = Phone::start(config, secrets, listener).await.expect("Phone::start");
        let ready = start.elapsed();
        let registered = tokio::task::spawn_blocking(move || rx.recv_timeout(10 * SEC)).await.unwrap().expect("registered") - start;
        let rss = ProcSample::read(std::process::id()).rss_kib;
        println!("{} {} {rss}", ready.as_micros(), registered.as_micros());
        phone.shutdown(2 * SEC).await;
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--in-process") {
        return in_process(&args[2], args[3].parse().expect("port"));
    }
    let runs: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10).max(1);
    let pbx = Pbx::start(PbxOptions { debug: 0, users: (1001..=1004).map(|u| (u.to_string(), format!("pw{u}"))).collect(), ..Default::default() });
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let lib_dir = tempfile::tempdir().unwrap();
    let me = std::env::current_exe().unwrap();
    let mut peers: [Vec<(Duration, u64, u64)>; 3] = Default::default();
    let mut core: Vec<(f64, f64, f64)> = Vec::new();
    for round in 0..=runs {
        let out =
            Command::new(&me).args(["--in-process", lib_dir.path().to_str().unwrap(), &pbx.udp_port.to_string()]).output().expect("bench_startup --in-process");
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<f64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        assert_eq!(f.len(), 3, "in-process start said {text:?}, {}", String::from_utf8_lossy(&out.stderr));
        let costs = one_round(&pbx, &dirs);
        // Round 0 creates the databases and warms the page cache.
        if round > 0 {
            core.push((f[0] / 1000.0, f[1] / 1000.0, f[2] / 1024.0));
            for (all, cost) in peers.iter_mut().zip(costs) {
                all.push(cost);
            }
        }
    }
    let ms = |v: &[(Duration, u64, u64)]| median(&v.iter().map(|c| c.0.as_secs_f64() * 1000.0).collect::<Vec<_>>());
    let mib = |v: &[(Duration, u64, u64)]| median(&v.iter().map(|c| c.1 as f64 / 1024.0).collect::<Vec<_>>());
    let anon = |v: &[(Duration, u64, u64)]| median(&v.iter().map(|c| c.2 as f64 / 1024.0).collect::<Vec<_>>());
    let init = median(&core.iter().map(|c| c.0).collect::<Vec<_>>());
    println!("bench startup: {runs} runs (medians) on Kamailio 5.6, UDP, loopback; data directories kept between runs");
    println!(
        "  in-process Phone::start -> ready {init:.2} ms, -> registered {:.2} ms, process RSS {:.1} MiB (target: ready <= {INIT_TARGET_MS} ms)",
        median(&core.iter().map(|c| c.1).collect::<Vec<_>>()),
        median(&core.iter().map(|c| c.2).collect::<Vec<_>>())
    );
    for (name, v) in ["ringside CLI", "baresip", "linphonec"].iter().zip(&peers) {
        println!(
            "  {name:<13} exec -> registered {:7.2} ms   RSS registered {:5.1} MiB ({:.1} anonymous, {:.1} mapped files)",
            ms(v),
            mib(v),
            anon(v),
            mib(v) - anon(v)
        );
    }
    let rss_ratio = mib(&peers[0]) / mib(&peers[1]);
    println!(
        "  ratios: ringside/baresip exec->registered {:.2}, RSS {rss_ratio:.2}; ringside/linphonec exec->registered {:.2}, RSS {:.2}",
        ms(&peers[0]) / ms(&peers[1]),
        ms(&peers[0]) / ms(&peers[2]),
        mib(&peers[0]) / mib(&peers[2])
    );
    // One figure for both targets: the worse of init / 10 ms and RSS / baresip's.
    let ratio = (init / INIT_TARGET_MS).max(rss_ratio);
    println!("RESULT startup ratio={ratio:.2} target=1.00 {}", if ratio <= 1.0 { "pass" } else { "miss" });
}
