//! The SDP our calls carry until the media engine lands (issue 4): G.711 and RFC 4733 events on
//! an RTP port the call really holds, so peers (baresip, linphone, sipp) accept the session.
//! Nothing is played or recorded yet; this module goes when real offer/answer arrives.

use std::net::{IpAddr, UdpSocket};

/// An RTP port held for one call, and the SDP that advertises it.
pub struct AudioOffer {
    /// Held for the call's life so the advertised port stays ours (no ICMP errors to the peer).
    _socket: UdpSocket,
    pub sdp: String,
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
        Ok(AudioOffer { _socket: socket, sdp })
    }
}
