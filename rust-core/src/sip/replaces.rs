//! RFC 3891 `Replaces` values: read the dialog one names, and write one into the `Refer-To` of
//! an attended transfer (RFC 5589 §7).
//!
//! Input: a `Replaces` header value (`call-id;to-tag=…;from-tag=…`), or a dialog's ids.
//! Output: the ids, or the bracketed `Refer-To` value with the escaped `?Replaces=` part.

/// The dialog a `Replaces` value names, as its sender sees it: `to_tag` is the tag of the UA
/// that receives the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacesId {
    pub call_id: String,
    pub to_tag: String,
    pub from_tag: String,
}

/// RFC 3891 §6.1: `callid *(SEMI replaces-param)`; both tags are required. Parameter names
/// compare case-insensitively; unknown ones (`early-only`) are ignored.
pub fn parse(value: &str) -> Option<ReplacesId> {
    let mut parts = value.split(';');
    let call_id = parts.next()?.trim();
    let (mut to_tag, mut from_tag) = (None, None);
    for p in parts {
        match p.split_once('=').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim())) {
            Some((k, v)) if k == "to-tag" => to_tag = Some(v),
            Some((k, v)) if k == "from-tag" => from_tag = Some(v),
            _ => {}
        }
    }
    Some(ReplacesId { call_id: call_id.to_string(), to_tag: to_tag?.to_string(), from_tag: from_tag?.to_string() })
}

/// RFC 3891 §6.1: the `early-only` flag, which refuses to replace a confirmed dialog.
pub fn early_only(value: &str) -> bool {
    value.split(';').skip(1).any(|p| p.trim().eq_ignore_ascii_case("early-only"))
}

/// The `Refer-To` that sends the far end to `uri`, replacing the dialog `id` there.
pub fn refer_to(uri: &str, id: &ReplacesId) -> String {
    let replaces = format!("{};to-tag={};from-tag={}", id.call_id, id.to_tag, id.from_tag);
    format!("<{uri}?Replaces={}>", escape_uri_header(&replaces))
}

/// RFC 3261 §19.1.1: a value inside a URI's `?header=` part, escaped (everything but the
/// unreserved characters).
pub fn escape_uri_header(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3891_replaces_names_call_id_and_both_tags() {
        let id = parse("abc@h; To-Tag=t1 ;from-tag=f2;early-only").unwrap();
        assert_eq!(id, ReplacesId { call_id: "abc@h".into(), to_tag: "t1".into(), from_tag: "f2".into() });
    }

    #[test]
    fn rfc3891_6_1_early_only_is_a_flag_after_the_call_id() {
        assert!(early_only("abc@h;to-tag=t1;from-tag=f2; Early-Only"));
        assert!(!early_only("abc@h;to-tag=t1;from-tag=f2"));
        assert!(!early_only("early-only;to-tag=t1;from-tag=f2"), "the Call-ID is no flag");
    }

    #[test]
    fn rfc3891_replaces_without_both_tags_names_no_dialog() {
        assert_eq!(parse("abc@h;to-tag=t1"), None);
        assert_eq!(parse("abc@h;from-tag=f"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn rfc3261_19_1_1_refer_to_escapes_the_replaces_header() {
        let id = ReplacesId { call_id: "a b@h".into(), to_tag: "t".into(), from_tag: "f".into() };
        assert_eq!(refer_to("sip:1002@pbx", &id), "<sip:1002@pbx?Replaces=a%20b%40h%3Bto-tag%3Dt%3Bfrom-tag%3Df>");
        assert_eq!(escape_uri_header("Az09-_.!~*'()"), "Az09-_.!~*'()", "unreserved characters stay");
    }
}
