//! Raw SIP framing: start line, unfolded headers with canonical names, and the body, straight
//! from received bytes. Nothing here allocates per byte or indexes past the buffer.
//!
//! Input: one datagram or one framed stream message. Output: a [`RawMessage`] borrowing it.
//! Why: rsipstack's parser is lenient where RFC 4475 demands a 400 (and strict where a legal
//! extension method must get a 501), so our inbound checks look at the octets first.

/// Header names in compact form (RFC 3261 §7.3.3, RFC 3515, RFC 4028, RFC 3265), expanded.
fn expand_compact(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "i" => "call-id",
        "m" => "contact",
        "e" => "content-encoding",
        "l" => "content-length",
        "c" => "content-type",
        "f" => "from",
        "s" => "subject",
        "k" => "supported",
        "t" => "to",
        "v" => "via",
        "r" => "refer-to",
        "b" => "referred-by",
        "o" => "event",
        "u" => "allow-events",
        "x" => "session-expires",
        _ => return None,
    })
}

/// One header line, unfolded, with its name lower-cased and expanded from compact form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHeader<'a> {
    pub name: String,
    /// The name as it appeared on the wire.
    pub wire_name: &'a str,
    /// The value with folding (CRLF + LWS) turned into single spaces, trimmed.
    pub value: String,
}

/// A message split into its parts, without interpreting them.
#[derive(Debug, Clone)]
pub struct RawMessage<'a> {
    pub start_line: &'a str,
    pub headers: Vec<RawHeader<'a>>,
    /// Everything after the blank line (the Content-Length decides how much is body).
    pub after_headers: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("no blank line ends the headers")]
    NoHeaderEnd,
    #[error("the header section is not UTF-8")]
    NotUtf8,
    #[error("header line without a colon: {0:?}")]
    NoColon(String),
    #[error("header name {0:?} is not a token")]
    BadName(String),
    #[error("folded continuation line before any header")]
    LeadingFold,
}

impl<'a> RawMessage<'a> {
    /// `datagram`: the bytes are a whole UDP datagram, whose end may close a header section
    /// that lacks its blank line (the boundary is unambiguous there; on a stream it is not).
    pub fn split(bytes: &'a [u8], datagram: bool) -> Result<Self, FramingError> {
        // RFC 3261 §7.5: implementations should ignore CRLFs before the start line.
        let mut start = 0;
        while bytes[start..].starts_with(b"\r\n") {
            start += 2;
        }
        let bytes = &bytes[start..];
        let (end, after_headers) = match find(bytes, b"\r\n\r\n") {
            Some(end) => (end, &bytes[end + 4..]),
            None if datagram && bytes.ends_with(b"\r\n") => (bytes.len() - 2, &bytes[bytes.len()..]),
            None => return Err(FramingError::NoHeaderEnd),
        };
        let head = std::str::from_utf8(&bytes[..end]).map_err(|_| FramingError::NotUtf8)?;
        let mut lines = head.split("\r\n");
        let start_line = lines.next().unwrap_or("");
        let mut headers: Vec<RawHeader<'a>> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // RFC 3261 §7.3.1: a line starting with LWS continues the previous header.
                let last = headers.last_mut().ok_or(FramingError::LeadingFold)?;
                let more = line.trim();
                if !more.is_empty() {
                    if !last.value.is_empty() {
                        last.value.push(' ');
                    }
                    last.value.push_str(more);
                }
                continue;
            }
            let (name, value) = line.split_once(':').ok_or_else(|| FramingError::NoColon(line.chars().take(40).collect()))?;
            let wire_name = name.trim_end_matches([' ', '\t']);
            if wire_name.is_empty() || !wire_name.bytes().all(is_token_byte) {
                return Err(FramingError::BadName(wire_name.chars().take(40).collect()));
            }
            let name = expand_compact(wire_name).map(str::to_string).unwrap_or_else(|| wire_name.to_ascii_lowercase());
            headers.push(RawHeader { name, wire_name, value: value.trim().to_string() });
        }
        Ok(RawMessage { start_line, headers, after_headers })
    }

    /// The same view of a message already parsed (by rsipstack): names made canonical as
    /// `split` makes them, values unfolded and trimmed, `body` as what follows the headers.
    pub fn from_parsed(start_line: &'a str, headers: impl IntoIterator<Item = (&'a str, &'a str)>, body: &'a [u8]) -> Self {
        let headers = headers
            .into_iter()
            .map(|(wire_name, value)| {
                let name = expand_compact(wire_name).map(str::to_string).unwrap_or_else(|| wire_name.to_ascii_lowercase());
                let value = value.split(['\r', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
                RawHeader { name, wire_name, value }
            })
            .collect();
        RawMessage { start_line, headers, after_headers: body }
    }

    /// All values of a header (by canonical lower-case name), in order.
    pub fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.headers.iter().filter(move |h| h.name == name).map(|h| h.value.as_str())
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.name == name).map(|h| h.value.as_str())
    }

    pub fn count(&self, name: &str) -> usize {
        self.headers.iter().filter(|h| h.name == name).count()
    }
}

/// RFC 3261 §25.1 `token` characters.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// Walks a header value, yielding the characters outside quoted strings (RFC 3261 §25.1
/// quoted-string with quoted-pair escapes); `open` tells afterwards whether a quote was left open.
struct Unquoted<'a> {
    chars: std::str::CharIndices<'a>,
    open: bool,
}

impl Iterator for Unquoted<'_> {
    type Item = (usize, char);

    fn next(&mut self) -> Option<(usize, char)> {
        let mut escaped = false;
        for (i, c) in self.chars.by_ref() {
            if !self.open {
                if c == '"' {
                    self.open = true;
                    continue;
                }
                return Some((i, c));
            }
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => self.open = false,
                _ => {}
            }
        }
        None
    }
}

