//! The phone's library: contacts (device address book, company directory), caller ID, visual
//! voicemail and the call history, all cached in the data directory's database for offline use.
//! Input: the shell's calls (imports, searches, syncs) and the incoming calls to name; output:
//! answers, and `sync_*` events on the listener.
//!
//! A [`Library`] opens without SIP (the CLI's `contacts`, `voicemail` and `history` commands);
//! a [`Phone`] owns one and offers the same methods. The library opens the process's one
//! database writer ([`StoreWriter`]), which the phone's call log shares; reads go through a
//! read-only connection on tokio's blocking pool, network I/O on the runtime: never on the
//! shell's thread, never on the audio path.

use super::directory_sync;
use super::error::EngineError;
use super::events::{PhoneEvent, PhoneListener, SyncSource};
use super::library_config::LibraryConfig;
use super::library_state::Shared;
use super::secrets::SecretStore;
use super::store_writer::StoreWriter;
use super::voicemail_push;
use super::voicemail_sync;
use super::Phone;
use crate::store;
use crate::store::call_log::History;
use crate::store::contacts::{self, Contact, ContactCard, ImportReport};
use crate::store::sync_state::SyncReport;
use crate::store::voicemail::{self, Voicemail};
use phonenumber::country::Id;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Contacts, voicemail and history over the local database (design §6).
#[derive(Clone)]
pub struct Library {
    shared: Arc<Shared>,
}

impl Library {
    /// Opens (migrating) `data_dir`'s database. Touches no network.
    pub fn open(data_dir: &Path, config: LibraryConfig, secrets: Arc<dyn SecretStore>, listener: Arc<dyn PhoneListener>) -> Result<Library, EngineError> {
        let path = data_dir.join(store::FILE_NAME);
        let writer = StoreWriter::start(&path)?;
        let lookups = writer.reader()?;
        let region = match config.contacts.default_region.as_deref() {
            Some(code) => Some(
                store::numbers::region(code)
                    .ok_or_else(|| EngineError::Config { field: "contacts.default_region", reason: format!("{code:?} is not a region code") })?,
            ),
            None => None,
        };
        let shared = Shared {
            data_dir: data_dir.to_path_buf(),
            writer,
            lookups: Mutex::new(lookups),
            region,
            config,
            secrets,
            listener,
            directory_sync: tokio::sync::Mutex::new(()),
            voicemail_sync: tokio::sync::Mutex::new(()),
            voicemail_push: Default::default(),
        };
        let shared = Arc::new(shared);
        // Changes a previous run could not push go out now (nothing is sent if none is pending).
        voicemail_push::kick(&shared);
        Ok(Library { shared })
    }

    /// The database's one writer (the phone's call log writes through it too).
    pub fn writer(&self) -> Arc<StoreWriter> {
        self.shared.writer.clone()
    }

    /// The region national numbers are read in.
    pub fn region(&self) -> Option<Id> {
        self.shared.region
    }

    /// Replaces the device address book with `cards` (the shell's bulk import), in one
    /// transaction; cards with neither name nor number are skipped, each with its reason.
    pub async fn import_contacts(&self, cards: Vec<ContactCard>) -> Result<ImportReport, EngineError> {
        let region = self.shared.region;
        self.shared.write(move |db| contacts::replace_device(db, &cards, region)).await
    }

    /// Replaces the device address book with the cards of a vCard file; malformed cards are
    /// skipped one by one (the report says why), the rest imported.
    pub async fn import_vcard(&self, text: String) -> Result<ImportReport, EngineError> {
        let parsed = crate::directory::vcard::parse(&text);
        if parsed.is_empty() {
            return Err(EngineError::InvalidInput("no vCard in the text".into()));
        }
        let mut skipped = Vec::new();
        let cards: Vec<ContactCard> = parsed.into_iter().filter_map(|c| c.map_err(|why| skipped.push(why)).ok()).collect();
        let mut report = self.import_contacts(cards).await?;
        skipped.append(&mut report.skipped);
        report.skipped = skipped;
        Ok(report)
    }

