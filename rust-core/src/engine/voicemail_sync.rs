//! The voicemail mailbox's IMAP side (async-imap over tokio, TLS by rustls with the system
//! roots plus `[sip] tls_ca_file`). One sync: push the phone's changes (`\Seen`, deletions
//! expunged), forget what the server no longer has, take the server's `\Seen`, then fetch each
//! new message, keeping its audio under the data directory. Each message is stored as it
//! arrives: a disconnect half-way keeps the ones before it. A push ([`push`]) is the first
//! step alone: what the user just did, carried to the server at once.

use super::error::EngineError;
use super::events::{PhoneEvent, SyncSource};
use super::library_state::Shared;
use super::secrets::SecretKind;
use crate::store::sync_state::{self, SyncReport};
use crate::store::voicemail::{self, NewVoicemail};
use crate::voicemail::mail;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

const STATE: &str = "voicemail";
const CONNECT: Duration = Duration::from_secs(10);
/// No IMAP command of ours should take longer, even fetching a long message.
const COMMAND: Duration = Duration::from_secs(60);

fn net(e: impl std::fmt::Display) -> EngineError {
    EngineError::Network(format!("imap: {e}"))
}

/// `imap(s)://host[:port]` → (TLS?, host, port).
fn endpoint(url: &str) -> Result<(bool, String, u16), EngineError> {
    let bad = |reason: &str| EngineError::Config { field: "voicemail.imap_url", reason: format!("{url:?}: {reason}") };
    let (tls, rest) = if let Some(r) = url.strip_prefix("imaps://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("imap://") {
        (false, r)
    } else {
        return Err(bad("must start with imap:// or imaps://"));
    };
    let hostport = rest.trim_end_matches('/');
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad("bad port"))?),
        None => (hostport.to_string(), if tls { 993 } else { 143 }),
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok((tls, host, port))
}

async fn bounded<T>(what: &str, f: impl std::future::Future<Output = Result<T, async_imap::error::Error>>) -> Result<T, EngineError> {
    match tokio::time::timeout(COMMAND, f).await {
        Ok(r) => r.map_err(|e| net(format!("{what}: {e}"))),
        Err(_) => Err(net(format!("{what}: no answer in {COMMAND:?}"))),
    }
}

/// What a session does once logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Push the phone's changes, then take the server's state and fetch what is new.
    Full,
    /// Only push the phone's changes (the user just marked or deleted a message).
    PushOnly,
}

/// The TLS or plain stream a session runs on.
trait ImapStream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> ImapStream for T {}
type Imap = async_imap::Session<Box<dyn ImapStream>>;

/// One full sync.
pub(super) async fn run(shared: &Arc<Shared>) -> Result<SyncReport, EngineError> {
    let config = shared.config.voicemail.clone().ok_or(EngineError::NotConfigured("[voicemail]"))?;
    let imap = connect(shared, &config).await?;
    session(shared, imap, &config, Mode::Full).await
}

/// Carries the phone's pending changes (heard, deleted) to the server; connects only when
/// there are some. Whatever fails stays pending for the next push or sync.
pub(super) async fn push(shared: &Arc<Shared>) -> Result<SyncReport, EngineError> {
    let config = shared.config.voicemail.clone().ok_or(EngineError::NotConfigured("[voicemail]"))?;
    let source = source_of(&config);
    let pending = shared.read(move |db| voicemail::held(db, &source)).await?.iter().any(|(_, _, _, dirty, deleted)| *dirty || *deleted);
    if !pending {
        return Ok(SyncReport::default());
    }
    let imap = connect(shared, &config).await?;
    session(shared, imap, &config, Mode::PushOnly).await
}

fn source_of(config: &super::library_config::VoicemailConfig) -> String {
    format!("{}/{}", config.imap_url.trim_end_matches('/'), config.folder)
}

/// Connects (TLS when the URL says so) and logs in.
async fn connect(shared: &Arc<Shared>, config: &super::library_config::VoicemailConfig) -> Result<Imap, EngineError> {
    let (tls, host, port) = endpoint(&config.imap_url)?;
    let password = shared.password(SecretKind::Voicemail, &config.username)?;
    let tcp = tokio::time::timeout(CONNECT, tokio::net::TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(|_| net(format!("{host}:{port}: connect timed out")))?
        .map_err(|e| net(format!("{host}:{port}: {e}")))?;
    let stream: Box<dyn ImapStream> = if tls {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config(shared)?));
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| net(format!("{host}: {e}")))?;
        let stream = tokio::time::timeout(CONNECT, connector.connect(name, tcp))
            .await
            .map_err(|_| net("TLS handshake timed out"))?
            .map_err(|e| net(format!("TLS: {e}")))?;
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let mut client = async_imap::Client::new(stream);
    tokio::time::timeout(COMMAND, client.read_response())
        .await
        .map_err(|_| net("no greeting"))?
        .map_err(net)?
        .ok_or_else(|| net("closed before its greeting"))?;
    match tokio::time::timeout(COMMAND, client.login(&config.username, &password)).await {
        Ok(Ok(s)) => Ok(s),
        // The server's words only: they never echo the password.
        Ok(Err((e, _))) => Err(EngineError::Auth(format!("imap login as {}: {e}", config.username))),
        Err(_) => Err(net("login: no answer")),
    }
}

