//! RFC 3711 §3.3.2 replay protection for received SRTP, by packet index: a packet already
//! played, or older than the window, is refused; one that fails authentication never moves
//! the window.
//!
//! webrtc-srtp can do this itself, but builds a fresh detector (two heap blocks) every time it
//! looks a stream's state up, twice per packet, and drops it again: four allocations for every
//! packet received. Here the window is a `u128` and costs none.

/// libsrtp's default window: packets up to 127 behind the newest are still taken.
pub const WINDOW: u64 = 128;

#[derive(Debug, Default, Clone)]
pub struct ReplayWindow {
    /// The highest index accepted, and which of the `WINDOW` indices up to it were (bit k is
    /// `top - k`).
    top: Option<u64>,
    seen: u128,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Replay {
    /// Not seen and not too old: decrypt it, then `accept` it if it authenticates.
    Fresh(u64),
    Duplicate,
    TooOld,
}

impl ReplayWindow {
    /// The packet index of `seq` (the 16-bit RTP sequence number extended by the rollovers the
    /// stream has made): the candidate nearest the highest accepted, as RFC 3711 §3.3.1 guesses
    /// the ROC.
    fn index(&self, seq: u16) -> u64 {
        // The first index sits a few rollovers up, so a late packet from before it still has
        // somewhere to go below.
        self.top.map_or((16 << 16) | u64::from(seq), |top| crate::media::rtp_stream::extend_sequence(seq, top))
    }

    pub fn check(&self, seq: u16) -> Replay {
        let index = self.index(seq);
        let Some(top) = self.top else { return Replay::Fresh(index) };
        if index > top {
            return Replay::Fresh(index);
        }
        let behind = top - index;
        if behind >= WINDOW {
            Replay::TooOld
        } else if self.seen & (1 << behind) != 0 {
            Replay::Duplicate
        } else {
            Replay::Fresh(index)
        }
    }

    /// Marks `index` (from `check`) as played, once the packet authenticated.
    pub fn accept(&mut self, index: u64) {
        match self.top {
            Some(top) if index <= top => {
                if top - index < WINDOW {
                    self.seen |= 1 << (top - index);
                }
            }
            Some(top) => {
                let ahead = index - top;
                self.seen = if ahead >= WINDOW { 0 } else { self.seen << ahead };
                self.seen |= 1;
                self.top = Some(index);
            }
            None => {
                self.seen = 1;
                self.top = Some(index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(w: &mut ReplayWindow, seq: u16) -> Replay {
        let r = w.check(seq);
        if let Replay::Fresh(i) = r {
            w.accept(i);
        }
        r
    }

    #[test]
    fn each_packet_is_taken_once_in_any_order_within_the_window() {
        let mut w = ReplayWindow::default();
        for seq in [100, 102, 101, 105, 103] {
            assert!(matches!(take(&mut w, seq), Replay::Fresh(_)), "{seq}");
        }
        for seq in [100, 101, 102, 103, 105] {
            assert_eq!(take(&mut w, seq), Replay::Duplicate, "{seq}");
        }
        assert!(matches!(take(&mut w, 104), Replay::Fresh(_)), "the gap is still open");
    }

    #[test]
    fn a_packet_older_than_the_window_is_refused() {
        let mut w = ReplayWindow::default();
        take(&mut w, 1000);
        take(&mut w, 1000 + WINDOW as u16);
        assert_eq!(w.check(1000), Replay::TooOld);
        assert!(matches!(w.check(1001), Replay::Fresh(_)), "127 behind is inside");
    }

    #[test]
    fn the_window_follows_the_sequence_across_its_rollover() {
        let mut w = ReplayWindow::default();
        let mut seq = 65000u16;
        let mut last = 0;
        for _ in 0..2000 {
            let Replay::Fresh(i) = take(&mut w, seq) else { panic!("{seq} refused") };
            assert!(i > last, "the index keeps growing past 65535");
            last = i;
            seq = seq.wrapping_add(1);
        }
        assert_eq!(take(&mut w, seq.wrapping_sub(5)), Replay::Duplicate, "after the wrap too");
        // A late packet from before the wrap, still within the window, is placed before it.
        let mut w = ReplayWindow::default();
        take(&mut w, 65530);
        take(&mut w, 3);
        assert!(matches!(take(&mut w, 65533), Replay::Fresh(_)));
        assert_eq!(take(&mut w, 65530), Replay::Duplicate);
        assert_eq!(take(&mut w, 3), Replay::Duplicate, "and the window did not jump ahead");
        // Late from before the very first packet, across a rollover: behind it, not ahead.
        let mut w = ReplayWindow::default();
        take(&mut w, 2);
        assert!(matches!(take(&mut w, 65535), Replay::Fresh(_)));
        assert_eq!(take(&mut w, 2), Replay::Duplicate);
    }

    #[test]
    fn a_packet_checked_but_not_accepted_leaves_the_window_as_it_was() {
        // A forgery with a genuine sequence number fails authentication: the real one still plays.
        let mut w = ReplayWindow::default();
        take(&mut w, 10);
        assert!(matches!(w.check(11), Replay::Fresh(_)));
        assert!(matches!(take(&mut w, 11), Replay::Fresh(_)));
    }
}
