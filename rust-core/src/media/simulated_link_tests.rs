//! Two `MediaPipeline`s talking over a simulated network, with no sockets: each side's
//! capture → pipeline (encoder, DTMF, mute, DTX, RTP, SRTP, RTCP) → the network traces of
//! `traces.rs` (loss, jitter, spikes, reordering, duplicates, clock drift) on a virtual clock →
//! the other pipeline (SRTP with replay protection, latching, payload types, events, jitter
//! buffer, decoder with FEC and concealment) → what it plays. Addresses are fake; a side can
//! move (a NAT rebinding) and a stranger can inject packets.

use super::codec::{OpusSettings, FRAME, RATE};
use super::pipeline::{MediaPipeline, PipelineOutput};
use super::rtp_stream::{is_rtcp, RtpSender};
use super::tone;
use super::traces::{trace, Network};
use crate::signalling::call::MediaDirection;
use crate::sip::sdp::{CodecKind, LocalMedia, MediaPolicy, SrtpPolicy};
use bytes::Bytes;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const SECONDS: u32 = 10;
const TONE_HZ: f32 = 1000.0;
const AMPLITUDE: i16 = 8000;
/// RTCP crosses the network in a fixed time (the traces are for RTP).
const RTCP_DELAY: Duration = Duration::from_millis(30);

struct Side {
    pipeline: MediaPipeline,
    /// Where its packets come from and where packets reach it (one NAT binding).
    addr: SocketAddr,
    /// What it captures, looped (a tone or silence).
    source: Vec<i16>,
    at: usize,
    heard: Vec<i16>,
    digits: Vec<char>,
    latched: Vec<SocketAddr>,
    /// Statistics reports put out.
    reports: usize,
    rtp_sent: usize,
    /// Every RTP datagram it sent, as it left.
    sent_log: Vec<Bytes>,
}

struct Sim {
    t0: Instant,
    sides: [Side; 2],
    /// Per direction (index of the sender): the network's delays (ms) for its n-th RTP
    /// packet; none is a loss, two a duplicate.
    delays: [Vec<Vec<f64>>; 2],
    in_flight: BinaryHeap<Reverse<(Instant, u64, usize, SocketAddr, Bytes)>>,
    order: u64,
    /// Datagrams sent to an address nobody holds (any more).
    strays: usize,
}

/// The delays of `network` (seeded): packet n arrives its delay after it is sent. The traces
/// are of arrival times at a 20 ms send period; the offset keeps a fast sender's drift
/// (arrivals gaining on the period) from going below the base delay.
fn delays(network: Network, seed: u64) -> Vec<Vec<f64>> {
    let arrivals = trace(network, SECONDS + 2, seed);
    let rel = |a: &super::traces::Arrival| a.at_ms - f64::from(a.seq) * 20.0;
    let floor = arrivals.iter().map(rel).fold(f64::INFINITY, f64::min);
    let shift = (30.0 - floor).max(0.0);
    let mut out = vec![Vec::new(); (SECONDS as usize + 2) * 50];
    for a in &arrivals {
        out[usize::from(a.seq)].push(rel(a) + shift);
    }
    out
}

fn looped_tone() -> Vec<i16> {
    // A whole number of periods, so the loop is seamless.
    tone::sine(TONE_HZ, RATE, RATE as usize, AMPLITUDE)
}

