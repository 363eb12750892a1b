//! RTP packets out and RTCP bookkeeping (RFC 3550) over the `rtp` and `rtcp` crates: sequence
//! numbers and timestamps from a random start, one SSRC per stream, receiver statistics
//! (interarrival jitter, loss, extended highest sequence) and round-trip time from
//! sender/receiver reports (LSR/DLSR). Sans-IO: time comes from the caller.

use rtcp::reception_report::ReceptionReport;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct RtpSender {
    pub ssrc: u32,
    clock: NtpClock,
    seq: u16,
    timestamp: u32,
    pub packets: u32,
    pub octets: u32,
}

impl RtpSender {
    pub fn new(ssrc: u32) -> Self {
        let ssrc = if ssrc == 0 { rand::random() } else { ssrc };
        RtpSender { ssrc, clock: NtpClock::new(), seq: rand::random(), timestamp: rand::random(), packets: 0, octets: 0 }
    }

    /// The next packet: `payload` of type `pt`, the timestamp then advancing by `step`.
    #[cfg(any(test, feature = "testing"))]
    pub fn packet(&mut self, pt: u8, payload: &[u8], step: u32, marker: bool) -> Vec<u8> {
        let out = self.packet_at(pt, payload, self.timestamp, marker);
        self.timestamp = self.timestamp.wrapping_add(step);
        out
    }

    /// A packet with an explicit timestamp (RFC 4733 events keep their start's).
    #[cfg(any(test, feature = "testing"))]
    pub fn packet_at(&mut self, pt: u8, payload: &[u8], timestamp: u32, marker: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + payload.len());
        self.write_at(pt, payload, timestamp, marker, &mut out);
        out
    }

    /// Like `packet`, written into `out` (the media path reuses one buffer per call).
    pub fn write(&mut self, pt: u8, payload: &[u8], step: u32, marker: bool, out: &mut Vec<u8>) {
        self.write_at(pt, payload, self.timestamp, marker, out);
        self.timestamp = self.timestamp.wrapping_add(step);
    }

    /// Like `packet_at`, written into `out`: the RFC 3550 §5.1 fixed header (no CSRCs, no
    /// extension, no padding), then the payload.
    pub fn write_at(&mut self, pt: u8, payload: &[u8], timestamp: u32, marker: bool, out: &mut Vec<u8>) {
        out.clear();
        out.push(0x80);
        out.push(u8::from(marker) << 7 | (pt & 0x7F));
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(payload);
        self.seq = self.seq.wrapping_add(1);
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload.len() as u32);
    }

    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Skips `step` of timestamp without sending (silence under DTX, or mute).
    pub fn skip(&mut self, step: u32) {
        self.timestamp = self.timestamp.wrapping_add(step);
    }

    pub fn sender_report(&self, now: Instant, ts_now: u32) -> rtcp::sender_report::SenderReport {
        rtcp::sender_report::SenderReport {
            ssrc: self.ssrc,
            ntp_time: self.clock.at(now),
            rtp_time: ts_now,
            packet_count: self.packets,
            octet_count: self.octets,
            ..Default::default()
        }
    }
}

/// `seq` extended by the 16-bit rollovers a stream has made: of the three candidates around
/// `reference` (an extended number seen before), the one nearest it (RFC 3550 A.1, RFC 3711
/// §3.3.1). Shared by the receive statistics, the jitter buffer and the SRTP replay window.
pub fn extend_sequence(seq: u16, reference: u64) -> u64 {
    let cycle = reference & !0xFFFF;
    [cycle.wrapping_sub(1 << 16), cycle, cycle + (1 << 16)]
        .into_iter()
        .map(|c| c.wrapping_add(u64::from(seq)))
        .min_by_key(|e| e.abs_diff(reference))
        .unwrap_or(reference)
}

/// RTCP packets start with version 2 and a type of 200-204 (RFC 5761 §4 demultiplexing).
pub fn is_rtcp(packet: &[u8]) -> bool {
    packet.len() >= 8 && packet[0] >> 6 == 2 && (200..=204).contains(&packet[1])
}

/// A parsed incoming RTP packet (the media path reads in place with `read_rtp`).
#[cfg(any(test, feature = "testing"))]
pub fn parse_rtp(packet: &[u8]) -> Option<rtp::packet::Packet> {
    if !rtp_layout_fits(packet) {
        return None;
    }
    let mut buf = packet;
    use webrtc_util::Unmarshal;
    rtp::packet::Packet::unmarshal(&mut buf).ok().filter(|p| p.header.version == 2)
}

/// An incoming RTP packet read in place: the header fields the media path needs and the
/// payload (CSRCs, extension and padding skipped), with no copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpView<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

