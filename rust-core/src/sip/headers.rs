//! Header lookup on the messages rsipstack parsed: the first value of a header, and whether a
//! list-valued header names an option tag.
//!
//! Input: a request or a response. Output: header text, untouched.
//! rsipstack types the compact forms (`k`, `x`, `o`…, RFC 3261 §7.3.3) under their full names,
//! so a lookup by the full name finds them too; names compare case-insensitively (§7.3.1).

use rsipstack::sip::{Headers, Request, Response};

/// Requests and responses alike, for the lookups below.
pub trait HeaderList {
    fn header_list(&self) -> &Headers;
}

impl HeaderList for Request {
    fn header_list(&self) -> &Headers {
        &self.headers
    }
}

impl HeaderList for Response {
    fn header_list(&self) -> &Headers {
        &self.headers
    }
}

/// The value of the first header called `name` (typed or not).
pub fn header(msg: &impl HeaderList, name: &str) -> Option<String> {
    msg.header_list().iter().find(|h| h.name().eq_ignore_ascii_case(name)).map(|h| h.value().to_string())
}

/// The values of every header called `name`, in order (RFC 3261 §7.3.1: several headers of
/// one name are one comma list), trimmed.
pub fn all(msg: &impl HeaderList, name: &str) -> Vec<String> {
    msg.header_list().iter().filter(|h| h.name().eq_ignore_ascii_case(name)).map(|h| h.value().trim().to_string()).collect()
}

/// Whether any `name` header (Supported, Require…) lists `option` (RFC 3261 §20.37: a comma
/// list of option tags, which compare case-insensitively).
pub fn has_option(msg: &impl HeaderList, name: &str, option: &str) -> bool {
    msg.header_list().iter().filter(|h| h.name().eq_ignore_ascii_case(name)).any(|h| h.value().split(',').any(|t| t.trim().eq_ignore_ascii_case(option)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(extra: &str) -> Request {
        Request::try_from(
            format!(
                "INVITE sip:1001@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1001@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
            )
            .as_str(),
        )
        .unwrap()
    }

    #[test]
    fn lookup_ignores_the_case_of_the_name() {
        let req = invite("session-expires: 1800;refresher=uac\r\nX-Push-ID: p1\r\n");
        assert_eq!(header(&req, "Session-Expires").as_deref(), Some("1800;refresher=uac"));
        assert_eq!(header(&req, "x-push-id").as_deref(), Some("p1"));
        assert_eq!(header(&req, "Replaces"), None);
    }

    #[test]
    fn rfc3261_7_3_3_compact_names_are_found_by_their_full_name() {
        let req = invite("k: path, timer\r\nx: 90\r\n");
        assert!(has_option(&req, "Supported", "timer"));
        assert_eq!(header(&req, "Session-Expires").as_deref(), Some("90"));
    }

    #[test]
    fn rfc3261_7_3_1_every_header_of_a_name_is_kept_in_order() {
        let req = invite("Reason: Q.850;cause=16\r\nreason:  SIP;cause=200 \r\n");
        assert_eq!(all(&req, "Reason"), vec!["Q.850;cause=16".to_string(), "SIP;cause=200".to_string()]);
        assert!(all(&req, "Feature-Caps").is_empty());
    }

    #[test]
    fn an_option_tag_is_found_in_any_header_of_the_list() {
        let req = invite("Supported: replaces\r\nSupported: Timer , 100rel\r\n");
        assert!(has_option(&req, "supported", "timer") && has_option(&req, "Supported", "replaces"));
        assert!(!has_option(&req, "Supported", "time") && !has_option(&req, "Require", "timer"));
    }
}
