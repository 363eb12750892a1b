//! `ringside contacts|history|voicemail …`: the library commands. They open the database and,
//! for a sync, the directory or mailbox client — never SIP — print their answer as one JSON
//! line (sync events before it) and exit 0, 2 for bad config or arguments, 1 when the store or
//! a server failed (the reason on stderr and as an `error` event).

use crate::config_file;
use crate::events_out::JsonLines;
use ringside_core::library::Library;
use ringside_core::{EngineError, StaticSecrets};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum Contacts {
    /// Replace the device address book with a vCard file's cards (bad cards are reported).
    Import { file: PathBuf },
    /// Sync the company directory (CardDAV).
    Sync,
    /// Type-ahead search over names and numbers.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(clap::Subcommand)]
pub enum Voicemail {
    /// Fetch new messages and carry heard/deleted both ways (IMAP).
    Sync,
    /// The cached messages, newest first.
    List,
    /// Write message ID's audio to a WAV file (default: print where the cached file is).
    Play {
        id: String,
        #[arg(long, value_name = "FILE.wav")]
        out: Option<PathBuf>,
    },
    /// Mark message ID heard (`--unheard`: not heard), then sync.
    Heard {
        id: String,
        #[arg(long)]
        unheard: bool,
    },
    /// Delete message ID here and (by the sync that follows) on the server.
    Delete { id: String },
}

fn open(config: &Path, data_dir: Option<PathBuf>) -> Result<(Library, bool), ExitCode> {
    let loaded = config_file::load_library(config, data_dir).map_err(|s| crate::session::fail(crate::session::EXIT_CONFIG, &s))?;
    let voicemail_configured = loaded.library.voicemail.is_some();
    let (listener, _events) = JsonLines::new();
    let lib = Library::open(&loaded.data_dir, loaded.library, Arc::new(StaticSecrets(loaded.passwords)), Arc::new(listener))
        .map_err(|e| crate::session::fail(crate::session::EXIT_CONFIG, &e.to_string()))?;
    Ok((lib, voicemail_configured))
}

fn answer(name: &str, mut body: serde_json::Value) {
    if let Some(obj) = body.as_object_mut() {
        obj.insert("event".into(), name.into());
        obj.insert("t".into(), ringside_core::clock::wall_ms().into());
    }
    println!("{body}");
}

fn failed(e: EngineError) -> ExitCode {
    answer("error", serde_json::json!({ "message": e.to_string() }));
    crate::session::fail(1, &e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub async fn contacts(config: &Path, data_dir: Option<PathBuf>, command: Contacts) -> ExitCode {
    let (lib, _) = match open(config, data_dir) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let outcome = match command {
        Contacts::Import { file } => match std::fs::read(&file) {
            Ok(bytes) => lib.import_vcard(String::from_utf8_lossy(&bytes).into_owned()).await.map(|r| answer("import_report", json(&r))),
            Err(e) => return crate::session::fail(crate::session::EXIT_CONFIG, &format!("cannot read {}: {e}", file.display())),
        },
        // The sync's own events (sync_progress, sync_finished) are its answer.
        Contacts::Sync => lib.sync_directory().await.map(|_| ()),
        Contacts::Search { query, limit } => lib.search_contacts(query, limit).await.map(|c| answer("contacts", serde_json::json!({ "contacts": c }))),
    };
    outcome.map(|()| ExitCode::SUCCESS).unwrap_or_else(failed)
}

pub async fn history(config: &Path, data_dir: Option<PathBuf>, missed: bool, limit: u32) -> ExitCode {
    let (lib, _) = match open(config, data_dir) {
        Ok(l) => l,
        Err(code) => return code,
    };
    lib.history(limit, missed).await.map(|h| answer("history", json(&h))).map(|()| ExitCode::SUCCESS).unwrap_or_else(failed)
}

pub async fn voicemail(config: &Path, data_dir: Option<PathBuf>, command: Voicemail) -> ExitCode {
    let (lib, configured) = match open(config, data_dir) {
        Ok(l) => l,
        Err(code) => return code,
    };
    // A change made here reaches the server by the sync that follows, when there is one.
    let then_sync = |lib: Library| async move {
        if configured {
            lib.sync_voicemail().await.map(|_| ())
        } else {
            Ok(())
        }
    };
    let outcome = match command {
        Voicemail::Sync => lib.sync_voicemail().await.map(|_| ()),
        Voicemail::List => lib.voicemails().await.map(|v| answer("voicemails", serde_json::json!({ "voicemails": v }))),
        Voicemail::Play { id, out } => match lib.voicemail_audio(id.clone()).await {
            Ok(cached) => {
                let path = match out {
                    // Through the core's playback path: decoded and resampled to 48 kHz mono, as a call plays it.
                    Some(out) => {
                        match ringside_core::audio::wav::read_mono_48k(&cached).and_then(|pcm| ringside_core::audio::wav::write_mono_48k(&out, &pcm)) {
                            Ok(()) => out,
                            Err(e) => return failed(EngineError::InvalidInput(format!("{}: {e}", out.display()))),
                        }
                    }
                    None => cached,
                };
                answer("voicemail_audio", serde_json::json!({ "id": id, "path": path }));
                Ok(())
            }
            Err(e) => Err(e),
        },
        Voicemail::Heard { id, unheard } => match lib.set_voicemail_heard(id.clone(), !unheard).await {
            Ok(()) => {
                answer("voicemail_updated", serde_json::json!({ "id": id, "heard": !unheard, "deleted": false }));
                then_sync(lib).await
            }
            Err(e) => Err(e),
        },
        Voicemail::Delete { id } => match lib.delete_voicemail(id.clone()).await {
            Ok(()) => {
                answer("voicemail_updated", serde_json::json!({ "id": id, "heard": null, "deleted": true }));
                then_sync(lib).await
            }
            Err(e) => Err(e),
        },
    };
    outcome.map(|()| ExitCode::SUCCESS).unwrap_or_else(failed)
}
