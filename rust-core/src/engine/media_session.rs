//! One call's media on its UDP port: every 20 ms a frame of capture is encoded, packed as RTP,
//! protected by SRTP and sent; what arrives is checked, unpacked and queued in the jitter
//! buffer, and one frame is decoded (or concealed) and played. RTCP (muxed or on port + 1)
//! carries reports both ways. Symmetric RTP (RFC 4961): we send from the port we receive on,
//! and latch onto the address authenticated media really comes from (NAT).
//!
//! Only bytes and time here; the rules are in `media::jitter`, `media::rtp_stream` and friends.

use crate::audio::AudioDevice;
use crate::media::codec::{Decoder, Encoder, OpusSettings, FRAME};
use crate::media::dtmf::{event_code, event_payloads, EventReceiver};
use crate::media::jitter::{JitterBuffer, Playout};
use crate::media::quality;
use crate::media::rtp_stream::{is_rtcp, parse_rtp, RtpReceiver, RtpSender};
use crate::media::srtp::Srtp;
use crate::signalling::call::MediaDirection;
use crate::sip::sdp::{CodecKind, Negotiated};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use webrtc_util::Marshal;

/// What `media_stats` reports (design §4).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct MediaStats {
    pub codec: String,
    pub srtp: bool,
    pub jitter_ms: f32,
    pub loss_pct: f32,
    pub rtt_ms: Option<f32>,
    pub concealed_pct: f32,
    pub mos: f32,
    pub packets_sent: u64,
    pub packets_received: u64,
    /// Where media comes from now (after latching).
    pub remote: String,
}

pub enum MediaCommand {
    /// A new offer/answer (hold, resume, re-INVITE from the far end).
    Update(Negotiated),
    Mute(bool),
    Dtmf(char),
    Stop(oneshot::Sender<MediaStats>),
}

pub struct MediaSession {
    commands: mpsc::Sender<MediaCommand>,
}

/// Digits heard by RFC 4733, and periodic statistics, for the call to report.
pub enum MediaReport {
    Dtmf(char),
    Stats(MediaStats),
}

impl MediaSession {
    /// Starts media on `socket` (the port our SDP advertised) as `negotiated` says.
    pub fn start(
        socket: std::net::UdpSocket,
        negotiated: Negotiated,
        device: Box<dyn AudioDevice>,
        opus: OpusSettings,
        reports: mpsc::UnboundedSender<MediaReport>,
    ) -> Result<MediaSession, String> {
        socket.set_nonblocking(true).map_err(|e| e.to_string())?;
        let socket = UdpSocket::from_std(socket).map_err(|e| e.to_string())?;
        // RTCP on its own port (no rtcp-mux): the next one up, when we can have it.
        let rtcp_socket =
            socket.local_addr().ok().and_then(|a| std::net::UdpSocket::bind(SocketAddr::new(a.ip(), a.port().wrapping_add(1))).ok()).and_then(|s| {
                s.set_nonblocking(true).ok()?;
                UdpSocket::from_std(s).ok()
            });
        let pipeline = Pipeline::new(&negotiated, opus)?;
        let (tx, rx) = mpsc::channel(16);
        let task = Task { socket, rtcp_socket, negotiated, device, pipeline, reports, muted: false, dtmf_queue: VecDeque::new() };
        tokio::spawn(task.run(rx));
        Ok(MediaSession { commands: tx })
    }

    pub async fn command(&self, command: MediaCommand) {
        self.commands.send(command).await.ok();
    }

    /// Stops the media and returns its final statistics.
    pub async fn stop(self) -> Option<MediaStats> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(MediaCommand::Stop(tx)).await.ok()?;
        tokio::time::timeout(Duration::from_secs(1), rx).await.ok()?.ok()
    }
}