    /// Type-ahead over names, organisations and numbers (prefixes; case, accents and
    /// number formatting ignored), at most `limit`.
    pub async fn search_contacts(&self, query: String, limit: u32) -> Result<Vec<Contact>, EngineError> {
        self.shared.read(move |db| contacts::search(db, &query, limit)).await
    }

    /// The contact whose number is `number`, in any formatting (caller ID).
    pub async fn lookup_number(&self, number: String) -> Result<Option<Contact>, EngineError> {
        let region = self.shared.region;
        self.shared.read(move |db| contacts::lookup(db, &number, region)).await
    }

    /// The caller-ID hook: the contact's name for `number`, at once (one indexed read).
    pub fn caller_name(&self, number: &str) -> Option<String> {
        let conn = self.shared.lookups.lock().ok()?;
        contacts::name_for(&conn, number, self.shared.region).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "caller-ID lookup failed");
            None
        })
    }

    /// Brings the company directory up to date (CardDAV sync-collection, else ctag/etags).
    /// Reports `sync_progress`, then `sync_finished` or `sync_failed`; a failure leaves the
    /// cached directory as it was.
    pub async fn sync_directory(&self) -> Result<SyncReport, EngineError> {
        let _one = self.shared.directory_sync.lock().await;
        let outcome = directory_sync::run(&self.shared).await;
        self.finish(SyncSource::Directory, outcome)
    }

    /// Fetches new voicemail (metadata and audio) and carries heard/deleted both ways.
    pub async fn sync_voicemail(&self) -> Result<SyncReport, EngineError> {
        let _one = self.shared.voicemail_sync.lock().await;
        let outcome = voicemail_sync::run(&self.shared).await;
        self.finish(SyncSource::Voicemail, outcome)
    }

    fn finish(&self, source: SyncSource, outcome: Result<SyncReport, EngineError>) -> Result<SyncReport, EngineError> {
        match &outcome {
            Ok(report) => self.shared.emit(PhoneEvent::SyncFinished { source, report: report.clone() }),
            Err(e) => {
                tracing::warn!(source = source.as_str(), error = %e, "sync failed");
                self.shared.emit(PhoneEvent::SyncFailed { source, message: e.to_string() })
            }
        }
        outcome
    }

    /// The cached voicemail, newest first, named from contacts when the PBX gave no name.
    pub async fn voicemails(&self) -> Result<Vec<Voicemail>, EngineError> {
        let region = self.shared.region;
        self.shared
            .read(move |db| {
                let mut list = voicemail::list(db)?;
                for v in list.iter_mut().filter(|v| v.caller_name.is_none()) {
                    v.caller_name = contacts::name_for(db, &v.caller, region)?;
                }
                Ok(list)
            })
            .await
    }

    /// The cached WAV of voicemail `id` (playable offline).
    pub async fn voicemail_audio(&self, id: String) -> Result<PathBuf, EngineError> {
        let lookup = id.clone();
        match self.shared.read(move |db| voicemail::audio(db, &lookup)).await? {
            None => Err(EngineError::NotFound { what: "voicemail", id }),
            Some(Err(why)) => Err(EngineError::InvalidInput(format!("voicemail {id} has no playable audio: {why}"))),
            Some(Ok(path)) => Ok(PathBuf::from(path)),
        }
    }

    /// Marks voicemail `id` heard (or not) here, then sets (or clears) `\Seen` on the server
    /// at once, in the background; offline, the change waits (stored) until the server is back.
    pub async fn set_voicemail_heard(&self, id: String, heard: bool) -> Result<(), EngineError> {
        let lookup = id.clone();
        if self.shared.write(move |db| voicemail::set_heard(db, &lookup, heard)).await? {
            voicemail_push::kick(&self.shared);
            Ok(())
        } else {
            Err(EngineError::NotFound { what: "voicemail", id })
        }
    }

    /// Deletes voicemail `id` here at once, then expunges it on the server in the background
    /// (offline: as soon as the server is back).
    pub async fn delete_voicemail(&self, id: String) -> Result<(), EngineError> {
        let lookup = id.clone();
        if self.shared.write(move |db| voicemail::mark_deleted(db, &lookup)).await? {
            voicemail_push::kick(&self.shared);
            Ok(())
        } else {
            Err(EngineError::NotFound { what: "voicemail", id })
        }
    }

    /// The call history as stored (for a process without a running phone).
    pub async fn history(&self, limit: u32, missed_only: bool) -> Result<History, EngineError> {
        let region = self.shared.region;
        self.shared.read(move |db| store::call_log::history(db, limit, missed_only, region)).await
    }

    pub async fn mark_history_seen(&self) -> Result<(), EngineError> {
        self.shared.write(|db| store::call_log::mark_seen(db).map(|_| ())).await
    }
}

