//! Two devices wired back to back: what one plays, the other captures (one frame later). Tests
//! run two phones' media through it without sound cards.

use super::AudioDevice;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

type Wire = Arc<Mutex<VecDeque<Vec<i16>>>>;

pub struct LoopbackDevice {
    inbound: Wire,
    outbound: Wire,
}

/// A connected pair.
pub fn pair() -> (LoopbackDevice, LoopbackDevice) {
    let (a, b): (Wire, Wire) = (Default::default(), Default::default());
    (LoopbackDevice { inbound: a.clone(), outbound: b.clone() }, LoopbackDevice { inbound: b, outbound: a })
}

impl AudioDevice for LoopbackDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        match self.inbound.lock().ok().and_then(|mut q| q.pop_front()) {
            Some(f) => {
                let n = f.len().min(frame.len());
                frame[..n].copy_from_slice(&f[..n]);
                frame[n..].fill(0);
            }
            None => frame.fill(0),
        }
    }

    fn play(&mut self, frame: &[i16]) {
        if let Ok(mut q) = self.outbound.lock() {
            // Bounded: a side that stopped capturing must not make the other grow forever.
            if q.len() < 50 {
                q.push_back(frame.to_vec());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_one_plays_the_other_captures() {
        let (mut a, mut b) = pair();
        a.play(&[5; 960]);
        let mut f = [0i16; 960];
        b.capture(&mut f);
        assert_eq!(f[0], 5);
        b.capture(&mut f);
        assert_eq!(f[0], 0, "nothing more: silence");
    }
}