fn unquoted(value: &str) -> Unquoted<'_> {
    Unquoted { chars: value.char_indices(), open: false }
}

/// Whether every quoted string in `value` is closed.
pub fn quotes_balanced(value: &str) -> bool {
    let mut scan = unquoted(value);
    scan.by_ref().for_each(drop);
    !scan.open
}

/// Byte offset of the first `target` outside quoted strings.
pub fn find_unquoted(value: &str, target: char) -> Option<usize> {
    unquoted(value).find(|&(_, c)| c == target).map(|(i, _)| i)
}

/// Splits on `sep` outside quoted strings and angle brackets (list-valued headers: Contact,
/// Via, Route…).
pub fn split_unquoted(value: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut angle, mut start) = (false, 0);
    for (i, c) in unquoted(value) {
        match c {
            '<' => angle = true,
            '>' => angle = false,
            _ if c == sep && !angle => {
                parts.push(&value[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// Whether the header section of `bytes` holds a folded line (RFC 3261 §7.3.1).
pub fn has_folded_line(bytes: &[u8]) -> bool {
    let head = find(bytes, b"\r\n\r\n").map(|end| &bytes[..end]).unwrap_or(bytes);
    head.windows(3).any(|w| w[0] == b'\r' && w[1] == b'\n' && (w[2] == b' ' || w[2] == b'\t'))
}

/// `raw` written out again as one line per header: values unfolded, the optional whitespace
/// around `;` and `=` (RFC 3261 §25.1 SEMI, EQUAL; and `/` in a Via, SLASH) dropped outside
/// quoted strings, other runs of whitespace made one space; the body as it was.
pub fn rewrite_tight(raw: &RawMessage<'_>) -> Vec<u8> {
    let mut out = String::with_capacity(raw.after_headers.len() + 64 * raw.headers.len());
    out.push_str(raw.start_line);
    out.push_str("\r\n");
    for h in &raw.headers {
        out.push_str(h.wire_name);
        out.push_str(": ");
        out.push_str(&tight(&h.value, h.name == "via"));
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(raw.after_headers);
    bytes
}

fn tight(value: &str, via: bool) -> String {
    let glue = |c: char| c == ';' || c == '=' || (via && c == '/');
    let mut out = String::with_capacity(value.len());
    let (mut open, mut escaped, mut space) = (false, false, false);
    for c in value.chars() {
        if open {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => open = false,
                _ => {}
            }
            continue;
        }
        if c == ' ' || c == '\t' {
            space = true;
            continue;
        }
        // Whitespace before a glue character, or after one, goes; elsewhere it is one space.
        if space && !glue(c) && !out.ends_with(glue) && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c == '"' {
            open = true;
        }
        out.push(c);
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_message_is_written_tight_and_keeps_its_body_and_quoted_strings() {
        let msg = b"INVITE sip:a@b SIP/2.0\r\nfrom   : \"J  R ; x\"   <sip:j@e>\r\n  ;\r\n  tag = 98\r\nv: SIP  / 2.0  / UDP  h ;\r\n branch = z9hG4bK1\r\nSubject: two  words\r\n\r\nv=0\r\n";
        assert!(has_folded_line(msg));
        assert!(!has_folded_line(b"INVITE sip:a@b SIP/2.0\r\nTo: <sip:a@b>\r\n\r\n v=0"));
        let raw = RawMessage::split(msg, true).unwrap();
        let text = String::from_utf8(rewrite_tight(&raw)).unwrap();
        assert_eq!(
            text,
            "INVITE sip:a@b SIP/2.0\r\nfrom: \"J  R ; x\" <sip:j@e>;tag=98\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nSubject: two words\r\n\r\nv=0\r\n"
        );
    }

    #[test]
    fn unfolds_and_expands_compact_names() {
        let raw = RawMessage::split(b"OPTIONS sip:a SIP/2.0\r\nv: SIP/2.0/UDP h\r\n  ;branch=z9hG4bK1\r\nSubject:\r\n\r\nbody", false).unwrap();
        assert_eq!(raw.first("via"), Some("SIP/2.0/UDP h ;branch=z9hG4bK1"));
        assert_eq!(raw.first("subject"), Some(""));
        assert_eq!(raw.after_headers, b"body");
    }

    #[test]
    fn quote_aware_scanning_skips_quoted_separators() {
        assert_eq!(split_unquoted("\"a,b\" <sip:x,y>, <sip:z>", ','), vec!["\"a,b\" <sip:x,y>", " <sip:z>"]);
        assert_eq!(split_unquoted("<sip:a>;p=\"x>y\", <sip:b>", ','), vec!["<sip:a>;p=\"x>y\"", " <sip:b>"]);
        assert!(quotes_balanced("\"a\\\"b\"") && !quotes_balanced("\"abc"));
        assert_eq!(find_unquoted("\"<x>\" <sip:a>", '<'), Some(6));
    }

    #[test]
    fn rejects_lines_without_colon_and_missing_blank_line() {
        assert!(matches!(RawMessage::split(b"X sip:a SIP/2.0\r\nnonsense\r\n\r\n", true), Err(FramingError::NoColon(_))));
        assert_eq!(RawMessage::split(b"X sip:a SIP/2.0\r\nA: b\r\n", false).unwrap_err(), FramingError::NoHeaderEnd);
        assert_eq!(RawMessage::split(b"X\r\n  folded\r\n\r\n", true).unwrap_err(), FramingError::LeadingFold);
    }
}
