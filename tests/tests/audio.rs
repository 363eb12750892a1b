//! Two-way audio with real peers: a baresip desk phone calls ringside through Kamailio; each
//! sends its own tone (baresip 440 Hz from ausine, ringside 1 kHz from a WAV file) and records
//! what it hears. Each recording must carry the other side's tone.

use ringside_core::audio::tone;
use ringside_testbed::baresip::{DeskMedia, DeskPhone};
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use ringside_testbed::linphone::{Linphone, LinphoneMedia};
use ringside_testbed::ringside::{config, Ringside};
use ringside_testbed::wav::read;
use std::path::Path;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

fn write_tone(path: &Path, freq: f32, seconds: usize) {
    write_tone_at(path, freq, seconds, 48000);
}

/// A tone after [`LEAD`] of silence: its onset in the far end's recording dates the audio.
fn write_tone_at(path: &Path, freq: f32, seconds: usize, rate: u32) {
    ringside_testbed::wav::write_tone(path, freq, seconds, rate, LEAD);
}

/// The recording's middle second carries a `hz` tone (within 10 Hz, above 2 % of full scale).
fn assert_hears(pcm: &[i16], rate: u32, hz: f32, what: &str, log: &str) {
    let (f, level) = tone::dominant(middle(pcm, rate), rate);
    assert!((f - hz).abs() <= 10.0 && level > 0.02, "{what}: {f} Hz at {level} ({} samples)\n{log}", pcm.len());
}

/// Seconds of silence before each side's tone.
const LEAD: f64 = 0.5;

/// One-way delay, file to file: when the tone starts in the far end's recording, less when it
/// starts in the file played. Both ends start their files and recordings as the call is
/// answered, so this holds the network, jitter buffer and codec delay, give or take the skew
/// between the two ends' start (up to a few tens of ms). None if the tone never shows. The
/// bench (mouth-to-ear) measures without that skew, through a mirror.
fn one_way_ms(recording: &[i16], rate: u32) -> Option<f64> {
    let start = recording.iter().position(|s| s.unsigned_abs() > 2000)?;
    Some((start as f64 / f64::from(rate) - LEAD) * 1000.0)
}

/// The middle second of a recording: past the start, clear of the end.
fn middle(pcm: &[i16], rate: u32) -> &[i16] {
    let r = rate as usize;
    if pcm.len() < 3 * r {
        return pcm;
    }
    &pcm[r..2 * r]
}

/// A `drive` ringside registered over `transport` in an answered Opus call to a baresip desk
/// that sends 440 Hz; what ringside hears is recorded to `record`.
struct DeskCall {
    pbx: Pbx,
    desk: DeskPhone,
    /// Holds the recording.
    dir: tempfile::TempDir,
    record: std::path::PathBuf,
    phone: Ringside,
    call: String,
}

