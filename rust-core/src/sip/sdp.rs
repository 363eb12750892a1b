//! SDP offer/answer for one audio stream (RFC 3264), parsed with the `sdp` crate: our codecs
//! (Opus, PCMU, PCMA) with dynamic payload types, ptime, Opus fmtp, RFC 4733 telephone-event,
//! rtcp-mux, direction attributes for hold, and SDES keys (`a=crypto`, RFC 4568).
//!
//! SRTP policy: `optional` (the default) offers RTP/AVP *with* crypto lines, so a peer that
//! knows SDES encrypts and one that does not still talks; `mandatory` offers RTP/SAVP and
//! refuses a plain answer; `off` offers and accepts plain RTP only.

pub use crate::vocab::{CodecKind, MediaDirection, SrtpPolicy};
use base64::Engine;
use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};

/// `a=rtpmap`'s encoding of a codec (RFC 3551; RFC 7587 for Opus).
fn rtpmap(codec: CodecKind) -> String {
    match codec {
        CodecKind::Opus => "opus/48000/2".into(),
        other => format!("{}/8000", other.name()),
    }
}

fn codec_from_rtpmap(encoding: &str) -> Option<CodecKind> {
    let mut parts = encoding.split('/');
    let name = parts.next()?.trim();
    let rate: u32 = parts.next()?.trim().parse().ok()?;
    match (name.to_ascii_lowercase().as_str(), rate) {
        ("opus", 48000) => Some(CodecKind::Opus),
        ("pcmu", 8000) => Some(CodecKind::Pcmu),
        ("pcma", 8000) => Some(CodecKind::Pcma),
        _ => None,
    }
}

/// SDES crypto suites we speak (RFC 4568, RFC 7714), in our order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoSuite {
    AeadAes128Gcm,
    AesCm128HmacSha1_80,
    AesCm128HmacSha1_32,
}

impl CryptoSuite {
    pub const ALL: [CryptoSuite; 3] = [CryptoSuite::AesCm128HmacSha1_80, CryptoSuite::AesCm128HmacSha1_32, CryptoSuite::AeadAes128Gcm];

    pub fn name(self) -> &'static str {
        match self {
            CryptoSuite::AeadAes128Gcm => "AEAD_AES_128_GCM",
            CryptoSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            CryptoSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    fn from_name(name: &str) -> Option<CryptoSuite> {
        CryptoSuite::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// Master key plus salt, in bytes.
    pub fn key_material_len(self) -> usize {
        match self {
            CryptoSuite::AeadAes128Gcm => 16 + 12,
            _ => 16 + 14,
        }
    }
}

/// One direction's SRTP master key and salt.
#[derive(Clone, PartialEq, Eq)]
pub struct SrtpKey {
    pub suite: CryptoSuite,
    pub material: Vec<u8>,
}

impl std::fmt::Debug for SrtpKey {
    // Keys never reach logs (not even debug ones).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SrtpKey({}, <{} bytes>)", self.suite.name(), self.material.len())
    }
}

impl SrtpKey {
    pub fn random(suite: CryptoSuite) -> SrtpKey {
        let material = (0..suite.key_material_len()).map(|_| rand::random::<u8>()).collect();
        SrtpKey { suite, material }
    }

    fn inline(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.material)
    }
}

/// What we offer: codecs in preference order, SRTP policy, and where our RTP arrives.
#[derive(Debug, Clone)]
pub struct MediaPolicy {
    pub codecs: Vec<CodecKind>,
    pub srtp: SrtpPolicy,
}

impl Default for MediaPolicy {
    fn default() -> Self {
        MediaPolicy { codecs: vec![CodecKind::Opus, CodecKind::Pcmu, CodecKind::Pcma], srtp: SrtpPolicy::Optional }
    }
}

/// Payload type of RFC 4733 events at 8000 Hz (and at 48000 Hz beside Opus).
pub const DTMF_PT_8K: u8 = 101;
pub const DTMF_PT_48K: u8 = 110;

