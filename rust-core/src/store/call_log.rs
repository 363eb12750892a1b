//! The call log: the core's call events folded into one row per call (keyed by the call's
//! stable uuid, so a push and its INVITE never make two entries), and the queries the shells'
//! history screens make.

use super::StoreError;
use crate::engine::events::PhoneEvent;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// One call as the history screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallLogEntry {
    pub call: String,
    pub call_id: Option<String>,
    pub account: Option<String>,
    /// `in` or `out`.
    pub direction: String,
    /// The caller (incoming) or the number dialled (outgoing).
    pub peer: String,
    pub display_name: Option<String>,
    /// Wall clock, ms since 1970.
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    /// Design §2 end reasons (`answered_elsewhere`, `cancelled`…); none while it goes on.
    pub reason: Option<String>,
    pub sip_code: Option<u16>,
    pub duration_ms: Option<i64>,
    pub push_woken: bool,
    /// A caller who gave up, or a call nobody took: never one answered elsewhere.
    pub missed: bool,
    pub quality: Option<CallQuality>,
    /// A push-woken call's stages (JSON array of `{stage, ms}`).
    pub push_timeline: Option<serde_json::Value>,
    pub push_diagnostic: Option<String>,
}

/// The call's last audio quality report (`media_stats`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallQuality {
    pub codec: String,
    pub srtp: bool,
    pub jitter_ms: f64,
    pub loss_pct: f64,
    pub rtt_ms: Option<f64>,
    pub mos: f64,
    pub concealed_pct: f64,
    pub packets_sent: i64,
    pub packets_received: i64,
}

/// Whether `event` changes the call log (the writer skips the rest without a transaction).
pub fn records(event: &PhoneEvent) -> bool {
    matches!(
        event,
        PhoneEvent::Incoming { .. }
            | PhoneEvent::Calling { .. }
            | PhoneEvent::PushHint { .. }
            | PhoneEvent::Answered { .. }
            | PhoneEvent::CallEnded { .. }
            | PhoneEvent::MediaStats { .. }
            | PhoneEvent::PushTimeline { .. }
    )
}

/// Folds one event, seen at `now_ms` (wall clock), into the log, in one transaction.
pub fn apply(conn: &mut Connection, event: &PhoneEvent, now_ms: i64) -> Result<(), StoreError> {
    let fail = |source| StoreError::Query { what: "recording a call event", source };
    let tx = conn.transaction().map_err(fail)?;
    match event {
        PhoneEvent::Incoming { call, call_id, from, display_name, account } => {
            // The push may have made the row already: the INVITE completes it.
            tx.execute(
                "INSERT INTO call_log (call_uuid, call_id, account, direction, peer, display_name, started_ms)
                 VALUES (?1, ?2, ?3, 'in', ?4, ?5, ?6)
                 ON CONFLICT (call_uuid) DO UPDATE SET call_id = excluded.call_id, account = excluded.account,
                     peer = excluded.peer, display_name = coalesce(excluded.display_name, display_name)",
                params![call, call_id, account, from, display_name, now_ms],
            )
            .map_err(fail)?;
        }
        PhoneEvent::PushHint { call, caller, .. } => {
            tx.execute(
                "INSERT INTO call_log (call_uuid, direction, peer, started_ms, push_woken) VALUES (?1, 'in', ?2, ?3, 1)
                 ON CONFLICT (call_uuid) DO UPDATE SET push_woken = 1",
                params![call, caller, now_ms],
            )
            .map_err(fail)?;
        }
        PhoneEvent::Calling { call, target, .. } => {
            tx.execute(
                "INSERT INTO call_log (call_uuid, direction, peer, started_ms) VALUES (?1, 'out', ?2, ?3) ON CONFLICT (call_uuid) DO NOTHING",
                params![call, target, now_ms],
            )
            .map_err(fail)?;
        }
        PhoneEvent::Answered { call } => {
            tx.execute("UPDATE call_log SET answered_ms = coalesce(answered_ms, ?2) WHERE call_uuid = ?1", params![call, now_ms]).map_err(fail)?;
        }
        PhoneEvent::CallEnded { call, reason, sip_code, duration_ms } => {
            // A call ends once: a late duplicate (a push after the end) does not rewrite it.
            let reason = reason.as_str();
            tx.execute(
                "UPDATE call_log SET ended_ms = ?2, reason = ?3, sip_code = ?4, duration_ms = ?5 WHERE call_uuid = ?1 AND ended_ms IS NULL",
                params![call, now_ms, reason, sip_code, duration_ms.map(|d| d as i64)],
            )
            .map_err(fail)?;
        }
        PhoneEvent::MediaStats { call, codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct, packets_sent, packets_received } => {
            tx.execute(
                "UPDATE call_log SET codec = ?2, srtp = ?3, jitter_ms = ?4, loss_pct = ?5, rtt_ms = ?6, mos = ?7, concealed_pct = ?8,
                     packets_sent = ?9, packets_received = ?10 WHERE call_uuid = ?1",
                params![call, codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct, *packets_sent as i64, *packets_received as i64],
            )
            .map_err(fail)?;
        }
        PhoneEvent::PushTimeline { call, stages, diagnostic } => {
            let timeline = serde_json::to_string(stages).unwrap_or_default();
            tx.execute(
                "UPDATE call_log SET push_timeline = ?2, push_diagnostic = ?3, push_woken = 1 WHERE call_uuid = ?1",
                params![call, timeline, diagnostic],
            )
            .map_err(fail)?;
        }
        _ => {}
    }
    tx.commit().map_err(fail)
}

