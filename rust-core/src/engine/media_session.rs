//! One call's media on its UDP port(s), driving a `media::pipeline::MediaPipeline`: every
//! 20 ms (when the pipeline says) what arrived on the RTP port (and the RTCP port, RTP + 1,
//! when RTCP is not muxed) since the last tick goes in at the times it arrived, a frame of
//! capture goes in and a frame to play comes out; what the pipeline puts out is sent, or
//! reported to the call (digits, statistics). One wake-up per tick, not one per datagram.
//!
//! Only bytes and time here: every rule (SRTP, latching, DTMF, mute, DTX, hold, RTCP) is the
//! pipeline's.

use super::media_socket::MediaSocket;
use crate::audio::AudioDevice;
use crate::media::codec::{OpusSettings, FRAME};
use crate::media::pipeline::{MediaPipeline, PipelineOutput, Port};
use crate::sip::sdp::Negotiated;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// What `media_stats` reports (design §4); the pipeline keeps it.
pub use crate::media::pipeline::MediaStats;

pub enum MediaCommand {
    /// A new offer/answer (hold, resume, re-INVITE from the far end).
    Update(Negotiated),
    Mute(bool),
    Dtmf(char),
    /// Our address moved: send and receive on this socket (RTCP on the next port up) from
    /// now on; the old ones close. The stream (SSRC, sequence, SRTP contexts) goes on.
    Rebind(std::net::UdpSocket),
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
        let (socket, rtcp_socket) = sockets(socket)?;
        let pipeline = MediaPipeline::new(Instant::now().into_std(), negotiated, opus, rtcp_socket.is_some())?;
        let (tx, rx) = mpsc::channel(16);
        let driver = Driver { socket, rtcp_socket, device, pipeline, reports };
        tokio::spawn(driver.run(rx));
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

/// The RTP socket, and RTCP's on its own port (no rtcp-mux): the next one up, when we can
/// have it. Neither is given to the reactor: the driver reads both at its tick.
fn sockets(socket: std::net::UdpSocket) -> Result<(MediaSocket, Option<MediaSocket>), String> {
    let socket = MediaSocket::new(socket).map_err(|e| e.to_string())?;
    let rtcp_socket = socket
        .local_addr()
        .ok()
        .and_then(|a| std::net::UdpSocket::bind(SocketAddr::new(a.ip(), a.port().wrapping_add(1))).ok())
        .and_then(|s| MediaSocket::new(s).ok());
    Ok((socket, rtcp_socket))
}

struct Driver {
    socket: MediaSocket,
    rtcp_socket: Option<MediaSocket>,
    device: Box<dyn AudioDevice>,
    pipeline: MediaPipeline,
    reports: mpsc::UnboundedSender<MediaReport>,
}

impl Driver {
    async fn run(mut self, mut commands: mpsc::Receiver<MediaCommand>) {
        let mut capture = vec![0i16; FRAME];
        loop {
            self.flush();
            tokio::select! {
                _ = tokio::time::sleep_until(Instant::from_std(self.pipeline.poll_timeout())) => {
                    let now = Instant::now().into_std();
                    // What arrived since the last tick goes in first, at the times it arrived.
                    let pipeline = &mut self.pipeline;
                    self.socket.drain(now, |at, from, bytes| pipeline.receive(at, from, bytes));
                    if let Some(rtcp) = self.rtcp_socket.as_mut() {
                        rtcp.drain(now, |at, _, bytes| pipeline.receive_rtcp(at, bytes));
                    }
                    self.device.capture(&mut capture);
                    self.pipeline.capture(now, &capture);
                    self.device.play(self.pipeline.playout(now));
                }
                command = commands.recv() => match command {
                    Some(MediaCommand::Update(n)) => {
                        if let Err(e) = self.pipeline.renegotiate(n) {
                            tracing::warn!(error = %e, "media update refused; keeping the old stream");
                        }
                    }
                    Some(MediaCommand::Mute(on)) => self.pipeline.mute(on),
                    Some(MediaCommand::Dtmf(d)) => self.pipeline.send_dtmf(d.encode_utf8(&mut [0; 4])),
                    Some(MediaCommand::Rebind(socket)) => match sockets(socket) {
                        Ok((socket, rtcp_socket)) => {
                            tracing::info!(to = ?socket.local_addr().ok(), "media moved");
                            (self.socket, self.rtcp_socket) = (socket, rtcp_socket);
                        }
                        Err(e) => tracing::warn!(error = %e, "media not moved; keeping the old socket"),
                    },
                    Some(MediaCommand::Stop(reply)) => {
                        let stats = self.pipeline.stop(Instant::now().into_std());
                        self.flush();
                        reply.send(stats).ok();
                        return;
                    }
                    None => return,
                },
            }
        }
    }