/// The agreed stream: what to send where, and how to read what comes back.
#[derive(Debug, Clone, PartialEq)]
pub struct Negotiated {
    pub remote_rtp: SocketAddr,
    pub remote_rtcp: SocketAddr,
    pub codec: CodecKind,
    /// Payload type of the codec on the wire (the offerer's numbering).
    pub payload_type: u8,
    /// The formats the far end may send us, by payload type: RFC 3264 §5.1 has the offerer
    /// take any format of the answer, and an answerer sends the offer's first it kept (ours
    /// on a re-offer), which need not be the answer's first that we send.
    pub receive: Vec<(u8, CodecKind)>,
    /// RFC 4733 telephone-event payload type, when both sides have one at the codec's rate.
    pub dtmf_payload_type: Option<u8>,
    pub ptime_ms: u32,
    /// Our side's direction (what we may do: send, receive, both, neither).
    pub direction: MediaDirection,
    pub rtcp_mux: bool,
    /// SRTP keys (ours for sending, theirs for receiving), or plain RTP.
    pub srtp: Option<(SrtpKey, SrtpKey)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("unreadable SDP: {0}")]
    Parse(String),
    #[error("no audio stream in the SDP")]
    NoAudio,
    /// RFC 3264 §6: no codec in common (answer 488).
    #[error("no codec in common (offered: {0})")]
    NoCommonCodec(String),
    #[error("SRTP is mandatory here and the other side offered none we speak")]
    SrtpRequired,
    #[error("the other side requires SRTP (RTP/SAVP) and our policy is off")]
    SrtpRefused,
    #[error("bad connection address {0:?}")]
    Address(String),
}

/// Our side of one audio stream across offers and answers (RFC 3264 §8: one `o=` session id,
/// its version bumped by every new SDP).
#[derive(Debug, Clone)]
pub struct LocalMedia {
    pub ip: IpAddr,
    pub port: u16,
    policy: MediaPolicy,
    session_id: u64,
    version: u64,
    /// Our keys by crypto tag: what we offered (one per suite) or answered (one).
    keys: Vec<(u32, SrtpKey)>,
    /// The format the last offer/answer settled on (its payload number on the wire): a
    /// re-offer lists it first, so hold, resume or a refresh never switches codec.
    agreed: Option<(u8, CodecKind)>,
}

/// One remote `a=crypto` line.
#[derive(Debug, Clone)]
struct RemoteCrypto {
    tag: u32,
    key: SrtpKey,
}

impl LocalMedia {
    pub fn new(ip: IpAddr, port: u16, policy: MediaPolicy) -> Self {
        let session_id = u64::from(rand::random::<u32>());
        LocalMedia { ip, port, policy, session_id, version: session_id, keys: Vec::new(), agreed: None }
    }

    /// A new offer (initial, or a re-offer for hold/resume/refresh, which keeps our keys).
    pub fn offer(&mut self, direction: MediaDirection) -> String {
        if self.policy.srtp != SrtpPolicy::Off && self.keys.is_empty() {
            self.keys = CryptoSuite::ALL.iter().enumerate().map(|(i, s)| (i as u32 + 1, SrtpKey::random(*s))).collect();
        }
        // A re-offer keeps the agreed format first, under its number (RFC 3264 §8.3.2: the
        // mapping stays): an answerer takes the offer's first it has, so a re-offer in our
        // own order would switch a PCMU call to Opus on hold, and a peer that switches badly
        // mid-call (baresip 1.0 feeds the Opus encoder its old 8 kHz frames) goes silent.
        let first = self.agreed.filter(|(_, c)| self.policy.codecs.contains(c));
        let rest = self.policy.codecs.iter().map(|c| (c.payload_type(), *c)).filter(|(pt, c)| first.is_none_or(|(p, k)| p != *pt && k != *c));
        let payloads: Vec<(u8, CodecKind)> = first.into_iter().chain(rest).collect();
        let mut dtmf = self.dtmf_for(&payloads);
        dtmf.retain(|(pt, _)| payloads.iter().all(|(p, _)| p != pt));
        let crypto: Vec<(u32, SrtpKey)> = if self.policy.srtp == SrtpPolicy::Off { Vec::new() } else { self.keys.clone() };
        self.render(&payloads, dtmf, &crypto, direction, true)
    }

