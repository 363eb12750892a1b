//! One voicemail e-mail as a hosted PBX sends it. Input: the raw message (RFC 5322 + MIME);
//! output: the caller, their name, the duration, when it was left, and the WAV audio or why
//! there is none. Parsing is mail-parser's; this file only knows where PBXs put things.
//!
//! Accepted, in order of trust:
//! - Asterisk/FreePBX headers: `X-Asterisk-CallerID`, `X-Asterisk-CallerIDName`,
//!   `X-Asterisk-VM-Duration` (seconds).
//! - The subject: `Voicemail from 0612345678 (42 s)`, `New voicemail from "Bob" <1002>`,
//!   `[PBX]: New message 3 in mailbox 1001 from "Bob" <1002>`, `Nouveau message vocal de
//!   0612345678 (0:42)`: the caller after `from`/`de`, a name in quotes or before `<…>`, a
//!   duration as `(42 s)`, `42 seconds`, `(0:42)`.
//! - The From display name when it is a number (`"0612345678" <voicemail@pbx>`).
//! - Without a stated duration, the WAV header's (frames / rate).
//!
//! The audio is the first `audio/*` part (or an untyped one named `*.wav`); it must read as a WAV.

use mail_parser::{MessageParser, MimeHeaders};

/// The largest attachment kept unless settings say otherwise (a 10-minute 16-bit 8 kHz
/// message is ~10 MB).
pub const DEFAULT_MAX_AUDIO_BYTES: u64 = 20 * 1024 * 1024;

/// Headers and text parts a voicemail e-mail carries besides its audio, at the most.
const MAIL_OVERHEAD_BYTES: u64 = 256 * 1024;

/// Whether a message of `size` bytes (IMAP `RFC822.SIZE`) may be fetched whole under a
/// `max_audio_bytes` limit. The audio travels base64-encoded in 76-character lines (4/3, then
/// 78/76), so a message this much larger cannot hold an attachment within the limit: it is
/// never fetched, only its header.
pub fn fits(size: u64, max_audio_bytes: u64) -> bool {
    size <= max_audio_bytes.saturating_mul(4 * 78) / (3 * 76) + MAIL_OVERHEAD_BYTES
}

/// Why a message too large to fetch has no audio.
pub fn too_large(size: u64, max_audio_bytes: u64) -> String {
    format!("the message is too large to fetch ({size} bytes; audio of at most {max_audio_bytes} bytes is kept)")
}

/// What one voicemail e-mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoicemailMail {
    pub caller: String,
    pub caller_name: Option<String>,
    pub duration_ms: Option<i64>,
    /// From the Date header; `None` when it has none.
    pub received_ms: Option<i64>,
    /// The WAV bytes, or why the message has no playable audio.
    pub audio: Result<Vec<u8>, String>,
}

/// Reads `raw` (a whole message, or only its header); `None` when it is not an e-mail at all.
/// Audio over `max_audio_bytes` is refused, with the reason.
pub fn parse(raw: &[u8], max_audio_bytes: u64) -> Option<VoicemailMail> {
    let msg = MessageParser::default().parse(raw)?;
    let header = |name: &str| msg.header_raw(name).map(|v| v.trim().trim_matches('"').to_string()).filter(|v| !v.is_empty());
    let subject = msg.subject().unwrap_or_default().to_string();
    let from_subject = caller_in_subject(&subject);
    let from_header = msg.from().and_then(|a| a.first()).and_then(|a| a.name()).map(str::trim).filter(|n| looks_like_number(n)).map(str::to_string);
    let caller = header("X-Asterisk-CallerID").or_else(|| from_subject.as_ref().map(|c| c.0.clone())).or(from_header).unwrap_or_else(|| "unknown".into());
    let caller_name =
        header("X-Asterisk-CallerIDName").filter(|n| n != &caller && !n.eq_ignore_ascii_case("unknown")).or_else(|| from_subject.and_then(|c| c.1));
    let stated = header("X-Asterisk-VM-Duration").and_then(|d| d.parse::<i64>().ok()).map(|s| s * 1000).or_else(|| duration_in(&subject));
    let audio = audio_of(&msg, max_audio_bytes);
    let duration_ms = stated.or_else(|| audio.as_ref().ok().and_then(|wav| wav_duration_ms(wav)));
    Some(VoicemailMail { caller, caller_name, duration_ms, received_ms: msg.date().map(|d| d.to_timestamp() * 1000), audio })
}

fn looks_like_number(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 2 && s.chars().all(|c| c.is_ascii_digit() || " +-.()".contains(c))
}

