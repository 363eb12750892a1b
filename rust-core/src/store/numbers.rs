//! Phone numbers as the caller-ID lookup and type-ahead need them. Input: a number as a person,
//! an address book or SIP wrote it (`06 12 34 56 78`, `+33612345678`, `sip:1003@pbx`), and the
//! default region; output: its lookup key and the digit strings a person might type.
//!
//! Parsing and validation are libphonenumber's (the `phonenumber` port). Short numbers (an
//! extension such as `1003`, up to [`MAX_EXTENSION_DIGITS`] digits) are kept as dialled and
//! matched exactly: they belong to the PBX, not to any numbering plan.

use phonenumber::country::Id;
use phonenumber::Mode;

/// Longer than any PBX extension plan we know, shorter than any subscriber number.
pub const MAX_EXTENSION_DIGITS: usize = 6;

/// A number reduced for lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The E.164 form (`+33612345678`); `None` for an extension or what libphonenumber rejects.
    pub e164: Option<String>,
    /// The caller-ID key: the E.164 form, else the digits as given (with a leading `+` kept).
    pub key: String,
    /// The national significant form's digits with the national prefix (`0612345678`).
    pub national_digits: Option<String>,
}

/// The region code (`FR`) as libphonenumber knows it; `None` for an unknown code.
pub fn region(code: &str) -> Option<Id> {
    code.trim().to_ascii_uppercase().parse().ok()
}

/// The user part of a SIP URI (`sip:+33612345678@pbx;user=phone` → `+33612345678`), or the text.
fn user_part(raw: &str) -> &str {
    let raw = raw.trim().trim_start_matches('<').trim_end_matches('>');
    let raw = crate::sip::name_addr::without_scheme(raw).unwrap_or(raw);
    let raw = raw.split(['@', ';']).next().unwrap_or(raw);
    raw
}