    /// Reads the answer to our offer.
    pub fn answer_received(&mut self, answer: &str) -> Result<Negotiated, SdpError> {
        let remote = RemoteAudio::parse(answer)?;
        let (pt, codec) =
            remote.codecs.iter().copied().find(|(_, c)| self.policy.codecs.contains(c)).ok_or_else(|| SdpError::NoCommonCodec(remote.offered_names()))?;
        let srtp = match remote
            .crypto
            .iter()
            .find_map(|rc| self.keys.iter().find(|(tag, k)| *tag == rc.tag && k.suite == rc.key.suite).map(|(_, k)| (k.clone(), rc.key.clone())))
        {
            Some(pair) if self.policy.srtp != SrtpPolicy::Off => Some(pair),
            _ if self.policy.srtp == SrtpPolicy::Mandatory => return Err(SdpError::SrtpRequired),
            _ if remote.secure_profile => return Err(SdpError::SrtpRefused),
            _ => None,
        };
        self.agreed = Some((pt, codec));
        let mut negotiated = remote.negotiated(pt, codec, remote.direction.answer(), srtp);
        negotiated.receive = remote.codecs.iter().copied().filter(|(_, c)| self.policy.codecs.contains(c)).collect();
        Ok(negotiated)
    }

    /// Answers a remote offer (initial or re-offer), or says why not (488).
    pub fn answer(&mut self, offer: &str, hold_locally: bool) -> Result<(String, Negotiated), SdpError> {
        let remote = RemoteAudio::parse(offer)?;
        // RFC 3264 §6.1: the offerer's order decides among codecs we both have.
        let (pt, codec) =
            remote.codecs.iter().copied().find(|(_, c)| self.policy.codecs.contains(c)).ok_or_else(|| SdpError::NoCommonCodec(remote.offered_names()))?;
        let chosen = match self.policy.srtp {
            SrtpPolicy::Off if remote.secure_profile => return Err(SdpError::SrtpRefused),
            SrtpPolicy::Off => None,
            _ => CryptoSuite::ALL.iter().find_map(|s| remote.crypto.iter().find(|c| c.key.suite == *s)).cloned(),
        };
        if chosen.is_none() && self.policy.srtp == SrtpPolicy::Mandatory {
            return Err(SdpError::SrtpRequired);
        }
        let crypto: Vec<(u32, SrtpKey)> = match &chosen {
            Some(rc) => {
                // Keep our key for this tag and suite across re-offers (no rekey on hold).
                let ours = self
                    .keys
                    .iter()
                    .find(|(t, k)| *t == rc.tag && k.suite == rc.key.suite)
                    .map(|(_, k)| k.clone())
                    .unwrap_or_else(|| SrtpKey::random(rc.key.suite));
                self.keys = vec![(rc.tag, ours)];
                self.keys.clone()
            }
            None => Vec::new(),
        };
        let mut direction = remote.direction.answer();
        if hold_locally && direction == MediaDirection::SendRecv {
            direction = MediaDirection::SendOnly;
        }
        // RFC 4733 §2.1: events share the audio's timestamp space, so its clock rate.
        let dtmf = remote.dtmf.iter().find(|(_, rate)| *rate == codec.clock_rate()).map(|(pt, rate)| (*pt, *rate));
        let sdp = self.render_answer(&[(pt, codec)], dtmf, &crypto, direction, remote.rtcp_mux, remote.secure_profile);
        self.agreed = Some((pt, codec));
        let srtp = chosen.map(|rc| (crypto[0].1.clone(), rc.key));
        let mut negotiated = remote.negotiated(pt, codec, direction, srtp);
        negotiated.dtmf_payload_type = dtmf.map(|(pt, _)| pt);
        Ok((sdp, negotiated))
    }

    fn dtmf_for(&self, payloads: &[(u8, CodecKind)]) -> Vec<(u8, u32)> {
        let mut dtmf = vec![(DTMF_PT_8K, 8000)];
        if payloads.iter().any(|(_, c)| *c == CodecKind::Opus) {
            dtmf.insert(0, (DTMF_PT_48K, 48000));
        }
        dtmf
    }

    fn render_answer(
        &mut self,
        payloads: &[(u8, CodecKind)],
        dtmf: Option<(u8, u32)>,
        crypto: &[(u32, SrtpKey)],
        direction: MediaDirection,
        rtcp_mux: bool,
        savp: bool,
    ) -> String {
        let dtmf: Vec<(u8, u32)> = dtmf.into_iter().collect();
        let mut sdp = self.render(payloads, dtmf, crypto, direction, rtcp_mux);
        if savp {
            sdp = sdp.replacen(" RTP/AVP ", " RTP/SAVP ", 1);
        }
        sdp
    }