/// Names incoming calls from the contacts when SIP gave no display name, before anyone (the
/// call log, the shell) hears of them.
pub struct CallerIdTap {
    pub inner: Arc<dyn PhoneListener>,
    pub library: Library,
}

impl PhoneListener for CallerIdTap {
    fn on_event(&self, event: PhoneEvent) {
        let event = match event {
            PhoneEvent::Incoming { call, call_id, from, display_name: None, account } => {
                let display_name = self.library.caller_name(&from);
                PhoneEvent::Incoming { call, call_id, from, display_name, account }
            }
            other => other,
        };
        self.inner.on_event(event);
    }
}

/// The same library on a running phone (design §2's contacts, voicemail and history calls).
impl Phone {
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Replaces the device address book (the shell's bulk import).
    pub async fn import_contacts(&self, cards: Vec<ContactCard>) -> Result<ImportReport, EngineError> {
        self.library.import_contacts(cards).await
    }

    /// Replaces the device address book with a vCard file's cards.
    pub async fn import_vcard(&self, text: String) -> Result<ImportReport, EngineError> {
        self.library.import_vcard(text).await
    }

    pub async fn search_contacts(&self, query: String, limit: u32) -> Result<Vec<Contact>, EngineError> {
        self.library.search_contacts(query, limit).await
    }

    pub async fn lookup_number(&self, number: String) -> Result<Option<Contact>, EngineError> {
        self.library.lookup_number(number).await
    }

    pub async fn sync_directory(&self) -> Result<SyncReport, EngineError> {
        self.library.sync_directory().await
    }

    pub async fn sync_voicemail(&self) -> Result<SyncReport, EngineError> {
        self.library.sync_voicemail().await
    }

    pub async fn voicemails(&self) -> Result<Vec<Voicemail>, EngineError> {
        self.library.voicemails().await
    }

    pub async fn voicemail_audio(&self, id: String) -> Result<PathBuf, EngineError> {
        self.library.voicemail_audio(id).await
    }

    pub async fn set_voicemail_heard(&self, id: String, heard: bool) -> Result<(), EngineError> {
        self.library.set_voicemail_heard(id, heard).await
    }

    pub async fn delete_voicemail(&self, id: String) -> Result<(), EngineError> {
        self.library.delete_voicemail(id).await
    }

    /// The newest `limit` calls (only missed ones with `missed_only`), with everything the
    /// running phone recorded so far, and the count of missed calls not yet seen.
    pub async fn history(&self, limit: u32, missed_only: bool) -> Result<History, EngineError> {
        let log = self.call_log.clone();
        tokio::task::spawn_blocking(move || log.history(limit, missed_only))
            .await
            .map_err(|e| EngineError::Sip(format!("store task: {e}")))?
            .map_err(EngineError::Store)
    }

    /// The user saw the history: no missed call is new any more.
    pub async fn mark_history_seen(&self) -> Result<(), EngineError> {
        let log = self.call_log.clone();
        tokio::task::spawn_blocking(move || log.mark_seen())
            .await
            .map_err(|e| EngineError::Sip(format!("store task: {e}")))?
            .map(|_| ())
            .map_err(EngineError::Store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Mutex<Vec<PhoneEvent>>);
    impl PhoneListener for Collect {
        fn on_event(&self, e: PhoneEvent) {
            self.0.lock().unwrap().push(e);
        }
    }

    fn library(dir: &Path) -> (Library, Arc<Collect>) {
        let events = Arc::new(Collect(Mutex::new(Vec::new())));
        let config = LibraryConfig { contacts: super::super::library_config::ContactsConfig { default_region: Some("FR".into()) }, ..Default::default() };
        (Library::open(dir, config, Arc::new(super::super::StaticSecrets(vec![])), events.clone()).unwrap(), events)
    }

    #[tokio::test]
    async fn a_vcard_import_reports_each_skip_and_names_incoming_calls() {
        let dir = tempfile::tempdir().unwrap();
        let (lib, _) = library(dir.path());
        let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Élodie\nTEL:06 12 34 56 78\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nNOTE:x\nEND:VCARD\n";
        let report = lib.import_vcard(text.into()).await.unwrap();
        assert_eq!((report.imported, report.skipped.len()), (1, 1), "{report:?}");
        let seen = Arc::new(Collect(Mutex::new(Vec::new())));
        let tap = CallerIdTap { inner: seen.clone(), library: lib.clone() };
        tap.on_event(PhoneEvent::Incoming {
            call: "c".into(),
            call_id: "i".into(),
            from: "sip:+33612345678@pbx".into(),
            display_name: None,
            account: "a".into(),
        });
        tap.on_event(PhoneEvent::Incoming {
            call: "d".into(),
            call_id: "j".into(),
            from: "sip:0612345678@pbx".into(),
            display_name: Some("SIP says".into()),
            account: "a".into(),
        });
        let got = seen.0.lock().unwrap().clone();
        assert!(matches!(&got[0], PhoneEvent::Incoming { display_name: Some(n), .. } if n == "Élodie"));
        assert!(matches!(&got[1], PhoneEvent::Incoming { display_name: Some(n), .. } if n == "SIP says"), "SIP's own name wins");
        assert_eq!(lib.search_contacts("elod".into(), 5).await.unwrap().len(), 1);
        assert!(lib.import_vcard("hello".into()).await.is_err() || lib.import_vcard("hello".into()).await.unwrap().imported == 0);
    }

    #[tokio::test]
    async fn caller_id_reads_what_an_import_just_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (lib, _) = library(dir.path());
        assert_eq!(lib.caller_name("0600000001"), None);
        let card = |i: u32| ContactCard {
            name: format!("P{i}"),
            numbers: vec![crate::store::contacts::ContactNumber {
                number: format!("06 00 {:02} {:02} {:02}", i / 10_000 % 100, i / 100 % 100, i % 100),
                ..Default::default()
            }],
            ..Default::default()
        };
        lib.import_contacts((0..3000).map(card).collect()).await.unwrap();
        assert_eq!(lib.caller_name("06 00 00 12 34").as_deref(), Some("P1234"));
    }

    #[tokio::test]
    async fn syncs_without_configuration_fail_with_an_event() {
        let dir = tempfile::tempdir().unwrap();
        let (lib, events) = library(dir.path());
        assert!(matches!(lib.sync_directory().await, Err(EngineError::NotConfigured(_))));
        assert!(matches!(lib.sync_voicemail().await, Err(EngineError::NotConfigured(_))));
        let got = events.0.lock().unwrap().clone();
        assert!(
            matches!(&got[..], [PhoneEvent::SyncFailed { source: SyncSource::Directory, .. }, PhoneEvent::SyncFailed { source: SyncSource::Voicemail, .. }]),
            "{got:?}"
        );
    }

    #[tokio::test]
    async fn a_full_disk_fails_the_import_and_keeps_the_address_book() {
        let dir = tempfile::tempdir().unwrap();
        let (lib, _) = library(dir.path());
        let card = |i: usize| ContactCard {
            name: format!("Person {i}"),
            numbers: vec![crate::store::contacts::ContactNumber { number: format!("06{:08}", i), ..Default::default() }],
            ..Default::default()
        };
        lib.import_contacts((0..10).map(card).collect()).await.unwrap();
        // SQLITE_FULL: the database may not grow past its current pages.
        lib.shared
            .write(|db| {
                let pages: i64 = db.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
                db.pragma_update(None, "max_page_count", pages).unwrap();
                Ok(())
            })
            .await
            .unwrap();
        let err = lib.import_contacts((0..5000).map(card).collect()).await.unwrap_err();
        assert!(err.to_string().contains("full"), "{err}");
        assert_eq!(lib.search_contacts("person".into(), 100).await.unwrap().len(), 10, "the previous book stays whole");
    }
}
