//! A lossy network between one phone and its SIP server, on loopback: SIP datagrams pass both
//! ways untouched but for their SDP, whose audio address is rewritten to a media relay of ours;
//! the relay forwards RTP both ways and drops a share of it, chosen by a seeded generator so
//! a run can be replayed. Inputs: the upstream SIP address, the loss share, the seed. Outputs:
//! the port phones send SIP to (`inside_port`) and per-direction counts of RTP forwarded and
//! dropped.
//!
//! The relay is symmetric, as a media anchor in a PBX is: the phone sends to and hears from one
//! relay socket, the far end another, so both ends' RTP latching sees the address their SDP named.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct LossyPath {
    pub inside_port: u16,
    stop: Arc<AtomicBool>,
    /// Toward the phone, toward the far end: (forwarded, dropped).
    pub to_phone: Arc<Counts>,
    pub to_far: Arc<Counts>,
}

#[derive(Default)]
pub struct Counts {
    pub forwarded: AtomicUsize,
    pub dropped: AtomicUsize,
}

impl Counts {
    /// The share dropped so far.
    pub fn loss(&self) -> f64 {
        let (f, d) = (self.forwarded.load(Ordering::Relaxed), self.dropped.load(Ordering::Relaxed));
        if f + d == 0 {
            return 0.0;
        }
        d as f64 / (f + d) as f64
    }

    pub fn total(&self) -> usize {
        self.forwarded.load(Ordering::Relaxed) + self.dropped.load(Ordering::Relaxed)
    }
}

/// Where each end's RTP goes: the address its SDP gave.
#[derive(Default)]
struct MediaEnds {
    phone: Option<SocketAddr>,
    far: Option<SocketAddr>,
}

/// xorshift64*: a few lines, replayable from its seed.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl LossyPath {
    /// Drops `loss` (0..1) of the RTP each way; prints its seed so a failure can be replayed.
    pub fn start(upstream: SocketAddr, loss: f64, seed: u64) -> LossyPath {
        println!("lossy path: {:.0} % loss each way, seed {seed}", loss * 100.0);
        let bind = || {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
            s
        };
        let (inside, outside, near_phone, near_far) = (bind(), bind(), bind(), bind());
        let inside_port = inside.local_addr().unwrap().port();
        // What each end is told: the far end sends to `near_far`'s twin and so on.
        let (phone_side_port, far_side_port) = (near_phone.local_addr().unwrap().port(), near_far.local_addr().unwrap().port());
        let stop = Arc::new(AtomicBool::new(false));
        let ends: Arc<Mutex<MediaEnds>> = Arc::default();
        let phone_sip: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let (to_phone, to_far): (Arc<Counts>, Arc<Counts>) = (Arc::default(), Arc::default());

        // Phone to server: the phone's SDP now names `near_far`, the socket the far end reaches.
        {
            let (stop, ends, phone_sip, inside, outside) = (stop.clone(), ends.clone(), phone_sip.clone(), inside.try_clone().unwrap(), outside.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((len, from)) = inside.recv_from(&mut buf) else { continue };
                    *phone_sip.lock().unwrap() = Some(from);
                    let (out, media) = rewrite_sdp(&buf[..len], far_side_port);
                    if media.is_some() {
                        ends.lock().unwrap().phone = media;
                    }
                    let _ = outside.send_to(&out, upstream);
                }
            });
        }
        // Server to phone: the far end's SDP now names `near_phone`, the socket the phone reaches.
        {
            let (stop, ends, phone_sip) = (stop.clone(), ends.clone(), phone_sip.clone());
            let (inside, outside) = (inside.try_clone().unwrap(), outside.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((len, _)) = outside.recv_from(&mut buf) else { continue };
                    let (out, media) = rewrite_sdp(&buf[..len], phone_side_port);
                    if media.is_some() {
                        ends.lock().unwrap().far = media;
                    }
                    if let Some(phone) = *phone_sip.lock().unwrap() {
                        let _ = inside.send_to(&out, phone);
                    }
                }
            });
        }
        // RTP, each way through its own generator: what one direction drops does not shift the other.
        let relay = |from: UdpSocket, via: UdpSocket, toward_phone: bool, counts: Arc<Counts>, seed: u64| {
            let (stop, ends) = (stop.clone(), ends.clone());
            std::thread::spawn(move || {
                let mut rng = Rng(seed | 1);
                let mut buf = [0u8; 65536];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((len, _)) = from.recv_from(&mut buf) else { continue };
                    let dest = {
                        let e = ends.lock().unwrap();
                        if toward_phone { e.phone } else { e.far }
                    };
                    let Some(dest) = dest else { continue };
                    if rng.unit() < loss {
                        counts.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    counts.forwarded.fetch_add(1, Ordering::Relaxed);
                    let _ = via.send_to(&buf[..len], dest);
                }
            });
        };
        // The far end sends to `near_far`; the phone hears it from `near_phone`, where it sends.
        relay(near_far.try_clone().unwrap(), near_phone.try_clone().unwrap(), true, to_phone.clone(), seed);
        relay(near_phone, near_far, false, to_far.clone(), seed.rotate_left(32) ^ 0x9E37_79B9_7F4A_7C15);
        LossyPath { inside_port, stop, to_phone, to_far }
    }
}