impl Sim {
    /// A call agreed by offer/answer under `policy`; A and B capture `sources`; each
    /// direction through `network` (seeded differently).
    fn new(policy: MediaPolicy, opus: OpusSettings, network: Network, seed: u64, sources: [Vec<i16>; 2]) -> Sim {
        eprintln!("simulated link: {:?} {network:?} seed {seed}", policy.codecs);
        let addrs: [SocketAddr; 2] = ["10.0.0.1:4000".parse().unwrap(), "10.0.0.2:5000".parse().unwrap()];
        let mut a = LocalMedia::new(addrs[0].ip(), addrs[0].port(), policy.clone());
        let mut b = LocalMedia::new(addrs[1].ip(), addrs[1].port(), policy);
        let (answer, at_b) = b.answer(&a.offer(MediaDirection::SendRecv), false).unwrap();
        let at_a = a.answer_received(&answer).unwrap();
        let t0 = Instant::now();
        let [sa, sb] = sources;
        let side = |n, addr, source| Side {
            pipeline: MediaPipeline::new(t0, n, opus, false).unwrap(),
            addr,
            source,
            at: 0,
            heard: Vec::new(),
            digits: Vec::new(),
            latched: Vec::new(),
            reports: 0,
            rtp_sent: 0,
            sent_log: Vec::new(),
        };
        Sim {
            t0,
            sides: [side(at_a, addrs[0], sa), side(at_b, addrs[1], sb)],
            delays: [delays(network, seed), delays(network, seed + 1)],
            in_flight: BinaryHeap::new(),
            order: 0,
            strays: 0,
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    /// Runs the virtual clock to `ms`: frames ticked and datagrams delivered in time order.
    fn run_until(&mut self, ms: u64) {
        let end = self.at(ms);
        let mut frame = vec![0i16; FRAME];
        loop {
            let k = if self.sides[0].pipeline.poll_timeout() <= self.sides[1].pipeline.poll_timeout() { 0 } else { 1 };
            let tick = self.sides[k].pipeline.poll_timeout();
            let arrival = self.in_flight.peek().map(|Reverse(d)| d.0);
            if arrival.is_some_and(|a| a <= tick) {
                let Some(Reverse((at, _, dest, from, bytes))) = self.in_flight.pop() else { break };
                if at > end {
                    self.in_flight.push(Reverse((at, 0, dest, from, bytes)));
                    break;
                }
                self.sides[dest].pipeline.receive(at, from, &bytes);
                self.drain(dest, at);
            } else {
                if tick > end {
                    break;
                }
                let side = &mut self.sides[k];
                for s in frame.iter_mut() {
                    *s = side.source[side.at % side.source.len()];
                    side.at += 1;
                }
                side.pipeline.capture(tick, &frame);
                let played = side.pipeline.playout(tick);
                side.heard.extend_from_slice(played);
                self.drain(k, tick);
            }
        }
    }

    fn drain(&mut self, k: usize, now: Instant) {
        while let Some(output) = self.sides[k].pipeline.poll_output() {
            match output {
                PipelineOutput::Datagram { to, bytes, .. } => self.send(k, now, to, bytes),
                PipelineOutput::Dtmf(d) => self.sides[k].digits.push(d),
                PipelineOutput::Latched(a) => self.sides[k].latched.push(a),
                PipelineOutput::Stats(_) => self.sides[k].reports += 1,
            }
        }
    }

    fn send(&mut self, k: usize, now: Instant, to: SocketAddr, bytes: Bytes) {
        let Some(dest) = self.sides.iter().position(|s| s.addr == to) else {
            self.strays += 1;
            return;
        };
        let from = self.sides[k].addr;
        if is_rtcp(&bytes) {
            self.deliver(now + RTCP_DELAY, dest, from, bytes);
            return;
        }
        let n = self.sides[k].rtp_sent;
        self.sides[k].rtp_sent += 1;
        self.sides[k].sent_log.push(bytes.clone());
        for d in self.delays[k].get(n).cloned().unwrap_or_default() {
            self.deliver(now + Duration::from_secs_f64(d / 1000.0), dest, from, bytes.clone());
        }
    }

    fn deliver(&mut self, at: Instant, dest: usize, from: SocketAddr, bytes: Bytes) {
        self.order += 1;
        self.in_flight.push(Reverse((at, self.order, dest, from, bytes)));
    }

    /// What side `k` played from `from_ms` to `to_ms`.
    fn heard(&self, k: usize, from_ms: usize, to_ms: usize) -> &[i16] {
        let h = &self.sides[k].heard;
        &h[(from_ms * 48).min(h.len())..(to_ms * 48).min(h.len())]
    }
}

/// Share of 100 ms blocks, once the tone is playing, that carry it: the 1 kHz component
/// holds most of the block's energy, at no less than a third of the sent level.
fn tone_blocks(pcm: &[i16]) -> f32 {
    let block = RATE as usize / 10;
    let start = pcm.iter().position(|s| s.unsigned_abs() > 1000).unwrap_or(pcm.len());
    let blocks: Vec<&[i16]> = pcm[start..].chunks_exact(block).collect();
    let sent = f32::from(AMPLITUDE) / 32768.0;
    let good = blocks
        .iter()
        .filter(|b| {
            let amplitude = (tone::power(b, RATE, TONE_HZ) * 4.0).sqrt();
            let mean_square = b.iter().map(|s| (f32::from(*s) / 32768.0).powi(2)).sum::<f32>() / b.len() as f32;
            amplitude > sent / 3.0 && amplitude * amplitude / 2.0 > 0.5 * mean_square
        })
        .count();
    good as f32 / blocks.len().max(1) as f32
}

fn policy(kind: CodecKind, srtp: SrtpPolicy) -> MediaPolicy {
    MediaPolicy { codecs: vec![kind], srtp }
}

#[test]
fn the_tone_crosses_every_simulated_network_with_opus_and_g711_over_srtp() {
    for kind in [CodecKind::Opus, CodecKind::Pcmu] {
        for network in Network::ALL {
            let mut sim = Sim::new(policy(kind, SrtpPolicy::Mandatory), OpusSettings::default(), network, 5, [looped_tone(), vec![0]]);
            sim.run_until(u64::from(SECONDS) * 1000);
            let b = &sim.sides[1];
            let share = tone_blocks(&b.heard);
            let concealed = b.pipeline.stats().concealed_pct;
            eprintln!("{kind:?} {network:?}: {:.1} % blocks, concealed {concealed:.2} %", share * 100.0);
            // Bursty loss (4 % in bursts) and LTE's spike onsets take whole blocks; elsewhere
            // nearly every block must carry the tone.
            let floor = match network {
                Network::BurstyLoss | Network::LteSpikes => 0.85,
                _ => 0.98,
            };
            assert!(share >= floor, "{kind:?} through {network:?}: {:.1} % of blocks carry the tone (concealed {concealed:.2} %)", share * 100.0);
            if network == Network::Duplicates {
                assert!(b.pipeline.refused() > 0, "SRTP's replay protection refused the duplicates");
            }
        }
    }
}

#[test]
fn rfc4733_digits_cross_a_lossy_network_as_digits() {
    for (kind, srtp) in [(CodecKind::Opus, SrtpPolicy::Mandatory), (CodecKind::Pcmu, SrtpPolicy::Off)] {
        for network in [Network::BurstyLoss, Network::Wifi, Network::Reordering] {
            let mut sim = Sim::new(policy(kind, srtp), OpusSettings::default(), network, 11, [looped_tone(), looped_tone()]);
            sim.run_until(1000);
            sim.sides[0].pipeline.send_dtmf("159#*0");
            sim.run_until(4000);
            assert_eq!(sim.sides[1].digits.iter().collect::<String>(), "159#*0", "{kind:?} through {network:?}");
            assert!(sim.sides[0].digits.is_empty());
            assert!(tone_blocks(sim.heard(1, 3000, 4000)) > 0.8, "{kind:?} {network:?}: the tone is back after the digits");
        }
    }
}

#[test]
fn rtcp_reports_measure_the_round_trip_on_the_virtual_clock() {
    let mut sim = Sim::new(policy(CodecKind::Opus, SrtpPolicy::Mandatory), OpusSettings::default(), Network::Clean, 1, [looped_tone(), looped_tone()]);
    // Reports at 1 s and 6 s: the second carries the first's LSR/DLSR (RFC 3550 §6.4.1).
    sim.run_until(6500);
    for side in &sim.sides {
        let rtt = side.pipeline.stats().rtt_ms.expect("a round trip measured");
        assert!((rtt - 2.0 * RTCP_DELAY.as_secs_f32() * 1000.0).abs() < 1.0, "RTCP there and back: {rtt} ms");
        assert_eq!(side.reports, 2, "statistics with every report");
    }
}

/// A mutes from 2 s to 4 s; what did it send, and what did B hear?
fn muted_between_2_and_4_s(kind: CodecKind, opus: OpusSettings) -> (Sim, usize) {
    let mut sim = Sim::new(policy(kind, SrtpPolicy::Mandatory), opus, Network::Wifi, 3, [looped_tone(), vec![0]]);
    sim.run_until(2000);
    sim.sides[0].pipeline.mute(true);
    let before = sim.sides[0].rtp_sent;
    sim.run_until(4000);
    let during = sim.sides[0].rtp_sent - before;
    sim.sides[0].pipeline.mute(false);
    sim.run_until(6000);
    (sim, during)
}

#[test]
fn a_muted_side_sends_silence_not_the_tone() {
    for kind in [CodecKind::Opus, CodecKind::Pcmu] {
        let (sim, during) = muted_between_2_and_4_s(kind, OpusSettings::default());
        assert!(tone_blocks(sim.heard(1, 1000, 2000)) > 0.95, "{kind:?}: the tone before muting");
        let loudest = sim.heard(1, 2500, 3900).iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(loudest < 500, "{kind:?}: muted, the far end hears {loudest} at most");
        assert!(tone_blocks(sim.heard(1, 5000, 6000)) > 0.95, "{kind:?}: unmuted, the tone again");
        assert_eq!(during, 100, "{kind:?}: silence is sent (the far end's buffer and our NAT binding stay warm)");
    }
}

#[test]
fn muted_with_opus_dtx_almost_nothing_is_sent() {
    // Only the packet count is asserted: libopus's activity detection takes the steady test
    // tone itself for background noise, so what B hears here is its comfort noise either way.
    let (_, during) = muted_between_2_and_4_s(CodecKind::Opus, OpusSettings { dtx: true, ..OpusSettings::default() });
    assert!(during < 40, "RFC 7587 §3.1.3 DTX while muted: {during} packets in 2 s");
}

/// A talks from a new address from 2 s (its NAT rebound: the old binding is gone); from 3 s a
/// stranger sends B packets: replays of A's and forgeries under SRTP, a stream of its own
/// over plain RTP. Both sides must hear each other to the end.
fn rebinding(kind: CodecKind, srtp: SrtpPolicy) -> Sim {
    let mut sim = Sim::new(policy(kind, srtp), OpusSettings::default(), Network::Wifi, 7, [looped_tone(), looped_tone()]);
    sim.run_until(2000);
    let moved: SocketAddr = "10.0.0.1:40123".parse().unwrap();
    sim.sides[0].addr = moved;
    sim.run_until(3000);
    let stranger: SocketAddr = "203.0.113.66:9999".parse().unwrap();
    let mut own = RtpSender::new(0xBAD);
    for i in 0..100u64 {
        let at = sim.at(3000 + i * 10);
        let packet = match (srtp, i % 2) {
            (SrtpPolicy::Off, _) => Bytes::from(own.packet(kind.payload_type(), &[0x00; 160], 160, false)),
            // Half a second old: B has had the original (an on-path attacker who beats the
            // original to B is beyond what latching can tell apart).
            (_, 0) => sim.sides[0].sent_log.iter().rev().nth(25).cloned().unwrap(),
            _ => {
                let mut forged = sim.sides[0].sent_log.last().unwrap().to_vec();
                forged[20] ^= 0x55;
                Bytes::from(forged)
            }
        };
        sim.deliver(at, 1, stranger, packet);
        sim.run_until(3000 + i * 10);
    }
    sim.run_until(6000);
    assert_eq!(sim.sides[1].latched, vec![moved], "{kind:?}: B latched onto A's new address, and only that");
    assert_eq!(sim.sides[1].pipeline.stats().remote, moved.to_string());
    assert!(sim.strays > 0, "B's packets to the old binding were lost until it re-latched");
    for k in [0, 1] {
        let share = tone_blocks(sim.heard(k, 5000, 6000));
        assert!(share > 0.95, "{kind:?}: side {k} hears the other at the end: {:.0} %", share * 100.0);
    }
    sim
}

#[test]
fn after_nat_rebinding_authenticated_packets_relatch_and_a_strangers_do_not() {
    let sim = rebinding(CodecKind::Opus, SrtpPolicy::Mandatory);
    assert!(sim.sides[1].pipeline.refused() >= 100, "the stranger's replays and forgeries: {}", sim.sides[1].pipeline.refused());
}

#[test]
fn over_plain_rtp_the_latch_follows_the_ssrc_not_a_strangers_stream() {
    rebinding(CodecKind::Pcmu, SrtpPolicy::Off);
}