impl RtpView<'_> {
    /// The header as the `rtp` crate spells it (for the receiver statistics); allocation free.
    pub fn header(&self) -> rtp::header::Header {
        rtp::header::Header {
            version: 2,
            marker: self.marker,
            payload_type: self.payload_type,
            sequence_number: self.sequence_number,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            ..Default::default()
        }
    }
}

/// `parse_rtp` without the copies: the same layout checks, then the fields read in place.
pub fn read_rtp(packet: &[u8]) -> Option<RtpView<'_>> {
    if !rtp_layout_fits(packet) {
        return None;
    }
    let start = rtp_header_len(packet)?;
    let padding = if packet[0] & 0x20 != 0 { usize::from(packet[packet.len() - 1]) } else { 0 };
    let word = |at: usize| u32::from_be_bytes([packet[at], packet[at + 1], packet[at + 2], packet[at + 3]]);
    Some(RtpView {
        marker: packet[1] & 0x80 != 0,
        payload_type: packet[1] & 0x7F,
        sequence_number: u16::from_be_bytes([packet[2], packet[3]]),
        timestamp: word(4),
        ssrc: word(8),
        payload: &packet[start..packet.len() - padding],
    })
}

/// RFC 3550 §5.1/§5.3.1: the CSRC list, the header extension and the padding all fit in the
/// datagram. The `rtp` crate panics on an extension longer than the packet (found by
/// fuzzing), so nothing reaches it that we have not measured first.
fn rtp_layout_fits(p: &[u8]) -> bool {
    let Some(end) = rtp_header_len(p) else { return false };
    let padding = if p[0] & 0x20 != 0 { usize::from(p[p.len() - 1]) } else { 0 };
    end + padding <= p.len()
}

/// The length of the RTP header (fixed part, CSRCs, extension) when it fits in `p`. SRTP
/// leaves the header in the clear, so this also guards what reaches webrtc-srtp.
pub fn rtp_header_len(p: &[u8]) -> Option<usize> {
    if p.len() < 12 || p[0] >> 6 != 2 {
        return None;
    }
    let mut end = 12 + 4 * usize::from(p[0] & 0x0F);
    if p[0] & 0x10 != 0 {
        let head = p.get(end..end + 4)?;
        let profile = u16::from_be_bytes([head[0], head[1]]);
        let start = end + 4;
        end = start + 4 * usize::from(u16::from_be_bytes([head[2], head[3]]));
        if !extension_elements_fit(profile, p.get(start..end)?) {
            return None;
        }
    }
    (end <= p.len()).then_some(end)
}

/// RFC 8285: each one-byte (0xBEDE) or two-byte (0x100X) header extension element stays
/// inside the extension block (the `rtp` crate reads them without looking).
fn extension_elements_fit(profile: u16, block: &[u8]) -> bool {
    let two_byte = profile & 0xFFF0 == 0x1000;
    if profile != 0xBEDE && !two_byte {
        return true; // an opaque RFC 3550 extension: its length alone matters
    }
    let mut at = 0;
    while at < block.len() {
        let b = block[at];
        if b == 0 {
            at += 1;
            continue;
        }
        let (header, len) = if two_byte {
            let Some(len) = block.get(at + 1) else { return false };
            (2, usize::from(*len))
        } else {
            if b >> 4 == 15 {
                return true; // RFC 8285 §4.2: id 15 ends the parsing
            }
            (1, usize::from(b & 0x0F) + 1)
        };
        at += header + len;
        if at > block.len() {
            return false;
        }
    }
    true
}

/// RFC 3550 §6.1: every packet of a compound RTCP packet is version 2 and its length field
/// stays inside the datagram (checked before the `rtcp` crate parses it).
pub fn rtcp_layout_fits(p: &[u8]) -> bool {
    let mut at = 0;
    while at < p.len() {
        let Some(h) = p.get(at..at + 4) else { return false };
        if h[0] >> 6 != 2 {
            return false;
        }
        at += 4 + 4 * usize::from(u16::from_be_bytes([h[2], h[3]]));
    }
    at == p.len() && !p.is_empty()
}

/// NTP time (RFC 3550 §4) read off the caller's monotonic `now`: the wall clock is read once,
/// at the start, so reports follow a virtual clock in tests and do not jump with the wall
/// clock (a round trip is a difference of two of these).
#[derive(Debug, Clone, Copy)]
pub struct NtpClock {
    origin: Instant,
    ntp: u64,
}

impl NtpClock {
    pub fn new() -> NtpClock {
        NtpClock { origin: Instant::now(), ntp: ntp_now() }
    }

