//! JSON-lines events on stdout (design §4): each line an object with `event` and `t` (ms since
//! the Unix epoch). Logs go to stderr, never here.

use ringside_core::clock::wall_ms;
use ringside_core::{PhoneEvent, PhoneListener};
use std::io::Write;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Prints every event and forwards it to the command that is waiting on it.
pub struct JsonLines {
    out: Mutex<std::io::Stdout>,
    forward: mpsc::UnboundedSender<PhoneEvent>,
}

impl JsonLines {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<PhoneEvent>) {
        let (forward, rx) = mpsc::unbounded_channel();
        (JsonLines { out: Mutex::new(std::io::stdout()), forward }, rx)
    }
}

pub fn line(event: &PhoneEvent) -> String {
    let mut value = serde_json::to_value(event).unwrap_or_else(|_| serde_json::json!({"event": "error"}));
    let t = wall_ms();
    if let Some(obj) = value.as_object_mut() {
        obj.insert("t".into(), t.into());
    }
    value.to_string()
}

/// The `call_log` answer of `drive`: the entries as the database holds them.
pub fn call_log_line(entries: &[ringside_core::library::CallLogEntry]) -> String {
    let t = wall_ms();
    serde_json::json!({"event": "call_log", "entries": entries, "t": t}).to_string()
}

impl PhoneListener for JsonLines {
    fn on_event(&self, event: PhoneEvent) {
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{}", line(&event));
            let _ = out.flush();
        }
        let _ = self.forward.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_line_has_name_and_timestamp() {
        let l = line(&PhoneEvent::Registered { account: "1001@d".into(), expires: 600, contact: "sip:1001@h".into(), push: None });
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["event"], "registered");
        assert_eq!(v["expires"], 600);
        assert!(v["t"].as_u64().unwrap() > 1_600_000_000_000);
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use std::path::PathBuf;

