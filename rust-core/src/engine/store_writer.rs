//! The database's one writer: a thread that owns the only connection allowed to write the data
//! directory's database, and runs every write of the process on it, one job at a time, in the
//! order they were sent. Input: jobs (closures over the connection) from the library (imports,
//! syncs, the user's changes) and from the call log (its events); output: committed rows, and
//! each job's answer to whoever waits for it.
//!
//! Why one writer: SQLite lets one connection write at a time. Two writing connections in one
//! process (the library's and the call log's, as before) make each wait on the other's file
//! lock, and a 100k-contact import holding the lock past the busy timeout made a call-log write
//! fail with `SQLITE_BUSY`. With one writer, a call event sent during an import simply commits
//! right after it. Readers (caller ID, type-ahead, the history screen) open their own read-only
//! connections ([`crate::store::open_reader`]): in WAL mode they never wait for the writer and
//! see every transaction committed before they start.
//!
//! Crash safety is unchanged: each job commits its own transaction with `synchronous = FULL`, so
//! a call-log row is on disk once its job is done, and a SIGKILL loses at most the jobs still
//! queued (events of the last milliseconds), never a committed row. A job that panics is logged
//! and dropped; the writer goes on with the next.

use crate::store::{self, StoreError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The handle every part of the engine writes through (cheap to share: a channel sender).
pub struct StoreWriter {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
}

impl StoreWriter {
    /// Opens (creating and migrating) the database at `path` and starts its writer thread.
    pub fn start(path: &Path) -> Result<Arc<StoreWriter>, StoreError> {
        let mut conn = store::open(path)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("ringside-store".into())
            .spawn(move || {
                for job in queue {
                    // A job's panic (never expected) costs that job, not every later write.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn))).is_err() {
                        tracing::error!("a store job panicked; the writer goes on");
                    }
                }
            })
            .map_err(|e| StoreError::Open { path: path.to_path_buf(), source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)) })?;
        Ok(Arc::new(StoreWriter { jobs, path: path.to_path_buf() }))
    }

    /// A new read-only connection to the same database (WAL: it never waits for the writer).
    pub fn reader(&self) -> Result<Connection, StoreError> {
        store::open_reader(&self.path)
    }

    /// Queues `job` without waiting for it (the call log's events: the sender never blocks).
    pub fn submit(&self, job: impl FnOnce(&mut Connection) + Send + 'static) {
        if self.jobs.send(Box::new(job)).is_err() {
            tracing::error!("the store's writer has stopped: a write was dropped");
        }
    }

    /// Runs `f` on the writer and waits for its answer (from async code: never blocks a thread).
    pub async fn call<T: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static) -> Result<T, StoreError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.jobs.send(Box::new(move |conn| drop(done.send(f(conn))))).map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Runs `f` on the writer and waits (at most `limit`) for its answer, from a plain thread.
    pub fn call_blocking<T: Send + 'static>(
        &self,
        limit: Duration,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (done, answer) = mpsc::channel();
        self.jobs.send(Box::new(move |conn| drop(done.send(f(conn))))).map_err(|_| StoreError::WriterStopped)?;
        answer.recv_timeout(limit).map_err(|_| StoreError::WriterStopped)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_in_order_and_a_reader_sees_what_they_committed() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StoreWriter::start(&dir.path().join("t.db")).unwrap();
        for i in 0..3 {
            writer.submit(move |c| {
                c.execute("INSERT INTO sync_state (source, key, value) VALUES ('t', ?1, 'v')", [i.to_string()]).unwrap();
            });
        }
        let n: i64 = writer
            .call_blocking(Duration::from_secs(5), |c| Ok(c.query_row("SELECT count(*) FROM sync_state WHERE source = 't'", [], |r| r.get(0)).unwrap()))
            .unwrap();
        assert_eq!(n, 3, "a call answers after every job sent before it");
        let reader = writer.reader().unwrap();
        let n: i64 = reader.query_row("SELECT count(*) FROM sync_state WHERE source = 't'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 3);
        assert!(reader.execute("DELETE FROM sync_state", []).is_err(), "readers cannot write");
    }

    #[test]
    fn a_panicking_job_does_not_stop_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let writer = StoreWriter::start(&dir.path().join("t.db")).unwrap();
        assert!(matches!(writer.call_blocking(Duration::from_secs(5), |_| -> Result<(), StoreError> { panic!("boom") }), Err(StoreError::WriterStopped)));
        assert_eq!(writer.call_blocking(Duration::from_secs(5), |_| Ok(7)).unwrap(), 7);
    }
}
