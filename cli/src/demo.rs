//! `ringside demo`: the main job on one machine. Starts the project's Kamailio PBX on free
//! loopback ports, a baresip desk phone on extension 1001 and Ringside on the same extension,
//! shows both bindings, then unregisters and stops everything it started.
//! (Ringing both and answering on either arrives with the call manager, issue 3.)

use crate::events_out;
use ringside_core::engine::{AccountConfig, Phone, PhoneConfig, PhoneEvent, SipConfig, StaticSecrets};
use ringside_testbed::baresip::DeskPhone;
use ringside_testbed::kamailio::{Pbx, PbxOptions};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run() -> ExitCode {
    let started = Instant::now();
    say("starting the local PBX (Kamailio) on free loopback ports…");
    let pbx = match tokio::task::spawn_blocking(|| std::panic::catch_unwind(|| Pbx::start(PbxOptions::default()))).await {
        Ok(Ok(pbx)) => pbx,
        _ => {
            say("could not start Kamailio: run scripts/install-deps first");
            return ExitCode::FAILURE;
        }
    };
    say(&format!("PBX up: domain pbx.test, UDP/TCP 127.0.0.1:{} (pid {})", pbx.udp_port, pbx.pid()));

    let udp_port = pbx.udp_port;
    let desk = tokio::task::spawn_blocking(move || {
        let desk = DeskPhone::start("1001", "pw1001", "pbx.test", udp_port);
        let ok = desk.wait_registered(Duration::from_secs(5));
        (desk, ok)
    })
    .await;
    let Ok((desk, desk_ok)) = desk else { return ExitCode::FAILURE };
    say(&format!("desk phone (baresip, pid {}) registered on 1001: {}", desk.pid(), if desk_ok { "yes" } else { "NO" }));

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
        }],
        sip: SipConfig::default(),
    };
    let (listener, mut events) = events_out::JsonLines::new();
    let secrets = StaticSecrets(vec![("1001@pbx.test".into(), "pw1001".into())]);
    let phone = match Phone::start(config, Arc::new(secrets), Arc::new(listener)).await {
        Ok(p) => p,
        Err(e) => {
            say(&format!("Ringside failed to start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let mut ringside_contact = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        if let PhoneEvent::Registered { contact, .. } = event {
            ringside_contact = Some(contact);
            break;
        }
    }
    let registered = ringside_contact.is_some();
    say(&format!("Ringside registered on 1001 over TCP: {}", ringside_contact.as_deref().unwrap_or("NO")));
    if registered && desk_ok {
        say("extension 1001 now has two bindings: the desk phone and Ringside ring together.");
    }
    phone.shutdown(Duration::from_secs(5)).await;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), events.recv()).await {}
    drop(desk);
    drop(pbx);
    let _ = std::fs::remove_dir_all(data_dir);
    say(&format!(
        "summary: PBX started, desk {}, Ringside {}, unregistered and stopped everything in {:.1} s",
        if desk_ok { "registered" } else { "failed" },
        if registered { "registered" } else { "failed" },
        started.elapsed().as_secs_f64()
    ));
    if registered && desk_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}

/// Human narration goes to stderr; stdout keeps the JSON-lines events.
fn say(line: &str) {
    eprintln!("demo: {line}");
}
