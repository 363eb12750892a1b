//! Android audio through Oboe (AAudio, or OpenSL ES on old devices): usage and input preset
//! VoiceCommunication (the platform's echo canceller and routing for calls), 48 kHz, mono,
//! 16-bit, low latency. Oboe's real-time callbacks move samples through the same lock-free
//! rings as the iOS device ([`super::foreign`]); the engine side is unchanged.
//!
//! Built only for `target_os = "android"` (see `scripts/build-android`); nothing here runs on
//! the CI machine.

use super::foreign::{pair, ForeignDevice};
use super::{AudioDevice, AudioDeviceFactory, RATE};
use oboe::{
    AudioInputCallback, AudioInputStreamSafe, AudioOutputCallback, AudioOutputStreamSafe, AudioStream, AudioStreamAsync, AudioStreamBuilder,
    DataCallbackResult, Input, InputPreset, Mono, Output, PerformanceMode, SharingMode, Usage,
};
use ringbuf::traits::{Consumer, Producer};
use ringbuf::{HeapCons, HeapProd};

struct Speaker(HeapCons<i16>);

impl AudioOutputCallback for Speaker {
    type FrameType = (i16, Mono);

    fn on_audio_ready(&mut self, _stream: &mut dyn AudioOutputStreamSafe, frames: &mut [i16]) -> DataCallbackResult {
        let n = self.0.pop_slice(frames);
        frames[n..].fill(0);
        DataCallbackResult::Continue
    }
}

struct Microphone(HeapProd<i16>);

impl AudioInputCallback for Microphone {
    type FrameType = (i16, Mono);

    fn on_audio_ready(&mut self, _stream: &mut dyn AudioInputStreamSafe, frames: &[i16]) -> DataCallbackResult {
        self.0.push_slice(frames);
        DataCallbackResult::Continue
    }
}

pub struct OboeDevice {
    rings: ForeignDevice,
    // Held for the call's life: dropping a stream stops it.
    _speaker: AudioStreamAsync<Output, Speaker>,
    _microphone: AudioStreamAsync<Input, Microphone>,
}

impl OboeDevice {
    pub fn open() -> Result<OboeDevice, oboe::Error> {
        let (shell, rings) = pair();
        let mut speaker = AudioStreamBuilder::default()
            .set_performance_mode(PerformanceMode::LowLatency)
            .set_sharing_mode(SharingMode::Exclusive)
            .set_usage(Usage::VoiceCommunication)
            .set_sample_rate(RATE as i32)
            .set_format::<i16>()
            .set_channel_count::<Mono>()
            .set_callback(Speaker(shell.playback_out))
            .open_stream()?;
        let mut microphone = AudioStreamBuilder::default()
            .set_input()
            .set_performance_mode(PerformanceMode::LowLatency)
            .set_sharing_mode(SharingMode::Exclusive)
            .set_input_preset(InputPreset::VoiceCommunication)
            .set_sample_rate(RATE as i32)
            .set_format::<i16>()
            .set_channel_count::<Mono>()
            .set_callback(Microphone(shell.capture_in))
            .open_stream()?;
        speaker.start()?;
        microphone.start()?;
        Ok(OboeDevice { rings, _speaker: speaker, _microphone: microphone })
    }
}

impl AudioDevice for OboeDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        self.rings.capture(frame);
    }

    fn play(&mut self, frame: &[i16]) {
        self.rings.play(frame);
    }
}

/// Every call on the phone's own microphone and earpiece/speaker (routing is Telecom's).
pub struct OboeFactory;

impl AudioDeviceFactory for OboeFactory {
    fn open(&self, _call: &str) -> Box<dyn AudioDevice> {
        match OboeDevice::open() {
            Ok(d) => Box::new(d),
            Err(e) => {
                tracing::error!(error = ?e, "Oboe streams did not open; the call has no audio");
                Box::new(super::NullDevice)
            }
        }
    }
}