    fn render(&mut self, payloads: &[(u8, CodecKind)], dtmf: Vec<(u8, u32)>, crypto: &[(u32, SrtpKey)], direction: MediaDirection, rtcp_mux: bool) -> String {
        self.version += 1;
        let family = if self.ip.is_ipv6() { "IP6" } else { "IP4" };
        let profile = if self.policy.srtp == SrtpPolicy::Mandatory { "RTP/SAVP" } else { "RTP/AVP" };
        let mut formats: Vec<String> = payloads.iter().map(|(pt, _)| pt.to_string()).collect();
        formats.extend(dtmf.iter().map(|(pt, _)| pt.to_string()));
        let mut s = format!(
            "v=0\r\no=ringside {} {} IN {family} {ip}\r\ns=ringside\r\nc=IN {family} {ip}\r\nt=0 0\r\nm=audio {} {profile} {}\r\n",
            self.session_id,
            self.version,
            self.port,
            formats.join(" "),
            ip = self.ip
        );
        for (pt, codec) in payloads {
            s += &format!("a=rtpmap:{pt} {}\r\n", rtpmap(*codec));
            if *codec == CodecKind::Opus {
                // RFC 7587 §7: mono, in-band FEC, 20 ms frames, a bitrate cap for mobile data.
                // (No usedtx: see `OpusSettings`.)
                s += &format!("a=fmtp:{pt} minptime=10;useinbandfec=1;stereo=0;sprop-stereo=0;maxaveragebitrate=32000\r\n");
            }
        }
        for (pt, rate) in &dtmf {
            s += &format!("a=rtpmap:{pt} telephone-event/{rate}\r\na=fmtp:{pt} 0-16\r\n");
        }
        s += "a=ptime:20\r\n";
        if rtcp_mux {
            s += "a=rtcp-mux\r\n";
        }
        for (tag, key) in crypto {
            s += &format!("a=crypto:{tag} {} inline:{}\r\n", key.suite.name(), key.inline());
        }
        s += &format!("a={}\r\n", direction_name(direction));
        s
    }
}

pub fn direction_name(direction: MediaDirection) -> &'static str {
    match direction {
        MediaDirection::SendRecv => "sendrecv",
        MediaDirection::SendOnly => "sendonly",
        MediaDirection::RecvOnly => "recvonly",
        MediaDirection::Inactive => "inactive",
    }
}

/// The far end's audio stream, as its SDP describes it.
#[derive(Debug)]
struct RemoteAudio {
    addr: IpAddr,
    port: u16,
    rtcp: Option<SocketAddr>,
    codecs: Vec<(u8, CodecKind)>,
    /// (payload type, clock rate) of telephone-event.
    dtmf: Vec<(u8, u32)>,
    ptime: Option<u32>,
    direction: MediaDirection,
    rtcp_mux: bool,
    crypto: Vec<RemoteCrypto>,
    secure_profile: bool,
}

