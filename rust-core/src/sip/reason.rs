//! The `Reason` header (RFC 3326 §2): its values, each a protocol and a cause.
//!
//! Input: the header's text (several headers joined with `,` are one list, RFC 3261 §7.3.1).
//! Output: `(protocol, cause)` per value, protocol upper-cased. Accepts what PBXs really send:
//! any letter case, spaces around `;` and `=`, a quoted cause, a `text` with commas or
//! semicolons inside its quotes, or no text at all. A value without a readable cause keeps
//! its protocol with `None`; nothing here panics.

/// One `Reason` value: `SIP;cause=200;text="Call completed elsewhere"` → `("SIP", Some(200))`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonValue {
    pub protocol: String,
    pub cause: Option<u16>,
}

/// Every value of a `Reason` header text, in order.
pub fn parse(header: &str) -> Vec<ReasonValue> {
    split_outside_quotes(header, ',')
        .into_iter()
        .filter_map(|value| {
            let mut parts = split_outside_quotes(value, ';').into_iter();
            let protocol = parts.next()?.trim().to_ascii_uppercase();
            if protocol.is_empty() {
                return None;
            }
            let cause = parts.find_map(|param| {
                let (name, value) = param.split_once('=')?;
                if !name.trim().eq_ignore_ascii_case("cause") {
                    return None;
                }
                value.trim().trim_matches('"').trim().parse::<u16>().ok()
            });
            Some(ReasonValue { protocol, cause })
        })
        .collect()
}

/// The cause a `Reason` text gives for `protocol` (`SIP`, `Q.850`), the first one that has one.
pub fn cause(header: &str, protocol: &str) -> Option<u16> {
    parse(header).into_iter().filter(|v| v.protocol.eq_ignore_ascii_case(protocol)).find_map(|v| v.cause)
}

/// Splits on `sep` where it is not inside a quoted string (RFC 3261 §25.1, with `\` escapes).
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3326_2_sip_cause_with_text() {
        assert_eq!(parse("SIP;cause=200;text=\"Call completed elsewhere\""), vec![ReasonValue { protocol: "SIP".into(), cause: Some(200) }]);
    }

    #[test]
    fn spellings_pbxs_send_all_read_the_same_cause() {
        for text in [
            "SIP;cause=200",
            "sip;cause=200",
            "SIP ; cause = 200",
            "SIP;CAUSE=200;text=\"Call Completed Elsewhere\"",
            "SIP;text=\"answered, elsewhere; by the desk\";cause=200",
            "SIP;cause=\"200\"",
            "SIP;cause=200;text=\"\"",
            "SIP;cause=200;text=\"say \\\"hi\\\", then go\"",
        ] {
            assert_eq!(cause(text, "SIP"), Some(200), "{text}");
        }
    }

    #[test]
    fn several_values_keep_their_protocols() {
        let text = "Q.850;cause=16;text=\"Normal, call clearing\", SIP;cause=200";
        assert_eq!(cause(text, "q.850"), Some(16));
        assert_eq!(cause(text, "SIP"), Some(200));
        assert_eq!(cause("SIPX;cause=200", "SIP"), None, "the protocol token is compared whole");
    }

    #[test]
    fn unreadable_input_yields_no_cause_and_never_panics() {
        for text in ["", ";", "SIP", "SIP;cause=", "SIP;cause=abc", "SIP;cause=99999", "\"", "SIP;text=\"unterminated, cause=200", "é;cause=200"] {
            let _ = parse(text);
            assert_ne!(cause(text, "SIP"), Some(200), "{text}");
        }
    }
}