/// The caller (and a name) after `from` / `de` in the subject.
fn caller_in_subject(subject: &str) -> Option<(String, Option<String>)> {
    let lower = subject.to_lowercase();
    let at = [" from ", " de "].iter().filter_map(|w| lower.rfind(w).map(|i| i + w.len())).max()?;
    let rest = subject.get(at..)?.trim();
    if let (Some(open), Some(close)) = (rest.find('<'), rest.find('>')) {
        if open < close {
            let number = rest[open + 1..close].trim().to_string();
            let name = rest[..open].trim().trim_matches('"').trim().to_string();
            return (!number.is_empty()).then(|| (number, Some(name).filter(|n| !n.is_empty())));
        }
    }
    let first: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '(' && *c != ',').collect();
    (!first.is_empty()).then_some((first, None))
}

/// `(42 s)`, `42 seconds`, `42s`, `(0:42)`, `1:02:03` in the subject.
fn duration_in(subject: &str) -> Option<i64> {
    let words: Vec<&str> = subject.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',').filter(|w| !w.is_empty()).collect();
    for (i, w) in words.iter().enumerate() {
        if let Some(n) = w.strip_suffix('s').and_then(|n| n.parse::<i64>().ok()) {
            return Some(n * 1000);
        }
        if let Ok(n) = w.parse::<i64>() {
            if words.get(i + 1).is_some_and(|u| matches!(u.to_lowercase().as_str(), "s" | "sec" | "secs" | "second" | "seconds" | "secondes")) {
                return Some(n * 1000);
            }
        }
        if w.contains(':') && w.split(':').count() <= 3 {
            let parts: Option<Vec<i64>> = w.split(':').map(|p| p.parse::<i64>().ok()).collect();
            if let Some(parts) = parts.filter(|p| p.len() >= 2) {
                return Some(parts.iter().fold(0, |acc, p| acc * 60 + p) * 1000);
            }
        }
    }
    None
}

fn audio_of(msg: &mail_parser::Message, max_audio_bytes: u64) -> Result<Vec<u8>, String> {
    let mut seen = Vec::new();
    for part in msg.attachments() {
        let ctype = part.content_type().map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_lowercase()).unwrap_or_default();
        // A `.wav` name counts only when the type says nothing (octet-stream): a typed part is what its type says.
        let untyped = ctype.is_empty() || ctype == "application/octet-stream";
        let named_wav = untyped && part.attachment_name().is_some_and(|n| n.to_lowercase().ends_with(".wav"));
        if !ctype.starts_with("audio/") && !named_wav {
            seen.push(if ctype.is_empty() { "an untyped part".to_string() } else { ctype });
            continue;
        }
        let bytes = part.contents();
        if bytes.len() as u64 > max_audio_bytes {
            return Err(format!("the audio attachment is too large ({} bytes, at most {max_audio_bytes})", bytes.len()));
        }
        return match hound::WavReader::new(std::io::Cursor::new(bytes)) {
            Ok(_) => Ok(bytes.to_vec()),
            Err(e) => Err(format!("the audio attachment is not a readable WAV: {e}")),
        };
    }
    if seen.is_empty() {
        Err("no audio attachment".into())
    } else {
        Err(format!("no audio attachment (found {})", seen.join(", ")))
    }
}