impl RemoteAudio {
    fn parse(text: &str) -> Result<RemoteAudio, SdpError> {
        let session = sdp::SessionDescription::unmarshal(&mut Cursor::new(text.as_bytes())).map_err(|e| SdpError::Parse(e.to_string()))?;
        let media = session.media_descriptions.iter().find(|m| m.media_name.media == "audio" && m.media_name.port.value > 0).ok_or(SdpError::NoAudio)?;
        let connection = media.connection_information.as_ref().or(session.connection_information.as_ref());
        let address = connection.and_then(|c| c.address.as_ref()).map(|a| a.address.clone()).unwrap_or_default();
        let addr: IpAddr = address.split('/').next().unwrap_or("").parse().map_err(|_| SdpError::Address(address.clone()))?;
        let port = u16::try_from(media.media_name.port.value).map_err(|_| SdpError::Address(media.media_name.port.value.to_string()))?;
        let attr = |key: &'static str| media.attributes.iter().filter(move |a| a.key.eq_ignore_ascii_case(key)).filter_map(|a| a.value.clone());
        let rtpmaps: Vec<(u8, String)> =
            attr("rtpmap").filter_map(|v| v.split_once(' ').and_then(|(pt, enc)| Some((pt.trim().parse().ok()?, enc.trim().to_string())))).collect();
        let mut codecs = Vec::new();
        let mut dtmf = Vec::new();
        for fmt in &media.media_name.formats {
            let Ok(pt) = fmt.parse::<u8>() else { continue };
            match rtpmaps.iter().find(|(p, _)| *p == pt) {
                Some((_, enc)) if enc.to_ascii_lowercase().starts_with("telephone-event/") => {
                    if let Some(rate) = enc.split('/').nth(1).and_then(|r| r.parse().ok()) {
                        dtmf.push((pt, rate));
                    }
                }
                Some((_, enc)) => {
                    if let Some(c) = codec_from_rtpmap(enc) {
                        codecs.push((pt, c));
                    }
                }
                // RFC 3551 static types may come without rtpmap.
                None if pt == 0 => codecs.push((0, CodecKind::Pcmu)),
                None if pt == 8 => codecs.push((8, CodecKind::Pcma)),
                None => {}
            }
        }
        let session_dir = session.attributes.iter().find_map(|a| direction_of(&a.key));
        let mut direction = media.attributes.iter().find_map(|a| direction_of(&a.key)).or(session_dir).unwrap_or(MediaDirection::SendRecv);
        // RFC 2543 hold: c=0.0.0.0, still sent by some PBXs.
        if addr.is_unspecified() && direction == MediaDirection::SendRecv {
            direction = MediaDirection::SendOnly;
        }
        let rtcp = attr("rtcp").next().and_then(|v| v.split_whitespace().next()?.parse::<u16>().ok()).map(|p| SocketAddr::new(addr, p));
        let crypto = attr("crypto")
            .filter_map(|v| {
                let mut f = v.split_whitespace();
                let tag = f.next()?.parse().ok()?;
                let suite = CryptoSuite::from_name(f.next()?)?;
                let params = f.next()?;
                let inline = params.strip_prefix("inline:")?;
                // Lifetime and MKI (`|2^31|1:1`) are not supported: no MKI (RFC 4568 §6.1).
                if inline.contains('|') {
                    return None;
                }
                let material = base64::engine::general_purpose::STANDARD.decode(inline).ok()?;
                (material.len() == suite.key_material_len()).then_some(RemoteCrypto { tag, key: SrtpKey { suite, material } })
            })
            .collect();
        let secure_profile = media.media_name.protos.iter().any(|p| p.eq_ignore_ascii_case("SAVP") || p.eq_ignore_ascii_case("SAVPF"));
        Ok(RemoteAudio {
            addr,
            port,
            rtcp,
            codecs,
            dtmf,
            ptime: attr("ptime").next().and_then(|p| p.trim().parse().ok()),
            direction,
            rtcp_mux: media.attributes.iter().any(|a| a.key.eq_ignore_ascii_case("rtcp-mux")),
            crypto,
            secure_profile,
        })
    }

    fn offered_names(&self) -> String {
        if self.codecs.is_empty() {
            "none we know".into()
        } else {
            self.codecs.iter().map(|(_, c)| c.name()).collect::<Vec<_>>().join(", ")
        }
    }

    fn negotiated(&self, pt: u8, codec: CodecKind, direction: MediaDirection, srtp: Option<(SrtpKey, SrtpKey)>) -> Negotiated {
        let remote_rtp = SocketAddr::new(self.addr, self.port);
        let remote_rtcp = if self.rtcp_mux { remote_rtp } else { self.rtcp.unwrap_or_else(|| SocketAddr::new(self.addr, self.port.wrapping_add(1))) };
        let dtmf_payload_type = self.dtmf.iter().find(|(_, rate)| *rate == codec.clock_rate()).map(|(pt, _)| *pt);
        Negotiated {
            remote_rtp,
            remote_rtcp,
            codec,
            payload_type: pt,
            receive: vec![(pt, codec)],
            dtmf_payload_type,
            ptime_ms: self.ptime.unwrap_or(20).clamp(10, 60),
            direction,
            rtcp_mux: self.rtcp_mux,
            srtp,
        }
    }
}

fn direction_of(key: &str) -> Option<MediaDirection> {
    match key.to_ascii_lowercase().as_str() {
        "sendrecv" => Some(MediaDirection::SendRecv),
        "sendonly" => Some(MediaDirection::SendOnly),
        "recvonly" => Some(MediaDirection::RecvOnly),
        "inactive" => Some(MediaDirection::Inactive),
        _ => None,
    }
}

/// The audio direction an SDP offers (RFC 3264 §5.1), sendrecv when unreadable.
pub fn offered_direction(sdp: &str) -> MediaDirection {
    RemoteAudio::parse(sdp).map(|r| r.direction).unwrap_or(MediaDirection::SendRecv)
}

#[cfg(test)]
#[path = "sdp_tests.rs"]
mod tests;
