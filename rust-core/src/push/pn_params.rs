//! RFC 8599 push parameters on our REGISTER Contact (`pn-provider`, `pn-prid`, `pn-param`) —
//! in REGISTER only, never in INVITE or 2xx Contacts — and the registrar's `Feature-Caps`
//! (`+sip.pns`) that says whether it will push.

/// The shell's push registration: `apns` / `fcm`, the device token, and the provider's
/// parameter (APNs: `TEAMID.bundle.voip`; FCM: the project id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    pub provider: String,
    pub prid: String,
    #[serde(default)]
    pub param: Option<String>,
}

impl PushConfig {
    /// The Contact parameters (RFC 8599 §4.1.1); values quoted when they are not tokens.
    pub fn contact_params(&self) -> String {
        let mut s = format!(";pn-provider={};pn-prid={}", quote(&self.provider), quote(&self.prid));
        if let Some(p) = &self.param {
            s += &format!(";pn-param={}", quote(p));
        }
        s
    }
}

fn quote(v: &str) -> String {
    let token = !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~:".contains(&b));
    if token {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// RFC 8599 §4.1.2: a registrar that will push says `Feature-Caps: *;+sip.pns="apns"`.
pub fn push_confirmed(feature_caps: &[String], provider: &str) -> bool {
    feature_caps.iter().flat_map(|h| h.split(';')).any(|p| {
        let p = p.trim();
        p.strip_prefix("+sip.pns").is_some_and(|rest| {
            let v = rest.trim_start_matches('=').trim_matches('"');
            v.is_empty() || v.split(',').any(|x| x.trim().trim_matches('"').eq_ignore_ascii_case(provider))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_params_per_rfc8599() {
        let c = PushConfig { provider: "apns".into(), prid: "ab12cd".into(), param: Some("TEAM1.com.example.ringside.voip".into()) };
        assert_eq!(c.contact_params(), ";pn-provider=apns;pn-prid=ab12cd;pn-param=TEAM1.com.example.ringside.voip");
        let odd = PushConfig { provider: "fcm".into(), prid: "a b\"c".into(), param: None };
        assert_eq!(odd.contact_params(), ";pn-provider=fcm;pn-prid=\"a b\\\"c\"");
    }

    #[test]
    fn feature_caps_confirm_push() {
        assert!(push_confirmed(&["*;+sip.pns=\"apns\";+sip.vapid=\"x\"".into()], "apns"));
        assert!(!push_confirmed(&["*;+sip.pns=\"fcm\"".into()], "apns"));
        assert!(!push_confirmed(&[], "apns"));
    }
}