impl Drop for LossyPath {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The datagram with its SDP's audio address replaced by 127.0.0.1:`port`, and the address it
/// named; a datagram without SDP unchanged.
fn rewrite_sdp(datagram: &[u8], port: u16) -> (Vec<u8>, Option<SocketAddr>) {
    let text = String::from_utf8_lossy(datagram);
    let Some((head, body)) = text.split_once("\r\n\r\n") else { return (datagram.to_vec(), None) };
    if !body.contains("m=audio ") {
        return (datagram.to_vec(), None);
    }
    let mut ip = None;
    let mut media_port = None;
    let mut lines = Vec::new();
    for line in body.split("\r\n") {
        if let Some(addr) = line.strip_prefix("c=IN IP4 ") {
            ip = ip.or(addr.trim().parse::<std::net::IpAddr>().ok());
            lines.push("c=IN IP4 127.0.0.1".to_string());
        } else if let Some(rest) = line.strip_prefix("m=audio ") {
            let (p, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            media_port = p.parse::<u16>().ok();
            lines.push(format!("m=audio {port} {tail}"));
        } else if line.starts_with("a=rtcp:") {
            // RTCP would bypass the relay; without the line it follows RTP's port + 1, unheard.
            continue;
        } else {
            lines.push(line.to_string());
        }
    }
    let body = lines.join("\r\n");
    let head: Vec<String> = head
        .split("\r\n")
        .map(|h| {
            let name = h.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
            if name == "content-length" || name == "l" {
                format!("Content-Length: {}", body.len())
            } else {
                h.to_string()
            }
        })
        .collect();
    let media = ip.zip(media_port).map(|(ip, p)| SocketAddr::new(ip, p));
    (format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes(), media)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdp_audio_address_is_replaced_and_length_follows() {
        let body = "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\nc=IN IP4 10.0.0.5\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:4001\r\n";
        let msg = format!("INVITE sip:a@b SIP/2.0\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        let (out, media) = rewrite_sdp(msg.as_bytes(), 7000);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(media, Some("10.0.0.5:4000".parse().unwrap()));
        let (head, new_body) = out.split_once("\r\n\r\n").unwrap();
        assert!(new_body.contains("m=audio 7000 RTP/AVP 0") && new_body.contains("c=IN IP4 127.0.0.1") && !new_body.contains("a=rtcp:"));
        assert!(head.ends_with(&format!("Content-Length: {}", new_body.len())), "{head}");
    }

    #[test]
    fn a_datagram_without_sdp_passes_unchanged() {
        let msg = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(rewrite_sdp(msg, 7000), (msg.to_vec(), None));
    }
}
