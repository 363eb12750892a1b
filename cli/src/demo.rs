//! `ringside demo`: the main job on one machine. Starts the project's Kamailio PBX on free
//! loopback ports, a baresip desk phone on extension 1001, Ringside on the same extension and a
//! baresip caller on 1002, then plays the two ways a forked call goes:
//!   1. both ring, Ringside answers, the desk stops ringing, they talk (Opus over SRTP: the
//!      caller sends 440 Hz, Ringside 1 kHz; each recording is checked for the other's tone
//!      and the call's quality printed), Ringside hangs up;
//!   2. both ring, the desk answers, Ringside reports `answered_elsewhere` (not a missed call).
//! Prints a summary, stops everything it started, exits 0 when both scenes went as expected.
//! Events go to stdout as JSON lines; the narration to stderr.

use crate::events_out;
use ringside_core::audio::tone;
use ringside_core::audio::tone::ToneFactory;
use ringside_core::vocab::EndReason;
use ringside_core::{AccountConfig, Phone, PhoneConfig, PhoneEvent, SipConfig, StaticSecrets};
use ringside_testbed::baresip::{DeskMedia, DeskPhone};
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

const TALK: Duration = Duration::from_secs(3);

pub async fn run() -> ExitCode {
    let started = Instant::now();
    say("starting the local PBX (Kamailio) on free loopback ports…");
    let Ok(Ok(pbx)) = tokio::task::spawn_blocking(|| std::panic::catch_unwind(|| Pbx::start(PbxOptions::default()))).await else {
        say("could not start Kamailio: run scripts/install-deps first");
        return ExitCode::FAILURE;
    };
    say(&format!("PBX up: domain pbx.test, 127.0.0.1:{} (pid {})", pbx.udp_port, pbx.pid()));
    let port = pbx.udp_port;
    let Ok((desk, caller, phones_ok)) = tokio::task::spawn_blocking(move || {
        let media = DeskMedia { codec: Some("opus/48000/2,PCMU/8000/1"), mediaenc: Some("srtp"), ..DeskMedia::default() };
        let desk = DeskPhone::start_media("1001", "pw1001", "pbx.test", port, media.clone());
        let caller = DeskPhone::start_media("1002", "pw1002", "pbx.test", port, media);
        let ok = desk.wait_registered(Duration::from_secs(5)) && caller.wait_registered(Duration::from_secs(5));
        (desk, caller, ok)
    })
    .await
    else {
        return ExitCode::FAILURE;
    };
    say(&format!("desk phone 1001 (baresip, pid {}) and caller 1002 (baresip, pid {}) registered: {}", desk.pid(), caller.pid(), yes(phones_ok)));

    let data_dir = std::env::temp_dir().join(format!("ringside-demo-{}", std::process::id()));
    let config = PhoneConfig {
        data_dir: data_dir.clone(),
        accounts: vec![AccountConfig {
            username: "1001".into(),
            domain: "pbx.test".into(),
            proxy: Some(pbx.proxy_uri("tcp")),
            password_env: None,
            display_name: Some("Alice (mobile)".into()),
            auth_username: None,
            voicemail: None,
        }],
        sip: SipConfig::default(),
        calls: Default::default(),
        library: Default::default(),
        media: Default::default(),
        push: None,
    };
    let (listener, mut events) = events_out::JsonLines::new();
    let secrets = StaticSecrets(vec![("1001@pbx.test".into(), "pw1001".into())]);
    // Ringside's side of the demo call: a 1 kHz tone in, what it hears kept for the check.
    let audio = Arc::new(ToneFactory::new(1000.0, 10000));
    let phone = match Phone::start_with_audio(config, Arc::new(secrets), Arc::new(listener), audio.clone()).await {
        Ok(p) => p,
        Err(e) => {
            say(&format!("Ringside failed to start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let registered = matches!(wait_for(&mut events, Duration::from_secs(5), |e| matches!(e, PhoneEvent::Registered { .. })).await, Some(_));
    say(&format!("Ringside registered on 1001 over TCP: {}; extension 1001 now rings on two devices", yes(registered)));

    let desk = Arc::new(desk);
    let caller = Arc::new(caller);
    let scene1 = if registered && phones_ok { ringside_answers(&phone, &mut events, &desk, &caller, &audio).await } else { false };
    let scene2 = if scene1 { desk_answers(&mut events, &desk, &caller).await } else { false };

    phone.shutdown(Duration::from_secs(5)).await;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), events.recv()).await {}
    drop(desk);
    drop(caller);
    drop(pbx);
    let _ = std::fs::remove_dir_all(data_dir);
    say(&format!(
        "summary: scene 1 (Ringside answers) {}, scene 2 (desk answers) {}; stopped the PBX and both baresip phones; {:.1} s",
        if scene1 { "passed" } else { "FAILED" },
        if scene2 { "passed" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    ));
    if scene1 && scene2 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    }
}

/// Scene 1: both ring, Ringside answers, the desk is cancelled, talk, Ringside hangs up.
async fn ringside_answers(
    phone: &Phone,
    events: &mut UnboundedReceiver<PhoneEvent>,
    desk: &Arc<DeskPhone>,
    caller: &Arc<DeskPhone>,
    audio: &ToneFactory,
) -> bool {
    say("scene 1: 1002 calls 1001…");
    let _ = blocking(caller, |c| c.command("dial 1001")).await;
    let Some(PhoneEvent::Incoming { call, display_name, from, .. }) =
        wait_for(events, Duration::from_secs(5), |e| matches!(e, PhoneEvent::Incoming { .. })).await
    else {
        say("  Ringside never rang");
        return false;
    };
    let desk_rings = blocking(desk, |d| d.wait_log("Incoming call", Duration::from_secs(2))).await.unwrap_or(false);
    let who = display_name.map(|n| format!("{n} <{from}>")).unwrap_or(from);
    say(&format!("  ringing on Ringside (from {who}) and on the desk: {}", yes(desk_rings)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    say("  Ringside answers");
    let _ = phone.answer(&call).await;
    let answered = wait_for(events, Duration::from_secs(5), |e| matches!(e, PhoneEvent::Answered { .. })).await.is_some();
    let desk_cancelled = blocking(desk, |d| d.wait_log("session closed", Duration::from_secs(3))).await.unwrap_or(false);
    say(&format!("  answered: {}; the desk got the PBX's CANCEL and stopped ringing: {}", yes(answered), yes(desk_cancelled)));
    say(&format!("  talking for {} s…", TALK.as_secs()));
    tokio::time::sleep(TALK).await;
    let _ = phone.hangup(&call).await;
    let mut quality = None;
    let ended = wait_for(events, Duration::from_secs(5), |e| {
        if let PhoneEvent::MediaStats { codec, srtp, jitter_ms, loss_pct, mos, .. } = e {
            quality = Some(format!("{codec}, SRTP {}, jitter {jitter_ms:.1} ms, loss {loss_pct:.1} %, MOS {mos:.2}", if *srtp { "on" } else { "off" }));
        }
        matches!(e, PhoneEvent::CallEnded { .. })
    })
    .await;
    let heard = audio.heard();
    let (ringside_f, _) = tone::dominant(&heard[heard.len().saturating_sub(48000)..], 48000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (caller_pcm, rate) = blocking(caller, |c| c.heard()).await.unwrap_or_default();
    let (caller_f, _) = tone::dominant(&caller_pcm[caller_pcm.len().saturating_sub(rate as usize)..], rate.max(8000));
    let two_way = (ringside_f - 440.0).abs() <= 10.0 && (caller_f - 1000.0).abs() <= 10.0;
    say(&format!(
        "  two-way audio: Ringside heard {ringside_f:.0} Hz (the caller's 440), the caller heard {caller_f:.0} Hz (Ringside's 1000): {}",
        yes(two_way)
    ));
    say(&format!("  call quality: {}", quality.as_deref().unwrap_or("no statistics")));
    let ok = two_way
        && match ended {
            Some(PhoneEvent::CallEnded { reason: EndReason::LocalHangup, duration_ms, .. }) => {
                say(&format!("  Ringside hung up after {:.1} s of conversation", duration_ms.unwrap_or(0) as f64 / 1000.0));
                true
            }
            other => {
                say(&format!("  unexpected end: {other:?}"));
                false
            }
        };
    ok && answered && desk_rings && desk_cancelled
}

/// Scene 2: both ring, the desk answers, Ringside ends with answered_elsewhere.
async fn desk_answers(events: &mut UnboundedReceiver<PhoneEvent>, desk: &Arc<DeskPhone>, caller: &Arc<DeskPhone>) -> bool {
    say("scene 2: 1002 calls 1001 again…");
    let _ = blocking(caller, |c| c.command("dial 1001")).await;
    let rang = wait_for(events, Duration::from_secs(5), |e| matches!(e, PhoneEvent::Incoming { .. })).await.is_some();
    say(&format!("  ringing on Ringside: {}; the employee picks up at the desk", yes(rang)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = blocking(desk, |d| d.command("accept")).await;
    let ended = wait_for(events, Duration::from_secs(5), |e| matches!(e, PhoneEvent::CallEnded { .. })).await;
    let ok = matches!(ended, Some(PhoneEvent::CallEnded { reason: EndReason::AnsweredElsewhere, .. }));
    say(&format!("  Ringside stopped ringing with reason answered_elsewhere (logged as answered at the desk, not missed): {}", yes(ok)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = blocking(caller, |c| c.command("hangup")).await;
    say("  the caller hangs up");
    rang && ok
}

async fn wait_for(events: &mut UnboundedReceiver<PhoneEvent>, limit: Duration, mut want: impl FnMut(&PhoneEvent) -> bool) -> Option<PhoneEvent> {
    let deadline = tokio::time::Instant::now() + limit;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if want(&event) {
            return Some(event);
        }
    }
    None
}

/// Runs a blocking testbed call (process control, log polling) off the runtime's threads.
async fn blocking<T: Send + 'static>(phone: &Arc<DeskPhone>, f: impl FnOnce(&DeskPhone) -> T + Send + 'static) -> Option<T> {
    let phone = phone.clone();
    tokio::task::spawn_blocking(move || f(&phone)).await.ok()
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "NO"
    }
}

/// Human narration goes to stderr; stdout keeps the JSON-lines events.
fn say(line: &str) {
    eprintln!("demo: {line}");
}
