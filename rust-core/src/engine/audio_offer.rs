//! The SDP our calls carry until the media engine lands (issue 4): G.711 and RFC 4733 events on
//! an RTP port the call really holds, so peers (baresip, linphone, sipp) accept the session.
//! Nothing is played or recorded yet; this module goes when real offer/answer arrives.

use crate::signalling::call::MediaDirection;
use std::net::{IpAddr, UdpSocket};

/// An RTP port held for one call, and the SDP that advertises it.
pub struct AudioOffer {
    /// Held for the call's life so the advertised port stays ours (no ICMP errors to the peer).
    _socket: UdpSocket,
    pub sdp: String,
    /// RFC 3264 §8: each new offer or answer that changes the session bumps o= version.
    version: u32,
}

impl AudioOffer {
    pub fn bind(ip: IpAddr) -> std::io::Result<AudioOffer> {
        let socket = UdpSocket::bind((ip, 0))?;
        let port = socket.local_addr()?.port();
        let session = rand::random::<u32>();
        let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
        let sdp = format!(
            "v=0\r\no=ringside {session} {session} IN {family} {ip}\r\ns=ringside\r\nc=IN {family} {ip}\r\nt=0 0\r\n\
             m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
        );
        Ok(AudioOffer { _socket: socket, sdp, version: session })
    }

    /// The SDP again with `direction`, for a re-offer or the answer to one.
    pub fn with_direction(&mut self, direction: MediaDirection) -> String {
        self.version = self.version.wrapping_add(1);
        let version = self.version;
        self.sdp
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| {
                if let Some(rest) = l.strip_prefix("o=") {
                    let mut f: Vec<String> = rest.split(' ').map(str::to_string).collect();
                    if f.len() > 2 {
                        f[2] = version.to_string();
                    }
                    format!("o={}", f.join(" "))
                } else if direction_attribute(l).is_some() {
                    format!("a={}", name(direction))
                } else {
                    l.to_string()
                }
            })
            .map(|l| l + "\r\n")
            .collect()
    }
}

fn name(direction: MediaDirection) -> &'static str {
    match direction {
        MediaDirection::SendRecv => "sendrecv",
        MediaDirection::SendOnly => "sendonly",
        MediaDirection::RecvOnly => "recvonly",
        MediaDirection::Inactive => "inactive",
    }
}

fn direction_attribute(line: &str) -> Option<MediaDirection> {
    match line.trim() {
        "a=sendrecv" => Some(MediaDirection::SendRecv),
        "a=sendonly" => Some(MediaDirection::SendOnly),
        "a=recvonly" => Some(MediaDirection::RecvOnly),
        "a=inactive" => Some(MediaDirection::Inactive),
        _ => None,
    }
}

/// The audio direction an SDP offers: the m=audio section's attribute, else the session's,
/// else sendrecv (RFC 3264 §5.1); `c=IN IP4 0.0.0.0` is RFC 2543 hold, still sent by old PBXs.
pub fn offered_direction(sdp: &str) -> MediaDirection {
    // `section`: None at session level, Some(true) in m=audio, Some(false) in other media.
    let (mut session, mut audio, mut section, mut null_address) = (None, None, None, false);
    for line in sdp.lines() {
        if let Some(media) = line.strip_prefix("m=") {
            section = Some(media.starts_with("audio"));
            continue;
        }
        null_address |= line.trim() == "c=IN IP4 0.0.0.0";
        if let Some(d) = direction_attribute(line) {
            match section {
                None => session = Some(d),
                Some(true) => audio = Some(d),
                Some(false) => {}
            }
        }
    }
    if null_address {
        return MediaDirection::Inactive;
    }
    audio.or(session).unwrap_or(MediaDirection::SendRecv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_is_read_from_audio_then_session_and_null_address_means_hold() {
        assert_eq!(offered_direction("v=0\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\n"), MediaDirection::SendOnly);
        assert_eq!(offered_direction("v=0\r\na=inactive\r\nm=audio 1 RTP/AVP 0\r\n"), MediaDirection::Inactive);
        assert_eq!(offered_direction("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 1 RTP/AVP 0\r\n"), MediaDirection::Inactive);
        assert_eq!(offered_direction("v=0\r\nm=audio 1 RTP/AVP 0\r\n"), MediaDirection::SendRecv);
    }

    #[test]
    fn reoffer_changes_direction_and_bumps_the_version() {
        let mut offer = AudioOffer::bind("127.0.0.1".parse().unwrap()).unwrap();
        let held = offer.with_direction(MediaDirection::SendOnly);
        assert!(held.contains("a=sendonly\r\n") && !held.contains("sendrecv"));
        assert_eq!(offered_direction(&held), MediaDirection::SendOnly);
        let v = |sdp: &str| sdp.lines().find(|l| l.starts_with("o=")).unwrap().split(' ').nth(2).unwrap().to_string();
        assert_ne!(v(&held), v(&offer.with_direction(MediaDirection::SendRecv)));
    }
}
