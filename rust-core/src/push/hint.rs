//! `handle_push`'s decision, taken at once on the calling thread (iOS must report a call to
//! CallKit before the PushKit callback returns): no network, no disk, no failure. The table
//! (issue 5), first match wins:
//!
//! 1. the Call-ID is already a live call → report it again (same `call_uuid`), nothing else;
//! 2. the Call-ID ended recently → report and end with the reason it ended;
//! 3. `send-time` is older than the threshold → report and end `unanswered` (a push without
//!    one is of unknown age: it goes on down the table, as fresh);
//! 4. unknown account, or storage unavailable → report and end `failed`;
//! 5. not a call (cancel, mwi, register-wakeup on the VoIP channel) → report and end, saying so;
//! 6. otherwise → report and wake: heal the flow, re-REGISTER, wait for the INVITE.
//!
//! A payload that cannot be read is reported and ended `failed`, with the reason.

use super::payload::{Parsed, PushType};
use crate::signalling::call::EndReason;
use crate::vocab::call_uuid;
pub use crate::vocab::push_uuid;

/// What the shell does now: always report the call; then ring, or end it at once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum HintAction {
    /// Report and ring; the core wakes and waits for the INVITE.
    Ring,
    /// This call is already reported and ringing (a duplicate push).
    AlreadyRinging,
    /// Report, then end at once with `reason`.
    End { reason: EndReason, diagnostic: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCallHint {
    /// The call's stable id: UUIDv5 of account and Call-ID, as the INVITE will have.
    pub call: String,
    pub call_id: Option<String>,
    pub account: Option<String>,
    /// Who calls (the `from-uri`), or `unknown`.
    pub caller: String,
    pub display_name: Option<String>,
    pub push_id: Option<String>,
    pub action: HintAction,
}

/// What the core knows about calls, read without waiting (an in-memory map).
pub trait CallLookup {
    /// Ringing or in progress — including a call still waking (push seen, INVITE not yet).
    fn is_live(&self, account: &str, call_id: &str) -> bool;
    /// Push seen, INVITE not yet.
    fn is_waking(&self, _account: &str, _call_id: &str) -> bool {
        false
    }
    fn ended(&self, account: &str, call_id: &str) -> Option<EndReason>;
}

#[derive(Debug, Clone, Copy)]
pub struct PushPolicy {
    /// A push older than this (by its `send-time`) is reported and ended: the caller has
    /// most likely given up, and ringing now would be a ghost call.
    pub max_age_ms: u64,
}

impl Default for PushPolicy {
    fn default() -> Self {
        // Kamailio's gateway holds an INVITE for 30 s by default; past that nothing waits.
        PushPolicy { max_age_ms: 30_000 }
    }
}

/// `sip:1001@pbx.example;transport=tls` → `1001@pbx.example` (an account key).
fn account_key(uri: &str) -> Option<String> {
    // A tel: URI has no host, so it is never an account (no `@` below).
    let rest = crate::sip::name_addr::without_scheme(uri)?;
    let aor = rest.split([';', '?', '>']).next()?;
    let (user, host) = aor.split_once('@')?;
    let host = host.split(':').next()?;
    Some(format!("{user}@{}", host.to_ascii_lowercase()))
}

pub fn decide(raw: &[u8], parsed: &Parsed, now_ms: u64, accounts: &[String], storage_ok: bool, calls: &dyn CallLookup, policy: PushPolicy) -> IncomingCallHint {
    let payload = match parsed {
        Parsed::Ok(p) => p,
        Parsed::Malformed { error, call_id, from_uri } => {
            let call = match call_id {
                Some(c) => call_uuid(accounts.first().map(String::as_str).unwrap_or(""), c),
                // Nothing to name it by: the envelope itself, so a repeat maps to one call.
                None => push_uuid(raw),
            };
            return IncomingCallHint {
                call,
                call_id: call_id.clone(),
                account: None,
                caller: from_uri.clone().unwrap_or_else(|| "unknown".into()),
                display_name: None,
                push_id: None,
                action: HintAction::End { reason: EndReason::Failed, diagnostic: Some(error.to_string()) },
            };
        }
    };
    let account = payload.to_uri.as_deref().and_then(account_key).filter(|k| accounts.iter().any(|a| a.eq_ignore_ascii_case(k)));
    // Without a known account, the call is still named the way the INVITE would name it on
    // the first (usually only) account, so a later INVITE is the same call.
    let key = account.clone().or_else(|| accounts.first().cloned()).unwrap_or_default();
    let call = match (&payload.call_id, &payload.uuid) {
        (Some(c), _) => call_uuid(&key, c),
        (None, Some(u)) => u.clone(),
        (None, None) => push_uuid(raw),
    };
    let hint = |action| IncomingCallHint {
        call: call.clone(),
        call_id: payload.call_id.clone(),
        account: account.clone(),
        caller: payload.from_uri.clone().unwrap_or_else(|| "unknown".into()),
        display_name: payload.display_name.clone(),
        push_id: payload.push_id.clone(),
        action,
    };
    let end = |reason, diagnostic: Option<String>| hint(HintAction::End { reason, diagnostic });
    // A `cancel` push: the gateway says the call ended before its INVITE reached us (the desk
    // answered, the caller gave up). A call whose INVITE did arrive is the SIP CANCEL's to end.
    if payload.kind == PushType::Cancel {
        if let Some(call_id) = &payload.call_id {
            if calls.is_live(&key, call_id) && !calls.is_waking(&key, call_id) {
                return hint(HintAction::AlreadyRinging);
            }
            if let Some(reason) = calls.ended(&key, call_id) {
                return end(reason, None);
            }
        }
        return end(payload.reason.unwrap_or(EndReason::Cancelled), None);
    }
    if let Some(call_id) = &payload.call_id {
        if calls.is_live(&key, call_id) {
            return hint(HintAction::AlreadyRinging);
        }
        if let Some(reason) = calls.ended(&key, call_id) {
            return end(reason, None);
        }
    }
    let age = payload.send_time_ms.map(|sent| now_ms.saturating_sub(sent));
    if let Some(age) = age.filter(|age| *age > policy.max_age_ms) {
        return end(EndReason::Unanswered, Some(format!("push delivered {} s after it was sent", age / 1000)));
    }
    if account.is_none() {
        return end(EndReason::Failed, Some(format!("no account here for {}", payload.to_uri.as_deref().unwrap_or("(no to-uri)"))));
    }
    if !storage_ok {
        return end(EndReason::Failed, Some("the phone's storage is not available (locked device?)".into()));
    }
    match payload.kind {
        PushType::Call => hint(HintAction::Ring),
        other => end(EndReason::Failed, Some(format!("a {other:?} push came on the VoIP channel: reported and ended as iOS requires"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::payload::parse;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Calls {
        live: Vec<String>,
        ended: HashMap<String, EndReason>,
    }

    impl CallLookup for Calls {
        fn is_live(&self, _account: &str, call_id: &str) -> bool {
            self.live.iter().any(|c| c == call_id)
        }
        fn ended(&self, _account: &str, call_id: &str) -> Option<EndReason> {
            self.ended.get(call_id).copied()
        }
    }

    const NOW: u64 = 1_795_300_000_000;
    const ACCOUNTS: &[&str] = &["1001@pbx.example"];

    fn push(kind: &str, sent: u64, to: &str) -> Vec<u8> {
        format!(r#"{{"type":"{kind}","call-id":"c1@pbx","from-uri":"sip:0612345678@pbx.example","display-name":"Carol","to-uri":"{to}","send-time":{sent},"x-push-id":"p9"}}"#).into_bytes()
    }

    fn run(raw: &[u8], calls: &Calls, storage_ok: bool) -> IncomingCallHint {
        let accounts: Vec<String> = ACCOUNTS.iter().map(|s| s.to_string()).collect();
        decide(raw, &parse(raw), NOW, &accounts, storage_ok, calls, PushPolicy::default())
    }

    #[test]
    fn a_fresh_call_push_rings_with_the_uuid_the_invite_will_have() {
        let h = run(&push("call", NOW - 800, "sip:1001@pbx.example"), &Calls::default(), true);
        assert_eq!(h.action, HintAction::Ring);
        assert_eq!(h.call, call_uuid("1001@pbx.example", "c1@pbx"));
        assert_eq!((h.caller.as_str(), h.display_name.as_deref(), h.push_id.as_deref()), ("sip:0612345678@pbx.example", Some("Carol"), Some("p9")));
    }

    #[test]
    fn the_table_first_match_wins() {
        let fresh = push("call", NOW - 800, "sip:1001@pbx.example");
        let live = Calls { live: vec!["c1@pbx".into()], ..Default::default() };
        assert_eq!(run(&fresh, &live, true).action, HintAction::AlreadyRinging, "duplicate push: same call");
        // Live beats ended, ended beats stale.
        let ended = Calls { ended: [("c1@pbx".to_string(), EndReason::AnsweredElsewhere)].into(), ..Default::default() };
        let stale_ended = push("call", NOW - 60_000, "sip:1001@pbx.example");
        assert_eq!(run(&stale_ended, &ended, true).action, HintAction::End { reason: EndReason::AnsweredElsewhere, diagnostic: None });
        assert!(matches!(run(&stale_ended, &Calls::default(), true).action, HintAction::End { reason: EndReason::Unanswered, .. }));
        // Stale beats unknown account.
        assert!(matches!(
            run(&push("call", NOW - 60_000, "sip:9999@elsewhere"), &Calls::default(), true).action,
            HintAction::End { reason: EndReason::Unanswered, .. }
        ));
        assert!(matches!(run(&push("call", NOW, "sip:9999@elsewhere"), &Calls::default(), true).action, HintAction::End { reason: EndReason::Failed, .. }));
        assert!(matches!(run(&fresh, &Calls::default(), false).action, HintAction::End { reason: EndReason::Failed, .. }), "storage unavailable");
        let mwi = run(&push("mwi", NOW, "sip:1001@pbx.example"), &Calls::default(), true);
        assert!(matches!(&mwi.action, HintAction::End { reason: EndReason::Failed, diagnostic: Some(d) } if d.contains("Mwi")), "{mwi:?}");
    }

    #[test]
    fn a_call_push_without_send_time_rings_as_the_invite_will() {
        let raw = br#"{"type":"call","call-id":"c1@pbx","from-uri":"sip:0612345678@pbx.example","to-uri":"sip:1001@pbx.example"}"#;
        let h = run(raw, &Calls::default(), true);
        assert_eq!(h.action, HintAction::Ring, "unknown age is not stale");
        assert_eq!(h.call, call_uuid("1001@pbx.example", "c1@pbx"));
    }

    #[test]
    fn a_cancel_push_ends_the_call_with_the_gateways_reason() {
        let cancel =
            String::from_utf8(push("cancel", NOW, "sip:1001@pbx.example")).unwrap().replace("\"x-push-id\"", "\"reason\":\"answered_elsewhere\",\"x-push-id\"");
        let h = run(cancel.as_bytes(), &Calls::default(), true);
        assert_eq!(h.action, HintAction::End { reason: EndReason::AnsweredElsewhere, diagnostic: None });
        assert_eq!(h.call, call_uuid("1001@pbx.example", "c1@pbx"), "the same call the call push reported");
        let no_reason = run(&push("cancel", NOW, "sip:1001@pbx.example"), &Calls::default(), true);
        assert_eq!(no_reason.action, HintAction::End { reason: EndReason::Cancelled, diagnostic: None }, "unknown: the caller gave up");
        // Its INVITE already rings: SIP's own CANCEL ends it.
        let ringing = Calls { live: vec!["c1@pbx".into()], ..Default::default() };
        assert_eq!(run(cancel.as_bytes(), &ringing, true).action, HintAction::AlreadyRinging);
        let ended = Calls { ended: [("c1@pbx".to_string(), EndReason::LocalHangup)].into(), ..Default::default() };
        assert_eq!(run(cancel.as_bytes(), &ended, true).action, HintAction::End { reason: EndReason::LocalHangup, diagnostic: None });
    }

    #[test]
    fn garbage_is_still_a_hint_to_report_and_end_with_a_stable_uuid() {
        let a = run(b"not json", &Calls::default(), true);
        let b = run(b"not json", &Calls::default(), true);
        assert!(matches!(a.action, HintAction::End { reason: EndReason::Failed, diagnostic: Some(_) }));
        assert_eq!(a.call, b.call, "the same bad push twice is one call");
        assert_eq!(a.caller, "unknown");
    }

    #[test]
    fn account_keys_ignore_parameters_ports_and_case() {
        assert_eq!(account_key("sip:1001@PBX.example:5061;transport=tls"), Some("1001@pbx.example".into()));
        assert_eq!(account_key("<sip:1001@pbx.example>"), None, "bare URIs only");
        assert_eq!(account_key("tel:+331"), None);
    }
}