    fn proto() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto")
    }

    fn validator() -> jsonschema::Validator {
        let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(proto().join("cli-events.schema.json")).unwrap()).unwrap();
        jsonschema::validator_for(&schema).expect("the schema itself is valid")
    }

    fn vectors(kind: &str) -> Vec<(String, serde_json::Value)> {
        let dir = proto().join("examples/cli-events").join(kind);
        let mut out: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!out.is_empty(), "no vectors in {}", dir.display());
        out
    }

    #[test]
    fn proto_vectors_pass_and_fail_as_named() {
        let v = validator();
        for (name, value) in vectors("valid") {
            assert!(v.is_valid(&value), "valid/{name} rejected");
        }
        for (name, value) in vectors("invalid") {
            assert!(!v.is_valid(&value), "invalid/{name} accepted");
        }
    }

    const UUID: &str = "604f587c-7ce8-5a9c-bc1a-47187f6cd4ae";

    #[test]
    fn every_event_the_core_emits_matches_the_schema() {
        use ringside_core::vocab::EndReason;
        use ringside_core::SyncSource;
        let v = validator();
        let events = [
            PhoneEvent::Registered { account: "1001@d".into(), expires: 600, contact: "sip:1001@h:5060".into(), push: None },
            PhoneEvent::Registered { account: "1001@d".into(), expires: 600, contact: "sip:1001@h:5060".into(), push: Some(false) },
            PhoneEvent::RegistrationFailed { account: "1001@d".into(), code: 408, reason: "timeout".into(), retry_in_ms: Some(2000) },
            PhoneEvent::RegistrationFailed { account: "1001@d".into(), code: 403, reason: "Forbidden".into(), retry_in_ms: None },
            PhoneEvent::Unregistered { account: "1001@d".into() },
            PhoneEvent::Error { message: "x".into() },
            PhoneEvent::Mwi { account: "1001@d".into(), new: 2, old: 8 },
            PhoneEvent::Calling { call: UUID.into(), target: "1002".into(), account: "1001@d".into(), call_id: "c@h".into() },
            PhoneEvent::Incoming { call: UUID.into(), call_id: "c@h".into(), from: "sip:a@b".into(), display_name: None, account: "1001@d".into() },
            PhoneEvent::Ringing { call: UUID.into() },
            PhoneEvent::EarlyMedia { call: UUID.into() },
            PhoneEvent::Answered { call: UUID.into() },
            PhoneEvent::Held { call: UUID.into(), by_remote: true },
            PhoneEvent::Resumed { call: UUID.into(), by_remote: false },
            PhoneEvent::Muted { call: UUID.into(), muted: true },
            PhoneEvent::PushHint { call: UUID.into(), action: "ring".into(), caller: "sip:a@b".into(), reason: None, diagnostic: None },
            PhoneEvent::PushHint {
                call: UUID.into(),
                action: "end".into(),
                caller: "unknown".into(),
                reason: Some(EndReason::Failed),
                diagnostic: Some("bad".into()),
            },
            PhoneEvent::MediaStats {
                call: UUID.into(),
                codec: "PCMU".into(),
                srtp: false,
                jitter_ms: 2.5,
                loss_pct: 0.5,
                rtt_ms: None,
                mos: 4.3,
                concealed_pct: 0.2,
                packets_sent: 10,
                packets_received: 9,
            },
            PhoneEvent::Dtmf { call: UUID.into(), digit: "#".into() },
            PhoneEvent::Transferred { call: UUID.into(), target: "sip:1003@d".into() },
            PhoneEvent::TransferFailed { call: UUID.into(), target: "sip:1003@d".into(), sip_code: 486 },
            PhoneEvent::CallEnded { call: UUID.into(), reason: EndReason::Cancelled, sip_code: Some(487), duration_ms: None },
            PhoneEvent::CallEnded { call: UUID.into(), reason: EndReason::LocalHangup, sip_code: None, duration_ms: Some(3001) },
            PhoneEvent::SyncProgress { source: SyncSource::Directory, done: 1, total: Some(3) },
            PhoneEvent::SyncProgress { source: SyncSource::Voicemail, done: 0, total: None },
            PhoneEvent::SyncFinished {
                source: SyncSource::Voicemail,
                report: ringside_core::library::SyncReport { added: 1, updated: 0, removed: 2, skipped: vec!["x".into()] },
            },
            PhoneEvent::SyncFailed { source: SyncSource::Directory, message: "HTTP 500".into() },
        ];
        for e in events {
            let value: serde_json::Value = serde_json::from_str(&line(&e)).unwrap();
            assert!(v.is_valid(&value), "{value}");
        }
    }

    #[test]
    fn the_call_log_answer_matches_the_schema() {
        use ringside_core::library::{CallLogEntry, CallQuality};
        use ringside_core::{TimelineStage, WakeStage};
        let timeline =
            [(WakeStage::PushReceived, 0.0), (WakeStage::Invite, 180.5), (WakeStage::Answered, 2400.0)].map(|(stage, ms)| TimelineStage { stage, ms });
        // Every field filled (a push-woken call answered, with its quality), then the fewest
        // (an outgoing call still going on).
        let answered = CallLogEntry {
            call: UUID.into(),
            call_id: Some("c@h".into()),
            account: Some("1001@d".into()),
            direction: "in".into(),
            peer: "sip:a@b".into(),
            display_name: Some("Carol".into()),
            started_ms: 1000,
            answered_ms: Some(1002),
            ended_ms: Some(1012),
            reason: Some("remote_hangup".into()),
            sip_code: Some(200),
            duration_ms: Some(10),
            push_woken: true,
            missed: false,
            seen: true,
            ring_ms: Some(2),
            talk_ms: Some(10),
            quality: Some(CallQuality {
                codec: "opus".into(),
                srtp: true,
                jitter_ms: 1.0,
                loss_pct: 0.0,
                rtt_ms: Some(3.0),
                mos: 4.4,
                concealed_pct: 0.0,
                packets_sent: 5,
                packets_received: 5,
            }),
            push_timeline: Some(serde_json::to_value(timeline).unwrap()),
            push_diagnostic: Some("woken in 180 ms".into()),
        };
        let going_on = CallLogEntry {
            call: "c0c88527-b8be-5422-88ac-3ba4c43ae418".into(),
            call_id: Some("o@h".into()),
            account: Some("1001@d".into()),
            direction: "out".into(),
            peer: "1002".into(),
            display_name: None,
            started_ms: 1005,
            answered_ms: None,
            ended_ms: None,
            reason: None,
            sip_code: None,
            duration_ms: None,
            push_woken: false,
            missed: false,
            seen: true,
            ring_ms: None,
            talk_ms: None,
            quality: None,
            push_timeline: None,
            push_diagnostic: None,
        };
        let value: serde_json::Value = serde_json::from_str(&call_log_line(&[answered, going_on])).unwrap();
        assert!(validator().is_valid(&value), "{value}");
    }
}
