//! A test signal as a call's audio: each device sends a sine and keeps what the call plays
//! back, so the demo and the tests can check (with `media::tone::dominant`) that each side
//! heard the other without a sound card.

use super::{AudioDevice, AudioDeviceFactory, RATE};
use crate::media::tone;
use std::sync::{Arc, Mutex};

/// Making and measuring the tones: a sine, and the power and dominant frequency of a recording.
pub use crate::media::tone::{dominant, power, sine};

/// What a tone device has heard so far (shared with whoever checks it).
pub type Heard = Arc<Mutex<Vec<i16>>>;

/// Sends a sine at `freq` Hz; keeps every frame it is given to play.
pub struct ToneDevice {
    tone: Vec<i16>,
    at: usize,
    heard: Heard,
}

impl ToneDevice {
    /// One second of the sine is looped: a whole number of periods at any whole `freq`, so
    /// the loop is seamless.
    pub fn new(freq: f32, amplitude: i16, heard: Heard) -> ToneDevice {
        ToneDevice { tone: tone::sine(freq, RATE, RATE as usize, amplitude), at: 0, heard }
    }
}

impl AudioDevice for ToneDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        for s in frame.iter_mut() {
            *s = self.tone[self.at % self.tone.len()];
            self.at += 1;
        }
    }

    fn play(&mut self, frame: &[i16]) {
        if let Ok(mut h) = self.heard.lock() {
            h.extend_from_slice(frame);
        }
    }
}

/// A [`ToneDevice`] for every call; each call starts a fresh recording.
pub struct ToneFactory {
    freq: f32,
    amplitude: i16,
    heard: Heard,
}

impl ToneFactory {
    pub fn new(freq: f32, amplitude: i16) -> ToneFactory {
        ToneFactory { freq, amplitude, heard: Heard::default() }
    }

    /// What the last call played so far.
    pub fn heard(&self) -> Vec<i16> {
        self.heard.lock().map(|h| h.clone()).unwrap_or_default()
    }
}

impl AudioDeviceFactory for ToneFactory {
    fn open(&self, _call: &str) -> Box<dyn AudioDevice> {
        if let Ok(mut h) = self.heard.lock() {
            h.clear();
        }
        Box::new(ToneDevice::new(self.freq, self.amplitude, self.heard.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::FRAME;

    #[test]
    fn sends_its_tone_and_keeps_what_it_plays() {
        let factory = ToneFactory::new(700.0, 8000);
        let mut device = factory.open("c1");
        let mut sent = vec![0i16; FRAME * 50];
        for frame in sent.chunks_mut(FRAME) {
            device.capture(frame);
        }
        assert_eq!(tone::dominant(&sent, RATE).0, 700.0);
        device.play(&[7; FRAME]);
        assert_eq!(factory.heard().len(), FRAME);
        drop(factory.open("c2"));
        assert!(factory.heard().is_empty(), "a new call starts a new recording");
    }
}