/// Calls a previous run left open (the app was killed mid-call): they end `failed` at the
/// moment they were last known to go on, so they never show as still running.
pub fn close_interrupted(conn: &Connection) -> Result<usize, StoreError> {
    conn.execute("UPDATE call_log SET ended_ms = coalesce(answered_ms, started_ms), reason = 'failed' WHERE ended_ms IS NULL", [])
        .map_err(|source| StoreError::Query { what: "closing interrupted calls", source })
}

const COLUMNS: &str = "call_uuid, call_id, account, direction, peer, display_name, started_ms, answered_ms, ended_ms, reason, sip_code,
    duration_ms, push_woken, codec, srtp, jitter_ms, loss_pct, rtt_ms, mos, concealed_pct, packets_sent, packets_received,
    push_timeline, push_diagnostic";

fn entry(row: &Row) -> rusqlite::Result<CallLogEntry> {
    let direction: String = row.get(3)?;
    let reason: Option<String> = row.get(9)?;
    let codec: Option<String> = row.get(13)?;
    let quality = match codec {
        Some(codec) => Some(CallQuality {
            codec,
            srtp: row.get::<_, Option<bool>>(14)?.unwrap_or(false),
            jitter_ms: row.get::<_, Option<f64>>(15)?.unwrap_or(0.0),
            loss_pct: row.get::<_, Option<f64>>(16)?.unwrap_or(0.0),
            rtt_ms: row.get(17)?,
            mos: row.get::<_, Option<f64>>(18)?.unwrap_or(0.0),
            concealed_pct: row.get::<_, Option<f64>>(19)?.unwrap_or(0.0),
            packets_sent: row.get::<_, Option<i64>>(20)?.unwrap_or(0),
            packets_received: row.get::<_, Option<i64>>(21)?.unwrap_or(0),
        }),
        None => None,
    };
    let timeline: Option<String> = row.get(22)?;
    Ok(CallLogEntry {
        call: row.get(0)?,
        call_id: row.get(1)?,
        account: row.get(2)?,
        missed: direction == "in" && matches!(reason.as_deref(), Some("cancelled" | "unanswered")),
        direction,
        peer: row.get(4)?,
        display_name: row.get(5)?,
        started_ms: row.get(6)?,
        answered_ms: row.get(7)?,
        ended_ms: row.get(8)?,
        reason,
        sip_code: row.get(10)?,
        duration_ms: row.get(11)?,
        push_woken: row.get(12)?,
        quality,
        push_timeline: timeline.and_then(|t| serde_json::from_str(&t).ok()),
        push_diagnostic: row.get(23)?,
    })
}

/// The newest `limit` calls, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<CallLogEntry>, StoreError> {
    let fail = |source| StoreError::Query { what: "reading the call log", source };
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM call_log ORDER BY started_ms DESC, rowid DESC LIMIT ?1")).map_err(fail)?;
    let rows = stmt.query_map([limit], entry).map_err(fail)?;
    rows.collect::<Result<_, _>>().map_err(fail)
}

