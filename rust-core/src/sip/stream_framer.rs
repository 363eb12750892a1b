//! Cuts a SIP byte stream into frames (RFC 3261 §18.3): keep-alives, messages framed by their
//! Content-Length, and header sections whose Content-Length frames nothing. Input: bytes as
//! the socket returns them. Output: [`Frame`]s in order, or [`TooLarge`] once the stream can
//! no longer be framed within [`MAX_MESSAGE`].
//!
//! Why our own: rsipstack's stream codec ends the whole flow on the first message it cannot
//! read (a negative Content-Length, a Request-URI its grammar refuses), so a TCP flow to the
//! registrar dies where RFC 4475 asks for a 400 and the phone re-registers. Framed here, every
//! message meets our gate first and only what rsipstack reads reaches it. A header section
//! whose length is unknowable is answered and skipped: the framer then drops lines until the
//! next start line, so one broken message does not take the flow with it.

use super::wire::{is_token_byte, RawMessage};

/// The most a frame may hold, as rsipstack's codec allows (a UDP datagram's size).
pub const MAX_MESSAGE: usize = 65535;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// CRLFCRLF: a keep-alive ping (RFC 5626 §4.4.1), owed a pong.
    Ping,
    /// A lone CRLF: the pong to our ping.
    Pong,
    /// One whole message: the header section and the body its Content-Length counts.
    Message(Vec<u8>),
    /// A header section whose Content-Length cannot frame a body (not a number, negative,
    /// given twice with different values, or beyond [`MAX_MESSAGE`]): to be answered 400.
    Unframed { head: Vec<u8>, why: String },
}

/// The stream holds more than [`MAX_MESSAGE`] octets without a frame's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no SIP frame ends within {MAX_MESSAGE} octets")]
pub struct TooLarge;

#[derive(Debug, Default)]
pub struct StreamFramer {
    buf: Vec<u8>,
    /// After an unframed header section: dropping lines until a start line.
    resync: bool,
}

impl StreamFramer {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, `None` until more bytes are pushed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, TooLarge> {
        if self.resync && !self.skip_to_start_line()? {
            return Ok(None);
        }
        // The keep-alive rules are rsipstack's codec's, so a ping is a ping to both of us.
        // While resyncing too: a body's blank line read as a pong costs nothing, a lost ping
        // costs the flow.
        if self.buf.starts_with(b"\r\n\r\n") {
            self.buf.drain(..4);
            return Ok(Some(Frame::Ping));
        }
        if self.buf.starts_with(b"\r\n") {
            self.buf.drain(..2);
            return Ok(Some(Frame::Pong));
        }
        let Some(head_end) = find(&self.buf, b"\r\n\r\n").map(|i| i + 4) else {
            return if self.buf.len() > MAX_MESSAGE { Err(TooLarge) } else { Ok(None) };
        };
        match body_length(&self.buf[..head_end]) {
            Ok(Some(body)) if head_end + body > MAX_MESSAGE => {
                let why = format!("Content-Length {body} is beyond the {MAX_MESSAGE} octets a message may hold");
                Ok(Some(self.unframed(head_end, why)))
            }
            Ok(Some(body)) if self.buf.len() < head_end + body => Ok(None),
            Ok(Some(body)) => Ok(Some(Frame::Message(self.buf.drain(..head_end + body).collect()))),
            // RFC 3261 §18.3: a stream must say how long a body is. Without it the message is
            // taken as having none (rsipstack's reading), and whatever body it had is skipped
            // up to the next start line, so it is not read as the next message's head.
            Ok(None) => {
                self.resync = true;
                Ok(Some(Frame::Message(self.buf.drain(..head_end).collect())))
            }
            Err(why) => Ok(Some(self.unframed(head_end, why))),
        }
    }

    fn unframed(&mut self, head_end: usize, why: String) -> Frame {
        self.resync = true;
        Frame::Unframed { head: self.buf.drain(..head_end).collect(), why }
    }

    /// Drops whole lines that are not a start line; true once one heads the buffer (resync
    /// over), or a CRLF does (a keep-alive, or a blank line; resync goes on after it).
    fn skip_to_start_line(&mut self) -> Result<bool, TooLarge> {
        loop {
            if self.buf.starts_with(b"\r\n") {
                return Ok(true);
            }
            let Some(eol) = find(&self.buf, b"\r\n") else {
                return if self.buf.len() > MAX_MESSAGE { Err(TooLarge) } else { Ok(false) };
            };
            if is_start_line(&self.buf[..eol]) {
                self.resync = false;
                return Ok(true);
            }
            self.buf.drain(..eol + 2);
        }
    }
}

/// The body length a header section declares, `None` without a Content-Length.
fn body_length(head: &[u8]) -> Result<Option<usize>, String> {
    let values: Vec<String> = match RawMessage::split(head, false) {
        Ok(raw) => raw.values("content-length").map(str::to_string).collect(),
        // A header section we cannot split is still one frame: the gate answers or drops it.
        Err(_) => Vec::new(),
    };
    let mut lengths = values.iter().map(|v| v.parse::<u32>().map(|n| n as usize).map_err(|_| format!("Content-Length {v:?} is not a length")));
    let Some(first) = lengths.next().transpose()? else { return Ok(None) };
    for other in lengths {
        if other? != first {
            return Err(format!("Content-Length given twice, as {}", values.join(" and ")));
        }
    }
    Ok(Some(first))
}

