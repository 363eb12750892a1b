//! The iOS shell's audio (design §2 `AudioDevice`, issue 4 "foreign" backend): AVAudioEngine's
//! callbacks push captured PCM and pull playback PCM for the call that has the audio. Each call
//! opens its own pair of lock-free rings (`ringside_core::audio::foreign`); the newest live
//! call is the one the shell hears (a held call's device gets silence).
//!
//! Two ways in: uniffi methods (`push_capture`/`pull_playback`, which copy through a buffer:
//! fine for tests and non-real-time use), and two C functions for the real-time thread that
//! neither lock nor allocate (`ringside_audio_push`/`ringside_audio_pull`, on the handle from
//! [`AudioBridge::realtime_handle`]).

use ringside_core::audio::foreign::{pair, ForeignAudio, ForeignDevice};
use ringside_core::audio::{AudioDevice, AudioDeviceFactory};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// 48 kHz mono, 16-bit: the rate the core's devices run at.
pub const SAMPLE_RATE: u32 = 48_000;

/// The shell's end of the call audio.
#[derive(uniffi::Object)]
pub struct AudioBridge {
    /// Live calls' shell ends, oldest first, each with the serial of the device it feeds; the
    /// last one has the audio. The real-time side only ever `try_lock`s it: when the engine is
    /// changing calls it skips one callback.
    ends: Mutex<Vec<(String, u64, ForeignAudio)>>,
    /// The next device's serial: a device reopened for the same call must not be removed when
    /// the one it replaces is dropped.
    next_serial: AtomicU64,
}

#[uniffi::export]
impl AudioBridge {
    /// A bridge to hand to `Phone.start`.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(AudioBridge { ends: Mutex::new(Vec::new()), next_serial: AtomicU64::new(0) })
    }

    /// The device rate (48000): AVAudioEngine's format must match, or convert.
    pub fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    /// Captured microphone samples; returns how many were taken (none without a call).
    pub fn push_capture(&self, pcm: Vec<i16>) -> u32 {
        self.push(&pcm) as u32
    }

    /// `frames` samples to play (silence where the call has none yet, or without a call).
    pub fn pull_playback(&self, frames: u32) -> Vec<i16> {
        let mut out = vec![0; frames as usize];
        self.pull(&mut out);
        out
    }

    /// The call whose audio the bridge carries now, if any.
    pub fn active_call(&self) -> Option<String> {
        self.ends.lock().ok().and_then(|e| e.last().map(|(call, _, _)| call.clone()))
    }

    /// An opaque handle for `ringside_audio_push` / `ringside_audio_pull` on the real-time
    /// thread; valid while the shell holds this bridge.
    pub fn realtime_handle(self: Arc<Self>) -> u64 {
        Arc::as_ptr(&self) as u64
    }
}

impl AudioBridge {
    fn push(&self, pcm: &[i16]) -> usize {
        match self.ends.try_lock() {
            Ok(mut ends) => ends.last_mut().map(|(_, _, end)| end.push_capture(pcm)).unwrap_or(0),
            Err(_) => 0,
        }
    }

    fn pull(&self, out: &mut [i16]) {
        match self.ends.try_lock() {
            Ok(mut ends) => match ends.last_mut() {
                Some((_, _, end)) => end.pull_playback(out),
                None => out.fill(0),
            },
            Err(_) => out.fill(0),
        }
    }
}

/// The factory the engine opens each call's device from.
pub(crate) struct BridgeFactory(pub Arc<AudioBridge>);

impl AudioDeviceFactory for BridgeFactory {
    fn open(&self, call: &str) -> Box<dyn AudioDevice> {
        let (shell, device) = pair();
        let serial = self.0.next_serial.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut ends) = self.0.ends.lock() {
            ends.retain(|(c, _, _)| c != call);
            ends.push((call.to_string(), serial, shell));
        }
        Box::new(BridgedDevice { device, serial, bridge: Arc::downgrade(&self.0) })
    }
}

