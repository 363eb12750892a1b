//! The push payload (proto/push-payload.schema.json), read leniently from either shape: the
//! custom keys of an APNs VoIP push (beside `aps`) or an FCM data map (all values strings).
//! Reading never fails outright: a bad payload is `Malformed` with the reason, so the caller
//! can still report a call (iOS demands it) and end it.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushType {
    Call,
    Cancel,
    Mwi,
    RegisterWakeup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPayload {
    pub kind: PushType,
    pub call_id: Option<String>,
    pub from_uri: Option<String>,
    pub display_name: Option<String>,
    /// The account it is for (`sip:1001@pbx.example`).
    pub to_uri: Option<String>,
    /// Milliseconds since the Unix epoch, on the gateway's clock; `None` when the gateway sent
    /// none (Flexisip and many PBX gateways do not): the push's age is then unknown, not stale.
    pub send_time_ms: Option<u64>,
    pub uuid: Option<String>,
    pub push_id: Option<String>,
    /// For `cancel`: how the call ended before it reached the phone. A missing reason reads as
    /// `cancelled` (the caller gave up): the safe default for the call log.
    pub reason: Option<crate::signalling::call::EndReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the push payload is not a JSON object")]
    NotAnObject,
    #[error("the push payload's {key} is missing")]
    Missing { key: &'static str },
    #[error("the push payload's {key} is not valid: {why}")]
    Invalid { key: &'static str, why: String },
}

/// What a payload said, as far as it could be read: a malformed one keeps its Call-ID and
/// caller when those were readable, for the call it must still report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Ok(PushPayload),
    Malformed { error: PayloadError, call_id: Option<String>, from_uri: Option<String> },
}

pub fn parse(envelope: &[u8]) -> Parsed {
    let value: Value = match serde_json::from_slice(envelope) {
        Ok(v) => v,
        Err(_) => return Parsed::Malformed { error: PayloadError::NotAnObject, call_id: None, from_uri: None },
    };
    // FCM's HTTP v1 message as a whole, when a shell hands that over: its `data` map.
    let map = value.get("message").and_then(|m| m.get("data")).or(value.get("data")).filter(|d| d.is_object()).unwrap_or(&value);
    let Some(map) = map.as_object() else {
        return Parsed::Malformed { error: PayloadError::NotAnObject, call_id: None, from_uri: None };
    };
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty());
    let call_id = text("call-id").filter(|c| c.len() <= 256);
    let from_uri = text("from-uri");
    let malformed = |error| Parsed::Malformed { error, call_id: call_id.clone(), from_uri: from_uri.clone() };
    let kind = match text("type").as_deref() {
        Some("call") => PushType::Call,
        Some("cancel") => PushType::Cancel,
        Some("mwi") => PushType::Mwi,
        Some("register-wakeup") => PushType::RegisterWakeup,
        Some(other) => return malformed(PayloadError::Invalid { key: "type", why: format!("{other:?} is not call, cancel, mwi or register-wakeup") }),
        None => return malformed(PayloadError::Missing { key: "type" }),
    };
    // A `send-time` that is there must be read, but one that is missing only means we cannot
    // tell the push's age: refusing it would end a call whose INVITE still comes and rings.
    let send_time_ms = match map.get("send-time") {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(t) => Some(t),
            None => return malformed(PayloadError::Invalid { key: "send-time", why: "not a count of milliseconds".into() }),
        },
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        Some(Value::String(s)) if s.is_empty() => None,
        Some(_) => return malformed(PayloadError::Invalid { key: "send-time", why: "not a count of milliseconds".into() }),
        None => None,
    };
    if matches!(kind, PushType::Call | PushType::Cancel) {
        if call_id.is_none() {
            return malformed(PayloadError::Missing { key: "call-id" });
        }
        match &from_uri {
            None => return malformed(PayloadError::Missing { key: "from-uri" }),
            Some(f) if !(f.starts_with("sip:") || f.starts_with("sips:") || f.starts_with("tel:")) => {
                return malformed(PayloadError::Invalid { key: "from-uri", why: "not a sip:, sips: or tel: URI".into() })
            }
            _ => {}
        }
        if text("to-uri").is_none() {
            return malformed(PayloadError::Missing { key: "to-uri" });
        }
    }
    let reason = match text("reason") {
        None => None,
        Some(r) => match end_reason(&r) {
            Some(reason) => Some(reason),
            None => return malformed(PayloadError::Invalid { key: "reason", why: format!("{r:?} is not a reason a call ends with") }),
        },
    };
    Parsed::Ok(PushPayload {
        kind,
        call_id,
        from_uri,
        display_name: text("display-name"),
        to_uri: text("to-uri"),
        send_time_ms,
        uuid: text("uuid"),
        push_id: text("x-push-id"),
        reason,
    })
}

fn end_reason(name: &str) -> Option<crate::signalling::call::EndReason> {
    use crate::signalling::call::EndReason::*;
    Some(match name {
        "answered_elsewhere" => AnsweredElsewhere,
        "declined_elsewhere" => DeclinedElsewhere,
        "cancelled" => Cancelled,
        "unanswered" => Unanswered,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vectors(kind: &str) -> Vec<(String, Vec<u8>)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto/examples/push-payload").join(kind);
        let mut out: Vec<_> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())).collect();
        out.sort();
        assert!(!out.is_empty(), "vectors in {}", dir.display());
        out
    }

    fn schema() -> jsonschema::Validator {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto/push-payload.schema.json");
        jsonschema::validator_for(&serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn every_valid_vector_passes_the_schema_and_our_reader() {
        let schema = schema();
        for (name, bytes) in vectors("valid") {
            assert!(schema.is_valid(&serde_json::from_slice(&bytes).unwrap()), "{name}: schema");
            assert!(matches!(parse(&bytes), Parsed::Ok(_)), "{name}: {:?}", parse(&bytes));
        }
    }

    #[test]
    fn every_invalid_vector_fails_the_schema_and_reads_as_malformed() {
        let schema = schema();
        for (name, bytes) in vectors("invalid") {
            assert!(!schema.is_valid(&serde_json::from_slice(&bytes).unwrap()), "{name}: schema");
            assert!(matches!(parse(&bytes), Parsed::Malformed { .. }), "{name}: {:?}", parse(&bytes));
        }
    }

    #[test]
    fn both_shapes_read_the_same() {
        let apns = br#"{"aps":{},"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h","send-time":5}"#;
        let fcm = br#"{"message":{"data":{"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h","send-time":"5"}}}"#;
        assert_eq!(parse(apns), parse(fcm));
    }

    #[test]
    fn a_push_without_send_time_is_of_unknown_age_not_malformed() {
        let apns = parse(br#"{"aps":{},"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h"}"#);
        let fcm = parse(br#"{"message":{"data":{"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h","send-time":""}}}"#);
        assert!(matches!(&apns, Parsed::Ok(p) if p.send_time_ms.is_none()), "{apns:?}");
        assert_eq!(apns, fcm);
    }

    #[test]
    fn a_malformed_payload_keeps_what_it_could_read() {
        let p = parse(br#"{"type":"call","call-id":"c1","from-uri":"sip:a@h","to-uri":"sip:1001@h","send-time":"soon"}"#);
        assert_eq!(
            p,
            Parsed::Malformed {
                error: PayloadError::Invalid { key: "send-time", why: "not a count of milliseconds".into() },
                call_id: Some("c1".into()),
                from_uri: Some("sip:a@h".into())
            }
        );
        assert!(matches!(parse(b"\xff\x00"), Parsed::Malformed { error: PayloadError::NotAnObject, .. }));
    }
}
