//! SRTP/SRTCP with SDES keys (RFC 4568) over webrtc-srtp: one context to protect what we send
//! with our key, one to check what arrives with theirs. Replay protection is on (the crate
//! leaves it off by default): SRTCP's by the crate, SRTP's by `replay_window`, one per SSRC,
//! because the crate's allocates for every packet. No MKI. Keys never reach a log or an error.
//! Packets come back as the crate's `Bytes`, not copied again: the one allocation per packet
//! each way that its API leaves.

use crate::media::replay_window::{Replay, ReplayWindow};
use crate::sip::sdp::{CryptoSuite, SrtpKey};
use bytes::Bytes;
use webrtc_srtp::context::Context;
use webrtc_srtp::option::srtcp_replay_protection;
use webrtc_srtp::protection_profile::ProtectionProfile;

/// Packets further back than this are refused as replays (libsrtp's default window is 128).
const REPLAY_WINDOW: usize = 128;
/// Streams whose replay windows are kept: the far end's, and one or two it restarted with.
const STREAMS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum SrtpError {
    #[error("SRTP key setup failed for {0}")]
    Setup(&'static str),
    #[error("SRTP packet refused: {0}")]
    Packet(String),
}

pub struct Srtp {
    outbound: Context,
    inbound: Context,
    /// By SSRC, newest last; the oldest is forgotten past `STREAMS`.
    windows: Vec<(u32, ReplayWindow)>,
    /// The shortest SRTP and SRTCP packets the suite can produce: anything shorter is refused
    /// here, before webrtc-srtp (which underflows on a few-byte SRTCP packet: found by fuzzing).
    min_rtp: usize,
    min_rtcp: usize,
}

fn profile(suite: CryptoSuite) -> ProtectionProfile {
    match suite {
        CryptoSuite::AesCm128HmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
        CryptoSuite::AesCm128HmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
        CryptoSuite::AeadAes128Gcm => ProtectionProfile::AeadAes128Gcm,
    }
}

fn context(key: &SrtpKey, rtcp_replay: bool) -> Result<Context, SrtpError> {
    let p = profile(key.suite);
    let (master, salt) = key.material.split_at(p.key_len().min(key.material.len()));
    let rtcp = rtcp_replay.then(|| srtcp_replay_protection(REPLAY_WINDOW));
    Context::new(master, salt, p, None, rtcp).map_err(|_| SrtpError::Setup(key.suite.name()))
}

impl Srtp {
    /// `local` protects what we send; `remote` checks what we receive.
    pub fn new(local: &SrtpKey, remote: &SrtpKey) -> Result<Srtp, SrtpError> {
        let p = profile(remote.suite);
        let tag = |t: usize| if matches!(p, ProtectionProfile::AeadAes128Gcm | ProtectionProfile::AeadAes256Gcm) { 16 } else { t };
        Ok(Srtp {
            outbound: context(local, false)?,
            inbound: context(remote, true)?,
            windows: Vec::with_capacity(STREAMS),
            min_rtp: 12 + tag(p.rtp_auth_tag_len()),
            min_rtcp: 8 + 4 + tag(p.rtcp_auth_tag_len()),
        })
    }

    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Bytes, SrtpError> {
        self.outbound.encrypt_rtp(packet).map_err(|e| SrtpError::Packet(e.to_string()))
    }

    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Bytes, SrtpError> {
        if packet.len() < self.min_rtp || crate::media::rtp_stream::rtp_header_len(packet).is_none_or(|h| h > packet.len() - (self.min_rtp - 12)) {
            return Err(SrtpError::Packet(format!("SRTP packet of {} bytes is too short for its header", packet.len())));
        }
        let ssrc = u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
        let seq = u16::from_be_bytes([packet[2], packet[3]]);
        let at = match self.windows.iter().position(|(s, _)| *s == ssrc) {
            Some(at) => at,
            None => {
                if self.windows.len() == STREAMS {
                    self.windows.remove(0);
                }
                self.windows.push((ssrc, ReplayWindow::default()));
                self.windows.len() - 1
            }
        };
        let index = match self.windows[at].1.check(seq) {
            Replay::Fresh(index) => index,
            Replay::Duplicate => return Err(SrtpError::Packet(format!("SRTP packet {seq} of stream {ssrc:08x} replayed"))),
            Replay::TooOld => return Err(SrtpError::Packet(format!("SRTP packet {seq} of stream {ssrc:08x} is older than the replay window"))),
        };
        let clear = self.inbound.decrypt_rtp(packet).map_err(|e| SrtpError::Packet(e.to_string()))?;
        // Only a packet that authenticated moves the window: a forgery cannot shut out the real one.
        self.windows[at].1.accept(index);
        Ok(clear)
    }

    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Bytes, SrtpError> {
        self.outbound.encrypt_rtcp(packet).map_err(|e| SrtpError::Packet(e.to_string()))
    }

    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Bytes, SrtpError> {
        if packet.len() < self.min_rtcp {
            return Err(SrtpError::Packet(format!("SRTCP packet of {} bytes is too short", packet.len())));
        }
        self.inbound.decrypt_rtcp(packet).map_err(|e| SrtpError::Packet(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::rtp_stream::RtpSender;

    fn pair(suite: CryptoSuite) -> (Srtp, Srtp) {
        let (a, b) = (SrtpKey::random(suite), SrtpKey::random(suite));
        (Srtp::new(&a, &b).unwrap(), Srtp::new(&b, &a).unwrap())
    }

    #[test]
    fn every_suite_round_trips_and_refuses_tampering_and_replays() {
        for suite in CryptoSuite::ALL {
            let (mut alice, mut bob) = pair(suite);
            let mut sender = RtpSender::new(0);
            let plain = sender.packet(0, &[7u8; 160], 160, false);
            let sealed = alice.protect_rtp(&plain).unwrap();
            assert_ne!(&sealed[12..], &plain[12..], "{suite:?} encrypts the payload");
            assert_eq!(bob.unprotect_rtp(&sealed).unwrap(), plain, "{suite:?}");
            assert!(bob.unprotect_rtp(&sealed).is_err(), "{suite:?}: a replayed packet is refused");
            let mut tampered = alice.protect_rtp(&sender.packet(0, &[7u8; 160], 160, false)).unwrap().to_vec();
            let last = tampered.len() - 1;
            tampered[last] ^= 1;
            assert!(bob.unprotect_rtp(&tampered).is_err(), "{suite:?}: a forged packet is refused");
        }
    }

    #[test]
    fn replays_are_refused_per_stream_and_a_forgery_does_not_shut_out_the_real_packet() {
        let (mut alice, mut bob) = pair(CryptoSuite::AesCm128HmacSha1_80);
        let (mut first, mut restarted) = (RtpSender::new(0x1111), RtpSender::new(0x2222));
        let sealed: Vec<_> = (0..5).map(|_| alice.protect_rtp(&first.packet(0, &[1; 160], 160, false)).unwrap()).collect();
        for p in sealed.iter().rev() {
            assert!(bob.unprotect_rtp(p).is_ok(), "reordered, each once");
        }
        assert!(bob.unprotect_rtp(&sealed[2]).is_err());
        // Another stream starts its own numbering: not a replay of the first's.
        let other = alice.protect_rtp(&restarted.packet(0, &[2; 160], 160, false)).unwrap();
        assert!(bob.unprotect_rtp(&other).is_ok());
        let next = alice.protect_rtp(&first.packet(0, &[1; 160], 160, false)).unwrap();
        let mut forged = next.to_vec();
        forged[20] ^= 0xFF;
        assert!(bob.unprotect_rtp(&forged).is_err(), "forged");
        assert!(bob.unprotect_rtp(&next).is_ok(), "the genuine packet with the same number still plays");
    }

    #[test]
    fn a_packet_protected_and_checked_costs_one_allocation_each_way() {
        let (mut alice, mut bob) = pair(CryptoSuite::AesCm128HmacSha1_80);
        let mut sender = RtpSender::new(7);
        let mut packet = Vec::new();
        for i in 0..4 {
            sender.write(0, &[3; 160], 160, false, &mut packet);
            if i == 0 {
                // The crate keeps each new stream's state in a map: once per SSRC.
                bob.unprotect_rtp(&alice.protect_rtp(&packet).unwrap()).unwrap();
                continue;
            }
            let (_, n) = crate::media::alloc_count::allocations(|| bob.unprotect_rtp(&alice.protect_rtp(&packet).unwrap()).unwrap());
            assert_eq!(n, 2, "webrtc-srtp's new buffer each way, and nothing else");
        }
    }

    #[test]
    fn short_packets_are_refused_not_panicked_on() {
        // The fuzzer's find: a 5-byte SRTCP packet underflowed inside webrtc-srtp.
        for suite in CryptoSuite::ALL {
            let (_, mut bob) = pair(suite);
            for n in 0..40 {
                let junk = vec![0x80u8; n];
                let _ = bob.unprotect_rtcp(&junk);
                let _ = bob.unprotect_rtp(&junk);
            }
            assert!(bob.unprotect_rtcp(&[0x80, 0, 0, 1, 3]).is_err());
            // An extension header longer than the packet (panicked inside the rtp crate).
            let mut overrun = vec![0x90u8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0, 0xFF];
            overrun.extend_from_slice(&[0xFF; 40]);
            assert!(bob.unprotect_rtp(&overrun).is_err());
        }
    }

    #[test]
    fn errors_never_show_the_key() {
        let key = SrtpKey { suite: CryptoSuite::AesCm128HmacSha1_80, material: vec![0x41; 10] };
        let err = Srtp::new(&key, &key).err().unwrap().to_string();
        assert!(!err.contains("AAAA") && !err.contains("65"), "{err}");
    }
}
