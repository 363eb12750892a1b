//! One call's media as a sans-IO machine: every per-frame rule between the audio device and
//! the UDP port, with time and bytes handed in by a driver (`engine::media_session` on tokio,
//! `simulated_link_tests` on a virtual clock).
//!
//! Inputs:
//! - `capture(now, pcm)` when `poll_timeout()` says a 20 ms frame is due: encodes the frame
//!   (silence while muted), or sends the RFC 4733 event that replaces audio while a digit
//!   goes out, or nothing (Opus DTX, hold); and the RTCP report when one is due.
//! - `receive(now, from, datagram)` for what arrives on the RTP port (RTCP muxed on it is
//!   told apart, RFC 5761 §4), `receive_rtcp(now, datagram)` for the RTCP port: SRTP checks
//!   (authentication and replay), latching (`latch`), payload-type filtering, RFC 4733 events
//!   heard, audio queued in the jitter buffer.
//! - `playout(now)`: the next 20 ms to play (decoded, rebuilt from FEC, concealed, or silence).
//! - Commands: `mute`, `send_dtmf`, `set_direction` (hold), `renegotiate` (a new offer/answer,
//!   keeping the configured Opus settings), `stop`.
//!
//! Outputs (`poll_output`): datagrams to send and from which of our ports, digits heard, a
//! new latched source, statistics every report interval.

use super::codec::{Decoder, Encoder, OpusSettings, FRAME};
use super::dtmf::{event_code, event_payloads, EventReceiver};
use super::jitter::{JitterBuffer, Playout};
use super::latch::{Latch, Verdict};
use super::quality;
use super::rtcp_reports::{self, FIRST_REPORT, REPORT_INTERVAL};
use super::rtp_stream::{is_rtcp, read_rtp, RtpReceiver, RtpSender};
use super::srtp::{Srtp, SrtpError};
use crate::signalling::call::MediaDirection;
use crate::sip::sdp::{CodecKind, Negotiated};
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const FRAME_PERIOD: Duration = Duration::from_millis(20);
/// An RFC 4733 digit: 100 ms of event packets, then the End packet three times.
const EVENT_FRAMES: u32 = 5;
/// Payload buffers kept for reuse between the jitter buffer and the network (a few frames'
/// worth; more only arrive in a burst, and those are allocated and then kept).
const SPARE_BUFFERS: usize = 16;
/// Room for a few ticks of plain datagrams before the block is taken back.
const WIRE_BLOCK: usize = 8 * 1500;

/// What `media_stats` reports (design §4).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MediaStats {
    pub codec: String,
    pub srtp: bool,
    pub jitter_ms: f32,
    pub loss_pct: f32,
    pub rtt_ms: Option<f32>,
    pub concealed_pct: f32,
    pub mos: f32,
    pub packets_sent: u64,
    pub packets_received: u64,
    /// Where media comes from now (after latching).
    pub remote: String,
}

/// Which of our ports a datagram leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Rtp,
    /// The RTCP port (RTP + 1), when RTCP is not muxed and the driver holds that port.
    Rtcp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PipelineOutput {
    Datagram {
        port: Port,
        to: SocketAddr,
        bytes: Bytes,
    },
    /// An RFC 4733 digit the far end sent.
    Dtmf(char),
    /// Our media now goes to (and is expected from) this address.
    Latched(SocketAddr),
    Stats(MediaStats),
}

/// Codec, SRTP and RTP state for one offer/answer (rebuilt when codec or keys change).
struct Stream {
    encoder: Encoder,
    decoder: Decoder,
    /// The payload type `decoder` reads: the far end may switch among the agreed formats.
    decoding: u8,
    srtp: Option<Srtp>,
    sender: RtpSender,
    receiver: RtpReceiver,
    jitter: JitterBuffer,
    events: EventReceiver,
    /// The far end's SSRC: a new one is a new stream, and restarts the buffer.
    remote_ssrc: Option<u32>,
    /// The RFC 4733 event being sent: its start timestamp and payloads, and how many went out.
    event: Option<(u32, Vec<[u8; 4]>, usize)>,
    /// The next audio packet starts a talkspurt (after DTX, hold or an event): RFC 3551 §4.1
    /// marks it.
    talkspurt: bool,
    sent: u64,
}

