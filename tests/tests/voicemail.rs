//! Visual voicemail end to end against a real Dovecot (started here on loopback, by PID, with
//! its own config, passdb and Maildir): the test mails voicemail the way a hosted PBX does, then
//! the phone fetches, plays, marks heard and deletes, and other clients change the mailbox.

use ringside_core::library::Library;
use ringside_core::library::{ContactsConfig, LibraryConfig, VoicemailConfig};
use ringside_core::{EngineError, StaticSecrets};
use ringside_core::{PhoneEvent, SyncSource};
use ringside_testbed::dovecot::{tone_wav, voicemail_mail, Dovecot};
use ringside_testbed::events::{runtime as rt, Events};
use ringside_testbed::ringside::Ringside;
use ringside_testbed::secrets_scan::files_containing;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const SEC: Duration = Duration::from_secs(1);

fn library(dir: &Path, server: &Dovecot) -> (Library, Arc<Events>) {
    library_with_password(dir, server, &server.password)
}

fn library_with_password(dir: &Path, server: &Dovecot, password: &str) -> (Library, Arc<Events>) {
    library_with(dir, server, password, ringside_core::library::DEFAULT_MAX_AUDIO_BYTES)
}

fn library_with(dir: &Path, server: &Dovecot, password: &str, max_audio_bytes: u64) -> (Library, Arc<Events>) {
    let events = Arc::new(Events::default());
    let config = LibraryConfig {
        contacts: ContactsConfig { default_region: Some("FR".into()) },
        voicemail: Some(VoicemailConfig { imap_url: server.url(), username: server.user.clone(), password_env: None, folder: "INBOX".into(), max_audio_bytes }),
        ..Default::default()
    };
    let secrets = StaticSecrets(vec![(format!("voicemail:{}", server.user), password.to_string())]);
    (Library::open(dir, config, Arc::new(secrets), events.clone()).unwrap(), events)
}

/// The PBX's three kinds of mail: a good message, a broken WAV, a non-audio attachment.
fn seed(server: &Dovecot) {
    let mut pbx = server.client();
    pbx.append("INBOX", &voicemail_mail("Voicemail from 0612345678 (2 s)", Some(("audio/x-wav", &tone_wav(2)))));
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1002 (5 s)", Some(("audio/wav", b"RIFF\x24\x00\x00\x00WAVEfmt garbage"))));
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1003", Some(("application/pdf", b"%PDF-1.4 not audio"))));
}

