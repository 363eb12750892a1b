//! gateway-scale: the push gateway as a pair of Kamailio nodes, each in its own network
//! namespace, sharing registrations over DMQ (dmq_usrloc, plus the `held` table) behind one
//! address (a layer-4 UDP balancer with an OPTIONS health check, as an NLB or IPVS is in a
//! deployment). BINDINGS sleeping phones register push bindings (RFC 8599 Contact parameters)
//! through it; then sipp places calls at CPS per second into them, with a share of calls to
//! desk phones beside them. Each node posts wake-ups to its own `ringside-push` and fake cloud; the
//! bench plays the woken phone (REGISTER afresh through the balancer, then decline the INVITE).
//! Measured: push-to-ring (the cloud accepted the push -> the INVITE reached the phone),
//! calls lost, memory per binding (Kamailio's shared memory in use, and PSS from /proc), and
//! what a kill -9 of one node mid-load does: the calls held there, and where new calls go.
//! Peer, in the same run: the same load on one node alone (no DMQ). Target: the pair's p99
//! push-to-ring within 1.25x the single node's (half the wakes cross nodes: one KDMQ and one
//! more hop), with no call lost in steady state.
//! Knobs (env): BENCH_GWS_BINDINGS (10000), BENCH_GWS_CPS (20), BENCH_GWS_SECONDS (15, steady
//! load), BENCH_GWS_KILL_SECONDS (12, load around the kill), BENCH_GWS_DESKS (20),
//! BENCH_GWS_DESK_EVERY (5: every 5th call rings a desk), BENCH_GWS_REG_RATE (1000/s),
//! BENCH_GWS_CHILDREN (4 UDP workers per node), BENCH_GWS_SEED.

use ringside_testbed::gateway::FCM_PROJECT;
use ringside_testbed::gateway_cluster::{ClusterOptions, GatewayCluster, NodeMemory, DOMAIN};
use ringside_testbed::ports::{free_port, free_port_block};
use ringside_testbed::process::Owned;
use ringside_testbed::sipp::scenario;
use ringside_testbed::woken_phone::{start_desk, Phone, PhoneAccount};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WAKE_TIMEOUT_MS: u32 = 5000;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Clone, Copy)]
struct Knobs {
    bindings: u64,
    cps: u64,
    steady_s: u64,
    kill_s: u64,
    desks: u64,
    desk_every: u64,
    reg_rate: u64,
    children: u32,
    seed: u64,
}

/// Wall-clock seconds (what sipp's log says) for an `Instant`, from one pair read at start.
#[derive(Clone, Copy)]
struct Clock {
    instant: Instant,
    epoch: f64,
}

impl Clock {
    fn now() -> Clock {
        Clock { instant: Instant::now(), epoch: SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() }
    }
    fn epoch(&self, at: Instant) -> f64 {
        self.epoch + at.saturating_duration_since(self.instant).as_secs_f64() - self.instant.saturating_duration_since(at).as_secs_f64()
    }
}

/// One push a node sent, and what the woken phone saw.
struct Wake {
    node: usize,
    user: String,
    pushed: f64,
    rang: Option<f64>,
    error: Option<String>,
}

/// How one call ended at the caller (sipp's log).
#[derive(Default, Clone)]
struct CallLog {
    callee: String,
    start: f64,
    end: Option<f64>,
    /// The final response; None: none came (the caller's timer ended it).
    code: Option<u16>,
}

fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// xorshift64*: the callee order, replayable from the printed seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit on our own process with a valid struct.
    unsafe {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

fn sipp(name: &str, target: &str, dir: &Path, extra: &[String]) -> Owned {
    let mut cmd = Command::new("sipp");
    cmd.arg("-sf").arg(scenario(name)).arg(target);
    cmd.args(["-i", "127.0.0.1", "-p", &free_port().to_string(), "-t", "un", "-max_socket", "5000", "-mp", &free_port_block(4).to_string()]);
    cmd.args(["-default_behaviors", "all,-abortunexp", "-trace_err", "-error_file"]).arg(dir.join(format!("{name}.errors")));
    cmd.args(extra);
    cmd.stdout(Stdio::null()).stderr(std::fs::File::create(dir.join(format!("{name}.stderr"))).unwrap());
    Owned::spawn(name, &mut cmd).expect("sipp is installed (scripts/install-deps)")
}

/// The sleeping phones register, each from a socket of its own (a phone of its own, to the
/// balancer), at `reg_rate` per second over a few threads; each drops its socket once
/// registered, as a phone going to sleep does. Returns how many failed.
/// (Ringside's phones, not sipp: sipp 3.6 cannot take a per-call digest username from its
/// injection file.)
fn register_sleeping(k: Knobs, lb: std::net::SocketAddr) -> u64 {
    const THREADS: u64 = 8;
    let failed = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let failed = &failed;
            s.spawn(move || {
                let mut i = t;
                while i < k.bindings {
                    // Paced: binding i is due at i / rate seconds.
                    let due = Duration::from_secs_f64(i as f64 / k.reg_rate as f64);
                    if let Some(wait) = due.checked_sub(start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    let account = PhoneAccount {
                        user: format!("u{i}"),
                        password: format!("pw{i}"),
                        domain: DOMAIN.into(),
                        gateway: lb,
                        pn_params: format!(";pn-provider=fcm;pn-prid=tok-u{i};pn-param={FCM_PROJECT}"),
                    };
                    let ok = Phone::new(account).map_err(|e| e.to_string()).and_then(|mut p| p.register(Duration::from_secs(10)));
                    if ok.is_err() {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    i += THREADS;
                }
            });
        }
    });
    failed.into_inner()
}

fn parse_calls(log: &str) -> HashMap<String, CallLog> {
    let mut calls: HashMap<String, CallLog> = HashMap::new();
    let time = |s: &str, us: &str| s.parse::<f64>().unwrap_or(0.0) + us.parse::<f64>().unwrap_or(0.0) / 1e6;
    for line in log.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["START", id, s, us] => calls.entry(id.to_string()).or_default().start = time(s, us),
            ["END", id, callee, code, s, us] => {
                let c = calls.entry(id.to_string()).or_default();
                c.callee = callee.to_string();
                c.end = Some(time(s, us));
                c.code = code.parse().ok();
            }
            _ => {}
        }
    }
    calls
}

struct Report {
    nodes: usize,
    reg_secs: f64,
    contacts: Vec<u64>,
    /// Per node: (shm bytes, PSS bytes) per binding.
    per_binding: Vec<(f64, f64)>,
    ring_ms: Vec<f64>,
    push_calls: usize,
    push_lost: usize,
    desk_calls: usize,
    desk_lost: usize,
    wake_errors: usize,
    cross_node: usize,
    kill: Option<String>,
}

