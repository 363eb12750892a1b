//! The library's state, shared by the library's methods and its two sync tasks (CardDAV and
//! IMAP): the database's one writer and a reader, the region numbers are read in, the settings, the secrets
//! and where events go. Its own file so the sync tasks and the library import it, not each other.

use super::error::EngineError;
use super::events::{PhoneEvent, PhoneListener};
use super::library_config::LibraryConfig;
use super::secrets::{SecretKind, SecretStore};
use super::store_writer::StoreWriter;
use crate::store::StoreError;
use phonenumber::country::Id;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The library's state, shared with the sync tasks.
pub(super) struct Shared {
    pub data_dir: PathBuf,
    /// The process's one writer: imports, syncs, the user's changes and the call log.
    pub writer: Arc<StoreWriter>,
    /// A read-only connection (caller ID, searches, lists): WAL readers never wait for an
    /// import on the writer.
    pub lookups: Mutex<Connection>,
    pub region: Option<Id>,
    pub config: LibraryConfig,
    pub secrets: Arc<dyn SecretStore>,
    pub listener: Arc<dyn PhoneListener>,
    /// One directory sync and one voicemail sync at a time.
    pub directory_sync: tokio::sync::Mutex<()>,
    pub voicemail_sync: tokio::sync::Mutex<()>,
    /// Carries the user's heard/deleted changes to the mailbox at once.
    pub voicemail_push: VoicemailPush,
}

/// The voicemail pusher's handle (its task is `voicemail_push`'s): a kick, and whether the
/// task runs. Kept here so the state does not import the task that reads the state.
#[derive(Default)]
pub(super) struct VoicemailPush {
    pub kick: Arc<tokio::sync::Notify>,
    pub started: std::sync::OnceLock<()>,
}

impl VoicemailPush {
    /// Wakes the task so it ends (the library is going away).
    pub fn stop(&self) {
        self.kick.notify_one();
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.voicemail_push.stop();
    }
}

impl Shared {
    pub fn emit(&self, event: PhoneEvent) {
        self.listener.on_event(event);
    }

    pub fn password(&self, kind: SecretKind, username: &str) -> Result<String, EngineError> {
        self.secrets.service_password(kind, username).ok_or_else(|| EngineError::Auth(format!("no {} password for {username}", kind.as_str())))
    }

    /// Runs `f` on the writer, off the async threads; its answer once it committed.
    pub async fn write<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, EngineError> {
        self.writer.call(f).await.map_err(EngineError::Store)
    }

    /// Runs `f` on the read-only connection, on tokio's blocking pool.
    pub async fn read<T: Send + 'static>(self: &Arc<Self>, f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static) -> Result<T, EngineError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = me.lookups.lock().map_err(|_| EngineError::Sip("the database lock is poisoned".into()))?;
            f(&conn).map_err(EngineError::Store)
        })
        .await
        .map_err(|e| EngineError::Sip(format!("store task: {e}")))?
    }
}
