//! The iOS shell's audio: AVAudioEngine's callbacks push captured PCM and pull playback PCM
//! through lock-free single-producer/single-consumer rings (no lock, no allocation on the
//! audio thread); the media engine takes and gives 20 ms frames on its side.

use super::AudioDevice;
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

/// 200 ms of 48 kHz audio each way: room for a late tick, small enough to bound the delay.
const CAPACITY: usize = 9600;

/// The shell's ends of the rings (called from its real-time audio thread).
pub struct ForeignAudio {
    pub(crate) capture_in: HeapProd<i16>,
    pub(crate) playback_out: HeapCons<i16>,
}

/// The engine's ends.
pub struct ForeignDevice {
    capture_out: HeapCons<i16>,
    playback_in: HeapProd<i16>,
}

pub fn pair() -> (ForeignAudio, ForeignDevice) {
    let (cp, cc) = HeapRb::<i16>::new(CAPACITY).split();
    let (pp, pc) = HeapRb::<i16>::new(CAPACITY).split();
    (ForeignAudio { capture_in: cp, playback_out: pc }, ForeignDevice { capture_out: cc, playback_in: pp })
}

impl ForeignAudio {
    /// Captured samples from the microphone; what does not fit is dropped (returns how many
    /// were taken).
    pub fn push_capture(&mut self, pcm: &[i16]) -> usize {
        self.capture_in.push_slice(pcm)
    }

    /// Fills `out` with samples to play; silence where the engine has not produced any yet.
    pub fn pull_playback(&mut self, out: &mut [i16]) {
        let n = self.playback_out.pop_slice(out);
        out[n..].fill(0);
    }
}

impl AudioDevice for ForeignDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        let n = self.capture_out.pop_slice(frame);
        frame[n..].fill(0);
        // The shell ran ahead (a stalled tick): drop the excess so delay does not build up.
        let excess = self.capture_out.occupied_len().saturating_sub(2 * frame.len());
        self.capture_out.skip(excess);
    }

    fn play(&mut self, frame: &[i16]) {
        self.playback_in.push_slice(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_cross_both_ways_and_overflow_is_bounded() {
        let (mut shell, mut engine) = pair();
        shell.push_capture(&[3; 480]);
        let mut frame = [0i16; 960];
        engine.capture(&mut frame);
        assert_eq!((frame[0], frame[479], frame[480]), (3, 3, 0));
        engine.play(&[9; 960]);
        let mut out = [0i16; 1000];
        shell.pull_playback(&mut out);
        assert_eq!((out[959], out[960]), (9, 0));
        assert_eq!(shell.push_capture(&vec![1; CAPACITY + 100]), CAPACITY);
        engine.capture(&mut frame);
        assert!(engine.capture_out.occupied_len() <= 2 * 960, "a backlog is dropped");
    }
}
