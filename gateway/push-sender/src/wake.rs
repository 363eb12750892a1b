//! What Kamailio posts (one binding's RFC 8599 parameters and the call), and the push payload
//! built from it (proto/push-payload.schema.json: Flexisip's keys).

use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct WakeRequest {
    /// RFC 8599 `pn-provider`: `apns` or `fcm`.
    pub provider: String,
    /// RFC 8599 `pn-prid`: the device token.
    pub prid: String,
    /// RFC 8599 `pn-param`: APNs `<team>.<topic>`, FCM the project id.
    #[serde(default)]
    pub param: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "call-id", default)]
    pub call_id: Option<String>,
    #[serde(rename = "from-uri", default)]
    pub from_uri: Option<String>,
    #[serde(rename = "display-name", default)]
    pub display_name: Option<String>,
    #[serde(rename = "to-uri", default)]
    pub to_uri: Option<String>,
    #[serde(rename = "x-push-id", default)]
    pub push_id: Option<String>,
    /// For `cancel`: why the call ended before the phone got it (`answered_elsewhere`, …).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WakeError {
    #[error("not a wake-up request: {0}")]
    Json(String),
    #[error("unknown pn-provider {0:?} (apns or fcm)")]
    Provider(String),
    #[error("the pn-prid (device token) is empty")]
    NoToken,
    #[error("unknown push type {0:?}")]
    Type(String),
    #[error("a {0} push needs call-id, from-uri and to-uri")]
    CallFields(String),
}

const TYPES: &[&str] = &["call", "cancel", "mwi", "register-wakeup"];
const REASONS: &[&str] = &["answered_elsewhere", "declined_elsewhere", "cancelled", "unanswered"];

impl WakeRequest {
    pub fn parse(body: &[u8]) -> Result<Self, WakeError> {
        let req: WakeRequest = serde_json::from_slice(body).map_err(|e| WakeError::Json(e.to_string()))?;
        if req.provider != "apns" && req.provider != "fcm" {
            return Err(WakeError::Provider(req.provider));
        }
        if req.prid.trim().is_empty() {
            return Err(WakeError::NoToken);
        }
        if !TYPES.contains(&req.kind.as_str()) {
            return Err(WakeError::Type(req.kind));
        }
        let empty = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
        if (req.kind == "call" || req.kind == "cancel") && (empty(&req.call_id) || empty(&req.from_uri) || empty(&req.to_uri)) {
            return Err(WakeError::CallFields(req.kind));
        }
        Ok(req)
    }

    /// RFC 8599 bucket: one push per binding per call and kind.
    pub fn bucket(&self) -> String {
        format!("{}|{}|{}", self.kind, self.prid, self.call_id.as_deref().unwrap_or(""))
    }

    /// The token as logs may show it: enough to tell devices apart, not enough to push to one.
    pub fn prid_for_log(&self) -> String {
        let head: String = self.prid.chars().take(6).collect();
        format!("{head}…")
    }

    /// The proto payload. `send-time` is our clock: the phone drops a push that arrives late.
    pub fn payload(&self, now_ms: u64) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), self.kind.clone().into());
        let mut put = |key: &str, v: &Option<String>| {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                m.insert(key.into(), v.clone().into());
            }
        };
        put("call-id", &self.call_id);
        put("from-uri", &self.from_uri);
        put("display-name", &self.display_name.as_ref().map(|d| d.trim_matches('"').to_string()));
        put("to-uri", &self.to_uri);
        put("x-push-id", &self.push_id);
        put("reason", &self.reason.clone().filter(|r| REASONS.contains(&r.as_str())));
        m.insert("send-time".into(), now_ms.into());
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALL: &str = r#"{"provider":"fcm","prid":"tok123456","param":"proj","type":"call","call-id":"c1@pbx","from-uri":"sip:100@pbx","display-name":"\"Carol\"","to-uri":"sip:1001@pbx","x-push-id":"p1"}"#;

    #[test]
    fn a_call_request_becomes_the_proto_payload() {
        let r = WakeRequest::parse(CALL.as_bytes()).unwrap();
        let p = Value::Object(r.payload(42));
        assert_eq!(p["type"], "call");
        assert_eq!(p["display-name"], "Carol", "the SIP display name's quotes are not the name");
        assert_eq!(p["send-time"], 42);
        assert_eq!(p["x-push-id"], "p1");
        assert!(p.get("reason").is_none());
        assert_eq!(r.prid_for_log(), "tok123…");
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        assert_eq!(WakeRequest::parse(CALL.replace("fcm", "gcm").as_bytes()).unwrap_err(), WakeError::Provider("gcm".into()));
        assert_eq!(WakeRequest::parse(CALL.replace("tok123456", " ").as_bytes()).unwrap_err(), WakeError::NoToken);
        assert_eq!(WakeRequest::parse(CALL.replace("\"call\"", "\"ring\"").as_bytes()).unwrap_err(), WakeError::Type("ring".into()));
        assert!(matches!(WakeRequest::parse(b"{"), Err(WakeError::Json(_))));
        let no_call_id = r#"{"provider":"apns","prid":"t","type":"call","from-uri":"sip:a@b","to-uri":"sip:c@d"}"#;
        assert_eq!(WakeRequest::parse(no_call_id.as_bytes()).unwrap_err(), WakeError::CallFields("call".into()));
        assert!(WakeRequest::parse(br#"{"provider":"apns","prid":"t","type":"register-wakeup"}"#).is_ok());
    }

    #[test]
    fn only_known_cancel_reasons_pass() {
        let cancel = CALL.replace("\"call\"", "\"cancel\"").replace("\"x-push-id\"", "\"reason\":\"answered_elsewhere\",\"x-push-id\"");
        let p = WakeRequest::parse(cancel.as_bytes()).unwrap().payload(1);
        assert_eq!(p["reason"], "answered_elsewhere");
        let odd = cancel.replace("answered_elsewhere", "<script>");
        assert!(WakeRequest::parse(odd.as_bytes()).unwrap().payload(1).get("reason").is_none());
    }

    #[test]
    fn a_bucket_is_per_binding_per_call_per_kind() {
        let a = WakeRequest::parse(CALL.as_bytes()).unwrap();
        let b = WakeRequest::parse(CALL.replace("tok123456", "other").as_bytes()).unwrap();
        let c = WakeRequest::parse(CALL.replace("\"call\"", "\"cancel\"").as_bytes()).unwrap();
        assert_ne!(a.bucket(), b.bucket());
        assert_ne!(a.bucket(), c.bucket());
        assert_eq!(a.bucket(), WakeRequest::parse(CALL.as_bytes()).unwrap().bucket());
    }
}
