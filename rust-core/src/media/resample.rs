//! The exact 6:1 rate change between the pipeline's 48 kHz and G.711's 8 kHz: one linear-phase
//! FIR lowpass (a Kaiser-windowed sinc cut at 3.9 kHz, 60 dB down past about 4.6 kHz), used
//! whole to decimate (only every sixth output of the filter is worked out) and split into its
//! six phases to interpolate (each 48 kHz sample is one phase's dot product over the last
//! 8 kHz samples). An integer ratio needs no fractional positions: a 20 ms frame costs about
//! 23 k multiply-adds each way. The filter is worked out once at construction.

/// The filter's length at 48 kHz: 24 taps per phase.
const TAPS: usize = 144;
const RATIO: usize = 6;
const PHASE_TAPS: usize = TAPS / RATIO;

/// The lowpass, gain 1 at DC.
fn lowpass() -> Vec<f32> {
    // Cut-off between G.711's 3.4 kHz band and 8 kHz's 4 kHz Nyquist, as a fraction of 48 kHz.
    let cutoff = 3900.0 / 48000.0;
    let beta = 6.0; // Kaiser β: about 63 dB of stopband
    let centre = (TAPS - 1) as f64 / 2.0;
    let taps: Vec<f64> = (0..TAPS)
        .map(|i| {
            let x = i as f64 - centre;
            let sinc = (2.0 * std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x);
            let r = x / centre;
            sinc * bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta)
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    taps.iter().map(|t| (t / sum) as f32).collect()
}

/// The modified Bessel function of the first kind, order 0, by its power series (quick to
/// converge for the window's arguments, at most β).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, mut k) = (1.0, 1.0, 1.0);
    while term > 1e-12 * sum {
        term *= (x / (2.0 * k)).powi(2);
        sum += term;
        k += 1.0;
    }
    sum
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight lanes kept apart so the compiler vectorises the sum.
    let mut acc = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = a.chunks_exact(8).remainder().iter().zip(b.chunks_exact(8).remainder()).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

fn to_i16(s: f32) -> i16 {
    s.round().clamp(-32768.0, 32767.0) as i16
}

/// 48 kHz to 8 kHz.
pub struct Decimator {
    /// The filter reversed, so an output is a dot product with the input as it lies.
    taps: Vec<f32>,
    /// The last `TAPS - 1` input samples, then the frame being worked on.
    history: Vec<f32>,
}

impl Default for Decimator {
    fn default() -> Self {
        let mut taps = lowpass();
        taps.reverse();
        Decimator { taps, history: vec![0.0; TAPS - 1] }
    }
}

impl Decimator {
    /// `input.len() / 6` samples into `out` (`input` a multiple of six samples long).
    pub fn run(&mut self, input: &[i16], out: &mut Vec<i16>) {
        self.history.extend(input.iter().map(|s| f32::from(*s)));
        out.clear();
        let outputs = input.len() / RATIO;
        out.extend((0..outputs).map(|j| {
            let end = TAPS - 1 + (j + 1) * RATIO;
            to_i16(dot(&self.taps, &self.history[end - TAPS..end]))
        }));
        let used = self.history.len() - (TAPS - 1);
        self.history.drain(..used);
    }
}

/// 8 kHz to 48 kHz.
pub struct Interpolator {
    /// Each phase's taps, reversed and scaled by six (the zeros stuffed between input samples
    /// take that much of the gain).
    phases: Vec<Vec<f32>>,
    /// The last `PHASE_TAPS - 1` input samples, then the frame being worked on.
    history: Vec<f32>,
}

impl Default for Interpolator {
    fn default() -> Self {
        let taps = lowpass();
        let phases = (0..RATIO)
            .map(|p| {
                let mut phase: Vec<f32> = taps.iter().skip(p).step_by(RATIO).map(|t| t * RATIO as f32).collect();
                phase.reverse();
                phase
            })
            .collect();
        Interpolator { phases, history: vec![0.0; PHASE_TAPS - 1] }
    }
}

impl Interpolator {
    /// `6 × input.len()` samples into `out`.
    pub fn run(&mut self, input: &[i16], out: &mut Vec<i16>) {
        self.history.extend(input.iter().map(|s| f32::from(*s)));
        out.clear();
        for j in 0..input.len() {
            let window = &self.history[j..j + PHASE_TAPS];
            out.extend(self.phases.iter().map(|phase| to_i16(dot(phase, window))));
        }
        let used = self.history.len() - (PHASE_TAPS - 1);
        self.history.drain(..used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone;

    fn rms(v: &[i16]) -> f64 {
        (v.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    }

    /// A second of `hz` at 48 kHz through the decimator, frame by frame: the 8 kHz result
    /// past its first 100 ms.
    fn decimated(hz: f32) -> Vec<i16> {
        let input = tone::sine(hz, 48000, 48000, 10000);
        let (mut d, mut out, mut all) = (Decimator::default(), Vec::new(), Vec::new());
        for f in input.chunks(960) {
            d.run(f, &mut out);
            assert_eq!(out.len(), 160);
            all.extend_from_slice(&out);
        }
        all.split_off(800)
    }

    #[test]
    fn the_telephone_band_passes_at_unity_and_what_would_alias_is_55_db_down() {
        let input_rms = 10000.0 / 2f64.sqrt();
        for hz in [300.0, 1000.0, 3000.0] {
            let out = decimated(hz);
            let gain_db = 20.0 * (rms(&out) / input_rms).log10();
            assert!(gain_db.abs() < 0.5, "{hz} Hz: {gain_db:.2} dB");
            assert!((tone::dominant(&out, 8000).0 - hz).abs() < 10.0, "{hz} Hz");
        }
        for hz in [4700.0, 6000.0, 11000.0] {
            let gain_db = 20.0 * (rms(&decimated(hz)) / input_rms).log10();
            assert!(gain_db < -55.0, "{hz} Hz folds back at {gain_db:.1} dB");
        }
    }

    #[test]
    fn interpolation_keeps_the_tone_at_unity_without_images() {
        let input = tone::sine(1000.0, 8000, 8000, 10000);
        let (mut i, mut out, mut all) = (Interpolator::default(), Vec::new(), Vec::new());
        for f in input.chunks(160) {
            i.run(f, &mut out);
            assert_eq!(out.len(), 960);
            all.extend_from_slice(&out);
        }
        let tail = &all[4800..];
        let gain_db = 20.0 * (rms(tail) / (10000.0 / 2f64.sqrt())).log10();
        assert!(gain_db.abs() < 0.5, "{gain_db:.2} dB");
        // 1 kHz at 8 kHz images at 7 and 9 kHz: what is not 1 kHz (a least-squares fit of a
        // 1 kHz sinusoid taken out) is under 1 % of the signal.
        let w = std::f64::consts::TAU * 1000.0 / 48000.0;
        let (mut a, mut b) = (0.0, 0.0);
        for (n, s) in tail.iter().enumerate() {
            a += f64::from(*s) * (w * n as f64).sin();
            b += f64::from(*s) * (w * n as f64).cos();
        }
        let (a, b) = (2.0 * a / tail.len() as f64, 2.0 * b / tail.len() as f64);
        let residue: f64 = tail.iter().enumerate().map(|(n, s)| (f64::from(*s) - a * (w * n as f64).sin() - b * (w * n as f64).cos()).powi(2)).sum();
        let residue = (residue / tail.len() as f64).sqrt();
        assert!(residue < 0.01 * rms(tail), "residue {residue:.1} of {:.1}", rms(tail));
    }
}
