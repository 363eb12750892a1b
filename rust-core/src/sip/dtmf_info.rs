//! RFC 2976 INFO requests carrying a key press: `application/dtmf-relay` (`Signal=5`, the
//! widely deployed form) or `application/dtmf` (`5`).
//!
//! Input: an in-dialog INFO. Output: the digit (0-9, *, #, A-D), or nothing for any other body.

use super::headers::header;
use rsipstack::sip::Request;

/// The digit an INFO carries, upper-cased; nothing for another body type or a non-digit.
pub fn digit(req: &Request) -> Option<char> {
    let ctype = header(req, "content-type")?.to_ascii_lowercase();
    let body = String::from_utf8_lossy(&req.body);
    let value = if ctype.starts_with("application/dtmf-relay") {
        body.lines().find_map(|l| l.trim().strip_prefix("Signal=").or_else(|| l.trim().strip_prefix("signal=")).map(str::to_string))?
    } else if ctype.starts_with("application/dtmf") {
        body.trim().to_string()
    } else {
        return None;
    };
    let c = value.trim().chars().next()?.to_ascii_uppercase();
    (c.is_ascii_digit() || "*#ABCD".contains(c)).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(ctype: &str, body: &str) -> Request {
        Request::try_from(format!(
            "INFO sip:1001@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1001@b>;tag=2\r\nCall-ID: c\r\nCSeq: 3 INFO\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ).as_str())
        .unwrap()
    }

    #[test]
    fn dtmf_relay_signal_line_gives_the_digit() {
        assert_eq!(digit(&info("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n")), Some('5'));
        assert_eq!(digit(&info("application/dtmf-relay", "signal= #\r\n")), Some('#'));
    }

    #[test]
    fn plain_dtmf_body_gives_the_digit_upper_cased() {
        assert_eq!(digit(&info("application/dtmf", "b\r\n")), Some('B'));
    }

    #[test]
    fn other_bodies_and_other_characters_give_nothing() {
        assert_eq!(digit(&info("text/plain", "5")), None);
        assert_eq!(digit(&info("application/dtmf-relay", "Duration=160\r\n")), None);
        assert_eq!(digit(&info("application/dtmf", "x")), None);
        assert_eq!(digit(&info("application/dtmf", "")), None);
    }
}
