//! Audio I/O behind one trait. The media engine ticks every 20 ms and, per tick, takes one
//! frame of capture and hands one frame to play: 48 kHz mono, 960 samples. Backends: wav files
//! and null (CLI, tests), a test tone (the demo, tests), a foreign device the iOS shell feeds
//! through lock-free rings, and Oboe on Android.

pub mod foreign;
#[cfg(target_os = "android")]
pub mod oboe_device;
pub mod tone;
pub mod wav;

pub use crate::media::codec::{FRAME, RATE};

/// One call's audio: capture in, playback out, one 20 ms frame at a time.
pub trait AudioDevice: Send {
    /// Fills `frame` (960 samples) with the next 20 ms of capture; silence when none is there.
    fn capture(&mut self, frame: &mut [i16]);
    /// Takes the next 20 ms (960 samples) to play.
    fn play(&mut self, frame: &[i16]);
}

/// Opens a device for each call (the shell decides what a call sounds through).
pub trait AudioDeviceFactory: Send + Sync {
    fn open(&self, call: &str) -> Box<dyn AudioDevice>;
}

/// Silence in, nothing out.
#[derive(Debug, Default)]
pub struct NullDevice;

impl AudioDevice for NullDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        frame.fill(0);
    }
    fn play(&mut self, _frame: &[i16]) {}
}

impl AudioDeviceFactory for NullDevice {
    fn open(&self, _call: &str) -> Box<dyn AudioDevice> {
        Box::new(NullDevice)
    }
}

/// The device the core drives itself on this platform: Oboe on Android; elsewhere (the iOS
/// shell feeds its own audio, the CLI opens files) silence.
pub fn platform_devices() -> std::sync::Arc<dyn AudioDeviceFactory> {
    #[cfg(target_os = "android")]
    {
        std::sync::Arc::new(oboe_device::OboeFactory)
    }
    #[cfg(not(target_os = "android"))]
    {
        std::sync::Arc::new(NullDevice)
    }
}