#[test]
fn voicemail_is_cached_for_offline_play_and_heard_and_deleted_both_ways() {
    let server = Dovecot::start("vm1001", "imap-secret-1");
    seed(&server);
    let dir = tempfile::tempdir().unwrap();
    let (lib, events) = library(dir.path(), &server);
    let rt = rt();
    let report = rt.block_on(lib.sync_voicemail()).unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(report.added, 3, "{report:?}");
    assert_eq!(report.skipped.len(), 2, "{report:?}");
    assert!(report.skipped.iter().any(|s| s.contains("not a readable WAV")) && report.skipped.iter().any(|s| s.contains("application/pdf")), "{report:?}");
    let list = rt.block_on(lib.voicemails()).unwrap();
    assert_eq!(list.len(), 3);
    let good = list.iter().find(|v| v.caller == "0612345678").unwrap().clone();
    assert_eq!((good.duration_ms, good.heard, good.cached), (Some(2000), false, true));
    assert!(!list.iter().find(|v| v.caller == "1002").unwrap().cached);
    // Played through the core's audio path: the tone is there, at 48 kHz.
    let wav = rt.block_on(lib.voicemail_audio(good.id.clone())).unwrap();
    let pcm = ringside_core::audio::wav::read_mono_48k(&wav).unwrap();
    assert!((pcm.len() as i64 - 96_000).abs() < 2_000, "{} samples", pcm.len());
    let broken = list.iter().find(|v| v.caller == "1002").unwrap();
    assert!(matches!(rt.block_on(lib.voicemail_audio(broken.id.clone())), Err(EngineError::InvalidInput(_))));

    // Heard here → \Seen there.
    rt.block_on(lib.set_voicemail_heard(good.id.clone(), true)).unwrap();
    rt.block_on(lib.sync_voicemail()).unwrap();
    let mut other = server.client();
    let uid: u32 = good.id.split(':').nth(1).unwrap().parse().unwrap();
    assert!(other.flags("INBOX").contains(&(uid, true)), "{:?}", other.flags("INBOX"));
    // \Seen there (a webmail) → heard here.
    let pdf = list.iter().find(|v| v.caller == "1003").unwrap().clone();
    let pdf_uid: u32 = pdf.id.split(':').nth(1).unwrap().parse().unwrap();
    other.command(&format!("UID STORE {pdf_uid} +FLAGS (\\Seen)"));
    rt.block_on(lib.sync_voicemail()).unwrap();
    assert!(rt.block_on(lib.voicemails()).unwrap().iter().find(|v| v.id == pdf.id).unwrap().heard);

    // Deleted here → expunged there; expunged there → gone here.
    rt.block_on(lib.delete_voicemail(good.id.clone())).unwrap();
    assert_eq!(rt.block_on(lib.voicemails()).unwrap().len(), 2, "hidden at once");
    rt.block_on(lib.sync_voicemail()).unwrap();
    assert!(!other.flags("INBOX").iter().any(|(u, _)| *u == uid), "expunged on the server");
    assert!(!wav.exists(), "its audio file is gone too");
    other.command(&format!("UID STORE {pdf_uid} +FLAGS (\\Deleted)"));
    other.command("EXPUNGE");
    let report = rt.block_on(lib.sync_voicemail()).unwrap();
    assert_eq!(report.removed, 1, "{report:?}");
    assert_eq!(rt.block_on(lib.voicemails()).unwrap().len(), 1);
    let got = events.all();
    assert!(got.iter().any(|e| matches!(e, PhoneEvent::SyncProgress { source: SyncSource::Voicemail, done: 3, total: Some(3) })), "{got:?}");

    // No secret in the database, its WAL or SHM, or the audio.
    assert!(dir.path().join("ringside.db-wal").exists(), "the WAL is scanned too");
    assert_eq!(files_containing(dir.path(), "imap-secret-1"), Vec::<String>::new(), "the password is in these files");
}

fn uid_of(id: &str) -> u32 {
    id.split(':').nth(1).unwrap().parse().unwrap()
}

/// Lets the runtime run (the phone's background push) until `done` holds, for at most `limit`.
fn wait_until(rt: &tokio::runtime::Runtime, limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        rt.block_on(async { tokio::time::sleep(Duration::from_millis(100)).await });
    }
}

#[test]
fn heard_and_deleted_here_reach_the_server_at_once_and_wait_out_an_outage() {
    let mut server = Dovecot::start("vm1006", "imap-secret-6");
    let mut pbx = server.client();
    pbx.append("INBOX", &voicemail_mail("Voicemail from 0612345678 (1 s)", Some(("audio/wav", &tone_wav(1)))));
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1002 (1 s)", Some(("audio/wav", &tone_wav(1)))));
    drop(pbx);
    let dir = tempfile::tempdir().unwrap();
    let (lib, _) = library(dir.path(), &server);
    let rt = rt();
    rt.block_on(lib.sync_voicemail()).unwrap();
    let list = rt.block_on(lib.voicemails()).unwrap();
    let (keep, gone) = (list.iter().find(|v| v.caller == "0612345678").unwrap().clone(), list.iter().find(|v| v.caller == "1002").unwrap().clone());
    let mut other = server.client();

    // Heard here → \Seen there, with no sync asked for.
    rt.block_on(lib.set_voicemail_heard(keep.id.clone(), true)).unwrap();
    wait_until(&rt, 10 * SEC, "\\Seen on the server", || other.flags("INBOX").contains(&(uid_of(&keep.id), true)));
    // Deleted here → expunged there.
    rt.block_on(lib.delete_voicemail(gone.id.clone())).unwrap();
    assert_eq!(rt.block_on(lib.voicemails()).unwrap().len(), 1, "hidden at once");
    wait_until(&rt, 10 * SEC, "expunged on the server", || !other.flags("INBOX").iter().any(|(u, _)| *u == uid_of(&gone.id)));
    drop(other);

    // The server is away: the change is kept here, and pushed once it is back.
    server.stop();
    rt.block_on(lib.set_voicemail_heard(keep.id.clone(), false)).unwrap();
    rt.block_on(async { tokio::time::sleep(2 * SEC).await });
    assert!(!rt.block_on(lib.voicemails()).unwrap()[0].heard, "the local state stays");
    server.restart();
    let mut other = server.client();
    wait_until(&rt, 30 * SEC, "\\Seen cleared after the outage", || other.flags("INBOX") == vec![(uid_of(&keep.id), false)]);
    // The next sync agrees with the server.
    rt.block_on(lib.sync_voicemail()).unwrap();
    let list = rt.block_on(lib.voicemails()).unwrap();
    assert_eq!(list.iter().map(|v| (v.id.as_str(), v.heard)).collect::<Vec<_>>(), vec![(keep.id.as_str(), false)]);
}

