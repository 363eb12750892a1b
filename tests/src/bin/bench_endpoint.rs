//! media-cpu against a real endpoint (design §8, issue 4): one call between a baresip desk phone
//! and Ringside through Kamailio, both sending a tone and recording what they hear, SRTP on; the
//! CPU time each process spends during the same talking interval, per call-second, from
//! /proc/PID/stat (all threads). Opus (`media-cpu-endpoint`) and PCMU (`media-cpu-g711`).
//! Usage: bench_endpoint [SECONDS, default 20] [opus|pcmu]… (default: both)

use ringside_testbed::baresip::{DeskMedia, DeskPhone};
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::proc_stats::ProcSample;
use ringside_testbed::ringside::{config, Ringside};
use std::time::{Duration, Instant};

const SEC: Duration = Duration::from_secs(1);

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name and state.
    (field(11) + field(12)) / ticks
}

/// CPU and wake-ups of one side over the talking interval, per call-second.
struct Side {
    cpu_ms: f64,
    wakeups: f64,
}

fn write_tone(path: &std::path::Path, hz: f32, seconds: u32) {
    let spec = hound::WavSpec { channels: 1, sample_rate: 48000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..48000 * seconds {
        let s = (i as f32 / 48000.0 * hz * std::f32::consts::TAU).sin() * 8000.0;
        w.write_sample(s as i16).unwrap();
    }
    w.finalize().unwrap();
}

fn one_call(codec: &'static str, media: &str, seconds: u64) -> (Side, Side, String) {
    let pbx = Pbx::start(PbxOptions::default());
    let desk = DeskPhone::start_media(
        "1002",
        "pw1002",
        "pbx.test",
        pbx.udp_port,
        DeskMedia { codec: Some(codec), mediaenc: Some("srtp-mand"), ..DeskMedia::default() },
    );
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let dir = tempfile::tempdir().unwrap();
    let (play, record) = (dir.path().join("says.wav"), dir.path().join("heard.wav"));
    write_tone(&play, 1000.0, seconds as u32 + 5);
    let hangup = (seconds + 2).to_string();
    let mut args = vec!["listen", "--answer-after", "0", "--hangup-after", &hangup, "--calls", "1", "--log", "warn"];
    if std::env::var_os("BENCH_NO_FILES").is_none() {
        args.extend(["--play", play.to_str().unwrap(), "--record", record.to_str().unwrap()]);
    }
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), media), "pw1001", &args);
    phone.expect_event("registered", 5 * SEC);
    if std::env::var_os("BENCH_IDLE").is_some() {
        let (r0, b0) = (cpu_seconds(phone.pid()), cpu_seconds(desk.pid()));
        std::thread::sleep(5 * SEC);
        println!(
            "  idle (registered, no call): ringside {:.2} ms/s, baresip {:.2} ms/s",
            (cpu_seconds(phone.pid()) - r0) * 200.0,
            (cpu_seconds(desk.pid()) - b0) * 200.0
        );
    }
    desk.command("dial 1001").unwrap();
    phone.expect_event("answered", 5 * SEC);
    // Let both settle (codec set-up, first RTCP), then measure the same interval for both.
    std::thread::sleep(SEC);
    let (rs0, bs0) = (ProcSample::read(phone.pid()), ProcSample::read(desk.pid()));
    let (r0, b0, t0) = (cpu_seconds(phone.pid()), cpu_seconds(desk.pid()), Instant::now());
    std::thread::sleep(Duration::from_secs(seconds));
    let (r1, b1, dt) = (cpu_seconds(phone.pid()), cpu_seconds(desk.pid()), t0.elapsed().as_secs_f64());
    let (rs1, bs1) = (ProcSample::read(phone.pid()), ProcSample::read(desk.pid()));
    let stats = phone.expect_event("media_stats", 10 * SEC);
    phone.expect_event("call_ended", 10 * SEC);
    let _ = phone.wait_exit(5 * SEC);
    let label = format!("{} srtp={}", stats["codec"].as_str().unwrap_or("?"), stats["srtp"]);
    let ours = Side { cpu_ms: (r1 - r0) / dt * 1000.0, wakeups: rs1.wakeups_since(&rs0) as f64 / dt };
    let theirs = Side { cpu_ms: (b1 - b0) / dt * 1000.0, wakeups: bs1.wakeups_since(&bs0) as f64 / dt };
    (ours, theirs, label)
}

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let only: Vec<String> = std::env::args().skip(2).collect();
    println!("media-cpu, endpoint against endpoint on the same call ({seconds} s talking, SRTP, tone both ways, each recording what it hears)");
    for (name, key, codec, media, target) in [
        ("media-cpu-endpoint", "opus", "opus/48000/2", "[media]\nsrtp = \"mandatory\"\ncodecs = [\"opus\"]\n", 0.8),
        ("media-cpu-g711", "pcmu", "PCMU/8000/1", "[media]\nsrtp = \"mandatory\"\ncodecs = [\"pcmu\"]\n", 0.25),
    ] {
        if !only.is_empty() && !only.iter().any(|o| o == key) {
            continue;
        }
        let (ringside, baresip, label) = one_call(codec, media, seconds);
        let ratio = ringside.cpu_ms / baresip.cpu_ms.max(1e-9);
        println!(
            "  {label:<16} ringside {:6.2} ms CPU per call-second   baresip {:6.2} ms   ratio {ratio:.2} (target <= {target})",
            ringside.cpu_ms, baresip.cpu_ms
        );
        println!("  {:<16} wake-ups (context switches) per call-second: ringside {:.0}, baresip {:.0}", "", ringside.wakeups, baresip.wakeups);
        println!("RESULT {name} ratio={ratio:.2} target={target:.2} {}", if ratio <= target { "pass" } else { "miss" });
    }
}
