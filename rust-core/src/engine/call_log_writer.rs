//! The store's one writer: a thread that folds the core's call events into the call log, so
//! SQLite's fsyncs never stall a tokio task or the audio. Input: events from the listener tap;
//! output: committed rows, and answers to the shells' history queries.

use super::events::{PhoneEvent, PhoneListener};
use crate::store::{self, call_log, StoreError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

enum Work {
    Event(PhoneEvent, i64),
    /// Answered once everything sent before it is committed.
    Flush(mpsc::Sender<()>),
}

pub struct CallLogWriter {
    work: mpsc::Sender<Work>,
    /// Reads go through their own connection (WAL: they never wait for the writer).
    reader: Mutex<Connection>,
}

impl CallLogWriter {
    /// Opens `data_dir`'s database (migrating it), closes calls a crash left open, and starts
    /// the writer thread.
    pub fn start(data_dir: &Path) -> Result<Arc<CallLogWriter>, StoreError> {
        let path: PathBuf = data_dir.join(store::FILE_NAME);
        let mut conn = store::open(&path)?;
        let interrupted = call_log::close_interrupted(&conn)?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "calls left open by the previous run ended as failed");
        }
        let reader = store::open(&path)?;
        let (tx, rx) = mpsc::channel::<Work>();
        std::thread::Builder::new()
            .name("ringside-store".into())
            .spawn(move || {
                for work in rx {
                    match work {
                        Work::Event(event, now_ms) => {
                            // A failed write is reported, never fatal: the call goes on, and
                            // what the log already holds stays.
                            if let Err(e) = call_log::apply(&mut conn, &event, now_ms) {
                                tracing::error!(error = %e, "call log write failed");
                            }
                        }
                        Work::Flush(done) => {
                            done.send(()).ok();
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Open { path: path.clone(), source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)) })?;
        Ok(Arc::new(CallLogWriter { work: tx, reader: Mutex::new(reader) }))
    }

    /// Queues `event` for the log if it changes it.
    pub fn record(&self, event: &PhoneEvent) {
        if !call_log::records(event) {
            return;
        }
        let now_ms = super::clock::wall_ms();
        self.work.send(Work::Event(event.clone(), now_ms)).ok();
    }

    /// Waits (at most 2 s) until every event recorded so far is committed.
    pub fn flush(&self) {
        let (done, wait) = mpsc::channel();
        if self.work.send(Work::Flush(done)).is_ok() {
            wait.recv_timeout(Duration::from_secs(2)).ok();
        }
    }

    /// The newest `limit` calls, with everything recorded so far.
    pub fn recent(&self, limit: u32) -> Result<Vec<call_log::CallLogEntry>, StoreError> {
        self.flush();
        let conn = self.reader.lock().map_err(|_| StoreError::Query { what: "reading the call log", source: rusqlite::Error::InvalidQuery })?;
        call_log::recent(&conn, limit)
    }

    /// One call's entry, with everything recorded so far.
    pub fn get(&self, call: &str) -> Result<Option<call_log::CallLogEntry>, StoreError> {
        self.flush();
        let conn = self.reader.lock().map_err(|_| StoreError::Query { what: "reading a call", source: rusqlite::Error::InvalidQuery })?;
        call_log::get(&conn, call)
    }
}

/// Passes every event to the shell's listener after queueing it for the call log.
pub struct CallLogTap {
    pub inner: Arc<dyn PhoneListener>,
    pub writer: Arc<CallLogWriter>,
}

impl PhoneListener for CallLogTap {
    fn on_event(&self, event: PhoneEvent) {
        self.writer.record(&event);
        self.inner.on_event(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signalling::call::EndReason;

    struct Nothing;
    impl PhoneListener for Nothing {
        fn on_event(&self, _: PhoneEvent) {}
    }

    #[test]
    fn events_through_the_tap_are_in_the_log_when_read_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let writer = CallLogWriter::start(dir.path()).unwrap();
        let tap = CallLogTap { inner: Arc::new(Nothing), writer: writer.clone() };
        tap.on_event(PhoneEvent::Calling { call: "c".into(), target: "1003".into(), account: "1001@pbx".into() });
        tap.on_event(PhoneEvent::Answered { call: "c".into() });
        let e = writer.get("c").unwrap().unwrap();
        assert!(e.answered_ms.is_some() && e.ended_ms.is_none());
        // The process dies mid-call: the next start finds the entry and closes it.
        drop(tap);
        drop(writer);
        let again = CallLogWriter::start(dir.path()).unwrap();
        let e = again.get("c").unwrap().unwrap();
        assert_eq!(e.reason.as_deref(), Some("failed"));
        let tap = CallLogTap { inner: Arc::new(Nothing), writer: again.clone() };
        tap.on_event(PhoneEvent::CallEnded { call: "c".into(), reason: EndReason::LocalHangup, sip_code: None, duration_ms: None });
        assert_eq!(again.recent(5).unwrap().len(), 1);
    }
}
