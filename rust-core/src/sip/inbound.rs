//! The gate every received message passes: bytes in, a [`Verdict`] out.
//!
//! A request that breaks the grammar or our capabilities gets the RFC's answer (400, 415, 416,
//! 420, 501, 505…) built from its own Via/From/To/Call-ID/CSeq, so the sender learns why; an
//! invalid response is dropped silently (RFC 3261 §18.1.2, RFC 4475 §3.1.2). Never a panic,
//! never a read past the buffer: `cargo fuzz` runs `classify` on arbitrary bytes.
//!
//! On the live path rsipstack parses the octets: [`check_parsed`] runs the same checks on its
//! request as parsed, and the engine answers with the [`Refused`] it returns. A UDP datagram
//! meets [`screen`] first, because rsipstack's parser drops silently what it cannot read (a
//! SIP/7.0 request, an unknown method, a bad Request-URI), where the RFC asks for an answer;
//! a message framed from a TCP flow meets [`screen_framed`], because there rsipstack would end
//! the flow over it.

use super::rfc2543::as_rfc3261;
use super::stream_framer::codec_length;
use super::wire::{find_unquoted, has_folded_line, is_token, is_token_byte, quotes_balanced, rewrite_tight, split_unquoted, RawMessage};
use rsipstack::sip::{Request, Response, SipMessage};

/// Methods we answer (the Allow header of a 501 / 405).
pub const ALLOWED_METHODS: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, MESSAGE, PRACK";

/// Option tags we implement; a `Require` naming another gets 420 (RFC 3261 §8.2.2.3).
pub const SUPPORTED_OPTIONS: &[&str] = &["outbound", "path", "timer", "replaces"];

/// Body types a request may carry to us; another without `handling=optional` gets 415.
pub const ACCEPTED_TYPES: &[&str] = &["application/sdp", "multipart/mixed", "message/sipfrag", "application/simple-message-summary", "application/dtmf-relay"];

/// Headers that may appear once only (RFC 3261 §7.3.1: those whose grammar is not a list).
const SINGLE_VALUED: &[&str] = &["to", "from", "call-id", "cseq", "max-forwards", "content-length", "content-type", "expires"];

