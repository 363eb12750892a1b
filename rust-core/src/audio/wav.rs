//! WAV files as a call's audio (the CLI's `--play` / `--record`): the source is read whole at
//! open (any rate, first channel; resampled to 48 kHz) and played once, then silence; what the
//! call hears is written as 48 kHz mono 16-bit, finished when the device is dropped.

use super::{AudioDevice, AudioDeviceFactory, FRAME, RATE};
use rubato::{FftFixedInOut, Resampler};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
}

/// Reads `path` as 48 kHz mono samples.
pub fn read_mono_48k(path: &Path) -> Result<Vec<i16>, WavError> {
    let err = |reason: String| WavError::File { path: path.display().to_string(), reason };
    let reader = hound::WavReader::open(path).map_err(|e| err(e.to_string()))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let samples: Vec<i16> = match spec.sample_format {
        hound::SampleFormat::Int if spec.bits_per_sample == 16 => reader.into_samples::<i16>().step_by(channels).filter_map(Result::ok).collect(),
        hound::SampleFormat::Int => {
            let shift = spec.bits_per_sample.saturating_sub(16);
            reader.into_samples::<i32>().step_by(channels).filter_map(Result::ok).map(|s| (s >> shift) as i16).collect()
        }
        hound::SampleFormat::Float => reader.into_samples::<f32>().step_by(channels).filter_map(Result::ok).map(|s| (s * 32767.0) as i16).collect(),
    };
    if spec.sample_rate == RATE {
        return Ok(samples);
    }
    let chunk = (spec.sample_rate / 50) as usize;
    let mut rs = FftFixedInOut::<f32>::new(spec.sample_rate as usize, RATE as usize, chunk, 1).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::with_capacity(samples.len() * RATE as usize / spec.sample_rate as usize + FRAME);
    for block in samples.chunks(chunk) {
        let mut input = vec![block.iter().map(|s| f32::from(*s) / 32768.0).collect::<Vec<f32>>()];
        input[0].resize(chunk, 0.0);
        let res = rs.process(&input, None).map_err(|e| err(e.to_string()))?;
        out.extend(res[0].iter().map(|s| (s * 32768.0).clamp(-32768.0, 32767.0) as i16));
    }
    Ok(out)
}

pub struct WavDevice {
    source: Vec<i16>,
    position: usize,
    sink: Option<hound::WavWriter<std::io::BufWriter<std::fs::File>>>,
}

impl WavDevice {
    pub fn new(play: Option<&Path>, record: Option<&Path>) -> Result<WavDevice, WavError> {
        let source = match play {
            Some(p) => read_mono_48k(p)?,
            None => Vec::new(),
        };
        let sink = match record {
            Some(p) => {
                let spec = hound::WavSpec { channels: 1, sample_rate: RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
                let err = |reason: String| WavError::File { path: p.display().to_string(), reason };
                // 64 KiB of buffer: a write to the file every third of a second of audio.
                let file = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(p).map_err(|e| err(e.to_string()))?);
                Some(hound::WavWriter::new(file, spec).map_err(|e| err(e.to_string()))?)
            }
            None => None,
        };
        Ok(WavDevice { source, position: 0, sink })
    }
}

impl AudioDevice for WavDevice {
    fn capture(&mut self, frame: &mut [i16]) {
        let end = (self.position + frame.len()).min(self.source.len());
        let n = end.saturating_sub(self.position);
        frame[..n].copy_from_slice(&self.source[self.position..end]);
        frame[n..].fill(0);
        self.position = end;
    }

    fn play(&mut self, frame: &[i16]) {
        // A frame at a time: hound's 16-bit block writer, not a checked call per sample.
        if let Some(w) = self.sink.as_mut() {
            let mut block = w.get_i16_writer(frame.len() as u32);
            for s in frame {
                block.write_sample(*s);
            }
            if let Err(e) = block.flush() {
                tracing::warn!(error = %e, "recording stopped");
                self.sink = None;
            }
        }
    }
}

impl Drop for WavDevice {
    fn drop(&mut self) {
        if let Some(w) = self.sink.take() {
            if let Err(e) = w.finalize() {
                tracing::warn!(error = %e, "recording not finished");
            }
        }
    }
}

/// The CLI's files: every call plays `play` and records to `record` (a second call appends
/// `-2`, `-3`… to the recording's name so none is overwritten).
pub struct WavFactory {
    pub play: Option<PathBuf>,
    pub record: Option<PathBuf>,
    opened: std::sync::atomic::AtomicU32,
}

impl WavFactory {
    pub fn new(play: Option<PathBuf>, record: Option<PathBuf>) -> Result<WavFactory, WavError> {
        if let Some(p) = &play {
            // Fail at start, with the file's name, rather than at the first call.
            read_mono_48k(p)?;
        }
        Ok(WavFactory { play, record, opened: Default::default() })
    }
}

impl AudioDeviceFactory for WavFactory {
    fn open(&self, _call: &str) -> Box<dyn AudioDevice> {
        let n = self.opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let record = self.record.as_ref().map(|r| {
            if n == 1 {
                r.clone()
            } else {
                let stem = r.file_stem().and_then(|s| s.to_str()).unwrap_or("call");
                r.with_file_name(format!("{stem}-{n}.wav"))
            }
        });
        match WavDevice::new(self.play.as_deref(), record.as_deref()) {
            Ok(d) => Box::new(d),
            Err(e) => {
                tracing::warn!(error = %e, "call audio falls back to silence");
                Box::new(super::NullDevice)
            }
        }
    }
}

/// Writes `pcm` (48 kHz mono) to `path`.
pub fn write_mono_48k(path: &Path, pcm: &[i16]) -> Result<(), WavError> {
    let spec = hound::WavSpec { channels: 1, sample_rate: RATE, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let err = |e: hound::Error| WavError::File { path: path.display().to_string(), reason: e.to_string() };
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for s in pcm {
        w.write_sample(*s).map_err(err)?;
    }
    w.finalize().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone;

    #[test]
    fn plays_a_file_once_and_records_what_it_hears() {
        let dir = tempfile_dir();
        let src = dir.join("tone.wav");
        // An 8 kHz file: resampled to 48 kHz on open.
        let spec = hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut w = hound::WavWriter::create(&src, spec).unwrap();
        for s in tone::sine(500.0, 8000, 8000, 10000) {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
        let rec = dir.join("heard.wav");
        let mut dev = WavDevice::new(Some(&src), Some(&rec)).unwrap();
        let mut frame = vec![0i16; FRAME];
        let mut captured = Vec::new();
        for _ in 0..60 {
            dev.capture(&mut frame);
            captured.extend_from_slice(&frame);
            dev.play(&frame);
        }
        drop(dev);
        assert_eq!(tone::dominant(&captured[FRAME * 5..FRAME * 45], RATE).0, 500.0);
        assert!(captured[FRAME * 55..].iter().all(|s| *s == 0), "once, then silence");
        let heard = read_mono_48k(&rec).unwrap();
        assert_eq!(heard.len(), 60 * FRAME);
        assert!(WavDevice::new(Some(&dir.join("missing.wav")), None).is_err());
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("ringside-wav-{}", rand::random::<u32>()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
