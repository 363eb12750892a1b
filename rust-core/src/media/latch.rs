//! Symmetric RTP latching (RFC 4961): where our media goes. We send to the address the SDP
//! gave until media arrives, then to the address media really comes from (a far end behind
//! NAT advertises an address nobody can reach).
//!
//! Input: each packet's source address and SSRC, and whether SRTP authenticated it.
//! Output: accept it or refuse it, and whether the latch moved.
//!
//! Who may move the latch:
//! - an SRTP-authenticated packet, from anywhere (only the far end holds its key, and the
//!   replay window refuses a captured packet sent again; RFC 3711 §3.3);
//! - over plain RTP, which anyone can forge: the first source heard, the advertised address,
//!   or a new address carrying the SSRC we already hear (a NAT rebinding keeps the stream's
//!   SSRC; a stranger does not know it). Anything else is a stranger: refused, not played.
//!
//! Either way the latch moves only for a packet ahead of the newest from the current source
//! (RFC 3550 sequence order): a straggler of the old path, or a replay of a packet the network
//! lost, is played (it is the far end's) but does not pull our media back to where it came from.

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The far end's packet: play it.
    Accept,
    /// Play it, and send to this address from now on.
    Moved(SocketAddr),
    /// Not from our peer: drop it.
    Refuse,
}

/// The source latched onto: its address, its SSRC and the newest sequence number from it.
#[derive(Debug, Clone, Copy)]
struct Source {
    addr: SocketAddr,
    ssrc: u32,
    newest: u16,
}

#[derive(Debug, Clone)]
pub struct Latch {
    advertised: SocketAddr,
    current: Option<Source>,
}

/// RFC 3550 §A.1: sequence numbers compared modulo 2^16.
fn newer(seq: u16, than: u16) -> bool {
    (seq.wrapping_sub(than) as i16) > 0
}

impl Latch {
    pub fn new(advertised: SocketAddr) -> Latch {
        Latch { advertised, current: None }
    }

    /// Where our RTP goes now.
    pub fn remote(&self) -> SocketAddr {
        self.current.map_or(self.advertised, |s| s.addr)
    }

    pub fn on_packet(&mut self, from: SocketAddr, ssrc: u32, seq: u16, authenticated: bool) -> Verdict {
        let heard = Source { addr: from, ssrc, newest: seq };
        let Some(current) = self.current.as_mut() else {
            self.current = Some(heard);
            return if from == self.advertised { Verdict::Accept } else { Verdict::Moved(from) };
        };
        if from == current.addr {
            if ssrc != current.ssrc || newer(seq, current.newest) {
                *current = heard;
            }
            return Verdict::Accept;
        }
        if !(authenticated || ssrc == current.ssrc || from == self.advertised) {
            return Verdict::Refuse;
        }
        if ssrc == current.ssrc && !newer(seq, current.newest) {
            return Verdict::Accept;
        }
        *current = heard;
        Verdict::Moved(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rfc4961_media_goes_where_the_first_packet_came_from() {
        let mut latch = Latch::new(addr("192.168.1.20:4000"));
        assert_eq!(latch.remote(), addr("192.168.1.20:4000"), "the SDP's address until media arrives");
        assert_eq!(latch.on_packet(addr("203.0.113.7:61000"), 1, 10, false), Verdict::Moved(addr("203.0.113.7:61000")));
        assert_eq!(latch.on_packet(addr("203.0.113.7:61000"), 1, 11, false), Verdict::Accept);
        assert_eq!(latch.remote(), addr("203.0.113.7:61000"));
    }

    #[test]
    fn media_from_the_advertised_address_latches_without_moving() {
        let mut latch = Latch::new(addr("198.51.100.1:4000"));
        assert_eq!(latch.on_packet(addr("198.51.100.1:4000"), 1, 10, false), Verdict::Accept);
    }

    #[test]
    fn authenticated_packets_move_the_latch_from_anywhere() {
        let mut latch = Latch::new(addr("198.51.100.1:4000"));
        latch.on_packet(addr("198.51.100.1:4000"), 1, 10, true);
        assert_eq!(latch.on_packet(addr("198.51.100.9:5000"), 1, 11, true), Verdict::Moved(addr("198.51.100.9:5000")));
        assert_eq!(latch.on_packet(addr("198.51.100.7:6000"), 2, 500, true), Verdict::Moved(addr("198.51.100.7:6000")), "a new stream");
    }

    #[test]
    fn plain_rtp_moves_only_with_the_ssrc_it_already_hears() {
        let mut latch = Latch::new(addr("198.51.100.1:4000"));
        latch.on_packet(addr("198.51.100.1:4000"), 77, 10, false);
        assert_eq!(latch.on_packet(addr("203.0.113.66:9"), 1234, 11, false), Verdict::Refuse, "a stranger's stream");
        assert_eq!(latch.remote(), addr("198.51.100.1:4000"));
        assert_eq!(latch.on_packet(addr("198.51.100.1:4444"), 77, 11, false), Verdict::Moved(addr("198.51.100.1:4444")), "NAT rebinding");
        assert_eq!(latch.on_packet(addr("198.51.100.1:4000"), 78, 12, false), Verdict::Moved(addr("198.51.100.1:4000")), "back to the SDP's address");
    }

    #[test]
    fn stragglers_and_replays_from_elsewhere_play_but_do_not_move_the_latch() {
        let mut latch = Latch::new(addr("198.51.100.1:4000"));
        latch.on_packet(addr("198.51.100.1:4000"), 77, 65535, true);
        assert_eq!(latch.on_packet(addr("198.51.100.1:5555"), 77, 3, true), Verdict::Moved(addr("198.51.100.1:5555")), "ahead, across the wrap");
        assert_eq!(latch.on_packet(addr("198.51.100.1:4000"), 77, 2, true), Verdict::Accept, "the old path's straggler");
        assert_eq!(latch.on_packet(addr("203.0.113.66:9"), 77, 1, true), Verdict::Accept, "a replay of a lost packet");
        assert_eq!(latch.remote(), addr("198.51.100.1:5555"));
    }
}