fn call_desk(transport: &str) -> DeskCall {
    let pbx = Pbx::start(PbxOptions::default());
    let desk = DeskPhone::start_media("1002", "pw1002", "pbx.test", pbx.udp_port, DeskMedia { auto_answer: true, codec: Some("opus/48000/2"), ..DeskMedia::default() });
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("heard.wav");
    let args = ["drive", "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri(transport), ""), "pw1001", &args);
    phone.expect_event("registered", 5 * SEC);
    phone.send(r#"{"cmd":"call","target":"1002"}"#);
    let call = phone.expect_event("calling", 2 * SEC)["call"].as_str().unwrap().to_string();
    phone.expect_event("answered", 5 * SEC);
    DeskCall { pbx, desk, dir, record, phone, call }
}

/// Holds the answered `call` for 1.5 s (the desk recvonly, sending nothing, as a person would
/// hold), resumes, hangs up 2.5 s later, and checks the desk's 440 Hz in the last 1.5 s of
/// what ringside recorded to `record`, well after the resume. `desk_log` goes in the failure.
fn hold_resume_and_hear_the_desk(phone: &mut Ringside, call: &str, record: &Path, desk_log: impl Fn() -> String) {
    std::thread::sleep(Duration::from_millis(1500));
    phone.send(&format!(r#"{{"cmd":"hold","call":"{call}"}}"#));
    phone.expect_event("held", 5 * SEC);
    std::thread::sleep(Duration::from_millis(1500));
    phone.send(&format!(r#"{{"cmd":"resume","call":"{call}"}}"#));
    phone.expect_event("resumed", 5 * SEC);
    std::thread::sleep(Duration::from_millis(2500));
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    let stats = phone.expect_event("media_stats", 5 * SEC);
    phone.expect_event("call_ended", 5 * SEC);
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    let (heard, rate) = read(record);
    let r = rate as usize;
    assert!(heard.len() > 4 * r, "{} samples", heard.len());
    let tail = &heard[heard.len() - 2 * r..heard.len() - r / 2];
    let (f, level) = tone::dominant(tail, rate);
    assert!((f - 440.0).abs() <= 10.0 && level > 0.02, "after resume: {f} Hz at {level}; {stats}\n{}", desk_log());
}

#[test]
fn after_we_hold_and_resume_a_baresip_call_its_tone_is_heard_again() {
    let DeskCall { pbx: _pbx, desk, dir: _dir, record, mut phone, call } = call_desk("udp");
    hold_resume_and_hear_the_desk(&mut phone, &call, &record, || desk.log());
}

/// The Android app's flow: a baresip desk offering all its codecs CALLS ringside through the
/// PBX, ringside answers, holds and resumes; the caller's tone must come back after the resume
/// (a hold re-offer in our own codec order once switched it to Opus mid-call, and it went mute).
#[test]
fn after_we_hold_and_resume_an_incoming_baresip_call_its_tone_is_heard_again() {
    let pbx = Pbx::start(PbxOptions::default());
    let caller = DeskPhone::start_media("1002", "pw1002", "pbx.test", pbx.udp_port, DeskMedia { codec: None, ..DeskMedia::default() });
    assert!(caller.wait_registered(5 * SEC), "{}", caller.log());
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("heard.wav");
    let args = ["drive", "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &args);
    phone.expect_event("registered", 5 * SEC);
    caller.command("dial 1001").unwrap();
    let call = phone.expect_event("incoming", 5 * SEC)["call"].as_str().unwrap().to_string();
    phone.send(&format!(r#"{{"cmd":"answer","call":"{call}"}}"#));
    phone.expect_event("answered", 5 * SEC);
    hold_resume_and_hear_the_desk(&mut phone, &call, &record, || caller.log());
}

/// baresip (with `desk` media) calls ringside (with `media_config`); both talk for 3 s.
fn two_way(desk: DeskMedia, media_config: &str) -> serde_json::Value {
    let pbx = Pbx::start(PbxOptions::default());
    let caller = DeskPhone::start_media("1002", "pw1002", "pbx.test", pbx.udp_port, desk);
    assert!(caller.wait_registered(5 * SEC), "{}", caller.log());
    let dir = tempfile::tempdir().unwrap();
    let (play, record) = (dir.path().join("ringside-says.wav"), dir.path().join("ringside-heard.wav"));
    write_tone(&play, 1000.0, 5);
    let args = ["listen", "--answer-after", "0", "--hangup-after", "3", "--calls", "1", "--play", play.to_str().unwrap(), "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), media_config), "pw1001", &args);
    phone.expect_event("registered", 5 * SEC);
    caller.command("dial 1001").unwrap();
    phone.expect_event("answered", 5 * SEC);
    let stats = phone.expect_event("media_stats", 6 * SEC);
    phone.expect_event("call_ended", 3 * SEC);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    let (heard, rate) = read(&record);
    assert_hears(&heard, rate, 440.0, "ringside heard the desk's 440 Hz", "");
    // baresip writes its recording as the call ends.
    std::thread::sleep(Duration::from_millis(500));
    let listing: Vec<_> = std::fs::read_dir(caller.dir()).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    let (desk_heard, desk_rate) = caller.heard();
    assert_hears(&desk_heard, desk_rate, 1000.0, "the desk heard ringside's 1 kHz", &format!("{listing:?}"));
    println!("one-way delay ringside -> baresip: {:?} ms (file to file)", one_way_ms(&desk_heard, desk_rate));
    stats
}

#[test]
fn baresip_pcmu_srtp_mandatory_both_ways() {
    let desk = DeskMedia { codec: Some("PCMU/8000/1"), mediaenc: Some("srtp-mand"), ..DeskMedia::default() };
    let stats = two_way(desk, "[media]\nsrtp = \"mandatory\"\n");
    assert_eq!((stats["codec"].as_str(), stats["srtp"].as_bool()), (Some("PCMU"), Some(true)), "{stats}");
}

#[test]
fn baresip_opus_srtp_optional_both_ways() {
    let desk = DeskMedia { codec: Some("opus/48000/2"), mediaenc: Some("srtp"), ..DeskMedia::default() };
    let stats = two_way(desk, "");
    assert_eq!((stats["codec"].as_str(), stats["srtp"].as_bool()), (Some("opus"), Some(true)), "{stats}");
}

#[test]
fn baresip_pcma_plain_rtp_when_srtp_is_off() {
    let desk = DeskMedia { codec: Some("PCMA/8000/1"), mediaenc: None, ..DeskMedia::default() };
    let stats = two_way(desk, "[media]\nsrtp = \"off\"\n");
    assert_eq!((stats["codec"].as_str(), stats["srtp"].as_bool()), (Some("PCMA"), Some(false)), "{stats}");
}

/// ringside calls linphonec through the PBX; each sends its own tone (ringside 1 kHz, linphonec
/// 440 Hz, both from WAV files) and records what it hears.
fn two_way_linphone(srtp: Option<bool>, media_config: &str) -> serde_json::Value {
    let pbx = Pbx::start(PbxOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let desk_says = dir.path().join("linphone-says.wav");
    write_tone_at(&desk_says, 440.0, 8, 8000);
    let desk = Linphone::start("1003", "pw1003", "pbx.test", pbx.udp_port, &LinphoneMedia { srtp, play: desk_says });
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let (play, record) = (dir.path().join("ringside-says.wav"), dir.path().join("ringside-heard.wav"));
    write_tone(&play, 1000.0, 5);
    let args = ["call", "1003", "--hangup-after", "3", "--play", play.to_str().unwrap(), "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), media_config), "pw1001", &args);
    phone.expect_event("answered", 5 * SEC);
    let stats = phone.expect_event("media_stats", 6 * SEC);
    phone.expect_event("call_ended", 3 * SEC);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    let (heard, rate) = read(&record);
    assert_hears(&heard, rate, 440.0, "ringside heard linphonec's 440 Hz", &desk.log());
    // linphonec writes its recording's header as the call is released.
    assert!(desk.wait_log("CallReleased", 3 * SEC), "linphonec saw the call end\n{}", desk.log());
    let (desk_heard, desk_rate) = read(&desk.recording());
    assert_hears(&desk_heard, desk_rate, 1000.0, "linphonec heard ringside's 1 kHz", &desk.log());
    let to_desk = one_way_ms(&desk_heard, desk_rate);
    let from_desk = one_way_ms(&heard, rate);
    println!("one-way delay file to file: ringside -> linphonec {to_desk:?} ms, linphonec -> ringside {from_desk:?} ms");
    // The two ends start their files within a few tens of ms of each other (linphonec as it
    // sends its 200, ringside as the 200 arrives), so a direction can read slightly negative:
    // only a tone that never arrives, or arrives half a second late, fails here.
    assert!(to_desk.zip(from_desk).is_some_and(|(a, b)| a.abs() < 500.0 && b.abs() < 500.0), "both directions dated");
    stats
}

#[test]
fn linphonec_opus_srtp_mandatory_both_ways() {
    let stats = two_way_linphone(Some(true), "[media]\ncodecs = [\"opus\"]\nsrtp = \"mandatory\"\n");
    assert_eq!((stats["codec"].as_str(), stats["srtp"].as_bool()), (Some("opus"), Some(true)), "{stats}");
}

#[test]
fn linphonec_pcmu_optional_srtp_falls_back_to_rtp_as_linphone_ignores_crypto_in_rtp_avp() {
    // liblinphone (even with SRTP preferred) answers an RTP/AVP offer's a=crypto without one
    // (no RFC 4568 best effort): `optional` must then carry the call in plain RTP, not fail it.
    let stats = two_way_linphone(Some(false), "[media]\ncodecs = [\"pcmu\"]\n");
    assert_eq!((stats["codec"].as_str(), stats["srtp"].as_bool()), (Some("PCMU"), Some(false)), "{stats}");
}

#[test]
fn linphonec_pcma_plain_rtp_when_srtp_is_off() {
    let stats = two_way_linphone(None, "[media]\ncodecs = [\"pcma\"]\nsrtp = \"off\"\n");
    assert_eq!((stats["codec"].as_str(), stats["srtp"].as_bool()), (Some("PCMA"), Some(false)), "{stats}");
}

#[test]
fn twenty_percent_loss_both_ways_leaves_each_tone_intelligible() {
    let pbx = Pbx::start(PbxOptions::default());
    let desk = DeskPhone::start_media("1002", "pw1002", "pbx.test", pbx.udp_port, DeskMedia { auto_answer: true, codec: Some("opus/48000/2"), ..DeskMedia::default() });
    assert!(desk.wait_registered(5 * SEC), "{}", desk.log());
    let seed = std::env::var("LOSS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_2026);
    let path = ringside_testbed::lossy_path::LossyPath::start(format!("127.0.0.1:{}", pbx.udp_port).parse().unwrap(), 0.2, seed);
    let dir = tempfile::tempdir().unwrap();
    let (play, record) = (dir.path().join("ringside-says.wav"), dir.path().join("ringside-heard.wav"));
    write_tone(&play, 1000.0, 6);
    let args = ["call", "1002", "--hangup-after", "4", "--play", play.to_str().unwrap(), "--record", record.to_str().unwrap()];
    let mut phone = Ringside::start(&config("1001", "pbx.test", &format!("sip:127.0.0.1:{}", path.inside_port), ""), "pw1001", &args);
    phone.expect_event("answered", 5 * SEC);
    phone.expect_event("call_ended", 8 * SEC);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    // The call's last report (one comes every second, and one as it ends).
    let stats = phone.events.iter().rev().find(|e| e["event"] == "media_stats").cloned().expect("media_stats");
    println!("ringside's report: {stats}");
    // baresip writes its recording as the call ends.
    std::thread::sleep(Duration::from_millis(500));
    let (to_phone, to_far) = (path.to_phone.loss(), path.to_far.loss());
    println!("RTP dropped: toward ringside {:.1} % of {}, toward baresip {:.1} % of {}", to_phone * 100.0, path.to_phone.total(), to_far * 100.0, path.to_far.total());
    // 4 s of 20 ms packets each way: the relay carried the call and dropped about a fifth.
    assert!(path.to_phone.total() > 100 && path.to_far.total() > 100, "RTP went through the relay");
    assert!((0.12..0.28).contains(&to_phone) && (0.12..0.28).contains(&to_far), "the loss asked for: {to_phone} {to_far}");
    assert_eq!(stats["codec"].as_str(), Some("opus"), "{stats}");
    let (heard, rate) = read(&record);
    assert_hears(&heard, rate, 440.0, "ringside heard the desk's 440 Hz through 20 % loss", &stats.to_string());
    let (desk_heard, desk_rate) = desk.heard();
    assert_hears(&desk_heard, desk_rate, 1000.0, "the desk heard ringside's 1 kHz through 20 % loss", &desk.log());
}

#[test]
fn a_pbx_restart_mid_call_keeps_the_direct_media_and_the_call_ends_cleanly_after() {
    // TCP: the restart closes our flow, which is how the phone learns its binding is gone.
    let DeskCall { mut pbx, desk, dir: _dir, record, mut phone, call } = call_desk("tcp");
    std::thread::sleep(Duration::from_millis(1000));
    // Kamailio goes down (its bindings with it, kept in memory only) and comes back on its ports.
    let since = phone.events.len();
    pbx.restart();
    let again = phone.expect_event_since("registered", since, 10 * SEC);
    assert_eq!(pbx.contacts("1001"), vec![again["contact"].as_str().unwrap().to_string()], "registration recovered on the new PBX");
    assert!(phone.events[since..].iter().all(|e| e["event"] != "call_ended"), "the call outlived the restart: {:?}", &phone.events[since..]);
    std::thread::sleep(Duration::from_millis(2500));
    // Our BYE follows the Record-Route to the restarted proxy, which routes it statelessly.
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    let stats = phone.expect_event("media_stats", 5 * SEC);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert!(desk.wait_log("terminated", 3 * SEC) || desk.wait_log("closed", SEC), "the desk got our BYE: {ended}\n{}", desk.log());
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    let (heard, rate) = read(&record);
    // The last 1.5 s of the call: after the restart, the desk's tone still reached us.
    let r = rate as usize;
    assert!(heard.len() > 4 * r, "{} samples", heard.len());
    let (f, level) = tone::dominant(&heard[heard.len() - 2 * r..heard.len() - r / 2], rate);
    assert!((f - 440.0).abs() <= 10.0 && level > 0.02, "after the restart: {f} Hz at {level}; {stats}");
}

/// A sipp callee as 1009 behind the PBX running `scenario`, which replays `tone_seconds` of a
/// 440 Hz PCMU tone as its early media; ringside (drive, recording what it hears) calls it.
struct EarlyMediaCall {
    _pbx: Pbx,
    callee: ringside_testbed::sipp::Sipp,
    _dir: tempfile::TempDir,
    record: std::path::PathBuf,
    phone: Ringside,
    call: String,
    /// The `early_media` event.
    early: serde_json::Value,
}

fn call_early_media(scenario: &str, tone_seconds: u32) -> EarlyMediaCall {
    use ringside_core::testing::g711::ulaw_encode;
    use ringside_testbed::ports::{free_port, free_port_block};
    let uas_port = free_port();
    let media_port = free_port_block(4);
    let pbx = Pbx::start(PbxOptions { static_routes: vec![("1009".into(), format!("sip:1009@127.0.0.1:{uas_port}"))], ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    let pcmu: Vec<Vec<u8>> = tone::sine(440.0, 8000, 8000 * tone_seconds as usize, 12000).chunks(160).map(|f| f.iter().map(|s| ulaw_encode(*s)).collect()).collect();
    ringside_testbed::pcap::write_rtp(&dir.path().join("early-tone.pcap"), media_port, 0, 160, &pcmu).unwrap();
    let callee = ringside_testbed::sipp::Sipp::uas_in(scenario, uas_port, 1, &["-mp", &media_port.to_string()], Some(dir.path()));
    let record = dir.path().join("heard.wav");
    let mut phone = Ringside::start(&config("1001", "pbx.test", &pbx.proxy_uri("udp"), ""), "pw1001", &["drive", "--record", record.to_str().unwrap()]);
    phone.expect_event("registered", 5 * SEC);
    phone.send(r#"{"cmd":"call","target":"1009"}"#);
    let call = phone.expect_event("calling", 2 * SEC)["call"].as_str().unwrap().to_string();
    let Some(early) = phone.wait_event("early_media", 5 * SEC) else {
        panic!("no early media: {:?}\ncallee: {}\nringside:\n{}", phone.events, callee.errors(), phone.stderr_tail());
    };
    assert_eq!(early["call"], call.as_str());
    EarlyMediaCall { _pbx: pbx, callee, _dir: dir, record, phone, call, early }
}

fn ms_between(from: &serde_json::Value, to: &serde_json::Value) -> f64 {
    (to["t"].as_i64().unwrap() - from["t"].as_i64().unwrap()) as f64
}

/// The `from_s`..`to_s` stretch of a recording (seconds since the media started).
fn stretch(pcm: &[i16], rate: u32, from_s: f64, to_s: f64) -> &[i16] {
    let at = |s: f64| ((s * f64::from(rate)) as usize).min(pcm.len());
    &pcm[at(from_s)..at(to_s)]
}

#[test]
fn rfc3960_a_183s_announcement_is_heard_before_the_answer_and_the_200_keeps_its_stream() {
    let EarlyMediaCall { _pbx, mut callee, _dir, record, mut phone, call, early } = call_early_media("uas-early-media", 2);
    let answered = phone.expect_event("answered", 10 * SEC);
    let order: Vec<_> = phone.events.iter().filter_map(|e| e["event"].as_str()).filter(|e| ["ringing", "early_media", "answered"].contains(e)).collect();
    assert_eq!(order, ["ringing", "early_media", "answered"], "{:?}", phone.events);
    let before_answer = ms_between(&early, &answered) / 1000.0;
    assert!(before_answer >= 2.0, "sipp answers 2.5 s after its 183: {before_answer} s");
    // After the answer: a moment of the call (the tone is over), then our BYE.
    std::thread::sleep(Duration::from_millis(1200));
    phone.send(&format!(r#"{{"cmd":"hangup","call":"{call}"}}"#));
    let stats = phone.expect_event("media_stats", 5 * SEC);
    assert_eq!(phone.expect_event("call_ended", 5 * SEC)["reason"], "local_hangup");
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    assert!(callee.passed(5 * SEC), "183, 200, ACK, BYE: {}", callee.errors());
    // One session from the 183 on: the 200's same SDP did not restart it, so its count holds
    // the early packets (2 s: 100 of them).
    assert!(stats["packets_received"].as_u64().unwrap() >= 80, "{stats}");
    assert_eq!(phone.stderr().matches("early media from the provisional's SDP").count(), 1, "{}", phone.stderr_tail());
    // The recording starts with the media (at the 183): the tone is in its first seconds,
    // before the answer, and over by the time the call is answered.
    let (heard, rate) = read(&record);
    let (f, level) = tone::dominant(stretch(&heard, rate, 0.3, 1.7), rate);
    assert!((f - 440.0).abs() <= 10.0 && level > 0.02, "before the answer: {f} Hz at {level} ({} samples)", heard.len());
    let (_, after) = tone::dominant(stretch(&heard, rate, before_answer + 0.3, before_answer + 1.0), rate);
    assert!(after < 0.01, "nothing after the answer (the tone was early): level {after}");
}

#[test]
fn rfc3960_an_announcement_then_486_stops_the_media_and_ends_busy() {
    // The tone (5 s) outlasts the 183 by far: sipp still sends it after its 486.
    let EarlyMediaCall { _pbx, mut callee, _dir, record, mut phone, call: _, early } = call_early_media("uas-early-media-486", 5);
    let stats = phone.expect_event("media_stats", 10 * SEC);
    let ended = phone.expect_event("call_ended", 5 * SEC);
    assert_eq!((ended["reason"].as_str(), ended["sip_code"].as_u64()), (Some("busy"), Some(486)), "{ended}");
    assert!(!phone.events.iter().any(|e| e["event"] == "answered"), "{:?}", phone.events);
    phone.send(r#"{"cmd":"quit"}"#);
    assert_eq!(phone.wait_exit(5 * SEC), Some(0));
    assert!(callee.passed(5 * SEC), "183, 486, ACK: {}", callee.errors());
    let early_for = ms_between(&early, &ended) / 1000.0;
    // The media stopped with the 486: about 1.5 s of packets (75), not the tone's 250.
    let received = stats["packets_received"].as_u64().unwrap();
    assert!((40..=175).contains(&received), "{received} packets: {stats}");
    let (heard, rate) = read(&record);
    let (f, level) = tone::dominant(stretch(&heard, rate, 0.3, 1.2), rate);
    assert!((f - 440.0).abs() <= 10.0 && level > 0.02, "the announcement: {f} Hz at {level}");
    let recorded = heard.len() as f64 / f64::from(rate);
    assert!(recorded <= early_for + 0.5, "no audio after the 486: {recorded} s recorded, early media lasted {early_for} s");
}
