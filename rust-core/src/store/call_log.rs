//! The call log: the core's call events folded into one row per call (keyed by the call's
//! stable uuid, so a push and its INVITE never make two entries), and the queries the shells'
//! history screens make.

use super::StoreError;
use phonenumber::country::Id;
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
    /// Whether the user has seen this missed call (`mark_seen`); other calls are always seen.
    pub seen: bool,
    /// How long it rang: from its start to the answer, or to its end if never answered.
    pub ring_ms: Option<i64>,
    /// How long the two talked: from the answer to the end.
    pub talk_ms: Option<i64>,
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

/// What the call log learns of a call, in the store's own terms (the engine maps its events
/// onto these). `reason` is a design §2 end reason name (`answered_elsewhere`, `cancelled`…).
#[derive(Debug, Clone, PartialEq)]
pub enum CallLogUpdate {
    /// A call rings here (its INVITE); a push may have made the row already.
    Incoming {
        call: String,
        call_id: String,
        account: String,
        peer: String,
        display_name: Option<String>,
    },
    /// A push announced a call before its INVITE.
    PushHint {
        call: String,
        caller: String,
    },
    /// We placed a call.
    Outgoing {
        call: String,
        call_id: Option<String>,
        account: Option<String>,
        peer: String,
    },
    Answered {
        call: String,
    },
    Ended {
        call: String,
        reason: String,
        sip_code: Option<u16>,
        duration_ms: Option<u64>,
    },
    /// The call's latest audio quality report (each replaces the one before).
    Quality {
        call: String,
        quality: CallQuality,
    },
    /// A push-woken call's stages (JSON array of `{stage, ms}`) and why a wake failed.
    PushTimeline {
        call: String,
        timeline_json: String,
        diagnostic: Option<String>,
    },
}