/// One call's entry.
pub fn get(conn: &Connection, call: &str) -> Result<Option<CallLogEntry>, StoreError> {
    let fail = |source| StoreError::Query { what: "reading a call", source };
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM call_log WHERE call_uuid = ?1")).map_err(fail)?.query_row([call], entry).optional().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signalling::call::EndReason;

    fn db() -> Connection {
        super::super::open_in_memory().unwrap()
    }

    fn incoming(call: &str) -> PhoneEvent {
        PhoneEvent::Incoming {
            call: call.into(),
            call_id: "cid".into(),
            from: "sip:1002@pbx".into(),
            display_name: Some("Bob".into()),
            account: "1001@pbx".into(),
        }
    }

    fn ended(call: &str, reason: EndReason) -> PhoneEvent {
        PhoneEvent::CallEnded { call: call.into(), reason, sip_code: None, duration_ms: Some(4000) }
    }

    #[test]
    fn an_answered_call_keeps_its_times_reason_and_last_quality_report() {
        let mut c = db();
        apply(&mut c, &incoming("a"), 1000).unwrap();
        apply(&mut c, &PhoneEvent::Answered { call: "a".into() }, 2000).unwrap();
        for mos in [4.0, 4.3] {
            let stats = PhoneEvent::MediaStats {
                call: "a".into(),
                codec: "opus".into(),
                srtp: true,
                jitter_ms: 1.5,
                loss_pct: 0.0,
                rtt_ms: None,
                mos,
                concealed_pct: 0.5,
                packets_sent: 200,
                packets_received: 199,
            };
            apply(&mut c, &stats, 5000).unwrap();
        }
        apply(&mut c, &ended("a", EndReason::RemoteHangup), 6000).unwrap();
        let e = get(&c, "a").unwrap().unwrap();
        assert_eq!((e.direction.as_str(), e.peer.as_str(), e.display_name.as_deref()), ("in", "sip:1002@pbx", Some("Bob")));
        assert_eq!(
            (e.started_ms, e.answered_ms, e.ended_ms, e.reason.as_deref(), e.duration_ms),
            (1000, Some(2000), Some(6000), Some("remote_hangup"), Some(4000))
        );
        let q = e.quality.unwrap();
        assert_eq!((q.codec.as_str(), q.srtp, q.mos as f32, q.packets_received), ("opus", true, 4.3, 199));
        assert!(!e.missed);
    }

    #[test]
    fn answered_elsewhere_is_not_missed_and_a_caller_who_gave_up_is() {
        let mut c = db();
        apply(&mut c, &incoming("desk"), 1).unwrap();
        apply(&mut c, &ended("desk", EndReason::AnsweredElsewhere), 2).unwrap();
        apply(&mut c, &incoming("gone"), 3).unwrap();
        apply(&mut c, &ended("gone", EndReason::Cancelled), 4).unwrap();
        let log = recent(&c, 10).unwrap();
        assert_eq!(log.iter().map(|e| (e.call.as_str(), e.missed)).collect::<Vec<_>>(), vec![("gone", true), ("desk", false)]);
    }

    #[test]
    fn a_push_and_its_invite_are_one_entry_with_the_timeline() {
        let mut c = db();
        let hint = PhoneEvent::PushHint { call: "p".into(), action: "ring".into(), caller: "sip:1002@pbx".into(), reason: None, diagnostic: None };
        apply(&mut c, &hint, 100).unwrap();
        apply(&mut c, &incoming("p"), 180).unwrap();
        apply(&mut c, &ended("p", EndReason::LocalHangup), 900).unwrap();
        let stages = vec![crate::engine::push_wakes::TimelineStage { stage: crate::push::wake::WakeStage::PushReceived, ms: 0.0 }];
        apply(&mut c, &PhoneEvent::PushTimeline { call: "p".into(), stages, diagnostic: None }, 901).unwrap();
        // A late duplicate end does not rewrite the first.
        apply(&mut c, &ended("p", EndReason::Failed), 950).unwrap();
        let log = recent(&c, 10).unwrap();
        assert_eq!(log.len(), 1);
        let e = &log[0];
        assert_eq!((e.started_ms, e.call_id.as_deref(), e.push_woken, e.reason.as_deref()), (100, Some("cid"), true, Some("local_hangup")));
        assert_eq!(e.push_timeline.as_ref().unwrap()[0]["stage"], "push_received");
    }

    #[test]
    fn calls_a_crash_left_open_end_failed() {
        let mut c = db();
        apply(&mut c, &PhoneEvent::Calling { call: "o".into(), target: "1003".into(), account: "1001@pbx".into() }, 10).unwrap();
        apply(&mut c, &PhoneEvent::Answered { call: "o".into() }, 20).unwrap();
        assert_eq!(close_interrupted(&c).unwrap(), 1);
        let e = get(&c, "o").unwrap().unwrap();
        assert_eq!((e.direction.as_str(), e.ended_ms, e.reason.as_deref()), ("out", Some(20), Some("failed")));
    }
}