/// A call's device; when the call ends it leaves the bridge, and the previous call (say one
/// on hold) has the audio again.
struct BridgedDevice {
    device: ForeignDevice,
    serial: u64,
    bridge: Weak<AudioBridge>,
}

impl AudioDevice for BridgedDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        self.device.capture(frame);
    }

    fn play(&mut self, frame: &[i16]) {
        self.device.play(frame);
    }
}

impl Drop for BridgedDevice {
    fn drop(&mut self) {
        if let Some(bridge) = self.bridge.upgrade() {
            if let Ok(mut ends) = bridge.ends.lock() {
                ends.retain(|(_, s, _)| *s != self.serial);
            }
        }
    }
}

/// Real-time capture: copies `len` samples from `pcm` into the active call; returns how many
/// were taken. No lock is waited for and nothing is allocated.
///
/// # Safety
/// `handle` comes from [`AudioBridge::realtime_handle`] of a bridge still alive; `pcm` points
/// to `len` readable samples.
#[no_mangle]
pub unsafe extern "C" fn ringside_audio_push(handle: u64, pcm: *const i16, len: usize) -> usize {
    if handle == 0 || pcm.is_null() {
        return 0;
    }
    // SAFETY: the caller guarantees the bridge outlives the call and the buffer's length.
    let (bridge, pcm) = unsafe { (&*(handle as *const AudioBridge), std::slice::from_raw_parts(pcm, len)) };
    bridge.push(pcm)
}

/// Real-time playback: fills `len` samples at `out` (silence where there is none).
///
/// # Safety
/// As [`ringside_audio_push`]; `out` points to `len` writable samples.
#[no_mangle]
pub unsafe extern "C" fn ringside_audio_pull(handle: u64, out: *mut i16, len: usize) {
    if handle == 0 || out.is_null() {
        return;
    }
    // SAFETY: as above.
    let (bridge, out) = unsafe { (&*(handle as *const AudioBridge), std::slice::from_raw_parts_mut(out, len)) };
    bridge.pull(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_call_has_the_audio_and_the_held_one_gets_it_back_when_that_ends() {
        let bridge = AudioBridge::new();
        let factory = BridgeFactory(bridge.clone());
        assert_eq!(bridge.push_capture(vec![1; 960]), 0, "no call: nothing taken");
        let mut first = factory.open("a");
        let mut second = factory.open("b");
        assert_eq!(bridge.active_call().as_deref(), Some("b"));
        bridge.push_capture(vec![7; 960]);
        let mut frame = [0i16; 960];
        second.capture(&mut frame);
        assert_eq!(frame[0], 7);
        first.capture(&mut frame);
        assert_eq!(frame[0], 0, "the held call hears nothing of the microphone");
        drop(second);
        assert_eq!(bridge.active_call().as_deref(), Some("a"));
        first.play(&[5; 960]);
        let handle = bridge.clone().realtime_handle();
        let mut out = [0i16; 480];
        // SAFETY: the bridge is alive and `out` holds 480 samples.
        unsafe { ringside_audio_pull(handle, out.as_mut_ptr(), out.len()) };
        assert_eq!((out[0], out[479]), (5, 5));
        let pcm = [3i16; 480];
        // SAFETY: as above.
        assert_eq!(unsafe { ringside_audio_push(handle, pcm.as_ptr(), pcm.len()) }, 480);
    }

    #[test]
    fn a_device_reopened_for_the_same_call_keeps_the_audio_when_the_old_one_goes() {
        let bridge = AudioBridge::new();
        let factory = BridgeFactory(bridge.clone());
        let old = factory.open("a");
        let mut new = factory.open("a");
        drop(old);
        assert_eq!(bridge.active_call().as_deref(), Some("a"));
        new.play(&[4; 960]);
        assert_eq!(bridge.pull_playback(960)[0], 4, "the new device still reaches the shell");
    }
}
