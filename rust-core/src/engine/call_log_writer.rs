//! The call log's recorder: folds the core's call events into the call log through the
//! process's one writer ([`StoreWriter`]), so SQLite's fsyncs never stall a tokio task or the
//! audio. Input: events from the listener tap; output: committed rows, and answers to the
//! shells' history queries.

use super::events::PhoneEvent;
#[cfg(test)]
use super::events::PhoneListener;
use super::store_writer::StoreWriter;
use crate::store::call_log::{CallLogUpdate, CallQuality};
use crate::store::{call_log, StoreError};
use rusqlite::Connection;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// The call log's side of the store: its events go to the process's one writer as jobs, its
/// reads through a read-only connection of its own.
pub struct CallLogWriter {
    writer: Arc<StoreWriter>,
    /// Reads go through their own connection (WAL: they never wait for the writer).
    reader: Mutex<Connection>,
    region: Option<phonenumber::country::Id>,
}

/// How long a reader waits for the events recorded before it to be committed.
const FLUSH: Duration = Duration::from_secs(2);

impl CallLogWriter {
    /// Closes calls a crash left open, then records through `writer`; `region` reads national
    /// numbers when naming calls from contacts.
    pub fn start(writer: Arc<StoreWriter>, region: Option<phonenumber::country::Id>) -> Result<Arc<CallLogWriter>, StoreError> {
        let interrupted = writer.call_blocking(Duration::from_secs(30), |conn| call_log::close_interrupted(conn))?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "calls left open by the previous run ended as failed");
        }
        let reader = writer.reader()?;
        Ok(Arc::new(CallLogWriter { writer, reader: Mutex::new(reader), region }))
    }

    /// Queues `event` for the log if it changes it.
    pub fn record(&self, event: &PhoneEvent) {
        let Some(update) = update_for(event) else { return };
        let now_ms = super::clock::wall_ms();
        let region = self.region;
        self.writer.submit(move |conn| {
            // A failed write is reported, never fatal: the call goes on, and what the log
            // already holds stays.
            if let Err(e) = call_log::apply(conn, &update, now_ms, region) {
                tracing::error!(error = %e, "call log write failed");
            }
        });
    }

    /// Waits (at most 2 s) until every event recorded so far is committed.
    pub fn flush(&self) {
        let _ = self.writer.call_blocking(FLUSH, |_| Ok(()));
    }

    fn read<T>(&self, what: &'static str, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.flush();
        let conn = self.reader.lock().map_err(|_| StoreError::Query { what, source: rusqlite::Error::InvalidQuery })?;
        f(&conn)
    }

    /// The newest `limit` calls, with everything recorded so far.
    pub fn recent(&self, limit: u32) -> Result<Vec<call_log::CallLogEntry>, StoreError> {
        self.read("reading the call log", |conn| call_log::recent(conn, limit))
    }

    /// The history screen's calls (design §6), named from contacts, with the unseen missed count.
    pub fn history(&self, limit: u32, missed_only: bool) -> Result<call_log::History, StoreError> {
        self.read("reading the history", |conn| call_log::history(conn, limit, missed_only, self.region))
    }

    /// Marks every missed call seen (on the writer, after the events before it).
    pub fn mark_seen(&self) -> Result<usize, StoreError> {
        self.writer.call_blocking(Duration::from_secs(5), |conn| call_log::mark_seen(conn))
    }

    /// One call's entry, with everything recorded so far.
    pub fn get(&self, call: &str) -> Result<Option<call_log::CallLogEntry>, StoreError> {
        self.read("reading a call", |conn| call_log::get(conn, call))
    }
}

/// Passes every event to the shell's listener after queueing it for the call log (the event
/// bus does this in the engine; the tests here use it alone).
#[cfg(test)]
pub struct CallLogTap {
    pub inner: Arc<dyn PhoneListener>,
    pub writer: Arc<CallLogWriter>,
}

#[cfg(test)]
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
        let path = dir.path().join(crate::store::FILE_NAME);
        let writer = CallLogWriter::start(StoreWriter::start(&path).unwrap(), None).unwrap();
        let tap = CallLogTap { inner: Arc::new(Nothing), writer: writer.clone() };
        tap.on_event(PhoneEvent::Calling { call: "c".into(), target: "1003".into(), account: "1001@pbx".into(), call_id: "x@h".into() });
        tap.on_event(PhoneEvent::Answered { call: "c".into() });
        let e = writer.get("c").unwrap().unwrap();
        assert!(e.answered_ms.is_some() && e.ended_ms.is_none());
        assert_eq!((e.account.as_deref(), e.call_id.as_deref()), (Some("1001@pbx"), Some("x@h")), "outgoing rows carry account and Call-ID");
        // The process dies mid-call: the next start finds the entry and closes it.
        drop(tap);
        drop(writer);
        let again = CallLogWriter::start(StoreWriter::start(&path).unwrap(), None).unwrap();
        let e = again.get("c").unwrap().unwrap();
        assert_eq!(e.reason.as_deref(), Some("failed"));
        let tap = CallLogTap { inner: Arc::new(Nothing), writer: again.clone() };
        tap.on_event(PhoneEvent::CallEnded { call: "c".into(), reason: EndReason::LocalHangup, sip_code: None, duration_ms: None });
        assert_eq!(again.recent(5).unwrap().len(), 1);
    }
}