fn wav_duration_ms(wav: &[u8]) -> Option<i64> {
    let r = hound::WavReader::new(std::io::Cursor::new(wav)).ok()?;
    let rate = r.spec().sample_rate;
    (rate > 0).then(|| i64::from(r.duration()) * 1000 / i64::from(rate))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use base64::Engine;

    /// A second of 8 kHz mono silence as WAV bytes.
    pub fn wav(seconds: u32) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let spec = hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
        for _ in 0..8000 * seconds {
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
        out.into_inner()
    }

    /// A voicemail e-mail as a PBX sends it, with `attachment` (content type, bytes).
    pub fn mail(subject: &str, extra_headers: &str, attachment: Option<(&str, &[u8])>) -> Vec<u8> {
        let mut m = format!(
            "From: \"PBX Voicemail\" <voicemail@pbx.test>\r\nTo: 1001@pbx.test\r\nSubject: {subject}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n{extra_headers}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nYou have a new message.\r\n"
        );
        if let Some((ctype, bytes)) = attachment {
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            m.push_str(&format!("--b1\r\nContent-Type: {ctype}; name=\"msg0001.wav\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"msg0001.wav\"\r\n\r\n"));
            for chunk in b64.as_bytes().chunks(76) {
                m.push_str(std::str::from_utf8(chunk).unwrap());
                m.push_str("\r\n");
            }
        }
        m.push_str("--b1--\r\n");
        m.into_bytes()
    }

    #[test]
    fn axivox_style_subject_gives_caller_and_duration() {
        let v = parse(&mail("Voicemail from 0612345678 (42 s)", "", Some(("audio/x-wav", &wav(1)))), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert_eq!((v.caller.as_str(), v.caller_name, v.duration_ms), ("0612345678", None, Some(42_000)));
        assert_eq!(v.received_ms, Some(1_796_119_200_000));
        assert_eq!(v.audio.unwrap(), wav(1));
    }

    #[test]
    fn asterisk_headers_win_and_the_subject_name_form_is_read() {
        let headers = "X-Asterisk-CallerID: 1002\r\nX-Asterisk-CallerIDName: Bob\r\nX-Asterisk-VM-Duration: 7\r\n";
        let v = parse(&mail("[PBX]: New message 3 in mailbox 1001", headers, Some(("audio/wav", &wav(1)))), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert_eq!((v.caller.as_str(), v.caller_name.as_deref(), v.duration_ms), ("1002", Some("Bob"), Some(7000)));
        let v = parse(&mail("New voicemail from \"Élodie M\" <+33612345678>", "", Some(("audio/wav", &wav(2)))), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert_eq!((v.caller.as_str(), v.caller_name.as_deref(), v.duration_ms), ("+33612345678", Some("Élodie M"), Some(2000)), "duration from the WAV");
        let v = parse(&mail("Nouveau message vocal de 0145678901 (1:05)", "", Some(("audio/wav", &wav(1)))), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert_eq!((v.caller.as_str(), v.duration_ms), ("0145678901", Some(65_000)));
    }

    #[test]
    fn broken_non_audio_and_missing_attachments_say_why() {
        let broken = parse(&mail("Voicemail from 1002", "", Some(("audio/wav", b"RIFF\x10\x00\x00\x00WAVEjunk"))), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert!(broken.audio.unwrap_err().contains("not a readable WAV"));
        let pdf = parse(&mail("Voicemail from 1002", "", Some(("application/pdf", b"%PDF-1.4"))), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert_eq!(pdf.audio.unwrap_err(), "no audio attachment (found application/pdf)");
        let none = parse(&mail("Voicemail from 1002", "", None), DEFAULT_MAX_AUDIO_BYTES).unwrap();
        assert_eq!((none.caller.as_str(), none.audio.unwrap_err().as_str()), ("1002", "no audio attachment"));
    }

    #[test]
    fn an_attachment_over_the_limit_is_refused_with_its_size_and_the_rest_is_read() {
        let raw = mail("Voicemail from 0612345678 (2 s)", "", Some(("audio/wav", &wav(2))));
        let limit = wav(1).len() as u64;
        let v = parse(&raw, limit).unwrap();
        assert_eq!((v.caller.as_str(), v.duration_ms), ("0612345678", Some(2000)), "the metadata is kept");
        assert!(v.audio.unwrap_err().contains("too large"));
        assert!(parse(&raw, DEFAULT_MAX_AUDIO_BYTES).unwrap().audio.is_ok());
    }

    #[test]
    fn a_message_too_large_to_hold_allowed_audio_is_not_fetched_and_its_header_still_names_the_caller() {
        let limit = wav(1).len() as u64;
        let raw = mail("Voicemail from 0612345678 (30 s)", "", Some(("audio/wav", &wav(30))));
        assert!(!fits(raw.len() as u64, limit) && fits(raw.len() as u64, DEFAULT_MAX_AUDIO_BYTES));
        // A message holding audio of exactly the limit still fits: base64 and line breaks included.
        let at_limit = mail("Voicemail from 1002", "", Some(("audio/wav", &vec![0u8; 1_000_000])));
        assert!(fits(at_limit.len() as u64, 1_000_000));
        let header_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let v = parse(&raw[..header_end], limit).unwrap();
        assert_eq!((v.caller.as_str(), v.duration_ms, v.received_ms), ("0612345678", Some(30_000), Some(1_796_119_200_000)));
        assert!(too_large(raw.len() as u64, limit).contains(&raw.len().to_string()));
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [&b""[..], b"\xff\xfe", b"Subject: from <\r\n\r\n", b"Subject: (:::) 99999999999999999999 s\r\n\r\n"] {
            let _ = parse(raw, DEFAULT_MAX_AUDIO_BYTES);
        }
    }
}
