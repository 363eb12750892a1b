//! Reads SIP over UDP from a loopback capture (tcpdump -w), for measurements taken by a neutral
//! observer rather than by the programs being compared.

use std::time::Duration;

/// One SIP datagram seen on the wire.
#[derive(Debug, Clone)]
pub struct SipPacket {
    pub at: Duration,
    pub src_port: u16,
    pub dst_port: u16,
    pub text: String,
}

impl SipPacket {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.text.split("\r\n").find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    pub fn is_request(&self, method: &str) -> bool {
        self.text.starts_with(&format!("{method} "))
    }

    pub fn status(&self) -> Option<u16> {
        self.text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
    }
}

/// Parses a classic pcap file (Ethernet or Linux "cooked"/null link types) into UDP SIP packets.
pub fn read(bytes: &[u8]) -> Vec<SipPacket> {
    let mut out = Vec::new();
    if bytes.len() < 24 {
        return out;
    }
    let le = bytes[..4] == [0xd4, 0xc3, 0xb2, 0xa1] || bytes[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let nanos = bytes[..4] == [0x4d, 0x3c, 0xb2, 0xa1] || bytes[..4] == [0xa1, 0xb2, 0x3c, 0x4d];
    let u32_at = |b: &[u8], i: usize| {
        let a = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let link = u32_at(bytes, 20);
    let link_len = match link {
        1 => 14,   // Ethernet (Linux lo)
        113 => 16, // Linux cooked
        0 => 4,    // BSD null
        _ => return out,
    };
    let mut i = 24;
    let mut first: Option<Duration> = None;
    while i + 16 <= bytes.len() {
        let secs = u32_at(bytes, i) as u64;
        let frac = u32_at(bytes, i + 4) as u64;
        let incl = u32_at(bytes, i + 8) as usize;
        let data = &bytes[(i + 16).min(bytes.len())..(i + 16 + incl).min(bytes.len())];
        i += 16 + incl;
        let ts = Duration::from_secs(secs) + if nanos { Duration::from_nanos(frac) } else { Duration::from_micros(frac) };
        let start = *first.get_or_insert(ts);
        if data.len() < link_len + 20 {
            continue;
        }
        let ip = &data[link_len..];
        if ip[0] >> 4 != 4 || ip[9] != 17 {
            continue; // IPv4 UDP only: the testbed listens on 127.0.0.1
        }
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        if ip.len() < ihl + 8 {
            continue;
        }
        let udp = &ip[ihl..];
        let src_port = u16::from_be_bytes([udp[0], udp[1]]);
        let dst_port = u16::from_be_bytes([udp[2], udp[3]]);
        let text = String::from_utf8_lossy(&udp[8..]).to_string();
        out.push(SipPacket { at: ts - start, src_port, dst_port, text });
    }
    out
}

/// tcpdump writing every UDP datagram to or from `port` on loopback into `path` (packet-
/// buffered, so the file is complete when the process is stopped).
pub fn capture_udp(path: &std::path::Path, port: u16) -> crate::process::Owned {
    let mut cmd = std::process::Command::new("tcpdump");
    // As root, tcpdump would drop to its own user, which cannot write into a private temp dir.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        cmd.args(["-Z", "root"]);
    }
    let owned = crate::process::Owned::spawn(
        "tcpdump",
        cmd.args(["-i", "lo", "-U", "--immediate-mode", "-s", "0", "-w"])
            .arg(path)
            .args(["udp", "port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null()),
    )
    .expect("tcpdump (scripts/install-deps)");
    // tcpdump writes the file header once it captures: wait for it (bounded), so the first
    // packets the caller sends next are not missed.
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(5) && std::fs::metadata(path).map(|m| m.len() < 24).unwrap_or(true) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    owned
}

/// Writes a classic pcap (Ethernet link type, microsecond times) of one RTP stream of payload
/// type `pt`: one packet of each of `frames` (already encoded, `samples` each) every 20 ms,
/// from 127.0.0.1:`port`. What sipp's `play_pcap_audio` replays toward the far end, as a
/// callee's ringback or announcement.
pub fn write_rtp(path: &std::path::Path, port: u16, pt: u8, samples: usize, frames: &[Vec<u8>]) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(24 + frames.len() * 230);
    // File header: magic, version 2.4, no time zone, no accuracy, snap length, Ethernet.
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for word in [0u32, 0, 65535, 1] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    let ssrc = 0x5eed_0183u32;
    for (n, frame) in frames.iter().enumerate() {
        let mut rtp = Vec::with_capacity(12 + frame.len());
        rtp.extend_from_slice(&[0x80, if n == 0 { 0x80 | pt } else { pt }]); // V=2; marker on the first
        rtp.extend_from_slice(&(n as u16).to_be_bytes());
        rtp.extend_from_slice(&((n * samples) as u32).to_be_bytes());
        rtp.extend_from_slice(&ssrc.to_be_bytes());
        rtp.extend_from_slice(frame);
        let udp_len = 8 + rtp.len();
        let ip_len = 20 + udp_len;
        let mut packet = Vec::with_capacity(14 + ip_len);
        packet.extend_from_slice(&[0; 12]); // MAC addresses (loopback has none)
        packet.extend_from_slice(&0x0800u16.to_be_bytes());
        let mut ip = [0u8; 20];
        ip[0] = 0x45;
        ip[2..4].copy_from_slice(&(ip_len as u16).to_be_bytes());
        ip[8] = 64;
        ip[9] = 17;
        ip[12..16].copy_from_slice(&[127, 0, 0, 1]);
        ip[16..20].copy_from_slice(&[127, 0, 0, 1]);
        let sum = ip.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum::<u32>();
        let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        packet.extend_from_slice(&ip);
        packet.extend_from_slice(&port.to_be_bytes());
        packet.extend_from_slice(&port.to_be_bytes());
        packet.extend_from_slice(&(udp_len as u16).to_be_bytes());
        packet.extend_from_slice(&0u16.to_be_bytes()); // no UDP checksum
        packet.extend_from_slice(&rtp);
        let at = Duration::from_millis(20 * n as u64);
        for word in [at.as_secs() as u32, at.subsec_micros(), packet.len() as u32, packet.len() as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&packet);
    }
    std::fs::write(path, out)
}
