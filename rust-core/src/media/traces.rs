//! Network arrival traces for the jitter buffer, generated from a seed (deterministic), and a
//! replay on a virtual clock that scores the buffer against a hindsight oracle: the smallest
//! fixed delay that would have played 99 % of the packets that arrived.

use super::jitter::{JitterBuffer, JitterStats, Playout};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// One packet as the network delivered it: its sequence number and arrival time (ms from the
/// first send). Lost packets are absent; duplicates appear twice.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    pub seq: u16,
    pub at_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Clean,
    /// Wi-Fi: exponential jitter (mean 12 ms) and now and then a 60-100 ms stall.
    Wifi,
    /// LTE: small jitter and every 4 s a 250 ms delay spike that drains over 0.5 s.
    LteSpikes,
    /// 4 % loss in bursts (Gilbert-Elliott).
    BurstyLoss,
    /// 5 % of packets overtaken by their successor.
    Reordering,
    /// 3 % of packets delivered twice.
    Duplicates,
    /// The sender's clock runs 0.5 % fast.
    ClockDrift,
}

impl Network {
    pub const ALL: [Network; 7] =
        [Network::Clean, Network::Wifi, Network::LteSpikes, Network::BurstyLoss, Network::Reordering, Network::Duplicates, Network::ClockDrift];
}

/// `seconds` of 20 ms packets through `network`.
pub fn trace(network: Network, seconds: u32, seed: u64) -> Vec<Arrival> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = seconds * 50;
    let mut out = Vec::with_capacity(n as usize);
    let mut bad_state = false;
    for i in 0..n {
        let period = if network == Network::ClockDrift { 20.0 / 1.005 } else { 20.0 };
        let sent = f64::from(i) * period;
        let base = 30.0;
        let jitter = match network {
            Network::Clean => rng.gen_range(0.0..1.0),
            Network::Wifi => {
                let e: f64 = -12.0 * (1.0 - rng.gen::<f64>()).ln();
                if rng.gen_bool(0.01) {
                    e + rng.gen_range(60.0..100.0)
                } else {
                    e
                }
            }
            Network::LteSpikes => {
                let into = sent % 4000.0;
                let spike = if (1000.0..1500.0).contains(&into) { 250.0 * (1.0 - (into - 1000.0) / 500.0) } else { 0.0 };
                rng.gen_range(0.0..4.0) + spike
            }
            _ => rng.gen_range(0.0..6.0),
        };
        if network == Network::BurstyLoss {
            bad_state = if bad_state { !rng.gen_bool(0.3) } else { rng.gen_bool(0.017) };
            if bad_state {
                continue;
            }
        }
        let seq = i as u16;
        out.push(Arrival { seq, at_ms: sent + base + jitter });
        if network == Network::Duplicates && rng.gen_bool(0.03) {
            out.push(Arrival { seq, at_ms: sent + base + jitter + rng.gen_range(1.0..30.0) });
        }
    }
    if network == Network::Reordering {
        let mut i = 0;
        while i + 1 < out.len() {
            if rng.gen_bool(0.05) {
                let (a, b) = (out[i].at_ms, out[i + 1].at_ms);
                out[i].at_ms = b + 1.0;
                out[i + 1].at_ms = a;
                i += 1;
            }
            i += 1;
        }
    }
    out.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    out
}

#[derive(Debug, Clone, Copy)]
pub struct Score {
    /// Mean time a played frame waited in the buffer.
    pub buffer_ms: f32,
    /// Hindsight oracle: the fixed delay after the earliest packet that plays 99 % of arrivals.
    pub oracle_ms: f32,
    /// Frames concealed because they came too late (not lost by the network), over all frames.
    pub late_concealed: f32,
    pub concealed: f32,
}

/// A playout policy a replay can score: ours, or a model of a peer's (the bench's NetEQ).
pub trait Player {
    fn push(&mut self, now: Instant, seq: u16, payload: Vec<u8>);
    fn pop(&mut self, now: Instant) -> Playout;
    /// `played`, `concealed`, `recovered` and `mean_buffer_ms` are scored.
    fn stats(&self) -> JitterStats;
    fn buffered(&self) -> usize;
}

impl Player for JitterBuffer {
    fn push(&mut self, now: Instant, seq: u16, payload: Vec<u8>) {
        JitterBuffer::push(self, now, seq, payload)
    }
    fn pop(&mut self, now: Instant) -> Playout {
        JitterBuffer::pop(self, now)
    }
    fn stats(&self) -> JitterStats {
        JitterBuffer::stats(self)
    }
    fn buffered(&self) -> usize {
        JitterBuffer::buffered(self)
    }
}

/// Replays `arrivals` through our buffer, its player ticking every 20 ms from the first
/// arrival.
pub fn replay(arrivals: &[Arrival]) -> Score {
    replay_with(&mut JitterBuffer::new(20), arrivals)
}

/// Replays `arrivals` through `jb`, as `replay` does.
pub fn replay_with(jb: &mut dyn Player, arrivals: &[Arrival]) -> Score {
    let t0 = Instant::now();
    let at = |ms: f64| t0 + Duration::from_secs_f64(ms.max(0.0) / 1000.0);
    let mut i = 0;
    let first = arrivals.first().map(|a| a.at_ms).unwrap_or(0.0);
    let last = arrivals.last().map(|a| a.at_ms).unwrap_or(0.0) + 1000.0;
    let mut tick = first;
    while tick < last && (i < arrivals.len() || jb.stats().played == 0 || jb.buffered() > 0) {
        while i < arrivals.len() && arrivals[i].at_ms <= tick {
            jb.push(at(arrivals[i].at_ms), arrivals[i].seq, vec![0]);
            i += 1;
        }
        if let Playout::Waiting = jb.pop(at(tick)) {}
        tick += 20.0;
    }
    let stats = jb.stats();
    if std::env::var_os("RINGSIDE_TRACE_DEBUG").is_some() {
        eprintln!("{stats:?}");
    }
    let mut seen: Vec<u16> = arrivals.iter().map(|a| a.seq).collect();
    seen.sort_unstable();
    seen.dedup();
    let sent = u32::from(seen.last().copied().unwrap_or(0)) + 1;
    let lost = sent as u64 - seen.len() as u64;
    let frames = (stats.played + stats.concealed + stats.recovered).max(1);
    let late = (stats.concealed + stats.recovered).saturating_sub(lost);
    Score { buffer_ms: stats.mean_buffer_ms, oracle_ms: oracle(arrivals), late_concealed: late as f32 / frames as f32, concealed: stats.concealed_ratio() }
}

/// The smallest fixed playout delay, counted from the least-delayed packet, that plays 99 % of
/// the packets that arrived (with one frame of decode slack, as a real player needs).
pub fn oracle(arrivals: &[Arrival]) -> f32 {
    let period = estimate_period(arrivals);
    let mut rel: Vec<f64> = arrivals.iter().map(|a| a.at_ms - f64::from(a.seq) * period).collect();
    rel.sort_by(|a, b| a.total_cmp(b));
    let min = rel.first().copied().unwrap_or(0.0);
    let p99 = rel[((rel.len().max(1) - 1) as f64 * 0.99) as usize];
    (p99 - min) as f32 + 20.0
}

/// The sender's packet period as seen by the receiver (clock drift bends it).
fn estimate_period(arrivals: &[Arrival]) -> f64 {
    let (Some(a), Some(b)) = (arrivals.first(), arrivals.last()) else { return 20.0 };
    if b.seq <= a.seq {
        return 20.0;
    }
    ((b.at_ms - a.at_ms) / f64::from(b.seq - a.seq)).clamp(19.0, 21.0)
}