/// Codec, SRTP and RTP state for the current offer/answer.
struct Pipeline {
    encoder: Encoder,
    decoder: Decoder,
    srtp: Option<Srtp>,
    sender: RtpSender,
    receiver: RtpReceiver,
    jitter: JitterBuffer,
    events: EventReceiver,
    latched: Option<SocketAddr>,
    sent: u64,
    /// The send of a DTMF event in progress: start timestamp, remaining payloads, sent so far.
    event: Option<(u32, VecDeque<[u8; 4]>, usize)>,
}

impl Pipeline {
    fn new(n: &Negotiated, opus: OpusSettings) -> Result<Pipeline, String> {
        let srtp = match &n.srtp {
            Some((ours, theirs)) => Some(Srtp::new(ours, theirs).map_err(|e| e.to_string())?),
            None => None,
        };
        Ok(Pipeline {
            encoder: Encoder::new(n.codec, opus).map_err(|e| e.to_string())?,
            decoder: Decoder::new(n.codec).map_err(|e| e.to_string())?,
            srtp,
            sender: RtpSender::new(0),
            receiver: RtpReceiver::new(n.codec.clock_rate()),
            jitter: JitterBuffer::new(20),
            events: EventReceiver::default(),
            latched: None,
            sent: 0,
            event: None,
        })
    }
}