fn run(k: Knobs, nodes: usize, kill: bool) -> Result<Report, String> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut users: Vec<(String, String)> = (0..k.bindings).map(|i| (format!("u{i}"), format!("pw{i}"))).collect();
    users.extend((0..k.desks).map(|i| (format!("desk{i}"), format!("dpw{i}"))));
    let cluster =
        GatewayCluster::start(&ClusterOptions { nodes, users, children: k.children, wake_timeout_ms: WAKE_TIMEOUT_MS, shm_mb: 256 })?;
    let lb = cluster.balancer.addr;
    let before: Vec<NodeMemory> = cluster.nodes.iter().map(|n| n.memory()).collect();

    let stop = Arc::new(AtomicBool::new(false));
    let desk_answers = Arc::new(AtomicU64::new(0));
    let mut desks = Vec::new();
    for i in 0..k.desks {
        let account =
            PhoneAccount { user: format!("desk{i}"), password: format!("dpw{i}"), domain: DOMAIN.into(), gateway: lb, pn_params: String::new() };
        desks.push(start_desk(account, stop.clone(), desk_answers.clone())?);
    }

    let reg_start = Instant::now();
    let reg_failed = register_sleeping(k, lb);
    if reg_failed > 0 {
        eprintln!("{reg_failed} of {} push bindings did not register", k.bindings);
    }
    let want = k.bindings + k.desks;
    // Replication settles: every node holds every binding (bounded).
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(20) && cluster.nodes.iter().any(|n| n.contacts() < want) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let reg_secs = reg_start.elapsed().as_secs_f64();
    let contacts: Vec<u64> = cluster.nodes.iter().map(|n| n.contacts()).collect();
    let after: Vec<NodeMemory> = cluster.nodes.iter().map(|n| n.memory()).collect();
    let per_binding = before
        .iter()
        .zip(&after)
        .map(|(b, a)| {
            let n = (k.bindings + k.desks) as f64;
            (a.shm_used.saturating_sub(b.shm_used) as f64 / n, a.pss_kib.saturating_sub(b.pss_kib) as f64 * 1024.0 / n)
        })
        .collect();

    // The woken phones: one thread per push, as many phones wake at once.
    let clock = Clock::now();
    let wakes: Arc<Mutex<HashMap<String, Wake>>> = Arc::default();
    let workers: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>> = Arc::default();
    let total = k.cps * (k.steady_s + if kill { k.kill_s } else { 0 });
    let mut t0 = 0.0;
    let mut kill_at = None;
    let calls = std::thread::scope(|s| {
        for (node, n) in cluster.nodes.iter().enumerate() {
            let (stop, wakes, workers) = (stop.clone(), wakes.clone(), workers.clone());
            let cloud = &n.push.cloud;
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(push) = cloud.next(Duration::from_millis(100)) else { continue };
                    if push.payload["type"] != "call" {
                        continue;
                    }
                    let call_id = push.payload["call-id"].as_str().unwrap_or("").to_string();
                    let user = push.token.strip_prefix("tok-").unwrap_or("").to_string();
                    wakes.lock().unwrap().insert(call_id.clone(), Wake { node, user: user.clone(), pushed: clock.epoch(push.at), rang: None, error: None });
                    let wakes = wakes.clone();
                    let handle = std::thread::spawn(move || {
                        let account = PhoneAccount {
                            password: format!("pw{}", user.trim_start_matches('u')),
                            pn_params: format!(";pn-provider=fcm;pn-prid=tok-{user};pn-param={FCM_PROJECT}"),
                            user,
                            domain: DOMAIN.into(),
                            gateway: lb,
                        };
                        let outcome = Phone::new(account).map_err(|e| e.to_string()).and_then(|mut phone| {
                            let early = phone.register(Duration::from_secs(5))?;
                            phone
                                .decline_next_invite(early, Duration::from_millis(WAKE_TIMEOUT_MS as u64 + 3000), "486 Busy Here", false)
                                .ok_or_else(|| "no INVITE after waking".to_string())
                        });
                        let mut w = wakes.lock().unwrap();
                        let Some(wake) = w.get_mut(&call_id) else { return };
                        match outcome {
                            Ok((at, _)) => wake.rang = Some(clock.epoch(at)),
                            Err(e) => wake.error = Some(e),
                        }
                    });
                    workers.lock().unwrap().push(handle);
                }
            });
        }

        // Callees: sleeping phones without repeats (one held call per binding), every
        // DESK_EVERY-th call a desk.
        let mut rng = Rng(k.seed | 1);
        let mut order: Vec<u64> = (0..k.bindings).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        let mut inf = String::from("SEQUENTIAL\n");
        for i in 0..total {
            if k.desks > 0 && k.desk_every > 0 && i % k.desk_every == 0 {
                inf.push_str(&format!("desk{}\n", i / k.desk_every % k.desks));
            } else {
                inf.push_str(&format!("u{}\n", order[i as usize % order.len()]));
            }
        }
        std::fs::write(d.join("callees.csv"), inf).unwrap();
        t0 = clock.epoch(Instant::now());
        let log = d.join("calls.log");
        let mut caller = sipp(
            "gw-scale-call",
            &lb.to_string(),
            d,
            &[
                "-r".into(),
                k.cps.to_string(),
                "-m".into(),
                total.to_string(),
                "-l".into(),
                "2000".into(),
                "-inf".into(),
                d.join("callees.csv").display().to_string(),
                "-trace_logs".into(),
                "-log_file".into(),
                log.display().to_string(),
            ],
        );
        if kill {
            std::thread::sleep(Duration::from_secs_f64(k.steady_s as f64 + k.kill_s as f64 / 3.0));
            cluster_kill(&cluster, &mut kill_at, clock);
        }
        let limit = Duration::from_secs(total / k.cps.max(1) + 25);
        if caller.wait_exit(limit).is_none() {
            let errors = std::fs::read_to_string(d.join("gw-scale-call.errors")).unwrap_or_default();
            eprintln!("the caller did not finish within {limit:?}: {}", errors.lines().rev().take(3).collect::<Vec<_>>().join(" | "));
        }
        stop.store(true, Ordering::Relaxed);
        for h in std::mem::take(&mut *workers.lock().unwrap()) {
            let _ = h.join();
        }
        parse_calls(&std::fs::read_to_string(&log).unwrap_or_default())
    });
    for h in desks {
        let _ = h.join();
    }

    let wakes = wakes.lock().unwrap();
    let steady_end = t0 + k.steady_s as f64;
    let in_steady = |c: &CallLog| c.start >= t0 && c.start < steady_end;
    let (mut push_calls, mut push_lost, mut desk_calls, mut desk_lost) = (0, 0, 0, 0);
    let mut ring_ms = Vec::new();
    for (id, c) in calls.iter().filter(|(_, c)| in_steady(c)) {
        let ok = c.code == Some(486);
        if c.callee.starts_with("desk") {
            desk_calls += 1;
            desk_lost += usize::from(!ok);
        } else {
            push_calls += 1;
            push_lost += usize::from(!ok);
            if let Some(ms) = wakes.get(id).and_then(|w| w.rang.map(|r| (r - w.pushed) * 1000.0)) {
                ring_ms.push(ms);
            }
        }
    }
    // Calls the caller never placed or never logged (sipp cut short) count as lost too.
    push_lost += (total as usize).saturating_sub(calls.len());
    let wake_errors = wakes.values().filter(|w| w.error.is_some()).count();
    let mut why: Vec<&String> = wakes.values().filter_map(|w| w.error.as_ref()).collect();
    why.sort();
    why.dedup();
    for e in why.iter().take(3) {
        eprintln!("  a woken phone: {e}");
    }
    if std::env::var("BENCH_GWS_LOGS").is_ok() {
        // What the nodes said about the first few calls whose phone woke in vain.
        for (id, w) in wakes.iter().filter(|(_, w)| w.error.is_some()).take(3) {
            let prid = format!("tok-{} ", w.user);
            for n in &cluster.nodes {
                let log = n.log();
                let lines: Vec<&str> = log.lines().filter(|l| l.contains(id.as_str()) || l.contains(&prid)).map(|l| l.trim()).collect();
                eprintln!("--- node {} on {id}:\n{}", n.ip, lines.join("\n"));
            }
        }
    }
    let cross_node = cluster.nodes.iter().map(|n| n.log().matches("woke here; its call is held on").count()).sum();
    let kill_report = kill_at.map(|at| kill_summary(&calls, &wakes, at, cluster.balancer.down_at(0).map(|d| clock.epoch(d))));
    Ok(Report {
        nodes,
        reg_secs,
        contacts,
        per_binding,
        ring_ms,
        push_calls,
        push_lost,
        desk_calls,
        desk_lost,
        wake_errors,
        cross_node,
        kill: kill_report,
    })
}

