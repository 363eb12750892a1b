//! RFC 4733 telephone-events: a digit sent as event packets (same timestamp, growing
//! duration, the last three with the End bit) and events received, reported once each.

pub fn event_code(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(d as u8 - b'A' + 12),
        _ => None,
    }
}

pub fn digit(code: u8) -> Option<char> {
    match code {
        0..=9 => Some((b'0' + code) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + code - 12) as char),
        _ => None,
    }
}

/// The payloads of one event, one per 20 ms packet: `frames` with growing duration, then the
/// End packet three times (RFC 4733 §2.5.1.4), all at the event's start timestamp.
pub fn event_payloads(code: u8, frames: u32, step: u32) -> Vec<[u8; 4]> {
    let payload = |duration: u32, end: bool| {
        let d = duration.min(0xFFFF) as u16;
        [code, if end { 0x80 } else { 0 } | 10, (d >> 8) as u8, d as u8]
    };
    let mut out: Vec<[u8; 4]> = (1..=frames).map(|i| payload(i * step, false)).collect();
    out.extend(std::iter::repeat_n(payload(frames * step, true), 3));
    out
}

/// Reports each received event once (first packet of a new event timestamp). A packet of an
/// earlier event that arrives late (reordered behind the next event's) is not a new digit:
/// RFC 4733 §2.5.2.2 tells events apart by their start timestamp, which only moves forward
/// within a stream (compared modulo 2^32). A new stream (SSRC) starts a new receiver.
#[derive(Debug, Default)]
pub struct EventReceiver {
    last: Option<u32>,
}

impl EventReceiver {
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let code = *payload.first()?;
        let newer = self.last.is_none_or(|last| (timestamp.wrapping_sub(last) as i32) > 0);
        if payload.len() < 4 || !newer {
            return None;
        }
        self.last = Some(timestamp);
        digit(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_packets() {
        assert_eq!(event_code('#'), Some(11));
        assert_eq!(digit(event_code('b').unwrap()), Some('B'));
        assert_eq!(event_code('x'), None);
        let packets = event_payloads(5, 5, 160);
        assert_eq!(packets.len(), 8);
        assert_eq!(packets[0], [5, 10, 0, 160]);
        assert_eq!(packets[7], [5, 0x8A, 3, 32], "End bit, duration 800");
        let mut rx = EventReceiver::default();
        let got: Vec<char> = packets.iter().filter_map(|p| rx.on_packet(1000, p)).collect();
        assert_eq!(got, vec!['5'], "one digit for the whole event");
        assert_eq!(rx.on_packet(2000, &packets[0]), Some('5'), "a new event, same digit");
    }

    #[test]
    fn a_late_packet_of_an_earlier_event_is_not_a_new_digit() {
        let mut rx = EventReceiver::default();
        assert_eq!(rx.on_packet(u32::MAX - 100, &event_payloads(1, 5, 160)[0]), Some('1'));
        assert_eq!(rx.on_packet(700, &event_payloads(2, 5, 160)[0]), Some('2'), "across the timestamp wrap");
        assert_eq!(rx.on_packet(u32::MAX - 100, &event_payloads(1, 5, 160)[7]), None, "digit 1's End, reordered");
    }
}