struct Task {
    socket: UdpSocket,
    rtcp_socket: Option<UdpSocket>,
    negotiated: Negotiated,
    device: Box<dyn AudioDevice>,
    pipeline: Pipeline,
    reports: mpsc::UnboundedSender<MediaReport>,
    muted: bool,
    dtmf_queue: VecDeque<char>,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<MediaCommand>) {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut rtcp_tick = tokio::time::interval_at(Instant::now() + Duration::from_secs(1), Duration::from_secs(5));
        let mut buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 2048];
        let mut capture = vec![0i16; FRAME];
        let mut playback = Vec::with_capacity(FRAME);
        let mut payload = Vec::with_capacity(1500);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    self.device.capture(&mut capture);
                    self.send_frame(&capture, &mut payload).await;
                    self.play_frame(&mut playback);
                }
                received = self.socket.recv_from(&mut buf) => {
                    if let Ok((n, from)) = received {
                        self.on_packet(&buf[..n], from);
                    }
                }
                received = recv_opt(self.rtcp_socket.as_ref(), &mut rtcp_buf) => {
                    if let Some((n, _)) = received {
                        self.on_rtcp(&rtcp_buf[..n].to_vec());
                    }
                }
                _ = rtcp_tick.tick() => {
                    self.send_rtcp().await;
                    self.reports.send(MediaReport::Stats(self.stats())).ok();
                }
                command = commands.recv() => match command {
                    Some(MediaCommand::Update(n)) => self.update(n),
                    Some(MediaCommand::Mute(on)) => self.muted = on,
                    Some(MediaCommand::Dtmf(d)) => self.dtmf_queue.push_back(d),
                    Some(MediaCommand::Stop(reply)) => {
                        self.send_bye().await;
                        reply.send(self.stats()).ok();
                        return;
                    }
                    None => return,
                },
            }
        }
    }

    fn sending(&self) -> bool {
        matches!(self.negotiated.direction, MediaDirection::SendRecv | MediaDirection::SendOnly)
    }

    fn receiving(&self) -> bool {
        matches!(self.negotiated.direction, MediaDirection::SendRecv | MediaDirection::RecvOnly)
    }

    fn remote(&self) -> SocketAddr {
        self.pipeline.latched.unwrap_or(self.negotiated.remote_rtp)
    }

    fn update(&mut self, n: Negotiated) {
        let codec_changed = n.codec != self.negotiated.codec || n.payload_type != self.negotiated.payload_type;
        let keys_changed = n.srtp != self.negotiated.srtp;
        let address_changed = n.remote_rtp != self.negotiated.remote_rtp;
        if codec_changed || keys_changed {
            match Pipeline::new(&n, OpusSettings::default()) {
                Ok(p) => self.pipeline = p,
                Err(e) => tracing::warn!(error = %e, "media update refused; keeping the old stream"),
            }
        } else if address_changed {
            self.pipeline.latched = None;
        }
        self.negotiated = n;
    }

    async fn send_frame(&mut self, pcm: &[i16], payload: &mut Vec<u8>) {
        let step = self.pipeline.encoder.timestamp_step();
        if !self.sending() {
            self.pipeline.sender.skip(step);
            return;
        }
        // An RFC 4733 event replaces audio while it lasts.
        if self.pipeline.event.is_none() && self.negotiated.dtmf_payload_type.is_some() {
            if let Some(code) = self.dtmf_queue.pop_front().and_then(event_code) {
                // 100 ms of tone, then the End packets.
                self.pipeline.event = Some((self.pipeline.sender.timestamp(), event_payloads(code, 5, step).into(), 0));
            }
        }
        if let (Some((start, queue, sent)), Some(pt)) = (self.pipeline.event.as_mut(), self.negotiated.dtmf_payload_type) {
            let (start, next, first) = (*start, queue.pop_front(), *sent == 0);
            *sent += 1;
            if let Some(p) = next {
                // RFC 4733 §2.5.1.3: the marker bit starts an event.
                let packet = self.pipeline.sender.packet_at(pt, &p, start, first);
                self.pipeline.sender.skip(step);
                self.send_rtp(packet).await;
                return;
            }
            self.pipeline.event = None;
        }
        let silence;
        let input = if self.muted {
            silence = vec![0i16; pcm.len()];
            &silence[..]
        } else {
            pcm
        };
        if self.pipeline.encoder.encode(input, payload).is_err() {
            self.pipeline.sender.skip(step);
            return;
        }
        // Opus DTX: a 1-2 byte frame means silence continues; send nothing (RFC 7587 §3.1.3).
        if self.pipeline.encoder.kind() == CodecKind::Opus && payload.len() <= 2 {
            self.pipeline.sender.skip(step);
            return;
        }
        let packet = self.pipeline.sender.packet(self.negotiated.payload_type, payload, step, self.pipeline.sent == 0);
        self.send_rtp(packet).await;
    }

    async fn send_rtp(&mut self, packet: Vec<u8>) {
        let wire = match self.pipeline.srtp.as_mut() {
            Some(s) => match s.protect_rtp(&packet) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "SRTP protect failed");
                    return;
                }
            },
            None => packet,
        };
        if self.socket.send_to(&wire, self.remote()).await.is_ok() {
            self.pipeline.sent += 1;
        }
    }

    fn play_frame(&mut self, out: &mut Vec<i16>) {
        match self.pipeline.jitter.pop(Instant::now().into_std()) {
            Playout::Frame(p) => self.pipeline.decoder.decode(&p, out),
            Playout::Recover(next) => self.pipeline.decoder.recover(&next, out),
            Playout::Conceal => self.pipeline.decoder.conceal(out),
            Playout::Waiting => {
                out.clear();
                out.resize(FRAME, 0);
            }
        }
        if !self.receiving() {
            out.fill(0);
        }
        self.device.play(out);
    }

    fn on_packet(&mut self, packet: &[u8], from: SocketAddr) {
        if is_rtcp(packet) {
            self.on_rtcp(packet);
            return;
        }
        let clear = match self.pipeline.srtp.as_mut() {
            Some(s) => match s.unprotect_rtp(packet) {
                Ok(p) => p,
                // Unauthenticated: not from our peer (or a replay). Never latch onto it.
                Err(_) => return,
            },
            None => packet.to_vec(),
        };
        let Some(rtp) = parse_rtp(&clear) else { return };
        if self.pipeline.latched != Some(from) && (self.pipeline.latched.is_some() || from != self.negotiated.remote_rtp) {
            tracing::info!(%from, advertised = %self.negotiated.remote_rtp, "media latched to its real source (RFC 4961)");
        }
        self.pipeline.latched = Some(from);
        let now = Instant::now().into_std();
        if Some(rtp.header.payload_type) == self.negotiated.dtmf_payload_type {
            if let Some(d) = self.pipeline.events.on_packet(rtp.header.timestamp, &rtp.payload) {
                self.reports.send(MediaReport::Dtmf(d)).ok();
            }
            return;
        }
        if rtp.header.payload_type != self.negotiated.payload_type {
            return; // comfort noise or a codec we did not agree on
        }
        self.pipeline.receiver.on_rtp(now, &rtp.header);
        self.pipeline.jitter.push(now, rtp.header.sequence_number, rtp.payload.to_vec());
    }

    fn on_rtcp(&mut self, packet: &[u8]) {
        let clear = match self.pipeline.srtp.as_mut() {
            Some(s) => match s.unprotect_rtcp(packet) {
                Ok(p) => p,
                Err(_) => return,
            },
            None => packet.to_vec(),
        };
        if !crate::media::rtp_stream::rtcp_layout_fits(&clear) {
            return;
        }
        let mut buf = &clear[..];
        let Ok(packets) = rtcp::packet::unmarshal(&mut buf) else { return };
        let now = Instant::now().into_std();
        for p in packets {
            if let Some(sr) = p.as_any().downcast_ref::<rtcp::sender_report::SenderReport>() {
                self.pipeline.receiver.on_sender_report(now, sr);
            } else if let Some(rr) = p.as_any().downcast_ref::<rtcp::receiver_report::ReceiverReport>() {
                for r in &rr.reports {
                    self.pipeline.receiver.on_report_block(r);
                }
            }
        }
    }

    async fn send_rtcp(&mut self) {
        let now = Instant::now().into_std();
        let block: Vec<_> = self.pipeline.receiver.report_block(now).into_iter().collect();
        let mut sr = self.pipeline.sender.sender_report(self.pipeline.sender.timestamp());
        sr.reports = block;
        let Ok(raw) = sr.marshal() else { return };
        self.send_rtcp_raw(raw.to_vec()).await;
    }

    async fn send_bye(&mut self) {
        let bye = rtcp::goodbye::Goodbye { sources: vec![self.pipeline.sender.ssrc], reason: Default::default() };
        let sr = self.pipeline.sender.sender_report(self.pipeline.sender.timestamp());
        let (Ok(a), Ok(b)) = (sr.marshal(), bye.marshal()) else { return };
        self.send_rtcp_raw([a.to_vec(), b.to_vec()].concat()).await;
    }

    async fn send_rtcp_raw(&mut self, raw: Vec<u8>) {
        let wire = match self.pipeline.srtp.as_mut() {
            Some(s) => match s.protect_rtcp(&raw) {
                Ok(p) => p,
                Err(_) => return,
            },
            None => raw,
        };
        let (socket, to) = match (&self.rtcp_socket, self.negotiated.rtcp_mux) {
            (Some(s), false) => (s, self.negotiated.remote_rtcp),
            _ => (&self.socket, self.remote()),
        };
        socket.send_to(&wire, to).await.ok();
    }

    fn stats(&self) -> MediaStats {
        let p = &self.pipeline;
        let jb = p.jitter.stats();
        let loss = p.receiver.loss_percent();
        let rtt = p.receiver.rtt.map(|r| r.as_secs_f32() * 1000.0);
        // One way: half the RTT (or a LAN-ish 20 ms unknown), plus our buffer and a frame.
        let one_way = rtt.map(|r| r / 2.0).unwrap_or(20.0) + jb.target_ms as f32 + 20.0;
        let effective_loss = loss.max(jb.concealed_ratio() * 100.0);
        MediaStats {
            codec: self.negotiated.codec.name().to_string(),
            srtp: p.srtp.is_some(),
            jitter_ms: p.receiver.jitter_ms(),
            loss_pct: loss,
            rtt_ms: rtt,
            concealed_pct: jb.concealed_ratio() * 100.0,
            mos: quality::mos(self.negotiated.codec, one_way, effective_loss),
            packets_sent: p.sent,
            packets_received: p.receiver.received,
            remote: self.remote().to_string(),
        }
    }
}