fn cluster_kill(cluster: &GatewayCluster, kill_at: &mut Option<f64>, clock: Clock) {
    cluster.nodes[0].kill();
    *kill_at = Some(clock.epoch(Instant::now()));
}

fn kill_summary(calls: &HashMap<String, CallLog>, wakes: &HashMap<String, Wake>, at: f64, detected: Option<f64>) -> String {
    let mut out = String::new();
    let outcome = |c: &CallLog| match c.code {
        Some(486) => "declined by the phone (486)".to_string(),
        Some(code) => format!("final response {code}"),
        None => "no final response (caller's timer)".to_string(),
    };
    let mut held: HashMap<String, usize> = HashMap::new();
    let mut elsewhere: HashMap<String, usize> = HashMap::new();
    let mut longest: f64 = 0.0;
    for (id, c) in calls.iter().filter(|(_, c)| c.start < at && c.end.is_none_or(|e| e > at)) {
        let on_killed = wakes.get(id).is_some_and(|w| w.node == 0);
        *if on_killed { &mut held } else { &mut elsewhere }.entry(outcome(c)).or_default() += 1;
        longest = longest.max(c.end.unwrap_or(at) - at);
    }
    let fmt = |m: &HashMap<String, usize>| {
        let mut v: Vec<_> = m.iter().map(|(k, n)| format!("{n} {k}")).collect();
        v.sort();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    out.push_str(&format!("  in flight at the kill, held on the killed node: {}\n", fmt(&held)));
    out.push_str(&format!("  in flight at the kill, elsewhere (survivor, or not yet pushed): {}\n", fmt(&elsewhere)));
    out.push_str(&format!("  every call in flight ended within {longest:.1} s of the kill\n"));
    let detected_after = detected.map(|d| d - at);
    out.push_str(&format!(
        "  balancer saw the node down {}\n",
        detected_after.map(|s| format!("{:.0} ms after the kill", s * 1000.0)).unwrap_or_else(|| "never".into())
    ));
    let after: Vec<(&String, &CallLog)> = calls.iter().filter(|(_, c)| c.start > at).collect();
    let by_survivor = after.iter().filter(|(id, _)| wakes.get(*id).is_some_and(|w| w.node == 1)).count();
    let by_killed = after.iter().filter(|(id, _)| wakes.get(*id).is_some_and(|w| w.node == 0)).count();
    let ok_after_detect =
        after.iter().filter(|(_, c)| detected.is_some_and(|d| c.start > d)).filter(|(_, c)| c.code == Some(486)).count();
    let after_detect = after.iter().filter(|(_, c)| detected.is_some_and(|d| c.start > d)).count();
    let gap = after.len() - after_detect;
    let gap_ok = after.iter().filter(|(_, c)| detected.is_none_or(|d| c.start <= d)).filter(|(_, c)| c.code == Some(486)).count();
    out.push_str(&format!(
        "  new calls after the kill: {}; pushed by the survivor {by_survivor}, by the killed node {by_killed}\n",
        after.len()
    ));
    out.push_str(&format!("  placed before the balancer noticed: {gap}, of which completed {gap_ok} (INVITE retransmitted to the survivor)\n"));
    out.push_str(&format!("  placed after: {after_detect}, of which completed {ok_after_detect}"));
    out
}

fn print(r: &Report, k: &Knobs) {
    let name = if r.nodes == 1 { "single node".to_string() } else { format!("{} nodes over DMQ", r.nodes) };
    println!("gateway-scale, {name}:");
    println!(
        "  {} bindings (+{} desks) registered and replicated in {:.1} s; contacts per node: {:?}",
        k.bindings, k.desks, r.reg_secs, r.contacts
    );
    for (i, (shm, pss)) in r.per_binding.iter().enumerate() {
        println!("  node {i}: memory per binding {shm:.0} B of shared memory, {pss:.0} B PSS");
    }
    println!(
        "  steady {} s at {}/s: push calls {} (lost {}), desk calls {} (lost {}); wake errors {}; wakes crossing nodes {}",
        k.steady_s, k.cps, r.push_calls, r.push_lost, r.desk_calls, r.desk_lost, r.wake_errors, r.cross_node
    );
    println!(
        "  push-to-ring over {} calls: p50 {:.2} ms, p99 {:.2} ms",
        r.ring_ms.len(),
        percentile(&r.ring_ms, 0.5),
        percentile(&r.ring_ms, 0.99)
    );
    if let Some(kill) = &r.kill {
        println!("  kill -9 of node 0 mid-load:\n{kill}");
    }
}

fn main() {
    raise_fd_limit();
    let k = Knobs {
        bindings: knob("BENCH_GWS_BINDINGS", 10_000).max(1),
        cps: knob("BENCH_GWS_CPS", 20).max(1),
        steady_s: knob("BENCH_GWS_SECONDS", 15).max(1),
        kill_s: knob("BENCH_GWS_KILL_SECONDS", 12),
        desks: knob("BENCH_GWS_DESKS", 20),
        desk_every: knob("BENCH_GWS_DESK_EVERY", 5),
        reg_rate: knob("BENCH_GWS_REG_RATE", 1000).max(1),
        children: knob("BENCH_GWS_CHILDREN", 4) as u32,
        seed: knob("BENCH_GWS_SEED", SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64),
    };
    println!("gateway-scale: seed {} (BENCH_GWS_SEED replays the callee order)", k.seed);
    let single = run(k, 1, false).unwrap_or_else(|e| panic!("single node: {e}"));
    print(&single, &k);
    let pair = run(k, 2, k.kill_s > 0).unwrap_or_else(|e| panic!("pair: {e}"));
    print(&pair, &k);
    let (p_single, p_pair) = (percentile(&single.ring_ms, 0.99), percentile(&pair.ring_ms, 0.99));
    let ratio = p_pair / p_single;
    let target = 1.25;
    let lost = pair.push_lost + pair.desk_lost;
    println!("  pair p99 / single p99: {p_pair:.2} / {p_single:.2} ms; calls lost in the pair's steady load: {lost}");
    let pass = ratio <= target && lost == 0;
    println!("RESULT gateway-scale ratio={ratio:.2} target={target:.2} {}", if pass { "pass" } else { "miss" });
}
