//! Adaptive jitter buffer: packets in as they arrive, one frame out per 20 ms playout tick.
//!
//! Sans-IO: `push(now, seq, payload)` and `pop(now)`; time comes from the caller, so tests
//! replay arrival traces on a virtual clock. The target delay follows the recent spread of
//! network delay (a high percentile over a sliding window, which forgets a spike in a few
//! seconds); the buffer starts playing once it holds that much, conceals what is missing
//! (asking for FEC when the next packet is here), drops late and duplicate packets, drops a
//! frame when it holds well over its target for a while (a spike past), and stretches by a
//! frame when the target rose since it started (so a raised target buys delay before the next
//! late packet, not after it). Clock drift between the ends is taken out of the delay spread.

use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::time::Instant;

/// What the player does for the next 20 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Not started (or nothing heard yet): play silence.
    Waiting,
    /// Decode this payload.
    Frame(Vec<u8>),
    /// The frame is lost; its successor is here: rebuild from the successor's FEC.
    Recover(Vec<u8>),
    /// The frame is lost: conceal.
    Conceal,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    pub played: u64,
    pub concealed: u64,
    pub recovered: u64,
    pub late: u64,
    pub duplicates: u64,
    pub dropped_for_drift: u64,
    /// Times the sender paused and playout started again from its next packet.
    pub restarts: u64,
    /// Current target delay.
    pub target_ms: u32,
    /// Mean delay a frame spent in the buffer over the call.
    pub mean_buffer_ms: f32,
}

impl JitterStats {
    /// Share of played frames that were concealed (0..1).
    pub fn concealed_ratio(&self) -> f32 {
        let all = self.played + self.concealed + self.recovered;
        if all == 0 {
            0.0
        } else {
            self.concealed as f32 / all as f32
        }
    }
}

/// 10 s of packets: long enough to remember the last spike of a network that spikes every few
/// seconds (LTE), short enough to forget one that is over.
const WINDOW: usize = 500;
/// At most one stretch (a concealed frame that adds delay) per half second.
const GROW_TICKS: u32 = 25;
/// The most clock drift we correct for: 2 % (0.4 ms per 20 ms packet); real clocks are within
/// 0.01 %, but a sender's ptime may be off.
const MAX_DRIFT_MS_PER_PACKET: f64 = 0.4;
const MIN_TARGET_MS: u32 = 20;
const MAX_TARGET_MS: u32 = 400;
/// New packets behind playout with one steady delay, in a row, that show a sender resumed
/// after a pause (three: 60 ms of audio).
const PAUSED_RUN: u32 = 3;
/// Frames over target, held for this many ticks, before one is dropped.
const DRIFT_TICKS: u32 = 25;
/// Packets a lower target must be asked for before a measured target comes down a frame:
/// 5 s, longer than the gap between an LTE link's spikes (a target that sags between them
/// is raised again by each, and every raise is paid for with a stretch), shorter than the
/// window. The cautious start comes down after 2 s.
const LOWER_AFTER: u64 = 250;
const LOWER_START_AFTER: u64 = 100;

pub struct JitterBuffer {
    frame_ms: u32,
    packets: BTreeMap<u64, (Instant, Vec<u8>)>,
    /// Extended sequence number of the next frame to play.
    next: Option<u64>,
    highest: Option<u64>,
    started: bool,
    /// (arrival, extended seq) of recent packets: their delay relative to the first.
    recent: VecDeque<(Instant, u64)>,
    base: Option<(Instant, u64)>,
    target_ms: u32,
    over_target_ticks: u32,
    /// The relative delay (see `learn`) most packets arrive within.
    latest_rel_ms: f64,
    /// Packets learnt from, and when the target last moved down (in that count).
    learned: u64,
    lowered_at: u64,
    /// Whether a measured spread has asked for the target (it is not the cautious start).
    measured: bool,
    scratch: Vec<f64>,
    /// Ticks since the last stretch, and the delay the target has grown by since playout
    /// started that no stretch or underrun has bought yet.
    since_grow: u32,
    grow_owed_ms: u32,
    stats: JitterStats,
    buffered_sum_ms: f64,
    /// New packets arriving behind playout in a row: the first one's relative delay, how many
    /// kept it, and the target before them (`sender_paused`).
    late_run: Option<(f64, u32, u32)>,
}

