//! RFC 3261 §20.10 name-addr values (From, To, Contact, Refer-To): the display name and the URI.
//!
//! Input: a header value such as `"Bob B" <sip:1002@pbx>;tag=x`. Output: the display name, if
//! any, and the URI text. Quote-aware: a `<` inside a quoted display name is not the URI's.

use super::wire::find_unquoted;

/// `"Name" <sip:uri>;tag=…` → (display name, URI); an addr-spec without brackets ends at its
/// first `;` (what follows is header parameters, §20).
pub fn split(value: &str) -> (Option<String>, String) {
    if let Some(lt) = find_unquoted(value, '<') {
        if let Some(len) = value[lt + 1..].find('>') {
            let name = unquote(value[..lt].trim());
            return ((!name.is_empty()).then_some(name), value[lt + 1..lt + 1 + len].to_string());
        }
    }
    (None, value.split(';').next().unwrap_or("").trim().to_string())
}

/// A display name without its quotes and quoted-pair escapes (§25.1), trimmed.
fn unquote(display: &str) -> String {
    let Some(inner) = display.strip_prefix('"').map(|d| d.strip_suffix('"').unwrap_or(d)) else {
        return display.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_header_splits_into_name_and_uri() {
        assert_eq!(split("\"Bob B\" <sip:1002@pbx>;tag=x"), (Some("Bob B".into()), "sip:1002@pbx".into()));
        assert_eq!(split("sip:1002@pbx;tag=x"), (None, "sip:1002@pbx".into()));
        assert_eq!(split("Bob <sip:1002@pbx>"), (Some("Bob".into()), "sip:1002@pbx".into()));
        assert_eq!(split("<sip:1002@pbx>"), (None, "sip:1002@pbx".into()));
    }

    #[test]
    fn rfc3261_25_1_brackets_and_escapes_inside_a_quoted_name_belong_to_the_name() {
        assert_eq!(split("\"Sales <EU>\" <sip:2000@pbx>;tag=1"), (Some("Sales <EU>".into()), "sip:2000@pbx".into()));
        assert_eq!(split("\"Ann \\\"A\\\"\" <sip:1@pbx>"), (Some("Ann \"A\"".into()), "sip:1@pbx".into()));
    }

    #[test]
    fn malformed_values_give_what_can_be_read_without_panicking() {
        for v in ["", "<", ">", "\"", "\"<sip:x", "<sip:x;tag=1", "\"a\\"] {
            let _ = split(v);
        }
        assert_eq!(split(""), (None, String::new()));
    }
}