/// What to do with a received message.
// The engine acts on the code and header; the torture suite and the fuzz target read the rest.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
#[derive(Debug)]
pub enum Verdict {
    Request(Box<Request>),
    Response(Box<Response>),
    /// Answer the request with this status and stop: `response` is ready to send back;
    /// `header` is the one the answer must carry (Allow, Unsupported, Accept), if any.
    Reject {
        code: u16,
        why: String,
        response: Vec<u8>,
        header: Option<(&'static str, String)>,
    },
    /// Drop silently (an invalid response, or bytes that are not SIP at all).
    Discard {
        why: String,
    },
}

impl Verdict {
    #[cfg(any(test, feature = "testing"))]
    pub fn code(&self) -> Option<u16> {
        match self {
            Verdict::Reject { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A parsed request the gate refuses: the status, why, and the header the answer must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: u16,
    pub why: String,
    pub header: Option<(&'static str, String)>,
}

/// The gate for a request rsipstack already parsed (the live path): the checks `classify`
/// makes past framing, on the start line, headers and body as parsed. Why: writing the
/// request out only to read it again costs a copy and a parse per request, and checks
/// rsipstack's rendering rather than what it kept.
pub fn check_parsed(req: &Request) -> Result<(), Refused> {
    use rsipstack::sip::uri::Scheme;
    use rsipstack::sip::Version;
    let refused = |f: Fault| Refused { code: f.code, why: f.why, header: f.extra };
    if req.version != Version::V2 {
        return Err(refused(fault(505, format!("SIP version {} not supported", req.version))));
    }
    let tel = match &req.uri.scheme {
        Some(Scheme::Sip | Scheme::Sips) => false,
        Some(Scheme::Other(s)) if s.eq_ignore_ascii_case("tel") => true,
        other => return Err(refused(fault(416, format!("URI scheme {other:?} not supported")))),
    };
    if !tel && !req.uri.headers.is_empty() {
        // RFC 3261 §19.1.5: headers are not allowed in a Request-URI.
        return Err(refused(fault(400, "header parameters in the Request-URI")));
    }
    let method = req.method.to_string();
    let raw = RawMessage::from_parsed("", req.headers.iter().map(|h| (h.name(), h.value())), &req.body);
    check_request_headers(&raw, &method, false).map(drop).map_err(refused)
}

/// What [`screen`] says of bytes about to reach rsipstack's parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screened {
    /// Let rsipstack read it: a request that passes the byte checks, a response, or bytes
    /// that are not a SIP message at all (keep-alives, STUN).
    Pass,
    /// A request that breaks the grammar or names what we cannot do: `response` answers it.
    Refuse { code: u16, why: String, response: Vec<u8> },
    /// A request too broken to answer (no header section can be read).
    Discard { why: String },
    /// A good request written again for rsipstack: tight if it had folded lines (see
    /// [`rewrite_tight`]: its typed headers misread `tag = x`, a folded CSeq), and with a
    /// stand-in From tag (and Contact) if it came from an RFC 2543 peer (see `sip::rfc2543`).
    Rewrite(Vec<u8>),
}

/// The byte checks of [`classify`] on a request, without its parse (rsipstack parses next):
/// the start line, the headers, the body's length, what we can process. An unknown method is
/// a 501 here, with Allow: rsipstack would drop it unread. Responses pass: an invalid one is
/// dropped unanswered either way, and rsipstack's transaction match is the stricter judge.
pub fn screen(bytes: &[u8], datagram: bool) -> Screened {
    // A request starts with its method, a token (RFC 3261 §7.1); keep-alive CRLFs and STUN
    // packets do not, and are not ours to judge.
    let first = bytes.iter().position(|b| !matches!(b, b'\r' | b'\n')).map(|i| bytes[i]);
    if !first.is_some_and(is_token_byte) || bytes.starts_with(b"SIP/") {
        return Screened::Pass;
    }
    let raw = match RawMessage::split(bytes, datagram) {
        Ok(raw) => raw,
        Err(e) => return Screened::Discard { why: format!("unreadable request: {e}") },
    };
    if raw.start_line.starts_with("SIP/") {
        return Screened::Pass;
    }
    let fault = match check_request(&raw, datagram) {
        Ok((method, _)) if is_known_method(method) => {
            return match as_rfc3261(&raw) {
                Some(tagged) => Screened::Rewrite(tagged),
                None if has_folded_line(bytes) => Screened::Rewrite(rewrite_tight(&raw)),
                None => Screened::Pass,
            };
        }
        Ok((method, _)) => Fault { code: 501, why: format!("method {method} not implemented"), extra: Some(("Allow", ALLOWED_METHODS.into())) },
        Err(f) => f,
    };
    // An ACK is never answered (RFC 3261 §17): refusing one here would also keep it from the
    // transaction it completes, and its 200 would be resent until the call is torn down.
    if raw.start_line.split(' ').next() == Some("ACK") {
        return Screened::Pass;
    }
    Screened::Refuse { code: fault.code, response: error_response(&raw, &fault), why: fault.why }
}

/// [`screen`] for one message framed from a stream (see [`super::stream_framer`]), with the
/// parse rsipstack's stream codec makes next. That codec ends the whole flow on a message it
/// cannot read, so what it would fail on stops here: a request gets its 400, anything else is
/// dropped. What passes is framed by that codec as we framed it: a Content-Length it would
/// misread (a space before the colon) is written again tight.
pub fn screen_framed(bytes: &[u8]) -> Screened {
    let passed: std::borrow::Cow<'_, [u8]> = match screen(bytes, false) {
        Screened::Pass => bytes.into(),
        Screened::Rewrite(rewritten) => rewritten.into(),
        stopped => return stopped,
    };
    let raw = match RawMessage::split(&passed, false) {
        Ok(raw) => raw,
        Err(e) => return Screened::Discard { why: format!("unreadable message: {e}") },
    };
    let refuse = |why: String| {
        if !raw.start_line.starts_with("SIP/") && raw.start_line.split(' ').next() != Some("ACK") {
            let fault = fault(400, why);
            Screened::Refuse { code: 400, response: error_response(&raw, &fault), why: fault.why }
        } else {
            Screened::Discard { why }
        }
    };
    let body = Some(raw.after_headers.len());
    let tight = (codec_length(&passed) != body).then(|| rewrite_tight(&raw));
    if tight.as_deref().is_some_and(|tight| codec_length(tight) != body) {
        return refuse("Content-Length cannot be read".into());
    }
    if let Err(e) = SipMessage::try_from(tight.as_deref().unwrap_or(&passed)) {
        return refuse(format!("unreadable message: {e}"));
    }
    match (tight, passed) {
        (Some(tight), _) => Screened::Rewrite(tight),
        (None, std::borrow::Cow::Owned(rewritten)) => Screened::Rewrite(rewritten),
        (None, std::borrow::Cow::Borrowed(_)) => Screened::Pass,
    }
}

/// The answer to a header section a stream could not frame (`why`): a request gets a 400,
/// anything else (a response, an ACK, bytes that are no message) is dropped.
pub fn answer_unframed(head: &[u8], why: &str) -> Screened {
    match RawMessage::split(head, false) {
        Ok(raw) if !raw.start_line.starts_with("SIP/") && raw.start_line.split(' ').next() != Some("ACK") => {
            let fault = fault(400, why);
            Screened::Refuse { code: 400, response: error_response(&raw, &fault), why: fault.why }
        }
        _ => Screened::Discard { why: why.to_string() },
    }
}

/// A reason a message fails, with the status a request gets for it.
struct Fault {
    code: u16,
    why: String,
    extra: Option<(&'static str, String)>,
}

fn fault(code: u16, why: impl Into<String>) -> Fault {
    Fault { code, why: why.into(), extra: None }
}

/// Classifies one message as received on a transport; `datagram` tells whether the bytes are a
/// whole UDP datagram (where a Content-Length beyond the end is an error, RFC 3261 §18.3).
// The raw-bytes gate: live requests come parsed (`check_parsed`); these judge bytes only for
// the torture suite and the fuzz targets.
#[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
pub fn classify(bytes: &[u8], datagram: bool) -> Verdict {
    let raw = match RawMessage::split(bytes, datagram) {
        Ok(raw) => raw,
        Err(e) => {
            return if looks_like_request(bytes) {
                // Not even the headers can be trusted: answer only if a Via can be salvaged.
                Verdict::Discard { why: format!("unparseable request: {e}") }
            } else {
                Verdict::Discard { why: format!("unparseable message: {e}") }
            };
        }
    };
    if raw.start_line.starts_with("SIP/") {
        return match check_response(&raw, datagram).and_then(|body_len| parse(bytes, &raw, body_len)) {
            Ok(SipMessage::Response(r)) => Verdict::Response(Box::new(r)),
            Ok(SipMessage::Request(_)) => Verdict::Discard { why: "start line says response".into() },
            Err(f) => Verdict::Discard { why: f.why },
        };
    }
    let result = check_request(&raw, datagram).and_then(|(method, body_len)| {
        let parsed = parse(bytes, &raw, body_len);
        match parsed {
            Ok(SipMessage::Request(r)) => Ok(r),
            Ok(SipMessage::Response(_)) => Err(fault(400, "not a request")),
            Err(_) if !is_known_method(method) => {
                Err(Fault { code: 501, why: format!("method {method} not implemented"), extra: Some(("Allow", ALLOWED_METHODS.into())) })
            }
            Err(f) => Err(f),
        }
    });
    match result {
        Ok(req) => Verdict::Request(Box::new(req)),
        Err(f) => {
            let response = error_response(&raw, &f);
            Verdict::Reject { code: f.code, why: f.why, response, header: f.extra }
        }
    }
}

#[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
fn looks_like_request(bytes: &[u8]) -> bool {
    !bytes.starts_with(b"SIP/")
}

fn is_known_method(method: &str) -> bool {
    ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER", "INFO", "UPDATE", "REFER", "NOTIFY", "SUBSCRIBE", "MESSAGE", "PRACK", "PUBLISH"].contains(&method)
}

/// Hands the checked bytes to rsipstack's parser, with the body cut to Content-Length
/// (RFC 3261 §18.3: octets past it in a datagram are not part of the message).
#[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
fn parse(bytes: &[u8], raw: &RawMessage<'_>, body_len: usize) -> Result<SipMessage, Fault> {
    let head_len = bytes.len() - raw.after_headers.len();
    let framed = &bytes[..head_len + body_len];
    rsipstack::sip::parser::parse_message(framed).map_err(|e| fault(400, format!("unparseable: {e}")))
}

#[cfg_attr(not(any(test, feature = "testing")), allow(dead_code))]
fn check_response(raw: &RawMessage<'_>, datagram: bool) -> Result<usize, Fault> {
    let mut parts = raw.start_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    if version != "SIP/2.0" {
        return Err(fault(0, format!("response version {version:?}")));
    }
    // RFC 3261 §7.2: Status-Code is exactly three digits; 100–699 are the defined classes.
    match code.parse::<u16>() {
        Ok(c) if code.len() == 3 && (100..=699).contains(&c) => {}
        _ => return Err(fault(0, format!("status code {code:?} out of range"))),
    }
    check_headers(raw)?;
    // RFC 3261 §8.1.3.3: a response with more than one Via was not meant for a UA (RFC 4475
    // §3.3.10 sends one whose second Via is a broadcast address).
    let vias: usize = raw.values("via").map(|v| split_unquoted(v, ',').len()).sum();
    if vias != 1 {
        return Err(fault(0, format!("response with {vias} Via values")));
    }
    if let Some(v) = raw.first("retry-after") {
        let secs = v.split(|c: char| c == '(' || c == ';' || c.is_whitespace()).next().unwrap_or("");
        secs.parse::<u32>().map_err(|_| fault(0, format!("Retry-After {secs:?} out of range")))?;
    }
    body_length(raw, datagram)
}

fn check_request<'m>(raw: &'m RawMessage<'_>, datagram: bool) -> Result<(&'m str, usize), Fault> {
    let line = raw.start_line;
    // RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, exactly one SP each (RFC 4475 §3.1.2.7–10).
    let parts: Vec<&str> = line.split(' ').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) || line.contains('\t') {
        return Err(fault(400, "malformed request line"));
    }
    let (method, uri, version) = (parts[0], parts[1], parts[2]);
    if !is_token(method) {
        return Err(fault(400, format!("method {method:?} is not a token")));
    }
    if !version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(fault(505, format!("SIP version {version:?} not supported")));
    }
    if uri.starts_with('<') {
        return Err(fault(400, "Request-URI in angle brackets"));
    }
    let scheme = uri.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    if !matches!(scheme.as_str(), "sip" | "sips" | "tel") {
        return Err(fault(416, format!("URI scheme {scheme:?} not supported")));
    }
    let host_part = uri.rsplit_once('@').map(|(_, h)| h).unwrap_or(uri);
    if scheme != "tel" && host_part.contains('?') {
        // RFC 3261 §19.1.5: headers are not allowed in a Request-URI ('?' is legal in the user
        // part, RFC 3261 §25.1 user-unreserved, so only what follows the host counts).
        return Err(fault(400, "header parameters in the Request-URI"));
    }
    let body_len = check_request_headers(raw, method, datagram)?;
    Ok((method, body_len))
}

/// What a request must be past its start line: its headers, CSeq, body length, and what we
/// can process. Returns the body's length.
fn check_request_headers(raw: &RawMessage<'_>, method: &str, datagram: bool) -> Result<usize, Fault> {
    check_headers(raw)?;
    for required in ["to", "from", "call-id", "cseq", "via"] {
        if raw.count(required) == 0 {
            return Err(fault(400, format!("missing {required} header")));
        }
    }
    let cseq = raw.first("cseq").unwrap_or("");
    let (seq, cseq_method) = cseq.split_once(' ').unwrap_or((cseq, ""));
    // RFC 3261 §8.1.1.5: the sequence number is a 32-bit unsigned integer.
    seq.parse::<u32>().map_err(|_| fault(400, format!("CSeq number {seq:?} out of range")))?;
    if cseq_method.trim() != method {
        return Err(fault(400, format!("CSeq method {:?} differs from {method}", cseq_method.trim())));
    }
    if let Some(mf) = raw.first("max-forwards") {
        match mf.parse::<u16>() {
            Ok(n) if n <= 255 => {}
            _ => return Err(fault(400, format!("Max-Forwards {mf:?} out of range"))),
        }
    }
    if let Some(exp) = raw.first("expires") {
        exp.parse::<u32>().map_err(|_| fault(400, format!("Expires {exp:?} out of range")))?;
    }
    let body_len = body_length(raw, datagram)?;
    check_capabilities(raw, method, body_len)?;
    Ok(body_len)
}

/// Per-header syntax that rsipstack lets through (RFC 4475 §3.1.2).
fn check_headers(raw: &RawMessage<'_>) -> Result<(), Fault> {
    for name in SINGLE_VALUED {
        if raw.count(name) > 1 {
            return Err(fault(400, format!("{name} header appears more than once")));
        }
    }
    for h in &raw.headers {
        // Call-ID is a `word` (RFC 3261 §25.1), where '"' is an ordinary character.
        if h.name != "call-id" && !quotes_balanced(&h.value) {
            return Err(fault(400, format!("unterminated quoted string in {}", h.wire_name)));
        }
        match h.name.as_str() {
            "to" | "from" => check_name_addr(&h.value, false, &h.name)?,
            "contact" if h.value != "*" => {
                for part in split_unquoted(&h.value, ',') {
                    check_name_addr(part.trim(), true, "contact")?;
                }
            }
            "via" => {
                for part in split_unquoted(&h.value, ',') {
                    let part = part.trim();
                    if part.is_empty() || part.split(';').skip(1).any(|p| p.trim().is_empty()) {
                        return Err(fault(400, "empty Via value or parameter"));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// RFC 3261 §20.10: name-addr / addr-spec with parameters.
fn check_name_addr(value: &str, list_item: bool, header: &str) -> Result<(), Fault> {
    let bad = |why: &str| Err(fault(400, format!("{header}: {why}")));
    if value.is_empty() {
        return bad("empty value");
    }
    let (after_uri, display) = match find_unquoted(value, '<') {
        Some(lt) => {
            let display = value[..lt].trim();
            let Some(gt) = value[lt..].find('>') else {
                return bad("'<' without '>'");
            };
            let spec = &value[lt + 1..lt + gt];
            if spec.is_empty() || spec.contains(char::is_whitespace) {
                return bad("whitespace inside the addr-spec");
            }
            (&value[lt + gt + 1..], Some(display))
        }
        None => {
            // RFC 3261 §20: a URI with '?', ',' or ';' must be in angle brackets; its ';' would
            // read as header parameters, its '?' has no meaning at all outside them.
            let spec = value.split(';').next().unwrap_or("");
            if spec.contains('?') || spec.trim().contains(char::is_whitespace) {
                return bad("addr-spec with headers or spaces outside angle brackets");
            }
            let _ = list_item;
            (&value[spec.len()..], None)
        }
    };
    if let Some(display) = display.filter(|d| !d.is_empty() && !d.starts_with('"')) {
        // An unquoted display name is tokens separated by LWS (RFC 4475 §3.1.2.15).
        if !display.split_whitespace().all(is_token) {
            return bad("display name with characters that need quoting");
        }
    }
    if after_uri.split(';').skip(1).any(|p| p.trim().is_empty()) {
        return bad("empty header parameter");
    }
    Ok(())
}

/// Content-Length present at most once, numeric, and within the bytes received.
fn body_length(raw: &RawMessage<'_>, datagram: bool) -> Result<usize, Fault> {
    match raw.first("content-length") {
        Some(v) => {
            let n: usize = match v.parse::<u32>() {
                Ok(n) => n as usize,
                Err(_) => return Err(fault(400, format!("Content-Length {v:?} is not a length"))),
            };
            if n > raw.after_headers.len() {
                return Err(fault(400, format!("Content-Length {n} exceeds the {} octets received", raw.after_headers.len())));
            }
            Ok(n)
        }
        // RFC 3261 §18.3: over UDP the body runs to the end of the datagram; a stream needs it.
        None if datagram => Ok(raw.after_headers.len()),
        None => Ok(0),
    }
}

/// What we can process: Require options and body types (RFC 3261 §8.2.2.3, §8.2.3).
fn check_capabilities(raw: &RawMessage<'_>, method: &str, body_len: usize) -> Result<(), Fault> {
    if method != "ACK" && method != "CANCEL" {
        let unsupported: Vec<&str> = raw
            .values("require")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|tag| !tag.is_empty() && !SUPPORTED_OPTIONS.iter().any(|s| s.eq_ignore_ascii_case(tag)))
            .collect();
        if !unsupported.is_empty() {
            return Err(Fault {
                code: 420,
                why: format!("unsupported extension {}", unsupported.join(", ")),
                extra: Some(("Unsupported", unsupported.join(", "))),
            });
        }
    }
    if body_len > 0 {
        let ctype = raw.first("content-type").unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let optional = raw.first("content-disposition").is_some_and(|d| d.to_ascii_lowercase().contains("handling=optional"));
        if !optional && !ACCEPTED_TYPES.contains(&ctype.as_str()) {
            return Err(Fault { code: 415, why: format!("body type {ctype:?} not supported"), extra: Some(("Accept", ACCEPTED_TYPES.join(", "))) });
        }
    }
    if method == "INVITE" {
        if let Some(accept) = raw.first("accept") {
            let takes_sdp = accept.split(',').any(|t| {
                let t = t.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                t == "application/sdp" || t == "application/*" || t == "*/*"
            });
            if !takes_sdp {
                // RFC 3261 §21.4.7: we can only answer a session in SDP.
                return Err(Fault { code: 406, why: "Accept excludes application/sdp".into(), extra: Some(("Accept", "application/sdp".into())) });
            }
        }
    }
    Ok(())
}

/// Builds the answer to a rejected request from its raw headers (RFC 3261 §8.2.6.2).
fn error_response(raw: &RawMessage<'_>, f: &Fault) -> Vec<u8> {
    let mut out = format!("SIP/2.0 {} {}\r\n", f.code, reason_phrase(f.code));
    for h in raw.headers.iter().filter(|h| h.name == "via") {
        out.push_str(&format!("Via: {}\r\n", h.value));
    }
    for name in ["from", "to", "call-id", "cseq"] {
        if let Some(v) = raw.first(name) {
            let canonical = match name {
                "from" => "From",
                "to" => "To",
                "call-id" => "Call-ID",
                _ => "CSeq",
            };
            let tag = if name == "to" && !v.contains(";tag=") { ";tag=rs-reject" } else { "" };
            out.push_str(&format!("{canonical}: {v}{tag}\r\n"));
        }
    }
    if let Some((name, value)) = &f.extra {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out.into_bytes()
}

fn reason_phrase(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        501 => "Not Implemented",
        505 => "Version Not Supported",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_echoes_transaction_headers() {
        let msg = b"FOO sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 FOO\r\nContent-Length: 0\r\n\r\n";
        let Verdict::Reject { code, response, .. } = classify(msg, true) else { panic!() };
        assert_eq!(code, 501);
        let text = String::from_utf8(response).unwrap();
        assert!(text.starts_with("SIP/2.0 501 Not Implemented\r\n"));
        assert!(text.contains("Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n") && text.contains("CSeq: 1 FOO\r\n"));
        assert!(text.contains("Allow: INVITE"));
        assert!(text.contains("To: <sip:a@b>;tag="));
    }

    fn parsed(text: &str) -> Request {
        Request::try_from(text).unwrap()
    }

    const INVITE: &str = "INVITE sip:1001@pbx SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@pbx>;tag=1\r\nTo: <sip:1001@pbx>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n";

    #[test]
    fn a_parsed_request_that_classify_accepts_passes_the_parsed_gate() {
        let text = format!("{INVITE}Require: timer\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n");
        assert!(matches!(classify(text.as_bytes(), false), Verdict::Request(_)));
        assert_eq!(check_parsed(&parsed(&text)), Ok(()));
    }

    #[test]
    fn rfc3261_8_2_2_3_parsed_require_of_an_unknown_extension_is_420_naming_it() {
        let r = check_parsed(&parsed(&format!("{INVITE}Require: 100rel, timer\r\nContent-Length: 0\r\n\r\n"))).unwrap_err();
        assert_eq!((r.code, r.header), (420, Some(("Unsupported", "100rel".to_string()))));
    }

    #[test]
    fn rfc3261_8_2_3_parsed_body_of_a_type_we_do_not_take_is_415_with_accept() {
        let r = check_parsed(&parsed(&format!("{INVITE}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"))).unwrap_err();
        assert_eq!(r.code, 415);
        assert_eq!(r.header.map(|(n, _)| n), Some("Accept"));
    }

    #[test]
    fn rfc3261_8_1_1_parsed_request_without_call_id_is_400() {
        let text = INVITE.replace("Call-ID: c\r\n", "") + "Content-Length: 0\r\n\r\n";
        assert_eq!(check_parsed(&parsed(&text)).unwrap_err().code, 400);
    }

    #[test]
    fn rfc3261_8_1_1_5_parsed_cseq_method_must_match_the_request() {
        let text = INVITE.replace("CSeq: 1 INVITE", "CSeq: 1 BYE") + "Content-Length: 0\r\n\r\n";
        assert_eq!(check_parsed(&parsed(&text)).unwrap_err().code, 400);
    }

    #[test]
    fn screen_answers_what_rsipstack_would_drop_and_passes_the_rest() {
        let bad_version = INVITE.replace("SIP/2.0\r\nVia", "SIP/7.0\r\nVia") + "Content-Length: 0\r\n\r\n";
        let Screened::Refuse { code, response, .. } = screen(bad_version.as_bytes(), true) else { panic!() };
        assert_eq!(code, 505);
        assert!(String::from_utf8(response).unwrap().contains("CSeq: 1 INVITE\r\n"));
        let unknown =
            "FOO sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 FOO\r\n\r\n";
        assert!(matches!(screen(unknown.as_bytes(), true), Screened::Refuse { code: 501, .. }));
        let angle = INVITE.replace("INVITE sip:1001@pbx SIP", "INVITE <sip:1001@pbx> SIP") + "\r\n";
        assert!(matches!(screen(angle.as_bytes(), true), Screened::Refuse { code: 400, .. }));
        let fine = format!("{INVITE}Content-Length: 0\r\n\r\n");
        assert_eq!(screen(fine.as_bytes(), true), Screened::Pass);
    }

    #[test]
    fn screen_never_answers_an_ack_even_a_broken_one() {
        let ack = "ACK sip:1001@pbx SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: Jo (Sales) <sip:x@pbx>;tag=1\r\nTo: <sip:1001@pbx>;tag=2\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n";
        assert!(matches!(screen(ack.replace("ACK sip", "INVITE sip").replace("1 ACK", "1 INVITE").as_bytes(), true), Screened::Refuse { code: 400, .. }));
        assert_eq!(screen(ack.as_bytes(), true), Screened::Pass);
    }

    #[test]
    fn screen_leaves_keepalives_stun_and_responses_to_the_transport() {
        let stun = [0x00u8, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        let response = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP g\r\n\r\n";
        for bytes in [&b"\r\n\r\n"[..], b"\r\n", &stun, response, b""] {
            assert_eq!(screen(bytes, true), Screened::Pass, "{bytes:?}");
        }
        assert!(matches!(screen(b"INVITE sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", true), Screened::Discard { .. }));
    }

    #[test]
    fn empty_and_garbage_input_is_discarded() {
        for input in [&b""[..], b"\r\n\r\n", b"\xff\xfe", b"SIP/2.0 200", b"INVITE"] {
            assert!(matches!(classify(input, true), Verdict::Discard { .. }), "{input:?}");
        }
    }
}
