//! The local SQLite cache (design §6): one database file per data directory, WAL, numbered
//! migrations tracked in `PRAGMA user_version`. Input: the core's events and the shells'
//! queries; output: rows that survive a crash. Secrets never enter it.
//! Tables: the call log, contacts (FTS5 and normalised numbers), voicemail, sync state.
//! One writer per database: the engine opens one connection with [`open`] and runs every write
//! on it (its `StoreWriter` thread); everything else reads through [`open_reader`].

pub mod call_log;
pub mod contacts;
mod migrations;
pub mod numbers;
pub mod sync_state;
pub mod voicemail;

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// Why the store could not do what was asked; the database keeps what it had.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("migration {version} ({name}) failed: {source}")]
    Migration { version: u32, name: &'static str, source: rusqlite::Error },
    #[error("the database {path} is from a newer Ringside (schema {found}, this build knows {known})")]
    TooNew { path: PathBuf, found: u32, known: u32 },
    #[error("{what}: {source}")]
    Query { what: &'static str, source: rusqlite::Error },
    /// The process's one writer is gone (shutting down); the write was not done.
    #[error("the database's writer has stopped")]
    WriterStopped,
}

/// The database's file name inside the data directory.
pub const FILE_NAME: &str = "ringside.db";

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
///
/// WAL lets the shells read while the core writes; `synchronous = FULL` makes a committed
/// call-log entry survive a power cut, not only a crash (a few writes per call: cheap).
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    let mut conn = Connection::open(path).map_err(open_err)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
    // Another process (a shell's widget, a second CLI) may hold the write lock briefly.
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_err)?;
    migrations::run(&mut conn, path)?;
    Ok(conn)
}

/// A read-only connection to the database at `path`, which [`open`] has already migrated.
///
/// Readers never write (SQLite refuses it), so the process keeps one writer; in WAL mode a
/// reader sees every transaction committed before its read starts and never waits for one.
pub fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    use rusqlite::OpenFlags;
    let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_err)?;
    Ok(conn)
}

/// An in-memory database with the current schema (tests, tools).
#[cfg(any(test, feature = "testing"))]
pub fn open_in_memory() -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory().map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
    migrations::run(&mut conn, Path::new(":memory:"))?;
    Ok(conn)
}
