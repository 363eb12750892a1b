//! RFC 3515 §2.4.5 NOTIFYs of a refer subscription: the referred call's progress, read from the
//! message/sipfrag body, and whether the subscription ended.
//!
//! Input: an in-dialog NOTIFY. Output: `(status, last)`, or nothing when it is not about a REFER.
//! Why ours: rsipstack's `ReferStatus::parse` reads only untyped Event/Subscription-State
//! headers, and its parser types them, so it never matches.

use super::headers::header;
use rsipstack::sip::Request;

/// The sipfrag status of a refer NOTIFY, and whether `Subscription-State` is `terminated`.
pub fn progress(req: &Request) -> Option<(u16, bool)> {
    let lower = |name: &str| header(req, name).map(|v| v.to_ascii_lowercase());
    if !lower("event")?.trim_start().starts_with("refer") {
        return None;
    }
    let last = lower("subscription-state").is_some_and(|s| s.trim_start().starts_with("terminated"));
    let body = String::from_utf8_lossy(&req.body);
    let status = body.lines().find(|l| l.starts_with("SIP/2.0 "))?;
    let code = status.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notify(event: &str, state: &str, frag: &str) -> Request {
        Request::try_from(format!(
            "NOTIFY sip:1001@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1001@b>;tag=2\r\nCall-ID: c\r\nCSeq: 2 NOTIFY\r\n{event}\r\nSubscription-State: {state}\r\nContent-Type: message/sipfrag;version=2.0\r\nContent-Length: {}\r\n\r\n{frag}",
            frag.len()
        ).as_str())
        .unwrap()
    }

    #[test]
    fn refer_notify_sipfrag_is_read_by_header_name() {
        assert_eq!(progress(&notify("Event: refer", "active;expires=60", "SIP/2.0 100 Trying\r\n")), Some((100, false)));
        assert_eq!(progress(&notify("Event: refer", "terminated;reason=noresource", "SIP/2.0 200 OK\r\n")), Some((200, true)));
    }

    #[test]
    fn rfc3515_compact_event_header_counts() {
        assert_eq!(progress(&notify("o: refer;id=7", "active", "SIP/2.0 180 Ringing\r\n")), Some((180, false)));
    }

    #[test]
    fn other_events_and_bodies_without_a_status_line_are_not_progress() {
        assert_eq!(progress(&notify("Event: dialog", "active", "SIP/2.0 200 OK\r\n")), None);
        assert_eq!(progress(&notify("Event: refer", "active", "garbage")), None);
        assert_eq!(progress(&notify("Event: refer", "active", "SIP/2.0 abc OK\r\n")), None);
    }
}