    /// Carries out what the pipeline put out: datagrams sent, reports passed to the call.
    fn flush(&mut self) {
        while let Some(output) = self.pipeline.poll_output() {
            match output {
                PipelineOutput::Datagram { port, to, bytes } => {
                    let socket = match (port, &self.rtcp_socket) {
                        (Port::Rtcp, Some(s)) => s,
                        _ => &self.socket,
                    };
                    socket.send_to(&bytes, to);
                }
                PipelineOutput::Dtmf(d) => {
                    self.reports.send(MediaReport::Dtmf(d)).ok();
                }
                PipelineOutput::Stats(stats) => {
                    self.reports.send(MediaReport::Stats(stats)).ok();
                }
                // Logged by the pipeline (rate-guarded); `stats().remote` shows it.
                PipelineOutput::Latched(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::tone::ToneDevice;
    use crate::media::tone;
    use crate::signalling::call::MediaDirection;
    use crate::sip::sdp::{CodecKind, LocalMedia, MediaPolicy, SrtpPolicy};
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::{Arc, Mutex};
    use tokio::net::UdpSocket;

    /// Plays a tone into the call and keeps what the call plays back.
    fn device(freq: f32) -> (Box<dyn AudioDevice>, Arc<Mutex<Vec<i16>>>) {
        let heard = Arc::new(Mutex::new(Vec::new()));
        (Box::new(ToneDevice::new(freq, 8000, heard.clone())), heard)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_moved_to_a_new_socket_keeps_its_srtp_stream_both_ways_and_frees_the_old_port() {
        let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let (sa, sb) = (std::net::UdpSocket::bind((lo, 0)).unwrap(), std::net::UdpSocket::bind((lo, 0)).unwrap());
        let old_a = sa.local_addr().unwrap();
        let mut a = LocalMedia::new(lo, old_a.port(), MediaPolicy::default());
        let mut b = LocalMedia::new(lo, sb.local_addr().unwrap().port(), MediaPolicy::default());
        let (answer, mut at_b) = b.answer(&a.offer(MediaDirection::SendRecv), false).unwrap();
        let at_a = a.answer_received(&answer).unwrap();
        let (dev_a, heard_a) = device(700.0);
        let (dev_b, heard_b) = device(1300.0);
        let (ra, _rxa) = mpsc::unbounded_channel();
        let (rb, _rxb) = mpsc::unbounded_channel();
        let ma = MediaSession::start(sa, at_a, dev_a, OpusSettings::default(), ra).unwrap();
        let mb = MediaSession::start(sb, at_b.clone(), dev_b, OpusSettings::default(), rb).unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
        // A's address moves; B hears of it as a re-INVITE's offer would tell it (same keys).
        let moved = std::net::UdpSocket::bind((IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), 0)).unwrap();
        let new_a = moved.local_addr().unwrap();
        ma.command(MediaCommand::Rebind(moved)).await;
        (at_b.remote_rtp, at_b.remote_rtcp) = (new_a, SocketAddr::new(new_a.ip(), new_a.port() + 1));
        mb.command(MediaCommand::Update(at_b)).await;
        let (at_move_a, at_move_b) = (heard_a.lock().unwrap().len(), heard_b.lock().unwrap().len());
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let stats_a = ma.stop().await.unwrap();
        let stats_b = mb.stop().await.unwrap();
        assert!(std::net::UdpSocket::bind(old_a).is_ok(), "the old RTP port is closed");
        let tail = |v: &Arc<Mutex<Vec<i16>>>, from: usize| v.lock().unwrap()[from..].to_vec();
        let (a_after, b_after) = (tail(&heard_a, at_move_a), tail(&heard_b, at_move_b));
        // The last half second after the move, past any jitter-buffer resync.
        let last = |v: &[i16]| v[v.len().saturating_sub(24000)..].to_vec();
        assert_eq!(tone::dominant(&last(&a_after), 48000).0, 1300.0, "A hears B on its new socket; {stats_a:?}");
        assert_eq!(tone::dominant(&last(&b_after), 48000).0, 700.0, "B hears A from its new socket; {stats_b:?}");
        assert!(stats_a.srtp && stats_b.srtp, "SRTP all along");
    }
}