impl JitterBuffer {
    pub fn new(frame_ms: u32) -> Self {
        JitterBuffer {
            frame_ms,
            packets: BTreeMap::new(),
            next: None,
            highest: None,
            started: false,
            recent: VecDeque::with_capacity(WINDOW),
            base: None,
            target_ms: 40,
            over_target_ticks: 0,
            latest_rel_ms: 0.0,
            learned: 0,
            lowered_at: 0,
            measured: false,
            scratch: Vec::with_capacity(WINDOW + 1),
            since_grow: 0,
            grow_owed_ms: 0,
            stats: JitterStats::default(),
            buffered_sum_ms: 0.0,
            late_run: None,
        }
    }

    pub fn stats(&self) -> JitterStats {
        let mut s = self.stats;
        s.target_ms = self.target_ms;
        let played = s.played + s.concealed + s.recovered;
        s.mean_buffer_ms = if played == 0 { 0.0 } else { (self.buffered_sum_ms / played as f64) as f32 };
        s
    }

    /// Packets waiting to be played.
    #[cfg(any(test, feature = "testing"))]
    pub fn buffered(&self) -> usize {
        self.packets.len()
    }

    #[cfg(test)]
    pub fn target_ms(&self) -> u32 {
        self.target_ms
    }

    /// A packet arrived at `now` with RTP sequence number `seq`.
    pub fn push(&mut self, now: Instant, seq: u16, payload: Vec<u8>) {
        let ext = self.extend(seq);
        if self.sender_paused(now, ext) {
            self.restart();
        }
        if self.next.is_some_and(|n| ext < n) {
            // Too late to play, but its delay is the lesson: the target grows for the next one.
            self.stats.late += 1;
            self.learn(now, ext);
            return;
        }
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return;
        }
        self.packets.insert(ext, (now, payload));
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        if self.next.is_none() {
            self.next = Some(ext);
        } else if !self.started {
            // Before playing, an earlier packet that arrives reordered starts the stream.
            self.next = self.next.map(|n| n.min(ext));
        }
        self.learn(now, ext);
    }

    /// The next 20 ms: what to play.
    pub fn pop(&mut self, now: Instant) -> Playout {
        let Some(next) = self.next else { return Playout::Waiting };
        if !self.started {
            // `target` is the level at a pop: the frame played and what the jitter needs.
            if self.level_ms() < self.target_ms {
                return Playout::Waiting;
            }
            self.started = true;
        }
        self.control_level();
        let next = self.next.unwrap_or(next);
        self.since_grow += 1;
        if self.grow_owed_ms >= self.frame_ms && self.since_grow >= GROW_TICKS && self.level_ms() + self.frame_ms < self.target_ms {
            // Stretch: conceal one frame without moving on, so the buffer holds a frame more.
            self.since_grow = 0;
            self.grow_owed_ms -= self.frame_ms;
            self.stats.concealed += 1;
            self.buffered_sum_ms += f64::from(self.target_ms);
            return Playout::Conceal;
        }
        if self.packets.is_empty() && !self.overdue(now, next) {
            // Underrun: nothing newer is here either and the frame may still come (within the
            // delay spread we have seen): late, not lost. Conceal and wait for it; the delay
            // grows by a frame, which is what the network asks for.
            self.stats.concealed += 1;
            self.buffered_sum_ms += f64::from(self.target_ms);
            return Playout::Conceal;
        }
        self.next = Some(next + 1);
        if let Some((arrived, payload)) = self.packets.remove(&next) {
            self.stats.played += 1;
            self.buffered_sum_ms += now.saturating_duration_since(arrived).as_secs_f64() * 1000.0;
            return Playout::Frame(payload);
        }
        self.buffered_sum_ms += f64::from(self.target_ms);
        match self.packets.get(&(next + 1)) {
            Some((_, successor)) => {
                self.stats.recovered += 1;
                Playout::Recover(successor.clone())
            }
            None => {
                self.stats.concealed += 1;
                Playout::Conceal
            }
        }
    }

    /// Whether the sender paused and now resumes behind our playout: a held far end, or one
    /// that stops sending while muted. RFC 3550 §5.1 numbers packets, not time, so its sequence
    /// carries on where it stopped while our playout clock ran on, and every packet from now on
    /// would be dropped as late, for the rest of the call. Such packets are newer than anything
    /// heard yet behind playout, and they come at the sender's pace: their delay stays put. A
    /// spike's delayed packets are also new and behind, but they come faster than that (their
    /// delay drains), and they stay late as before. Past what any target could hold, no
    /// pattern is needed.
    fn sender_paused(&mut self, now: Instant, ext: u64) -> bool {
        let behind = self.next.map_or(0, |n| n.saturating_sub(ext));
        if behind == 0 || !self.highest.is_some_and(|h| ext > h) {
            self.late_run = None;
            return false;
        }
        if behind * u64::from(self.frame_ms) > u64::from(MAX_TARGET_MS) {
            return true;
        }
        let Some((t0, s0)) = self.base else { return false };
        let rel = now.saturating_duration_since(t0).as_secs_f64() * 1000.0 - (ext as f64 - s0 as f64) * f64::from(self.frame_ms);
        match &mut self.late_run {
            Some((first, n, _)) if (rel - *first).abs() < f64::from(self.frame_ms) / 2.0 => {
                *n += 1;
                *n >= PAUSED_RUN
            }
            _ => {
                self.late_run = Some((rel, 1, self.target_ms));
                false
            }
        }
    }

    /// Forget the stream's timing (not the target it learnt): the next packet starts playout
    /// again once the buffer holds the target, and delays are measured from it, so a pause is
    /// not taken for network delay.
    fn restart(&mut self) {
        // The run's packets were learnt from as late ones: the pause is not network delay.
        if let Some((_, _, target)) = self.late_run {
            self.target_ms = self.target_ms.min(target);
        }
        self.packets.clear();
        self.next = None;
        self.started = false;
        self.recent.clear();
        self.base = None;
        self.latest_rel_ms = 0.0;
        self.over_target_ticks = 0;
        self.grow_owed_ms = 0;
        self.late_run = None;
        self.stats.restarts += 1;
    }

    /// How much audio is buffered ahead of the playout point.
    fn level_ms(&self) -> u32 {
        match (self.next, self.highest) {
            (Some(n), Some(h)) if h >= n => ((h - n + 1) as u32) * self.frame_ms,
            _ => 0,
        }
    }

    /// Clock drift and spikes past: holding a frame over target for half a second, drop
    /// the oldest frame (a 20 ms skip is less audible than growing delay).
    fn control_level(&mut self) {
        // A frame over the right level at a pop, for half a second.
        if self.level_ms() >= self.target_ms + self.frame_ms {
            self.over_target_ticks += 1;
            if self.over_target_ticks >= DRIFT_TICKS {
                self.over_target_ticks = 0;
                if let Some(n) = self.next {
                    self.packets.remove(&n);
                    self.next = Some(n + 1);
                    self.stats.dropped_for_drift += 1;
                }
            }
        } else {
            self.over_target_ticks = 0;
        }
    }

    /// Whether frame `seq` should have arrived by `now` given the delays seen (with a frame of
    /// grace): then it is lost, and waiting for it would only add delay.
    fn overdue(&self, now: Instant, seq: u64) -> bool {
        let Some((t0, s0)) = self.base else { return true };
        let expected_ms = (seq as f64 - s0 as f64) * f64::from(self.frame_ms) + self.latest_rel_ms + f64::from(self.frame_ms);
        now.saturating_duration_since(t0).as_secs_f64() * 1000.0 > expected_ms
    }

    /// RFC 3550 A.1-style extension of a 16-bit sequence number to 64 bits.
    fn extend(&self, seq: u16) -> u64 {
        self.highest.map_or(u64::from(seq) + (1 << 16), |reference| crate::media::rtp_stream::extend_sequence(seq, reference))
    }

    /// Each packet's delay relative to the first one's (arrival minus send time implied by its
    /// sequence number); the target is the 99th percentile of the window above its minimum,
    /// once the window's drift (the slope of its delay floor) is taken out.
    fn learn(&mut self, now: Instant, ext: u64) {
        let (t0, s0) = *self.base.get_or_insert((now, ext));
        self.recent.push_back((now, ext));
        if self.recent.len() > WINDOW {
            self.recent.pop_front();
        }
        self.learned += 1;
        let frame = f64::from(self.frame_ms);
        let rel = |(at, s): &(Instant, u64)| at.saturating_duration_since(t0).as_secs_f64() * 1000.0 - (*s as f64 - s0 as f64) * frame;
        // A packet later than all we know raises the bar at once; otherwise the percentile is
        // worked out every fifth packet (a selection over the window, not a sort).
        let newest = self.recent.back().map(rel).unwrap_or(0.0);
        if newest <= self.latest_rel_ms && self.learned % 5 != 0 {
            return;
        }
        self.scratch.clear();
        self.scratch.extend(self.recent.iter().map(rel));
        let n = self.scratch.len();
        let min = self.scratch.iter().copied().fold(f64::INFINITY, f64::min);
        let k = ((n - 1) as f64 * 0.99) as usize;
        let (_, p99, _) = self.scratch.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
        let p99 = *p99;
        self.latest_rel_ms = p99;
        let spread = if n >= 50 { self.drift_free_spread(k, &rel) } else { (p99 - min).max(0.0) };
        let spread = spread as u32;
        // The spread rounded up to whole frames (a couple of ms of scheduling slack included).
        let target = (spread + 2).div_ceil(self.frame_ms) * self.frame_ms;
        // Until a second of packets tells us better, keep a cautious 40 ms.
        let floor = if self.recent.len() < 50 { 40 } else { MIN_TARGET_MS };
        // Up at once, down slowly (a frame per 5 s): rare stalls come back, and a target that
        // forgets them with the window is caught out by the next one.
        let target = target.clamp(floor, MAX_TARGET_MS);
        if target >= self.target_ms {
            if self.started {
                self.grow_owed_ms += target - self.target_ms;
            }
            self.target_ms = target;
            self.lowered_at = self.learned;
            self.measured |= self.recent.len() >= 50;
        } else if self.learned - self.lowered_at >= if self.measured { LOWER_AFTER } else { LOWER_START_AFTER } {
            self.target_ms = (self.target_ms - self.frame_ms).max(target);
            self.grow_owed_ms = self.grow_owed_ms.saturating_sub(self.frame_ms);
            self.lowered_at = self.learned;
        }
    }
}

