//! SRTP/SRTCP with SDES keys (RFC 4568) over webrtc-srtp: one context to protect what we send
//! with our key, one to check what arrives with theirs. Replay protection is switched on (the
//! crate leaves it off by default); no MKI. Keys never reach a log or an error. Packets come
//! back as the crate's `Bytes`, not copied again.

use crate::sip::sdp::{CryptoSuite, SrtpKey};
use bytes::Bytes;
use webrtc_srtp::context::Context;
use webrtc_srtp::option::{srtcp_replay_protection, srtp_replay_protection};
use webrtc_srtp::protection_profile::ProtectionProfile;

/// Packets further back than this are refused as replays (libsrtp's default window is 128).
const REPLAY_WINDOW: usize = 128;

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

fn context(key: &SrtpKey, replay: bool) -> Result<Context, SrtpError> {
    let p = profile(key.suite);
    let (master, salt) = key.material.split_at(p.key_len().min(key.material.len()));
    let (rtp, rtcp) = if replay { (Some(srtp_replay_protection(REPLAY_WINDOW)), Some(srtcp_replay_protection(REPLAY_WINDOW))) } else { (None, None) };
    Context::new(master, salt, p, rtp, rtcp).map_err(|_| SrtpError::Setup(key.suite.name()))
}

impl Srtp {
    /// `local` protects what we send; `remote` checks what we receive.
    pub fn new(local: &SrtpKey, remote: &SrtpKey) -> Result<Srtp, SrtpError> {
        let p = profile(remote.suite);
        let tag = |t: usize| if matches!(p, ProtectionProfile::AeadAes128Gcm | ProtectionProfile::AeadAes256Gcm) { 16 } else { t };
        Ok(Srtp {
            outbound: context(local, false)?,
            inbound: context(remote, true)?,
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
        self.inbound.decrypt_rtp(packet).map_err(|e| SrtpError::Packet(e.to_string()))
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