fn tls_config(shared: &Shared) -> Result<rustls::ClientConfig, EngineError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = &shared.config.tls_ca_file {
        let pem = std::fs::read(path).map_err(|e| EngineError::Config { field: "sip.tls_ca_file", reason: format!("{}: {e}", path.display()) })?;
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert: rustls::pki_types::CertificateDer = cert.map_err(|e| EngineError::Config { field: "sip.tls_ca_file", reason: e.to_string() })?;
            roots.add(cert).map_err(|e| EngineError::Config { field: "sip.tls_ca_file", reason: e.to_string() })?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| net(e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn session(shared: &Arc<Shared>, mut imap: Imap, config: &super::library_config::VoicemailConfig, mode: Mode) -> Result<SyncReport, EngineError> {
    let mailbox = bounded("select", imap.select(&config.folder)).await?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let source = source_of(config);
    let mut report = SyncReport::default();

    // A new UIDVALIDITY renumbered the folder: what we hold names other messages now.
    let stored = shared.write(|db| sync_state::get(db, STATE, "uidvalidity")).await?;
    let held_source = source.clone();
    let held = shared.write(move |db| voicemail::held(db, &held_source)).await?;
    if stored.as_deref().is_some_and(|v| v != validity.to_string()) {
        if mode == Mode::PushOnly {
            // The UIDs held name other messages now: only a full sync sorts that out.
            let _ = tokio::time::timeout(Duration::from_secs(5), imap.logout()).await;
            return Ok(report);
        }
        for (id, ..) in &held {
            forget(shared, id).await?;
        }
    }
    let held = if stored.as_deref() == Some(validity.to_string().as_str()) { held } else { Vec::new() };

    // The phone's changes first, so the server's flags read next already include them.
    let mut expunge = Vec::new();
    for (id, uid, heard, dirty, deleted) in &held {
        if *deleted {
            collect(bounded("store \\Deleted", imap.uid_store(uid.to_string(), "+FLAGS.SILENT (\\Deleted)")).await?).await;
            expunge.push((id.clone(), *uid));
        } else if *dirty {
            let op = if *heard { "+FLAGS.SILENT (\\Seen)" } else { "-FLAGS.SILENT (\\Seen)" };
            collect(bounded("store \\Seen", imap.uid_store(uid.to_string(), op)).await?).await;
            let (id, heard) = (id.clone(), *heard);
            shared.write(move |db| voicemail::clear_dirty(db, &id, heard)).await?;
        }
    }
    if !expunge.is_empty() {
        let set = expunge.iter().map(|(_, uid)| uid.to_string()).collect::<Vec<_>>().join(",");
        // RFC 4315 UID EXPUNGE: only ours, never another client's \Deleted messages.
        let gone = bounded("uid expunge", imap.uid_expunge(set)).await?;
        let _: Vec<_> = gone.collect().await;
        for (id, _) in &expunge {
            forget(shared, id).await?;
            report.removed += 1;
        }
    }
    if mode == Mode::PushOnly {
        let _ = tokio::time::timeout(Duration::from_secs(5), imap.logout()).await;
        return Ok(report);
    }

    // What the server holds now, with its \Seen.
    // Sizes too: a message too large for the audio limit is never fetched whole.
    let mut on_server: HashMap<u32, bool> = HashMap::new();
    let mut sizes: HashMap<u32, u32> = HashMap::new();
    if mailbox.exists > 0 {
        let fetches = bounded("uid fetch flags", imap.uid_fetch("1:*", "(UID FLAGS RFC822.SIZE)")).await?;
        for f in collect(fetches).await {
            if let Some(uid) = f.uid {
                on_server.insert(uid, f.flags().any(|fl| matches!(fl, async_imap::types::Flag::Seen)));
                sizes.extend(f.size.map(|size| (uid, size)));
            }
        }
    }
    let mut known = std::collections::HashSet::new();
    for (id, uid, _, _, deleted) in &held {
        if *deleted {
            continue;
        }
        known.insert(*uid);
        match on_server.get(uid) {
            None => {
                // Deleted on the server (or by another phone).
                forget(shared, id).await?;
                report.removed += 1;
            }
            Some(&seen) => {
                let id = id.clone();
                shared.write(move |db| voicemail::set_heard_from_server(db, &id, seen)).await?;
            }
        }
    }

    let mut new: Vec<u32> = on_server.keys().filter(|u| !known.contains(u) && !expunge.iter().any(|(_, x)| x == *u)).copied().collect();
    new.sort_unstable();
    let total = new.len() as u32;
    shared.emit(PhoneEvent::SyncProgress { source: SyncSource::Voicemail, done: 0, total: Some(total) });
    let v = validity.to_string();
    shared.write(move |db| sync_state::set(db, STATE, "uidvalidity", Some(&v))).await?;
    for (done, uid) in new.into_iter().enumerate() {
        let size = sizes.get(&uid).map(|s| u64::from(*s));
        let whole = size.is_none_or(|size| mail::fits(size, config.max_audio_bytes));
        let query = if whole { "(UID FLAGS BODY.PEEK[])" } else { "(UID FLAGS BODY.PEEK[HEADER])" };
        let fetches = bounded("uid fetch body", imap.uid_fetch(uid.to_string(), query)).await?;
        let Some(f) = collect(fetches).await.into_iter().find(|f| f.uid == Some(uid)) else { continue };
        let seen = f.flags().any(|fl| matches!(fl, async_imap::types::Flag::Seen));
        let row = match (whole, size) {
            (true, _) | (false, None) => store_message(shared, &source, validity, uid, seen, f.body().unwrap_or_default(), config.max_audio_bytes).await?,
            (false, Some(size)) => {
                // The header alone names the caller; the audio stays on the server.
                let mut row = store_message(shared, &source, validity, uid, seen, f.header().unwrap_or_default(), config.max_audio_bytes).await?;
                row.audio_error = Some(mail::too_large(size, config.max_audio_bytes));
                row
            }
        };
        drop(f);
        if let Some(why) = &row.audio_error {
            report.skipped.push(format!("voicemail {}: {why}", row.id));
        }
        let row_for_db = row.clone();
        shared.write(move |db| voicemail::insert(db, &row_for_db)).await?;
        report.added += 1;
        shared.emit(PhoneEvent::SyncProgress { source: SyncSource::Voicemail, done: done as u32 + 1, total: Some(total) });
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), imap.logout()).await;
    Ok(report)
}

/// Drains a command's answers; a broken one ends the list (its error surfaces on the next command).
async fn collect(
    stream: impl futures_util::Stream<Item = Result<async_imap::types::Fetch, async_imap::error::Error>> + Unpin,
) -> Vec<async_imap::types::Fetch> {
    let all: Vec<_> = stream.collect().await;
    all.into_iter().filter_map(Result::ok).collect()
}

/// Removes a message and its audio file from the cache.
async fn forget(shared: &Arc<Shared>, id: &str) -> Result<(), EngineError> {
    let id = id.to_string();
    if let Some(path) = shared.write(move |db| voicemail::remove(db, &id)).await? {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Reads one message and writes its audio (temp file, then rename: never half a WAV).
async fn store_message(
    shared: &Arc<Shared>,
    source: &str,
    validity: u32,
    uid: u32,
    seen: bool,
    raw: &[u8],
    max_audio_bytes: u64,
) -> Result<NewVoicemail, EngineError> {
    let id = format!("{validity}:{uid}");
    let parsed = mail::parse(raw, max_audio_bytes);
    let (caller, caller_name, duration_ms, received_ms, audio) = match parsed {
        Some(m) => (m.caller, m.caller_name, m.duration_ms, m.received_ms, m.audio),
        None => ("unknown".into(), None, None, None, Err("not an e-mail".into())),
    };
    let (audio_path, audio_error) = match audio {
        Ok(bytes) => {
            let dir = shared.data_dir.join("voicemail");
            let path = dir.join(format!("{validity}-{uid}.wav"));
            let tmp = dir.join(format!("{validity}-{uid}.wav.part"));
            let write = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&tmp, &bytes)).and_then(|_| std::fs::rename(&tmp, &path));
            if let Err(e) = write {
                let _ = std::fs::remove_file(&tmp);
                return Err(EngineError::Store(crate::store::StoreError::Query {
                    what: "writing voicemail audio",
                    source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
                }));
            }
            (Some(path.to_string_lossy().to_string()), None)
        }
        Err(why) => (None, Some(why)),
    };
    let received_ms = received_ms.unwrap_or_else(super::clock::wall_ms);
    Ok(NewVoicemail { id, uid, caller, caller_name, received_ms, duration_ms, heard: seen, audio_path, audio_error, source: source.to_string() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn imap_urls_give_tls_host_and_port() {
        assert_eq!(super::endpoint("imaps://mail.pbx.test").unwrap(), (true, "mail.pbx.test".into(), 993));
        assert_eq!(super::endpoint("imap://127.0.0.1:1143/").unwrap(), (false, "127.0.0.1".into(), 1143));
        assert!(super::endpoint("http://x").is_err());
        assert!(super::endpoint("imap://:1").is_err());
    }
}