impl JitterBuffer {
    /// The window's delay spread (its `k`-th smallest relative delay above the least) after
    /// removing a linear drift: a sender whose clock runs fast or slow makes relative delays
    /// climb or sink steadily, which is not jitter and must not grow the buffer. The slope is
    /// that of the delay floor (the least delay of each half of the window), which jitter
    /// barely moves.
    fn drift_free_spread(&mut self, k: usize, rel: &impl Fn(&(Instant, u64)) -> f64) -> f64 {
        let n = self.recent.len();
        let half = n / 2;
        let floor1 = self.recent.iter().take(half).map(rel).fold(f64::INFINITY, f64::min);
        let floor2 = self.recent.iter().skip(half).map(rel).fold(f64::INFINITY, f64::min);
        let slope = ((floor2 - floor1) / half as f64).clamp(-MAX_DRIFT_MS_PER_PACKET, MAX_DRIFT_MS_PER_PACKET);
        let mid = self.recent[half].1 as f64;
        self.scratch.clear();
        self.scratch.extend(self.recent.iter().map(|r| rel(r) - slope * (r.1 as f64 - mid)));
        let min = self.scratch.iter().copied().fold(f64::INFINITY, f64::min);
        let (_, pk, _) = self.scratch.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
        (*pk - min).max(0.0)
    }
}

#[cfg(test)]
#[path = "jitter_tests.rs"]
mod tests;