#[test]
fn a_message_too_large_for_the_audio_limit_is_listed_without_audio_and_the_rest_are_fetched() {
    let server = Dovecot::start("vm1007", "imap-secret-7");
    let mut pbx = server.client();
    pbx.append("INBOX", &voicemail_mail("Voicemail from 0612345678 (1 s)", Some(("audio/wav", &tone_wav(1)))));
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1002 (30 s)", Some(("audio/wav", &tone_wav(30)))));
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1003 (2 s)", Some(("audio/wav", &tone_wav(2)))));
    let dir = tempfile::tempdir().unwrap();
    // 100 kB: a few seconds of 8 kHz audio, so the 30-second message is over it.
    let (lib, _) = library_with(dir.path(), &server, &server.password, 100_000);
    let rt = rt();
    let report = rt.block_on(lib.sync_voicemail()).unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(report.added, 3, "{report:?}");
    assert!(matches!(&report.skipped[..], [why] if why.contains("too large")), "{report:?}");
    let list = rt.block_on(lib.voicemails()).unwrap();
    let cached: Vec<_> = list.iter().map(|v| (v.caller.as_str(), v.duration_ms, v.cached)).collect();
    assert_eq!(cached, vec![("1003", Some(2000), true), ("1002", Some(30_000), false), ("0612345678", Some(1000), true)], "{list:?}");
    let big = list.iter().find(|v| v.caller == "1002").unwrap();
    let err = rt.block_on(lib.voicemail_audio(big.id.clone())).unwrap_err();
    assert!(matches!(&err, EngineError::InvalidInput(why) if why.contains("too large")), "{err}");
    // Still on the server, unread, for a client that can take it; a later sync leaves it be.
    assert_eq!(server.client().flags("INBOX").iter().filter(|(_, seen)| !seen).count(), 3);
    assert_eq!(rt.block_on(lib.sync_voicemail()).unwrap().added, 0);
}

#[test]
fn a_server_gone_mid_sync_fails_with_an_event_and_the_cache_still_plays() {
    let server = Dovecot::start("vm1002", "imap-secret-2");
    let mut pbx = server.client();
    pbx.append("INBOX", &voicemail_mail("Voicemail from 0612345678 (1 s)", Some(("audio/wav", &tone_wav(1)))));
    let dir = tempfile::tempdir().unwrap();
    let (lib, events) = library(dir.path(), &server);
    let rt = rt();
    rt.block_on(lib.sync_voicemail()).unwrap();
    drop(pbx);
    drop(server);
    let err = rt.block_on(lib.sync_voicemail()).unwrap_err();
    assert!(matches!(err, EngineError::Network(_)), "{err}");
    assert!(events.all().iter().any(|e| matches!(e, PhoneEvent::SyncFailed { source: SyncSource::Voicemail, .. })));
    let list = rt.block_on(lib.voicemails()).unwrap();
    assert_eq!(list.len(), 1);
    assert!(rt.block_on(lib.voicemail_audio(list[0].id.clone())).unwrap().exists(), "offline playback");
}

