//! G.711 μ-law (PCMU) and A-law (PCMA), ITU-T G.711, and a simple packet-loss concealment in
//! the spirit of G.711 Appendix I: repeat the last good frame, fading 20 % per lost frame and
//! silent after five, so a lost packet is a soft dip rather than a click.

const BIAS: i32 = 0x84;
const CLIP: i32 = 32635;

pub fn ulaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    // The segment: the highest set bit of s >> 7 (at most 255 after the clip).
    let v = (s >> 7) as u32;
    let exponent = if v == 0 { 0 } else { (31 - v.leading_zeros()) as i32 };
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

pub fn ulaw_decode(byte: u8) -> i16 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}

pub fn alaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3; // 13-bit
    let sign = if s >= 0 {
        0xD5
    } else {
        s = -s - 1;
        0x55
    };
    let s = s.min(0x0FFF);
    let byte = if s < 32 {
        (s >> 1) as u8
    } else {
        let exponent = 31 - (s as u32).leading_zeros() as i32 - 4; // 1..=7
        (((exponent) << 4) | ((s >> exponent) & 0x0F)) as u8
    };
    byte ^ sign
}

pub fn alaw_decode(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let sign = a & 0x80;
    let exponent = i32::from((a >> 4) & 0x07);
    let mantissa = i32::from(a & 0x0F);
    let magnitude = if exponent == 0 { (mantissa << 4) + 8 } else { ((mantissa << 4) + 0x108) << (exponent - 1) };
    (if sign != 0 { magnitude } else { -magnitude }) as i16
}

/// Concealment state for one G.711 stream.
#[derive(Debug, Default, Clone)]
pub struct Concealer {
    last: Vec<i16>,
    lost_in_row: u32,
}

impl Concealer {
    /// A good frame arrived: remember it.
    pub fn good(&mut self, frame: &[i16]) {
        self.last.clear();
        self.last.extend_from_slice(frame);
        self.lost_in_row = 0;
    }

    /// A frame is missing: fill `out` with the faded last frame.
    pub fn conceal(&mut self, out: &mut [i16]) {
        self.lost_in_row += 1;
        let gain = (1.0 - 0.2 * self.lost_in_row as f32).max(0.0);
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.last.get(i % self.last.len().max(1)).map(|s| (f32::from(*s) * gain) as i16).unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_points() {
        // ITU-T G.711 tables: silence and full scale.
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_encode(32767), 0x80);
        assert_eq!(ulaw_encode(-32768), 0x00);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(32767), 0xAA);
        assert_eq!(alaw_encode(-32768), 0x2A);
    }

    #[test]
    fn every_code_round_trips_through_its_sample() {
        for b in 0..=255u8 {
            let u = ulaw_decode(b);
            // 0x7F and 0xFF are both zero in μ-law.
            if b != 0x7F {
                assert_eq!(ulaw_encode(u), b, "μ-law {b:#04x} -> {u}");
            }
            assert_eq!(alaw_encode(alaw_decode(b)), b, "A-law {b:#04x}");
        }
    }

    #[test]
    fn quantisation_error_stays_within_the_segment_step() {
        for s in (-32000i32..32000).step_by(97) {
            let s = s as i16;
            let eu = (i32::from(ulaw_decode(ulaw_encode(s))) - i32::from(s)).abs();
            let ea = (i32::from(alaw_decode(alaw_encode(s))) - i32::from(s)).abs();
            let step = (i32::from(s).abs() / 16).max(16);
            assert!(eu <= step && ea <= step, "{s}: μ {eu} A {ea}");
        }
    }

    #[test]
    fn concealment_fades_out() {
        let mut c = Concealer::default();
        c.good(&[1000; 160]);
        let mut out = [0i16; 160];
        c.conceal(&mut out);
        assert_eq!(out[0], 800);
        for _ in 0..5 {
            c.conceal(&mut out);
        }
        assert_eq!(out[0], 0, "silent after five lost frames");
    }
}