    pub fn at(&self, now: Instant) -> u64 {
        let d = now.saturating_duration_since(self.origin);
        self.ntp.wrapping_add((d.as_secs() << 32) | ((u64::from(d.subsec_nanos()) << 32) / 1_000_000_000))
    }
}

impl Default for NtpClock {
    fn default() -> Self {
        NtpClock::new()
    }
}

pub fn ntp_now() -> u64 {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + Duration::from_secs(2_208_988_800);
    (d.as_secs() << 32) | ((u64::from(d.subsec_nanos()) << 32) / 1_000_000_000)
}

/// Receiver-side statistics for one remote SSRC.
#[derive(Debug)]
pub struct RtpReceiver {
    clock_rate: u32,
    pub remote_ssrc: Option<u32>,
    base_seq: u64,
    max_ext: Option<u64>,
    pub received: u64,
    expected_prior: u64,
    received_prior: u64,
    transit: Option<f64>,
    /// RFC 3550 A.8 jitter, in timestamp units.
    jitter: f64,
    /// (middle 32 bits of the last SR's NTP time, when it arrived).
    last_sr: Option<(u32, Instant)>,
    pub rtt: Option<Duration>,
    t0: Instant,
    clock: NtpClock,
}

impl RtpReceiver {
    pub fn new(clock_rate: u32) -> Self {
        RtpReceiver {
            clock_rate,
            remote_ssrc: None,
            base_seq: 0,
            max_ext: None,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter: 0.0,
            last_sr: None,
            rtt: None,
            t0: Instant::now(),
            clock: NtpClock::new(),
        }
    }

