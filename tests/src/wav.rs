//! WAV files for the audio tests: a tone to play into a call, and a recording read back.

use std::path::Path;

/// Writes `seconds` of a `freq` sine (mono, 16-bit, `rate` Hz) after `lead` seconds of silence.
pub fn write_tone(path: &Path, freq: f32, seconds: usize, rate: u32, lead: f64) {
    let spec = hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let silence = vec![0i16; (lead * f64::from(rate)) as usize];
    for s in silence.into_iter().chain(ringside_core::audio::tone::sine(freq, rate, rate as usize * seconds, 12000)) {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// A recording's samples and sample rate; panics naming the file when it cannot be read.
pub fn read(path: &Path) -> (Vec<i16>, u32) {
    let r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rate = r.spec().sample_rate;
    (r.into_samples::<i16>().filter_map(Result::ok).collect(), rate)
}
