//! Test tones and a tone detector (Goertzel over a frequency sweep): tests and the CLI check
//! that a recording carries the other side's signal.

/// `n` samples of a sine at `freq` Hz, peak `amplitude`.
pub fn sine(freq: f32, rate: u32, n: usize, amplitude: i16) -> Vec<i16> {
    (0..n).map(|i| ((i as f32 * freq * std::f32::consts::TAU / rate as f32).sin() * f32::from(amplitude)) as i16).collect()
}

/// Goertzel power of `freq` in `pcm`, normalised to the signal's length (≈ amplitude²/4).
pub fn power(pcm: &[i16], rate: u32, freq: f32) -> f32 {
    let w = std::f32::consts::TAU * freq / rate as f32;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for s in pcm {
        let s0 = f32::from(*s) / 32768.0 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    p / (pcm.len().max(1) as f32).powi(2)
}

/// The strongest frequency between 100 and 4000 Hz (10 Hz steps), and its amplitude (0..1).
pub fn dominant(pcm: &[i16], rate: u32) -> (f32, f32) {
    let mut best = (0.0, 0.0);
    let mut f = 100.0;
    while f <= 4000.0 {
        let p = power(pcm, rate, f);
        if p > best.1 {
            best = (f, p);
        }
        f += 10.0;
    }
    (best.0, (best.1 * 4.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_tone_and_its_level() {
        let pcm = sine(440.0, 48000, 48000, 16384);
        let (f, a) = dominant(&pcm, 48000);
        assert_eq!(f, 440.0);
        assert!((a - 0.5).abs() < 0.05, "{a}");
        assert!(power(&pcm, 48000, 1000.0) < power(&pcm, 48000, 440.0) / 100.0);
    }
}
