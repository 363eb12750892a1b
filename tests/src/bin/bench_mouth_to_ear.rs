//! mouth-to-ear (design §8, issue 4), file to file, as a round trip through a packet mirror: a
//! sipp callee answers with Opus and sends every RTP packet back as it came (`-rtp_echo`, no
//! codec pass of its own), through Kamailio on loopback. Ringside plays a file of tone bursts
//! and records what it hears (`ringside call --play --record`); its WAV device reads and writes
//! both files on the same audio tick, so each burst's delay is read from the two files. The loop
//! holds Ringside's own send path and receive path once each: half of it is the one-way
//! mouth-to-ear delay of two Ringside phones on a zero-delay network.
//!
//! The peer in the same run is linphonec (liblinphone 5.1) calling the same mirror with the same
//! file: its file player and recorder start on the same media ticker, so its loop is measured
//! the same way. The design's baresip↔baresip cannot be measured file to file with baresip 1.0
//! (see the end of `main`); baresip's echo module rejects calls here (500 after answering).
//! Usage: bench_mouth_to_ear [SECONDS, default 10]

use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::linphone::{Linphone, LinphoneMedia};
use ringside_testbed::ports::free_port;
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::sipp::Sipp;
use std::path::Path;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);
const RATE: f64 = 48000.0;