    pub fn on_rtp(&mut self, now: Instant, header: &rtp::header::Header) {
        if self.remote_ssrc != Some(header.ssrc) {
            // A new source (a transfer, a PBX re-anchoring media): start its statistics afresh.
            *self = RtpReceiver { t0: self.t0, clock: self.clock, last_sr: None, rtt: self.rtt, ..RtpReceiver::new(self.clock_rate) };
            self.remote_ssrc = Some(header.ssrc);
            self.base_seq = u64::from(header.sequence_number);
        }
        let ext = self.extend(header.sequence_number);
        self.max_ext = Some(self.max_ext.map_or(ext, |m| m.max(ext)));
        self.received += 1;
        let arrival = now.saturating_duration_since(self.t0).as_secs_f64() * f64::from(self.clock_rate);
        let transit = arrival - f64::from(header.timestamp);
        if let Some(prev) = self.transit {
            let mut d = (transit - prev).abs();
            // A timestamp wrap is not jitter.
            if d > f64::from(u32::MAX / 2) {
                d = 0.0;
            }
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.transit = Some(transit);
    }

    fn extend(&self, seq: u16) -> u64 {
        self.max_ext.map_or(u64::from(seq), |reference| extend_sequence(seq, reference))
    }

    pub fn expected(&self) -> u64 {
        self.max_ext.map_or(0, |m| m.saturating_sub(self.base_seq) + 1)
    }

    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received)
    }

    pub fn loss_percent(&self) -> f32 {
        let e = self.expected();
        if e == 0 {
            0.0
        } else {
            self.lost() as f32 * 100.0 / e as f32
        }
    }

    pub fn jitter_ms(&self) -> f32 {
        (self.jitter * 1000.0 / f64::from(self.clock_rate)) as f32
    }

    pub fn on_sender_report(&mut self, now: Instant, sr: &rtcp::sender_report::SenderReport) {
        self.last_sr = Some((((sr.ntp_time >> 16) & 0xFFFF_FFFF) as u32, now));
        for r in &sr.reports {
            self.on_report_block(now, r);
        }
    }

    /// RFC 3550 §6.4.1: RTT = now − LSR − DLSR, all in 1/65536 s.
    pub fn on_report_block(&mut self, now: Instant, r: &ReceptionReport) {
        if r.last_sender_report == 0 {
            return;
        }
        let now = ((self.clock.at(now) >> 16) & 0xFFFF_FFFF) as u32;
        let rtt = now.wrapping_sub(r.last_sender_report).wrapping_sub(r.delay);
        if rtt < 65536 * 10 {
            self.rtt = Some(Duration::from_secs_f64(f64::from(rtt) / 65536.0));
        }
    }

    /// Our reception report about the remote source (for an SR or RR we send).
    pub fn report_block(&mut self, now: Instant) -> Option<ReceptionReport> {
        let ssrc = self.remote_ssrc?;
        let expected = self.expected();
        let interval_expected = expected - self.expected_prior;
        let interval_received = self.received - self.received_prior;
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = interval_expected.saturating_sub(interval_received);
        let fraction_lost = if interval_expected == 0 { 0 } else { ((lost_interval << 8) / interval_expected).min(255) as u8 };
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (lsr, (now.saturating_duration_since(at).as_secs_f64() * 65536.0) as u32),
            None => (0, 0),
        };
        Some(ReceptionReport {
            ssrc,
            fraction_lost,
            total_lost: self.lost().min(0x7F_FFFF) as u32,
            last_sequence_number: self.max_ext.unwrap_or(0) as u32,
            jitter: self.jitter as u32,
            last_sender_report: lsr,
            delay: dlsr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(seq: u16, ts: u32) -> rtp::header::Header {
        rtp::header::Header { version: 2, sequence_number: seq, timestamp: ts, ssrc: 42, payload_type: 0, ..Default::default() }
    }

    #[test]
    fn packets_parse_back_with_advancing_numbers() {
        let mut s = RtpSender::new(7);
        let a = parse_rtp(&s.packet(0, b"abc", 160, true)).unwrap();
        let b = parse_rtp(&s.packet(0, b"def", 160, false)).unwrap();
        assert_eq!(b.header.sequence_number, a.header.sequence_number.wrapping_add(1));
        assert_eq!(b.header.timestamp, a.header.timestamp.wrapping_add(160));
        assert!(a.header.marker && !b.header.marker);
        assert_eq!(&a.payload[..], b"abc");
        assert!(!is_rtcp(&s.packet(0, b"x", 160, false)));
    }

    #[test]
    fn read_rtp_sees_what_the_rtp_crate_sees_without_copying() {
        let mut s = RtpSender::new(9);
        let wire = s.packet_at(101, b"\x05\x0a\x00\xa0", 777, true);
        let (view, full) = (read_rtp(&wire).unwrap(), parse_rtp(&wire).unwrap());
        assert_eq!(view.header(), full.header);
        assert_eq!(view.payload, &full.payload[..]);
        // RFC 3550 §5.1: padding and a header extension are not payload.
        let mut padded = vec![0xB0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0, 1, 0x10, 7, 0, 0];
        padded.extend_from_slice(b"abc\0\0\x02");
        assert_eq!(read_rtp(&padded).unwrap().payload, b"abc\0");
    }

    #[test]
    fn packets_whose_parts_overrun_the_datagram_are_refused() {
        // The fuzzer's find: an extension header claiming more words than there are bytes.
        let mut p = vec![0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 40];
        p.extend_from_slice(&[0; 8]);
        assert!(parse_rtp(&p).is_none());
        assert!(parse_rtp(&[0x8F; 20]).is_none(), "15 CSRCs do not fit in 20 bytes");
        // RFC 8285 two-byte element claiming 255 bytes inside a 4-byte block.
        let mut two = vec![0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0, 1, 0, 0, 0xFF, 0xFF];
        two.extend_from_slice(&[0xFF; 80]);
        assert!(parse_rtp(&two).is_none());
        // A well-formed one-byte extension (id 1, 2 bytes, padding) is fine.
        let mut one = vec![0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x11, 7, 7, 0];
        one.extend_from_slice(b"payload");
        assert!(parse_rtp(&one).is_some());
        let mut s = RtpSender::new(1);
        assert!(parse_rtp(&s.packet(0, b"ok", 160, false)).is_some());
        assert!(rtcp_layout_fits(&[0x80, 201, 0, 1, 0, 0, 0, 1]));
        assert!(!rtcp_layout_fits(&[0x80, 201, 0, 9, 0, 0, 0, 1]));
        assert!(!rtcp_layout_fits(&[]));
    }

    #[test]
    fn loss_and_jitter_per_rfc3550() {
        let t0 = Instant::now();
        let mut r = RtpReceiver::new(8000);
        for i in 0..100u16 {
            if i % 10 == 5 {
                continue; // 10 % lost
            }
            // Every other packet 10 ms late: |D| alternates 80 timestamp units.
            let late = if i % 2 == 1 { 10 } else { 0 };
            r.on_rtp(t0 + Duration::from_millis(u64::from(i) * 20 + late), &header(65500u16.wrapping_add(i), u32::from(i) * 160));
        }
        assert_eq!((r.expected(), r.lost()), (100, 10), "across the sequence wrap");
        assert!((r.loss_percent() - 10.0).abs() < 0.01);
        assert!((r.jitter_ms() - 10.0).abs() < 2.5, "{}", r.jitter_ms());
        let block = r.report_block(t0).unwrap();
        assert_eq!((block.total_lost, block.fraction_lost), (10, 25));
    }
}