#[test]
fn a_wrong_password_is_an_auth_error_that_never_shows_the_password() {
    let server = Dovecot::start("vm1003", "imap-secret-3");
    let dir = tempfile::tempdir().unwrap();
    let (lib, _) = library_with_password(dir.path(), &server, "wrong-guess-9");
    let err = rt().block_on(lib.sync_voicemail()).unwrap_err();
    assert!(matches!(err, EngineError::Auth(_)), "{err}");
    assert!(!err.to_string().contains("wrong-guess-9"));
}

#[test]
fn a_full_disk_stops_the_sync_with_a_clear_error_and_keeps_what_was_cached() {
    let server = Dovecot::start("vm1004", "imap-secret-4");
    let mut pbx = server.client();
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1002 (1 s)", Some(("audio/wav", &tone_wav(1)))));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("small");
    std::fs::create_dir_all(&data).unwrap();
    // A 1 MiB tmpfs as the data directory (we run as root, as CI does).
    let mounted = std::process::Command::new("mount").args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"]).arg(&data).status().map(|s| s.success()).unwrap_or(false);
    if !mounted {
        eprintln!("cannot mount a tmpfs here (not root?): skipped");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(data.clone());
    let (lib, events) = library(&data, &server);
    let rt = rt();
    rt.block_on(lib.sync_voicemail()).unwrap();
    // A long message that cannot fit.
    pbx.append("INBOX", &voicemail_mail("Voicemail from 1003 (90 s)", Some(("audio/wav", &tone_wav(90)))));
    let err = rt.block_on(lib.sync_voicemail()).unwrap_err();
    assert!(err.to_string().contains("voicemail audio") || err.to_string().contains("full"), "{err}");
    assert!(events.all().iter().any(|e| matches!(e, PhoneEvent::SyncFailed { .. })));
    let list = rt.block_on(lib.voicemails()).unwrap();
    assert_eq!(list.iter().map(|v| v.caller.as_str()).collect::<Vec<_>>(), vec!["1002"]);
    assert!(rt.block_on(lib.voicemail_audio(list[0].id.clone())).unwrap().exists());
    assert!(!std::fs::read_dir(data.join("voicemail")).unwrap().flatten().any(|e| e.path().to_string_lossy().ends_with(".part")), "no half file left");
}

#[test]
fn the_cli_syncs_lists_plays_and_deletes_voicemail_without_sip() {
    let server = Dovecot::start("vm1005", "imap-secret-5");
    server.client().append("INBOX", &voicemail_mail("Voicemail from 0612345678 (1 s)", Some(("audio/wav", &tone_wav(1)))));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = format!("[voicemail]\nimap_url = \"{}\"\nusername = \"vm1005\"\npassword_env = \"RINGSIDE_PASSWORD\"\n", server.url());
    let run = |args: &[&str]| Ringside::run_in(&data, &config, "imap-secret-5", args, 20 * SEC);
    let (code, out, stderr) = run(&["voicemail", "sync"]);
    assert_eq!(code, Some(0), "{out:?}\n{stderr}");
    assert!(out.iter().any(|e| e["event"] == "sync_finished" && e["report"]["added"] == 1), "{out:?}");
    assert!(!stderr.contains("imap-secret-5"), "no password in logs");
    let (_, out, _) = run(&["voicemail", "list"]);
    let id = out[0]["voicemails"][0]["id"].as_str().unwrap().to_string();
    let wav = dir.path().join("played.wav");
    let (code, out, _) = run(&["voicemail", "play", &id, "--out", wav.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out:?}");
    assert_eq!(hound::WavReader::open(&wav).unwrap().spec().sample_rate, 48_000);
    let (code, _, _) = run(&["voicemail", "heard", &id]);
    assert_eq!(code, Some(0));
    assert!(server.client().flags("INBOX")[0].1, "heard reached the server");
    let (code, _, _) = run(&["voicemail", "delete", &id]);
    assert_eq!(code, Some(0));
    assert!(server.client().flags("INBOX").is_empty());
    let (code, out, _) = run(&["voicemail", "play", &id]);
    assert_eq!((code, out[0]["event"].as_str()), (Some(1), Some("error")));
}