impl Stream {
    fn new(n: &Negotiated, opus: OpusSettings) -> Result<Stream, String> {
        let srtp = match &n.srtp {
            Some((ours, theirs)) => Some(Srtp::new(ours, theirs).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok(Stream {
            encoder: Encoder::new(n.codec, opus).map_err(|e| e.to_string())?,
            decoder: Decoder::new(n.codec).map_err(|e| e.to_string())?,
            decoding: n.payload_type,
            srtp,
            sender: RtpSender::new(0),
            receiver: RtpReceiver::new(n.codec.clock_rate()),
            jitter: JitterBuffer::new(20),
            events: EventReceiver::default(),
            remote_ssrc: None,
            event: None,
            talkspurt: true,
            sent: 0,
        })
    }
}

/// At most one log line per interval for something that can happen per packet.
#[derive(Debug, Default)]
struct LogGuard {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogGuard {
    const INTERVAL: Duration = Duration::from_secs(5);

    /// Whether to log now, and how many were held back since the last line.
    fn allow(&mut self, now: Instant) -> Option<u64> {
        if self.last.is_some_and(|t| now.saturating_duration_since(t) < Self::INTERVAL) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

pub struct MediaPipeline {
    negotiated: Negotiated,
    opus: OpusSettings,
    /// Whether the driver holds a separate RTCP port (RTP + 1).
    rtcp_port: bool,
    stream: Stream,
    latch: Latch,
    muted: bool,
    digits: VecDeque<char>,
    output: VecDeque<PipelineOutput>,
    next_frame: Instant,
    next_report: Instant,
    refused: u64,
    latch_log: LogGuard,
    protect_log: LogGuard,
    // Buffers reused frame after frame.
    silence: Vec<i16>,
    payload: Vec<u8>,
    packet: Vec<u8>,
    pcm: Vec<i16>,
    spare: Vec<Vec<u8>>,
    /// Plain RTP's datagrams are cut from this one block, which is taken back whole once the
    /// datagrams cut from it have been sent and dropped: no allocation per packet.
    wire: BytesMut,
}

impl MediaPipeline {
    /// Media as `negotiated` says, the first frame due at `now`. `opus` is the configured
    /// encoder setup, kept for every later offer/answer.
    pub fn new(now: Instant, negotiated: Negotiated, opus: OpusSettings, rtcp_port: bool) -> Result<MediaPipeline, String> {
        Ok(MediaPipeline {
            stream: Stream::new(&negotiated, opus)?,
            latch: Latch::new(negotiated.remote_rtp),
            negotiated,
            opus,
            rtcp_port,
            muted: false,
            digits: VecDeque::new(),
            output: VecDeque::new(),
            next_frame: now,
            next_report: now + FIRST_REPORT,
            refused: 0,
            latch_log: LogGuard::default(),
            protect_log: LogGuard::default(),
            silence: vec![0; FRAME],
            payload: Vec::with_capacity(1500),
            packet: Vec::with_capacity(1500),
            pcm: Vec::with_capacity(FRAME),
            spare: Vec::with_capacity(SPARE_BUFFERS),
            wire: BytesMut::with_capacity(WIRE_BLOCK),
        })
    }

    /// When the next frame is due (capture one, play one).
    pub fn poll_timeout(&self) -> Instant {
        self.next_frame
    }

    pub fn poll_output(&mut self) -> Option<PipelineOutput> {
        self.output.pop_front()
    }

    pub fn mute(&mut self, on: bool) {
        self.muted = on;
    }

    /// Queues digits to send as RFC 4733 events, one after the other. Without a negotiated
    /// telephone-event there is nothing to send them with (the call uses SIP INFO instead).
    pub fn send_dtmf(&mut self, digits: &str) {
        if self.negotiated.dtmf_payload_type.is_some() {
            self.digits.extend(digits.chars().filter(|d| event_code(*d).is_some()));
        }
    }

    /// Hold and resume without a new offer/answer (RFC 3264 §5.1 directions).
    #[cfg(test)]
    pub fn set_direction(&mut self, direction: MediaDirection) {
        self.negotiated.direction = direction;
    }

    /// A new offer/answer. A new codec or new keys rebuild the stream (with the configured
    /// Opus settings); a new address restarts latching. On an error nothing changes.
    pub fn renegotiate(&mut self, n: Negotiated) -> Result<(), String> {
        let old = &self.negotiated;
        if n.codec != old.codec || n.payload_type != old.payload_type || n.srtp != old.srtp {
            self.stream = Stream::new(&n, self.opus)?;
        }
        if n.remote_rtp != old.remote_rtp {
            self.latch = Latch::new(n.remote_rtp);
        }
        if n.dtmf_payload_type.is_none() {
            self.digits.clear();
        }
        self.negotiated = n;
        Ok(())
    }

    /// Ends the stream: the last SR and a BYE (RFC 3550 §6.6) are queued; the final statistics.
    pub fn stop(&mut self, now: Instant) -> MediaStats {
        if let Some(raw) = rtcp_reports::goodbye(&self.stream.sender, now) {
            self.send_rtcp(&raw);
        }
        self.stats()
    }

    /// Packets SRTP/SRTCP refused (forged, replayed, or keyed for someone else).
    #[cfg(test)]
    pub fn refused(&self) -> u64 {
        self.refused
    }

    fn sending(&self) -> bool {
        matches!(self.negotiated.direction, MediaDirection::SendRecv | MediaDirection::SendOnly)
    }

    fn receiving(&self) -> bool {
        matches!(self.negotiated.direction, MediaDirection::SendRecv | MediaDirection::RecvOnly)
    }

    /// One 20 ms frame of capture (960 samples at 48 kHz).
    pub fn capture(&mut self, now: Instant, pcm: &[i16]) {
        // Late ticks are caught up one by one, as the device's samples are (a burst, not a gap).
        self.next_frame += FRAME_PERIOD;
        self.send_frame(now, pcm);
        if now >= self.next_report {
            self.next_report = now + REPORT_INTERVAL;
            // RFC 3264 §5.1: RTCP goes on while on hold, whatever the direction.
            if let Some(raw) = rtcp_reports::sender_report(&self.stream.sender, &mut self.stream.receiver, now) {
                self.send_rtcp(&raw);
            }
            let stats = self.stats();
            self.output.push_back(PipelineOutput::Stats(stats));
        }
    }

    fn send_frame(&mut self, now: Instant, pcm: &[i16]) {
        let sending = self.sending();
        let s = &mut self.stream;
        let step = s.encoder.timestamp_step();
        if !sending {
            s.sender.skip(step);
            s.talkspurt = true;
            return;
        }
        if let Some(pt) = self.negotiated.dtmf_payload_type {
            if s.event.is_none() {
                if let Some(code) = self.digits.pop_front().and_then(event_code) {
                    s.event = Some((s.sender.timestamp(), event_payloads(code, EVENT_FRAMES, step), 0));
                }
            }
            if let Some((start, payloads, sent)) = s.event.as_mut() {
                if let Some(p) = payloads.get(*sent) {
                    // RFC 4733 §2.5.1.3: the marker bit starts an event; every packet of it
                    // carries the event's start timestamp while ours moves on beneath it.
                    s.sender.write_at(pt, p, *start, *sent == 0, &mut self.packet);
                    s.sender.skip(step);
                    *sent += 1;
                    self.send_rtp(now);
                    return;
                }
                s.event = None;
                s.talkspurt = true;
            }
        }
        let input = if self.muted { &self.silence[..] } else { pcm };
        if s.encoder.encode(input, &mut self.payload).is_err() {
            s.sender.skip(step);
            return;
        }
        // Opus DTX: a 1-2 byte frame means silence goes on; send nothing (RFC 7587 §3.1.3).
        if s.encoder.kind() == CodecKind::Opus && self.payload.len() <= 2 {
            s.sender.skip(step);
            s.talkspurt = true;
            return;
        }
        let marker = std::mem::take(&mut s.talkspurt);
        s.sender.write(self.negotiated.payload_type, &self.payload, step, marker, &mut self.packet);
        self.send_rtp(now);
    }

    /// Protects and queues `self.packet`.
    fn send_rtp(&mut self, now: Instant) {
        let bytes = match on_the_wire(self.stream.srtp.as_mut(), &mut self.wire, &self.packet, Srtp::protect_rtp) {
            Ok(b) => b,
            Err(e) => {
                if let Some(held_back) = self.protect_log.allow(now) {
                    tracing::warn!(error = %e, held_back, "SRTP protect failed");
                }
                return;
            }
        };
        self.stream.sent += 1;
        self.output.push_back(PipelineOutput::Datagram { port: Port::Rtp, to: self.latch.remote(), bytes });
    }

    fn send_rtcp(&mut self, raw: &[u8]) {
        let Ok(bytes) = on_the_wire(self.stream.srtp.as_mut(), &mut self.wire, raw, Srtp::protect_rtcp) else { return };
        // RTCP on its own port goes to the SDP's RTCP address; muxed, it follows the latch.
        let (port, to) = if self.rtcp_port && !self.negotiated.rtcp_mux { (Port::Rtcp, self.negotiated.remote_rtcp) } else { (Port::Rtp, self.latch.remote()) };
        self.output.push_back(PipelineOutput::Datagram { port, to, bytes });
    }

    /// A datagram that arrived on our RTP port from `from`.
    pub fn receive(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        if is_rtcp(datagram) {
            self.receive_rtcp(now, datagram);
            return;
        }
        let s = &mut self.stream;
        let Ok(clear) = in_the_clear(s.srtp.as_mut(), datagram, Srtp::unprotect_rtp) else {
            // Forged, replayed or not for us: never played, never latched onto.
            self.refused += 1;
            return;
        };
        let Some(rtp) = read_rtp(clear.as_deref().unwrap_or(datagram)) else { return };
        match self.latch.on_packet(from, rtp.ssrc, rtp.sequence_number, s.srtp.is_some()) {
            Verdict::Refuse => return,
            Verdict::Accept => {}
            Verdict::Moved(to) => {
                if let Some(held_back) = self.latch_log.allow(now) {
                    tracing::info!(%to, advertised = %self.negotiated.remote_rtp, held_back, "media latched to its real source (RFC 4961)");
                }
                self.output.push_back(PipelineOutput::Latched(to));
            }
        }
        if s.remote_ssrc != Some(rtp.ssrc) {
            // A new stream (the far end restarted it, or media was re-anchored): its sequence
            // numbers and event timestamps start afresh, so must the buffer and the events.
            if s.remote_ssrc.is_some() {
                s.jitter = JitterBuffer::new(20);
                s.events = EventReceiver::default();
            }
            s.remote_ssrc = Some(rtp.ssrc);
        }
        if Some(rtp.payload_type) == self.negotiated.dtmf_payload_type {
            if let Some(d) = s.events.on_packet(rtp.timestamp, rtp.payload) {
                self.output.push_back(PipelineOutput::Dtmf(d));
            }
            return;
        }
        if rtp.payload_type != s.decoding {
            // Comfort noise (RFC 3389) or a codec we did not agree on: not played.
            let Some((pt, codec)) = self.negotiated.receive.iter().copied().find(|(pt, _)| *pt == rtp.payload_type) else { return };
            let Ok(decoder) = Decoder::new(codec) else { return };
            // Another agreed format (RFC 3264 §5.1): what the buffer holds is the old codec's.
            s.decoder = decoder;
            s.decoding = pt;
            s.jitter = JitterBuffer::new(20);
        }
        s.receiver.on_rtp(now, &rtp.header());
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(rtp.payload);
        s.jitter.push(now, rtp.sequence_number, buf);
    }

    /// A datagram that arrived on our RTCP port (or was told apart on the RTP port).
    pub fn receive_rtcp(&mut self, now: Instant, datagram: &[u8]) {
        let s = &mut self.stream;
        let Ok(clear) = in_the_clear(s.srtp.as_mut(), datagram, Srtp::unprotect_rtcp) else {
            self.refused += 1;
            return;
        };
        rtcp_reports::on_rtcp(&mut s.receiver, now, clear.as_deref().unwrap_or(datagram));
    }

    /// The next 20 ms to play (960 samples at 48 kHz).
    pub fn playout(&mut self, now: Instant) -> &[i16] {
        let s = &mut self.stream;
        let used = match s.jitter.pop(now) {
            Playout::Frame(p) => {
                s.decoder.decode(&p, &mut self.pcm);
                Some(p)
            }
            Playout::Recover(next) => {
                s.decoder.recover(&next, &mut self.pcm);
                Some(next)
            }
            Playout::Conceal => {
                s.decoder.conceal(&mut self.pcm);
                None
            }
            Playout::Waiting => {
                self.pcm.clear();
                self.pcm.resize(FRAME, 0);
                None
            }
        };
        if let Some(buf) = used.filter(|_| self.spare.len() < SPARE_BUFFERS) {
            self.spare.push(buf);
        }
        if !self.receiving() {
            self.pcm.fill(0);
        }
        &self.pcm
    }

    pub fn stats(&self) -> MediaStats {
        let s = &self.stream;
        let jb = s.jitter.stats();
        let loss = s.receiver.loss_percent();
        let rtt = s.receiver.rtt.map(|r| r.as_secs_f32() * 1000.0);
        // One way: half the RTT (or a LAN-ish 20 ms unknown), plus our buffer and a frame.
        let one_way = rtt.map(|r| r / 2.0).unwrap_or(20.0) + jb.target_ms as f32 + 20.0;
        let effective_loss = loss.max(jb.concealed_ratio() * 100.0);
        MediaStats {
            codec: self.negotiated.codec.name().to_string(),
            srtp: s.srtp.is_some(),
            jitter_ms: s.receiver.jitter_ms(),
            loss_pct: loss,
            rtt_ms: rtt,
            concealed_pct: jb.concealed_ratio() * 100.0,
            mos: quality::mos(self.negotiated.codec, one_way, effective_loss),
            packets_sent: s.sent,
            packets_received: s.receiver.received,
            remote: self.latch.remote().to_string(),
        }
    }
}

/// What goes on the wire for `clear`: SRTP-protected by `protect`, or as it is over plain RTP.
fn on_the_wire(
    srtp: Option<&mut Srtp>,
    wire: &mut BytesMut,
    clear: &[u8],
    protect: fn(&mut Srtp, &[u8]) -> Result<Bytes, SrtpError>,
) -> Result<Bytes, SrtpError> {
    match srtp {
        Some(srtp) => protect(srtp, clear),
        None => {
            // `reserve` reuses the block from its start when nothing cut from it is alive.
            wire.reserve(clear.len().max(WIRE_BLOCK / 2));
            wire.extend_from_slice(clear);
            Ok(wire.split().freeze())
        }
    }
}

/// What arrived, checked and decrypted by `unprotect`; `None` over plain RTP (use it as it
/// came, no copy).
fn in_the_clear(srtp: Option<&mut Srtp>, datagram: &[u8], unprotect: fn(&mut Srtp, &[u8]) -> Result<Bytes, SrtpError>) -> Result<Option<Bytes>, SrtpError> {
    srtp.map(|srtp| unprotect(srtp, datagram)).transpose()
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
