//! The store's one writer: a thread that folds the core's call events into the call log, so
//! SQLite's fsyncs never stall a tokio task or the audio. Input: events from the listener tap;
//! output: committed rows, and answers to the shells' history queries.

use super::events::PhoneEvent;
use crate::store::call_log::{CallLogUpdate, CallQuality};
use crate::store::{self, call_log, StoreError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

enum Work {
    Update(CallLogUpdate, i64),
    /// Answered once everything sent before it is committed.
    Flush(mpsc::Sender<()>),
    /// The user saw the history; answered with the outcome.
    MarkSeen(mpsc::Sender<Result<usize, StoreError>>),
}

/// The call log's view of an event: what it records of it, if anything.
pub fn update_for(event: &PhoneEvent) -> Option<CallLogUpdate> {
    let update = match event {
        PhoneEvent::Incoming { call, call_id, from, display_name, account } => CallLogUpdate::Incoming {
            call: call.clone(),
            call_id: call_id.clone(),
            account: account.clone(),
            peer: from.clone(),
            display_name: display_name.clone(),
        },
        PhoneEvent::PushHint { call, caller, .. } => CallLogUpdate::PushHint { call: call.clone(), caller: caller.clone() },
        PhoneEvent::Calling { call, target, account, call_id } => {
            CallLogUpdate::Outgoing { call: call.clone(), call_id: Some(call_id.clone()), account: Some(account.clone()), peer: target.clone() }
        }
        PhoneEvent::Answered { call } => CallLogUpdate::Answered { call: call.clone() },
        PhoneEvent::CallEnded { call, reason, sip_code, duration_ms } => {
            CallLogUpdate::Ended { call: call.clone(), reason: reason.as_str().to_string(), sip_code: *sip_code, duration_ms: *duration_ms }
        }
        PhoneEvent::MediaStats { call, codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct, packets_sent, packets_received } => {
            CallLogUpdate::Quality {
                call: call.clone(),
                quality: CallQuality {
                    codec: codec.clone(),
                    srtp: *srtp,
                    jitter_ms: f64::from(*jitter_ms),
                    loss_pct: f64::from(*loss_pct),
                    rtt_ms: rtt_ms.map(f64::from),
                    mos: f64::from(*mos),
                    concealed_pct: f64::from(*concealed_pct),
                    packets_sent: *packets_sent as i64,
                    packets_received: *packets_received as i64,
                },
            }
        }
        PhoneEvent::PushTimeline { call, stages, diagnostic } => {
            CallLogUpdate::PushTimeline { call: call.clone(), timeline_json: serde_json::to_string(stages).unwrap_or_default(), diagnostic: diagnostic.clone() }
        }
        _ => return None,
    };
    Some(update)
}

pub struct CallLogWriter {
    work: mpsc::Sender<Work>,
    /// Reads go through their own connection (WAL: they never wait for the writer).
    reader: Mutex<Connection>,
    region: Option<phonenumber::country::Id>,
}

impl CallLogWriter {
    /// Opens `data_dir`'s database (migrating it), closes calls a crash left open, and starts
    /// the writer thread.
    #[cfg(test)]
    pub fn start(data_dir: &Path) -> Result<Arc<CallLogWriter>, StoreError> {
        Self::start_in_region(data_dir, None)
    }

    /// As [`Self::start`]; `region` reads national numbers when naming calls from contacts.
    pub fn start_in_region(data_dir: &Path, region: Option<phonenumber::country::Id>) -> Result<Arc<CallLogWriter>, StoreError> {
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
                        Work::Update(update, now_ms) => {
                            // A failed write is reported, never fatal: the call goes on, and
                            // what the log already holds stays.
                            if let Err(e) = call_log::apply(&mut conn, &update, now_ms, region) {
                                tracing::error!(error = %e, "call log write failed");
                            }
                        }
                        Work::MarkSeen(done) => {
                            done.send(call_log::mark_seen(&conn)).ok();
                        }
                        Work::Flush(done) => {
                            done.send(()).ok();
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Open { path: path.clone(), source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)) })?;
        Ok(Arc::new(CallLogWriter { work: tx, reader: Mutex::new(reader), region }))
    }

    /// Queues `event` for the log if it changes it.
    pub fn record(&self, event: &PhoneEvent) {
        let Some(update) = update_for(event) else { return };
        let now_ms = super::clock::wall_ms();
        self.work.send(Work::Update(update, now_ms)).ok();
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

    /// The history screen's calls (design §6), named from contacts, with the unseen missed count.
    pub fn history(&self, limit: u32, missed_only: bool) -> Result<call_log::History, StoreError> {
        self.flush();
        let conn = self.reader.lock().map_err(|_| StoreError::Query { what: "reading the history", source: rusqlite::Error::InvalidQuery })?;
        call_log::history(&conn, limit, missed_only, self.region)
    }

    /// Marks every missed call seen (on the writer thread: the log has one writer).
    pub fn mark_seen(&self) -> Result<usize, StoreError> {
        let (done, wait) = mpsc::channel();
        self.work.send(Work::MarkSeen(done)).map_err(|_| StoreError::Query { what: "marking the history seen", source: rusqlite::Error::InvalidQuery })?;
        wait.recv_timeout(Duration::from_secs(5)).map_err(|_| StoreError::Query { what: "marking the history seen", source: rusqlite::Error::InvalidQuery })?
    }

    /// One call's entry, with everything recorded so far.
    pub fn get(&self, call: &str) -> Result<Option<call_log::CallLogEntry>, StoreError> {
        self.flush();
        let conn = self.reader.lock().map_err(|_| StoreError::Query { what: "reading a call", source: rusqlite::Error::InvalidQuery })?;
        call_log::get(&conn, call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signalling::call::EndReason;

    #[test]
    fn recorded_events_are_in_the_log_when_read_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let writer = CallLogWriter::start(dir.path()).unwrap();
        writer.record(&PhoneEvent::Calling { call: "c".into(), target: "1003".into(), account: "1001@pbx".into(), call_id: "x@h".into() });
        writer.record(&PhoneEvent::Answered { call: "c".into() });
        let e = writer.get("c").unwrap().unwrap();
        assert!(e.answered_ms.is_some() && e.ended_ms.is_none());
        assert_eq!((e.account.as_deref(), e.call_id.as_deref()), (Some("1001@pbx"), Some("x@h")), "outgoing rows carry account and Call-ID");
        // The process dies mid-call: the next start finds the entry and closes it.
        drop(writer);
        let again = CallLogWriter::start(dir.path()).unwrap();
        let e = again.get("c").unwrap().unwrap();
        assert_eq!(e.reason.as_deref(), Some("failed"));
        again.record(&PhoneEvent::CallEnded { call: "c".into(), reason: EndReason::LocalHangup, sip_code: None, duration_ms: None });
        assert_eq!(again.recent(5).unwrap().len(), 1);
    }
}