/// Folds one update, seen at `now_ms` (wall clock), into the log, in one transaction. A call
/// whose signalling gave no name gets its contact's (`region`: how national numbers read).
pub fn apply(conn: &mut Connection, update: &CallLogUpdate, now_ms: i64, region: Option<Id>) -> Result<(), StoreError> {
    let fail = |source| StoreError::Query { what: "recording a call event", source };
    let tx = conn.transaction().map_err(fail)?;
    let name_of =
        |peer: &str, given: &Option<String>| -> Option<String> { given.clone().or_else(|| super::contacts::name_for(&tx, peer, region).ok().flatten()) };
    match update {
        CallLogUpdate::Incoming { call, call_id, account, peer, display_name } => {
            let display_name = name_of(peer, display_name);
            tx.execute(
                "INSERT INTO call_log (call_uuid, call_id, account, direction, peer, display_name, started_ms)
                 VALUES (?1, ?2, ?3, 'in', ?4, ?5, ?6)
                 ON CONFLICT (call_uuid) DO UPDATE SET call_id = excluded.call_id, account = excluded.account,
                     peer = excluded.peer, display_name = coalesce(excluded.display_name, display_name)",
                params![call, call_id, account, peer, display_name, now_ms],
            )
            .map_err(fail)?;
        }
        CallLogUpdate::PushHint { call, caller } => {
            let display_name = name_of(caller, &None);
            tx.execute(
                "INSERT INTO call_log (call_uuid, direction, peer, display_name, started_ms, push_woken) VALUES (?1, 'in', ?2, ?3, ?4, 1)
                 ON CONFLICT (call_uuid) DO UPDATE SET push_woken = 1",
                params![call, caller, display_name, now_ms],
            )
            .map_err(fail)?;
        }
        CallLogUpdate::Outgoing { call, call_id, account, peer } => {
            let display_name = name_of(peer, &None);
            tx.execute(
                "INSERT INTO call_log (call_uuid, call_id, account, direction, peer, display_name, started_ms, seen)
                 VALUES (?1, ?2, ?3, 'out', ?4, ?5, ?6, 1) ON CONFLICT (call_uuid) DO NOTHING",
                params![call, call_id, account, peer, display_name, now_ms],
            )
            .map_err(fail)?;
        }
        CallLogUpdate::Answered { call } => {
            tx.execute("UPDATE call_log SET answered_ms = coalesce(answered_ms, ?2) WHERE call_uuid = ?1", params![call, now_ms]).map_err(fail)?;
        }
        CallLogUpdate::Ended { call, reason, sip_code, duration_ms } => {
            // A call ends once: a late duplicate (a push after the end) does not rewrite it.
            tx.execute(
                "UPDATE call_log SET ended_ms = ?2, reason = ?3, sip_code = ?4, duration_ms = ?5 WHERE call_uuid = ?1 AND ended_ms IS NULL",
                params![call, now_ms, reason, sip_code, duration_ms.map(|d| d as i64)],
            )
            .map_err(fail)?;
        }
        CallLogUpdate::Quality { call, quality: q } => {
            tx.execute(
                "UPDATE call_log SET codec = ?2, srtp = ?3, jitter_ms = ?4, loss_pct = ?5, rtt_ms = ?6, mos = ?7, concealed_pct = ?8,
                     packets_sent = ?9, packets_received = ?10 WHERE call_uuid = ?1",
                params![call, q.codec, q.srtp, q.jitter_ms, q.loss_pct, q.rtt_ms, q.mos, q.concealed_pct, q.packets_sent, q.packets_received],
            )
            .map_err(fail)?;
        }
        CallLogUpdate::PushTimeline { call, timeline_json, diagnostic } => {
            tx.execute(
                "UPDATE call_log SET push_timeline = ?2, push_diagnostic = ?3, push_woken = 1 WHERE call_uuid = ?1",
                params![call, timeline_json, diagnostic],
            )
            .map_err(fail)?;
        }
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
    push_timeline, push_diagnostic, seen";

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
    let started_ms: i64 = row.get(6)?;
    let answered_ms: Option<i64> = row.get(7)?;
    let ended_ms: Option<i64> = row.get(8)?;
    let missed = direction == "in" && matches!(reason.as_deref(), Some("cancelled" | "unanswered"));
    Ok(CallLogEntry {
        call: row.get(0)?,
        call_id: row.get(1)?,
        account: row.get(2)?,
        missed,
        seen: !missed || row.get::<_, bool>(24)?,
        ring_ms: answered_ms.or(ended_ms).map(|t| (t - started_ms).max(0)),
        talk_ms: answered_ms.zip(ended_ms).map(|(a, e)| (e - a).max(0)),
        direction,
        peer: row.get(4)?,
        display_name: row.get(5)?,
        started_ms,
        answered_ms,
        ended_ms,
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

/// The history screen: the newest calls and how many missed calls are new.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub entries: Vec<CallLogEntry>,
    pub missed_unseen: u32,
}

/// Which rows count as missed (design §2: never one answered elsewhere).
const MISSED: &str = "direction = 'in' AND reason IN ('cancelled', 'unanswered')";

/// The newest `limit` calls (only the missed ones with `missed_only`), each named from the
/// contacts when its signalling gave no name, and the count of missed calls not yet seen.
pub fn history(conn: &Connection, limit: u32, missed_only: bool, region: Option<Id>) -> Result<History, StoreError> {
    let fail = |source| StoreError::Query { what: "reading the history", source };
    let filter = if missed_only { format!("WHERE {MISSED}") } else { String::new() };
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM call_log {filter} ORDER BY started_ms DESC, rowid DESC LIMIT ?1")).map_err(fail)?;
    let mut entries: Vec<CallLogEntry> = stmt.query_map([limit], entry).map_err(fail)?.collect::<Result<_, _>>().map_err(fail)?;
    // A contact added after the call still names it.
    for e in entries.iter_mut().filter(|e| e.display_name.is_none()) {
        e.display_name = super::contacts::name_for(conn, &e.peer, region)?;
    }
    let missed_unseen = conn.query_row(&format!("SELECT count(*) FROM call_log WHERE {MISSED} AND seen = 0"), [], |r| r.get(0)).map_err(fail)?;
    Ok(History { entries, missed_unseen })
}

/// The user saw the history: no missed call is new any more.
pub fn mark_seen(conn: &Connection) -> Result<usize, StoreError> {
    conn.execute("UPDATE call_log SET seen = 1 WHERE seen = 0", []).map_err(|source| StoreError::Query { what: "marking the history seen", source })
}

/// One call's entry.
pub fn get(conn: &Connection, call: &str) -> Result<Option<CallLogEntry>, StoreError> {
    let fail = |source| StoreError::Query { what: "reading a call", source };
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM call_log WHERE call_uuid = ?1")).map_err(fail)?.query_row([call], entry).optional().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        super::super::open_in_memory().unwrap()
    }

    fn up(c: &mut Connection, update: CallLogUpdate, now_ms: i64) {
        apply(c, &update, now_ms, super::super::numbers::region("FR")).unwrap();
    }

    fn incoming(call: &str, name: Option<&str>) -> CallLogUpdate {
        CallLogUpdate::Incoming {
            call: call.into(),
            call_id: "cid".into(),
            peer: "sip:1002@pbx".into(),
            display_name: name.map(str::to_string),
            account: "1001@pbx".into(),
        }
    }

    fn ended(call: &str, reason: &str) -> CallLogUpdate {
        CallLogUpdate::Ended { call: call.into(), reason: reason.into(), sip_code: None, duration_ms: Some(4000) }
    }

    fn quality(mos: f64) -> CallQuality {
        CallQuality {
            codec: "opus".into(),
            srtp: true,
            jitter_ms: 1.5,
            loss_pct: 0.0,
            rtt_ms: None,
            mos,
            concealed_pct: 0.5,
            packets_sent: 200,
            packets_received: 199,
        }
    }

    #[test]
    fn an_answered_call_keeps_its_times_durations_reason_and_last_quality_report() {
        let mut c = db();
        up(&mut c, incoming("a", Some("Bob")), 1000);
        up(&mut c, CallLogUpdate::Answered { call: "a".into() }, 2500);
        for mos in [4.0, 4.3] {
            up(&mut c, CallLogUpdate::Quality { call: "a".into(), quality: quality(mos) }, 5000);
        }
        up(&mut c, ended("a", "remote_hangup"), 6000);
        let e = get(&c, "a").unwrap().unwrap();
        assert_eq!((e.direction.as_str(), e.peer.as_str(), e.display_name.as_deref()), ("in", "sip:1002@pbx", Some("Bob")));
        assert_eq!(
            (e.started_ms, e.answered_ms, e.ended_ms, e.reason.as_deref(), e.duration_ms),
            (1000, Some(2500), Some(6000), Some("remote_hangup"), Some(4000))
        );
        assert_eq!((e.ring_ms, e.talk_ms), (Some(1500), Some(3500)));
        let q = e.quality.unwrap();
        assert_eq!((q.codec.as_str(), q.srtp, q.mos as f32, q.packets_received), ("opus", true, 4.3, 199));
        assert!(!e.missed && e.seen);
    }

    #[test]
    fn answered_elsewhere_is_not_missed_and_a_caller_who_gave_up_is_until_seen() {
        let mut c = db();
        up(&mut c, incoming("desk", None), 1);
        up(&mut c, ended("desk", "answered_elsewhere"), 2);
        up(&mut c, incoming("gone", None), 3);
        up(&mut c, ended("gone", "cancelled"), 4);
        let h = history(&c, 10, false, None).unwrap();
        assert_eq!(h.entries.iter().map(|e| (e.call.as_str(), e.missed, e.seen)).collect::<Vec<_>>(), vec![("gone", true, false), ("desk", false, true)]);
        assert_eq!((h.missed_unseen, h.entries[0].ring_ms, h.entries[0].talk_ms), (1, Some(1), None));
        assert_eq!(history(&c, 10, true, None).unwrap().entries.len(), 1);
        mark_seen(&c).unwrap();
        let h = history(&c, 10, true, None).unwrap();
        assert_eq!((h.missed_unseen, h.entries[0].seen), (0, true));
    }

    #[test]
    fn a_push_and_its_invite_are_one_entry_with_the_timeline() {
        let mut c = db();
        up(&mut c, CallLogUpdate::PushHint { call: "p".into(), caller: "sip:1002@pbx".into() }, 100);
        up(&mut c, incoming("p", Some("Bob")), 180);
        up(&mut c, ended("p", "local_hangup"), 900);
        up(&mut c, CallLogUpdate::PushTimeline { call: "p".into(), timeline_json: r#"[{"stage":"push_received","ms":0.0}]"#.into(), diagnostic: None }, 901);
        // A late duplicate end does not rewrite the first.
        up(&mut c, ended("p", "failed"), 950);
        let log = recent(&c, 10).unwrap();
        assert_eq!(log.len(), 1);
        let e = &log[0];
        assert_eq!((e.started_ms, e.call_id.as_deref(), e.push_woken, e.reason.as_deref()), (100, Some("cid"), true, Some("local_hangup")));
        assert_eq!(e.push_timeline.as_ref().unwrap()[0]["stage"], "push_received");
    }

    #[test]
    fn outgoing_calls_carry_account_call_id_and_the_contacts_name() {
        let mut c = db();
        let card = super::super::contacts::ContactCard {
            name: "Élodie".into(),
            numbers: vec![super::super::contacts::ContactNumber { number: "06 12 34 56 78".into(), ..Default::default() }],
            ..Default::default()
        };
        super::super::contacts::replace_device(&mut c, &[card], super::super::numbers::region("FR")).unwrap();
        let out = CallLogUpdate::Outgoing { call: "o".into(), call_id: Some("x@h".into()), account: Some("1001@pbx".into()), peer: "+33612345678".into() };
        up(&mut c, out, 10);
        let e = get(&c, "o").unwrap().unwrap();
        assert_eq!((e.call_id.as_deref(), e.account.as_deref(), e.display_name.as_deref()), (Some("x@h"), Some("1001@pbx"), Some("Élodie")));
        // An incoming call whose name SIP did not give, from a number added to contacts later.
        up(&mut c, CallLogUpdate::Incoming { call: "i".into(), call_id: "y".into(), account: "a".into(), peer: "sip:1009@pbx".into(), display_name: None }, 20);
        let card = super::super::contacts::ContactCard {
            name: "Desk 9".into(),
            numbers: vec![super::super::contacts::ContactNumber { number: "1009".into(), ..Default::default() }],
            ..Default::default()
        };
        super::super::contacts::replace_device(&mut c, &[card], None).unwrap();
        let h = history(&c, 5, false, None).unwrap();
        assert_eq!(h.entries[0].display_name.as_deref(), Some("Desk 9"));
    }

    #[test]
    fn calls_a_crash_left_open_end_failed() {
        let mut c = db();
        up(&mut c, CallLogUpdate::Outgoing { call: "o".into(), call_id: None, account: None, peer: "1003".into() }, 10);
        up(&mut c, CallLogUpdate::Answered { call: "o".into() }, 20);
        assert_eq!(close_interrupted(&c).unwrap(), 1);
        let e = get(&c, "o").unwrap().unwrap();
        assert_eq!((e.direction.as_str(), e.ended_ms, e.reason.as_deref()), ("out", Some(20), Some("failed")));
    }
}