/// A 30 ms 1 kHz burst every second from 1 s on, silence between.
fn write_bursts(path: &Path, seconds: u32) {
    let spec = hound::WavSpec { channels: 1, sample_rate: 48000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let burst = (0.030 * RATE) as u32;
    for i in 0..48000 * seconds {
        let in_second = i % 48000;
        let s = if i >= 48000 && in_second < burst {
            let t = f64::from(in_second) / RATE;
            let edge = (std::f64::consts::PI * f64::from(in_second) / f64::from(burst)).sin();
            (t * 1000.0 * std::f64::consts::TAU).sin() * edge * 16000.0
        } else {
            0.0
        };
        w.write_sample(s as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// The first channel of a WAV file and its sample rate.
fn read_mono(path: &Path) -> (Vec<f64>, u32) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let samples: Vec<f64> = r.samples::<i16>().map(|s| f64::from(s.unwrap_or(0))).collect();
    let ch = usize::from(spec.channels.max(1));
    (samples.chunks(ch).map(|c| c[0]).collect(), spec.sample_rate)
}

/// Burst onsets (seconds): 1 ms RMS windows crossing a third of the loudest, after 300 ms quiet.
fn onsets((x, rate): (Vec<f64>, u32)) -> Vec<f64> {
    let win = (rate / 1000) as usize;
    let rate = f64::from(rate);
    let rms: Vec<f64> = x.chunks(win).map(|c| (c.iter().map(|v| v * v).sum::<f64>() / c.len() as f64).sqrt()).collect();
    let peak = rms.iter().cloned().fold(0.0, f64::max);
    let threshold = peak / 3.0;
    let mut out = Vec::new();
    let mut quiet = 300;
    for (i, r) in rms.iter().enumerate() {
        if *r >= threshold && quiet >= 300 {
            out.push(i as f64 * win as f64 / rate);
            quiet = 0;
        } else if *r < threshold {
            quiet += 1;
        }
    }
    out
}

/// Median delay from each burst sent to its echo heard (the latest send before each onset).
fn round_trip_ms(sent: &[f64], heard: &[f64]) -> Option<(f64, usize)> {
    let mut d: Vec<f64> = heard.iter().filter_map(|h| sent.iter().rev().find(|s| *s <= h).map(|s| (h - s) * 1000.0)).filter(|ms| *ms < 900.0).collect();
    if d.is_empty() {
        return None;
    }
    d.sort_by(f64::total_cmp);
    Some((d[d.len() / 2], d.len()))
}

fn main() {
    let seconds: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let bursts = dir.path().join("bursts.wav");
    write_bursts(&bursts, seconds + 4);
    let sent = onsets(read_mono(&bursts));
    let (sip_port, media_port) = (free_port(), free_port());
    let pbx = Pbx::start(PbxOptions { static_routes: vec![("1009".into(), format!("sip:echo@127.0.0.1:{sip_port}"))], ..PbxOptions::default() });
    let mut echo = Sipp::uas_args("uas-rtp-echo", sip_port, 2, &["-rtp_echo", "-mp", &media_port.to_string()]);

    // Ringside calls the echo.
    let heard = dir.path().join("ringside-heard.wav");
    let hangup = (seconds + 1).to_string();
    let args = ["call", "1009", "--hangup-after", &hangup, "--play", bursts.to_str().unwrap(), "--record", heard.to_str().unwrap(), "--log", "warn"];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), "[media]\ncodecs = [\"opus\"]\nsrtp = \"off\"\n"), "pw1001", &args);
    if phone.wait_event("answered", 10 * SEC).is_none() {
        panic!("the echo did not answer: {}", echo.errors());
    }
    phone.expect_event("call_ended", Duration::from_secs(u64::from(seconds) + 10));
    let _ = phone.wait_exit(10 * SEC);
    let ringside = round_trip_ms(&sent, &onsets(read_mono(&heard)));

    // linphonec calls the same mirror with the same file (Opus, plain RTP).
    let linphone = Linphone::start("1003", "pw1003", "pbx.test", pbx.udp_port, &LinphoneMedia { srtp: None, play: bursts.clone() });
    let peer = if linphone.wait_registered(5 * SEC) {
        let mut linphone = linphone;
        // Straight to the PBX's address: linphonec's `register` sets no outbound route.
        linphone.command(&format!("call sip:1009@127.0.0.1:{}", pbx.udp_port));
        let answered = linphone.wait_log("LinphoneCallStreamsRunning", 10 * SEC);
        std::thread::sleep(Duration::from_secs(u64::from(seconds) + 1));
        linphone.command("terminate");
        let released = linphone.wait_log("LinphoneCallReleased", 5 * SEC);
        let heard = linphone.recording();
        (answered && released && heard.exists()).then(|| round_trip_ms(&sent, &onsets(read_mono(&heard)))).flatten()
    } else {
        None
    };

    println!("mouth-to-ear, file to file, as a round trip through an RTP mirror (sipp -rtp_echo; Opus, no SRTP, {seconds} s, median over the bursts)");
    let _ = echo.passed(5 * SEC);
    match ringside {
        Some((r, n)) => {
            println!("  ringside round trip through the mirror {r:6.1} ms ({n} bursts)");
            println!("  one-way mouth-to-ear (half)              {:6.1} ms", r / 2.0);
            println!("  limit (Opus 26.5 ms algorithmic + one 20 ms frame): 46.5 ms; target <= limit + 10 ms = 56.5 ms");
            // A file hands over a whole frame at once; a microphone fills it in real time.
            println!("  (a WAV source gives a frame at once: with a microphone add the 20 ms frame fill -> {:.1} ms)", r / 2.0 + 20.0);
            match peer {
                Some((p, n)) => println!(
                    "  linphonec round trip, same mirror & file {p:6.1} ms ({n} bursts); one-way {:.1} ms; ratio ringside/linphonec {:.2}",
                    p / 2.0,
                    r / p
                ),
                None => println!("  linphonec round trip: not measured (it did not register, call or record)"),
            }
        }
        None => {
            let kept = dir.keep();
            println!("  no echo detected (files kept in {}); sipp: {}", kept.display(), echo.errors());
        }
    }
    // The baresip caller of the design's comparison cannot be measured file to file with
    // baresip 1.0: its aufile module is a source only, and sndfile's decode dump starts at the
    // first packet received, not with the call's audio.
    println!("  baresip caller: not measurable file to file with baresip 1.0 (no aufile player; sndfile's dump starts at the first packet)");
    // Target (design §8): one way within the limit + 10 ms (56.5 ms).
    match ringside {
        Some((r, _)) => {
            let ratio = r / 2.0 / 56.5;
            println!("RESULT mouth-to-ear ratio={ratio:.2} target=1.00 {}", if ratio <= 1.0 { "pass" } else { "miss" });
        }
        None => println!("RESULT mouth-to-ear ratio=nan target=1.00 miss"),
    }
}
