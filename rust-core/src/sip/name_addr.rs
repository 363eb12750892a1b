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

/// A header value's `name=value` parameter (`;tag=`, `;expires=`, `;received=`,
/// `;refresher=`), trimmed, the name compared without case (RFC 3261 §7.3.1). Parameters follow
/// the name-addr's first `>` when there is one (a later `>` sits inside a quoted parameter such
/// as `+sip.instance`), else the value's first `;` (a Via's sent-by, an addr-spec, a number).
pub fn param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let params = value.split_once('>').map(|(_, p)| p).unwrap_or(value);
    params.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A URI without its `sip:`, `sips:` or `tel:` scheme; `None` for any other.
pub fn without_scheme(uri: &str) -> Option<&str> {
    uri.strip_prefix("sips:").or_else(|| uri.strip_prefix("sip:")).or_else(|| uri.strip_prefix("tel:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3261_7_3_1_parameters_are_found_after_the_uri_without_case() {
        assert_eq!(param("\"Bob\" <sip:1002@pbx;transport=udp>;TAG=a1", "tag"), Some("a1"));
        assert_eq!(param("<sip:1001@10.0.0.1>;expires=60;+sip.instance=\"<urn:uuid:x>\"", "expires"), Some("60"));
        assert_eq!(param("SIP/2.0/UDP 10.0.0.1:5060;branch=z9;received=192.0.2.1;rport=4000", "received"), Some("192.0.2.1"));
        assert_eq!(param("1800; refresher = uac", "refresher"), Some("uac"));
        assert_eq!(param("SIP/2.0/UDP h;rport", "rport"), None, "a flag has no value");
        assert_eq!(param("<sip:a@b;tag=inside>", "tag"), None, "URI parameters are the URI's");
    }

    #[test]
    fn schemes_come_off_sip_sips_and_tel_only() {
        assert_eq!(without_scheme("sips:1001@pbx"), Some("1001@pbx"));
        assert_eq!(without_scheme("tel:+331"), Some("+331"));
        assert_eq!(without_scheme("mailto:a@b"), None);
    }

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