/// A request line (`METHOD uri SIP/x.y`) or a status line (`SIP/x.y NNN …`).
fn is_start_line(line: &[u8]) -> bool {
    let Ok(line) = std::str::from_utf8(line) else { return false };
    if let Some(rest) = line.strip_prefix("SIP/") {
        return rest.split(' ').nth(1).is_some_and(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()));
    }
    let parts: Vec<&str> = line.split(' ').collect();
    parts.len() == 3 && !parts[0].is_empty() && parts[0].bytes().all(is_token_byte) && parts[2].starts_with("SIP/")
}

/// The body length rsipstack's stream codec reads from `message`: the first line named
/// `Content-Length` or `l` exactly (no space before the colon), its value as a number, none
/// when absent. `None` where its codec would fail on the value (and end the flow).
pub fn codec_length(message: &[u8]) -> Option<usize> {
    let head = find(message, b"\r\n\r\n").map(|end| &message[..end]).unwrap_or(message);
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let name = &line[..colon];
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            return std::str::from_utf8(&line[colon + 1..]).ok()?.trim().parse().ok();
        }
    }
    Some(0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 5\r\n\r\nhello";

    fn frames(framer: &mut StreamFramer) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Some(frame) = framer.next_frame().unwrap() {
            out.push(frame);
        }
        out
    }

    #[test]
    fn messages_and_keepalives_come_out_whole_however_the_bytes_are_cut() {
        let mut stream = OPTIONS.to_vec();
        stream.extend_from_slice(b"\r\n");
        stream.extend_from_slice(OPTIONS);
        for cut in [1, 3, 7, stream.len()] {
            let mut framer = StreamFramer::default();
            // A ping comes in one write (a ping cut in two reads as two pongs, to rsipstack's
            // codec as to ours).
            framer.push(b"\r\n\r\n");
            let mut got = frames(&mut framer);
            for chunk in stream.chunks(cut) {
                framer.push(chunk);
                got.extend(frames(&mut framer));
            }
            assert_eq!(got, [Frame::Ping, Frame::Message(OPTIONS.to_vec()), Frame::Pong, Frame::Message(OPTIONS.to_vec())], "cut every {cut}");
        }
    }

    #[test]
    fn a_message_waits_for_its_whole_body() {
        let mut framer = StreamFramer::default();
        framer.push(&OPTIONS[..OPTIONS.len() - 1]);
        assert_eq!(framer.next_frame(), Ok(None));
        framer.push(b"o");
        assert_eq!(framer.next_frame(), Ok(Some(Frame::Message(OPTIONS.to_vec()))));
    }

    #[test]
    fn an_unknowable_length_is_answered_and_the_stream_resumes_at_the_next_start_line() {
        for (length, why) in [("-999", "not a length"), ("13\r\nContent-Length: 5", "given twice"), ("99999", "beyond")] {
            let mut framer = StreamFramer::default();
            let head = format!("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK2\r\nContent-Length: {length}\r\n\r\n");
            framer.push(head.as_bytes());
            framer.push(b"v=0\r\nSIP/2.0 is not how a line of this body starts\r\nINVITE is not a start line either\r\n");
            framer.push(OPTIONS);
            let got = frames(&mut framer);
            assert!(matches!(&got[0], Frame::Unframed { head: h, why: w } if h == head.as_bytes() && w.contains(why)), "{got:?}");
            assert_eq!(got[1..], [Frame::Message(OPTIONS.to_vec())]);
        }
    }

    #[test]
    fn a_message_without_content_length_has_no_body_and_the_next_message_is_found_past_it() {
        let mut framer = StreamFramer::default();
        let head = b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK4\r\nContent-Type: application/sdp\r\n\r\n";
        framer.push(head);
        assert_eq!(framer.next_frame(), Ok(Some(Frame::Message(head.to_vec()))));
        framer.push(b"v=0\r\n\r\n\r\nm=audio 4000 RTP/AVP 0\r\n");
        framer.push(OPTIONS);
        // The ping in the middle is still a ping; the body's lines are gone.
        assert_eq!(frames(&mut framer), [Frame::Ping, Frame::Message(OPTIONS.to_vec())]);
    }

    #[test]
    fn a_repeated_equal_length_still_frames_and_the_gate_judges_the_repeat() {
        let mut framer = StreamFramer::default();
        let message = b"OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\nContent-Length: 2\r\n\r\nhi";
        framer.push(message);
        assert_eq!(frames(&mut framer), [Frame::Message(message.to_vec())]);
    }

    #[test]
    fn a_stream_without_a_frame_end_is_too_large_not_buffered_forever() {
        let mut framer = StreamFramer::default();
        framer.push(&vec![b'x'; MAX_MESSAGE + 1]);
        assert_eq!(framer.next_frame(), Err(TooLarge));
    }

    #[test]
    fn bytes_that_are_no_message_are_still_one_frame_for_the_gate_to_drop() {
        let mut framer = StreamFramer::default();
        framer.push(b"garbage without colons\r\n\r\n");
        assert_eq!(frames(&mut framer), [Frame::Message(b"garbage without colons\r\n\r\n".to_vec())]);
    }

    #[test]
    fn the_codec_length_is_what_rsipstack_reads() {
        assert_eq!(codec_length(OPTIONS), Some(5));
        assert_eq!(codec_length(b"OPTIONS sip:a SIP/2.0\r\nl: 3\r\n\r\nabc"), Some(3));
        // A space before the colon hides the header from rsipstack's codec.
        assert_eq!(codec_length(b"OPTIONS sip:a SIP/2.0\r\nContent-Length : 3\r\n\r\nabc"), Some(0));
        assert_eq!(codec_length(b"OPTIONS sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n"), None);
        assert_eq!(codec_length(b"OPTIONS sip:a SIP/2.0\r\n\r\n"), Some(0));
    }
}