/// Only the digits of `raw` (`+33 6 12` → `33612`).
pub fn digits(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// Reduces `raw` for lookups; `None` when it holds no digit (a SIP name like `alice`).
pub fn normalize(raw: &str, default_region: Option<Id>) -> Option<Normalized> {
    let user = user_part(raw);
    let plus = user.trim_start().starts_with('+');
    let d = digits(user);
    if d.is_empty() || user.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    if d.len() <= MAX_EXTENSION_DIGITS && !plus {
        return Some(Normalized { e164: None, key: d, national_digits: None });
    }
    let as_given = if plus { format!("+{d}") } else { d.clone() };
    match phonenumber::parse(default_region, &as_given) {
        Ok(n) if phonenumber::is_valid(&n) => {
            // The E.164 form is the country code and the national number. Written here, it
            // skips the formatter's regex search for a national pattern, which it runs for
            // every mode though only the national form uses it.
            let e164 = format!("+{}{}", n.country().code(), n.national());
            let national = digits(&n.format().mode(Mode::National).to_string());
            Some(Normalized { key: e164.clone(), e164: Some(e164), national_digits: Some(national) })
        }
        _ => Some(Normalized { e164: None, key: as_given, national_digits: None }),
    }
}

/// `raw` as a person reads it: a number of the default region in its national form
/// (`06 12 34 56 78`), another country's internationally (`+44 20 7946 0958`); extensions,
/// names and what libphonenumber rejects stay as given.
pub fn display(raw: &str, default_region: Option<Id>) -> String {
    let user = user_part(raw).trim();
    let plus = user.starts_with('+');
    let d = digits(user);
    if d.len() <= MAX_EXTENSION_DIGITS && !plus || user.chars().any(|c| c.is_alphabetic()) {
        return raw.trim().to_string();
    }
    let as_given = if plus { format!("+{d}") } else { d };
    match phonenumber::parse(default_region, &as_given) {
        Ok(n) if phonenumber::is_valid(&n) => {
            let home = default_region.is_some_and(|r| n.country().id() == Some(r));
            n.format().mode(if home { Mode::National } else { Mode::International }).to_string()
        }
        _ => raw.trim().to_string(),
    }
}

/// Only the caller-ID key of `raw` (what [`normalize`] would give as `key`). An international
/// number (`+` and digits, the form PBXs send caller ID in) is its own key whether or not
/// libphonenumber validates it, so it skips the parse: caller ID is on the ringing path.
pub fn lookup_key(raw: &str, default_region: Option<Id>) -> Option<String> {
    let user = user_part(raw).trim();
    if let Some(rest) = user.strip_prefix('+') {
        if rest.len() > MAX_EXTENSION_DIGITS && rest.bytes().all(|b| b.is_ascii_digit()) {
            return Some(user.to_string());
        }
    }
    normalize(raw, default_region).map(|n| n.key)
}

/// Every digit string a person may start typing to find `raw` (as given, national,
/// international without `+`).
pub fn typed_forms(raw: &str, n: Option<&Normalized>) -> Vec<String> {
    let mut forms = vec![digits(user_part(raw))];
    if let Some(n) = n {
        forms.extend(n.e164.as_deref().map(digits));
        forms.extend(n.national_digits.clone());
    }
    forms.retain(|f| !f.is_empty());
    forms.sort();
    forms.dedup();
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_display_nationally_at_home_internationally_abroad_and_extensions_as_dialled() {
        let fr = region("FR");
        assert_eq!(display("+33612345678", fr), "06 12 34 56 78");
        assert_eq!(display("sip:+442079460958@pbx;user=phone", fr), "+44 20 7946 0958");
        assert_eq!(display("1003", fr), "1003");
        assert_eq!(display("alice", fr), "alice");
    }

    fn fr() -> Option<Id> {
        region("fr")
    }

    #[test]
    fn national_and_international_forms_share_one_key() {
        let a = normalize("06 12 34 56 78", fr()).unwrap();
        let b = normalize("+33 6 12 34 56 78", fr()).unwrap();
        let c = normalize("sip:+33612345678@pbx.test;user=phone", None).unwrap();
        let d = normalize("0033612345678", fr()).unwrap();
        assert_eq!(a.key, "+33612345678");
        assert_eq!((b.key.as_str(), c.key.as_str(), d.key.as_str()), ("+33612345678", "+33612345678", "+33612345678"));
        assert_eq!(a.national_digits.as_deref(), Some("0612345678"));
    }

    #[test]
    fn short_extensions_stay_as_dialled_and_match_exactly() {
        let e = normalize("sip:1003@pbx.test", fr()).unwrap();
        assert_eq!(e, Normalized { e164: None, key: "1003".into(), national_digits: None });
        assert_ne!(normalize("01003", fr()).unwrap().key, e.key);
    }

    #[test]
    fn names_and_empty_input_have_no_key() {
        assert_eq!(normalize("sip:alice@pbx.test", fr()), None);
        assert_eq!(normalize("", fr()), None);
        assert_eq!(normalize("  -  ", fr()), None);
    }

    #[test]
    fn a_number_libphonenumber_rejects_keeps_its_digits() {
        let n = normalize("+99 123 456 789", fr()).unwrap();
        assert_eq!((n.e164, n.key.as_str()), (None, "+99123456789"));
    }

    #[test]
    fn the_fast_key_equals_the_parsed_one() {
        for raw in ["sip:+33612345678@pbx.test", "+33612345678", "+99123456789", "+3906698", "0612345678", "1003", "sip:alice@x"] {
            assert_eq!(lookup_key(raw, fr()), normalize(raw, fr()).map(|n| n.key), "{raw}");
        }
    }

    #[test]
    fn e164_is_what_the_formatter_writes() {
        for raw in ["+33 6 12 34 56 78", "06 12 34 56 78", "+39 06 6982 1234", "+44 20 7946 0958", "+1 650 253 0000"] {
            let n = phonenumber::parse(fr(), raw).unwrap();
            let formatted = phonenumber::is_valid(&n).then(|| n.format().mode(Mode::E164).to_string());
            assert_eq!(normalize(raw, fr()).unwrap().e164, formatted, "{raw}");
        }
    }

    #[test]
    fn typed_forms_cover_national_and_international_digits() {
        let n = normalize("+33 6 12 34 56 78", fr());
        assert_eq!(typed_forms("+33 6 12 34 56 78", n.as_ref()), vec!["0612345678", "33612345678"]);
    }
}