async fn recv_opt(socket: Option<&UdpSocket>, buf: &mut [u8]) -> Option<(usize, SocketAddr)> {
    match socket {
        Some(s) => s.recv_from(buf).await.ok(),
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone;
    use crate::sip::sdp::{LocalMedia, MediaPolicy, SrtpPolicy};
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::{Arc, Mutex};

    /// Plays a tone into the call and keeps what the call plays back.
    struct ToneDevice {
        tone: Vec<i16>,
        at: usize,
        heard: Arc<Mutex<Vec<i16>>>,
    }

    impl AudioDevice for ToneDevice {
        fn capture(&mut self, frame: &mut [i16]) {
            for s in frame.iter_mut() {
                *s = self.tone[self.at % self.tone.len()];
                self.at += 1;
            }
        }
        fn play(&mut self, frame: &[i16]) {
            self.heard.lock().unwrap().extend_from_slice(frame);
        }
    }

    fn device(freq: f32) -> (Box<dyn AudioDevice>, Arc<Mutex<Vec<i16>>>) {
        let heard = Arc::new(Mutex::new(Vec::new()));
        // A whole number of periods, so the loop is seamless.
        (Box::new(ToneDevice { tone: tone::sine(freq, 48000, 48000, 8000), at: 0, heard: heard.clone() }), heard)
    }

    /// A UDP impairment relay on loopback: forwards between `a` and `b`, dropping `loss` of the
    /// packets and delaying each by a random 0..`jitter_ms`; returns the addresses each side
    /// should send to.
    async fn relay(a: SocketAddr, b: SocketAddr, loss: f64, jitter_ms: u64) -> (SocketAddr, SocketAddr) {
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let to_b = Arc::new(UdpSocket::bind((lo, 0)).await.unwrap()); // A sends here
        let to_a = Arc::new(UdpSocket::bind((lo, 0)).await.unwrap()); // B sends here
        let (ea, eb) = (to_b.local_addr().unwrap(), to_a.local_addr().unwrap());
        for (rx, tx, dest) in [(to_b.clone(), to_a.clone(), b), (to_a.clone(), to_b.clone(), a)] {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 2048];
                // Bounded: a relay outliving its test stops after a minute of packets.
                for _ in 0..3000 {
                    let Ok(Ok((n, _))) = tokio::time::timeout(Duration::from_secs(5), rx.recv_from(&mut buf)).await else { return };
                    if rand::random::<f64>() < loss {
                        continue;
                    }
                    let (packet, tx, delay) = (buf[..n].to_vec(), tx.clone(), rand::random::<u64>() % jitter_ms.max(1));
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                        tx.send_to(&packet, dest).await.ok();
                    });
                }
            });
        }
        (ea, eb)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn audio_survives_loss_and_jitter_through_an_impairment_relay() {
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let (sa, sb) = (std::net::UdpSocket::bind((lo, 0)).unwrap(), std::net::UdpSocket::bind((lo, 0)).unwrap());
        let (addr_a, addr_b) = (sa.local_addr().unwrap(), sb.local_addr().unwrap());
        let mut a = LocalMedia::new(lo, addr_a.port(), MediaPolicy::default());
        let mut b = LocalMedia::new(lo, addr_b.port(), MediaPolicy::default());
        let (answer, mut at_b) = b.answer(&a.offer(MediaDirection::SendRecv), false).unwrap();
        let mut at_a = a.answer_received(&answer).unwrap();
        let (via_a, via_b) = relay(addr_a, addr_b, 0.05, 40).await;
        (at_a.remote_rtp, at_a.remote_rtcp, at_b.remote_rtp, at_b.remote_rtcp) = (via_a, via_a, via_b, via_b);
        let (dev_a, _) = device(700.0);
        let (dev_b, heard_b) = device(1300.0);
        let (ra, _rxa) = mpsc::unbounded_channel();
        let (rb, _rxb) = mpsc::unbounded_channel();
        let ma = MediaSession::start(sa, at_a, dev_a, OpusSettings::default(), ra).unwrap();
        let mb = MediaSession::start(sb, at_b, dev_b, OpusSettings::default(), rb).unwrap();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        ma.stop().await;
        let stats = mb.stop().await.unwrap();
        let heard = heard_b.lock().unwrap().clone();
        let (f, level) = tone::dominant(&heard[heard.len() - 48000..], 48000);
        assert!((f - 700.0).abs() <= 10.0 && level > 0.05, "heard through the relay: {f} Hz at {level}; {stats:?}; {} samples", heard.len());
        assert!(stats.loss_pct > 0.5 && stats.loss_pct < 15.0, "the relay's 5 % loss is measured: {stats:?}");
        assert!(stats.jitter_ms > 1.0, "and its jitter: {stats:?}");
        assert!(stats.mos > 3.0, "{stats:?}");
    }

    async fn call(policy: MediaPolicy) -> (f32, f32, MediaStats, Vec<char>) {
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let (sa, sb) = (std::net::UdpSocket::bind((lo, 0)).unwrap(), std::net::UdpSocket::bind((lo, 0)).unwrap());
        let mut a = LocalMedia::new(lo, sa.local_addr().unwrap().port(), policy.clone());
        let mut b = LocalMedia::new(lo, sb.local_addr().unwrap().port(), policy);
        let offer = a.offer(MediaDirection::SendRecv);
        let (answer, at_b) = b.answer(&offer, false).unwrap();
        let at_a = a.answer_received(&answer).unwrap();
        let (dev_a, heard_a) = device(700.0);
        let (dev_b, heard_b) = device(1300.0);
        let (ra, _rxa) = mpsc::unbounded_channel();
        let (rb, mut rxb) = mpsc::unbounded_channel();
        let ma = MediaSession::start(sa, at_a, dev_a, OpusSettings::default(), ra).unwrap();
        let mb = MediaSession::start(sb, at_b, dev_b, OpusSettings::default(), rb).unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        ma.command(MediaCommand::Dtmf('7')).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        let stats = ma.stop().await.unwrap();
        mb.stop().await;
        let mut digits = Vec::new();
        while let Ok(r) = rxb.try_recv() {
            if let MediaReport::Dtmf(d) = r {
                digits.push(d);
            }
        }
        let a_heard = heard_a.lock().unwrap().clone();
        let b_heard = heard_b.lock().unwrap().clone();
        // The last half second: past the jitter buffer's start, and clear of the DTMF.
        let tail = |v: &[i16]| v[v.len().saturating_sub(24000)..].to_vec();
        (tone::dominant(&tail(&a_heard), 48000).0, tone::dominant(&tail(&b_heard), 48000).0, stats, digits)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_sessions_hear_each_other_over_srtp_with_opus_and_dtmf() {
        let (a_hears, b_hears, stats, digits) = call(MediaPolicy::default()).await;
        assert_eq!((a_hears, b_hears), (1300.0, 700.0), "each side hears the other's tone");
        assert!(stats.srtp && stats.codec == "opus", "{stats:?}");
        assert!(stats.packets_sent > 30 && stats.packets_received > 30, "{stats:?}");
        assert_eq!(digits, vec!['7'], "RFC 4733 event heard once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn plain_g711_when_asked() {
        let policy = MediaPolicy { codecs: vec![CodecKind::Pcma], srtp: SrtpPolicy::Off };
        let (a_hears, b_hears, stats, _) = call(policy).await;
        assert!((a_hears - 1300.0).abs() <= 10.0 && (b_hears - 700.0).abs() <= 10.0, "{a_hears} {b_hears}");
        assert!(!stats.srtp && stats.codec == "PCMA");
    }
}
