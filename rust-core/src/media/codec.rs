//! Encoders and decoders behind one face: 20 ms of 48 kHz mono PCM in, an RTP payload out,
//! and back. Opus runs at 48 kHz natively (RFC 7587); G.711 runs at 8 kHz, resampled at the
//! edge by an exact 6:1 polyphase FIR (`resample`). Opus comes from the `opus` crate, which
//! builds libopus 1.6 from source and links it statically (no system library on a phone).

use super::g711;
use super::resample::{Decimator, Interpolator};
use crate::sip::sdp::CodecKind;

/// The pipeline's rate and frame: what audio devices deliver and take.
pub const RATE: u32 = 48_000;
pub const FRAME: usize = 960;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("opus: {0}")]
    Opus(#[from] opus::Error),
}

/// How hard Opus works: phones on battery want less than the default 10.
#[derive(Debug, Clone, Copy)]
pub struct OpusSettings {
    pub complexity: i32,
    pub bitrate: i32,
    pub fec: bool,
    pub dtx: bool,
    /// Expected loss (percent) the encoder adds FEC redundancy for.
    pub loss_percent: i32,
}

impl Default for OpusSettings {
    fn default() -> Self {
        // DTX off: libopus's activity detection takes steady sounds (a tone, music on hold)
        // for silence and stops sending them; the data saved is not worth gaps in those.
        OpusSettings { complexity: 5, bitrate: 32_000, fec: true, dtx: false, loss_percent: 10 }
    }
}

pub struct Encoder {
    kind: CodecKind,
    opus: Option<opus::Encoder>,
    down: Option<Decimator>,
    narrow: Vec<i16>,
}

impl Encoder {
    pub fn new(kind: CodecKind, settings: OpusSettings) -> Result<Encoder, CodecError> {
        let (opus, down) = match kind {
            CodecKind::Opus => {
                let mut e = opus::Encoder::new(RATE, opus::Channels::Mono, opus::Application::Voip)?;
                e.set_complexity(settings.complexity)?;
                e.set_bitrate(opus::Bitrate::Bits(settings.bitrate))?;
                e.set_inband_fec(settings.fec)?;
                e.set_packet_loss_perc(settings.loss_percent)?;
                e.set_dtx(settings.dtx)?;
                (Some(e), None)
            }
            _ => (None, Some(Decimator::default())),
        };
        Ok(Encoder { kind, opus, down, narrow: Vec::with_capacity(FRAME / 6) })
    }

    pub fn kind(&self) -> CodecKind {
        self.kind
    }

    /// Samples per frame at the codec's RTP clock (the timestamp step).
    pub fn timestamp_step(&self) -> u32 {
        self.kind.clock_rate() / 50
    }

    /// Encodes one 20 ms frame (960 samples at 48 kHz) into `out`.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        out.clear();
        match (self.kind, self.opus.as_mut(), self.down.as_mut()) {
            (CodecKind::Opus, Some(e), _) => {
                out.resize(1275, 0);
                let n = e.encode(pcm, out)?;
                out.truncate(n);
            }
            (kind, _, Some(down)) => {
                down.run(pcm, &mut self.narrow);
                if kind == CodecKind::Pcma {
                    out.extend(self.narrow.iter().map(|s| g711::alaw_encode(*s)));
                } else {
                    out.extend(self.narrow.iter().map(|s| g711::ulaw_encode(*s)));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

pub struct Decoder {
    kind: CodecKind,
    opus: Option<opus::Decoder>,
    up: Option<Interpolator>,
    narrow: Vec<i16>,
    plc: g711::Concealer,
}

impl Decoder {
    pub fn new(kind: CodecKind) -> Result<Decoder, CodecError> {
        let (opus, up) = match kind {
            CodecKind::Opus => (Some(opus::Decoder::new(RATE, opus::Channels::Mono)?), None),
            _ => (None, Some(Interpolator::default())),
        };
        Ok(Decoder { kind, opus, up, narrow: Vec::with_capacity(FRAME / 6), plc: g711::Concealer::default() })
    }

    /// Decodes one payload into 960 samples at 48 kHz.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        out.clear();
        match self.kind {
            CodecKind::Opus => self.opus_decode(payload, false, out),
            kind => {
                self.narrow.clear();
                let payload = payload.iter().take(FRAME / 6);
                if kind == CodecKind::Pcma {
                    self.narrow.extend(payload.map(|b| g711::alaw_decode(*b)));
                } else {
                    self.narrow.extend(payload.map(|b| g711::ulaw_decode(*b)));
                }
                self.narrow.resize(FRAME / 6, 0);
                self.plc.good(&self.narrow);
                self.widen(out);
            }
        }
    }

    /// A lost frame whose successor is here: Opus rebuilds it from the successor's in-band
    /// FEC (RFC 7587 §3.1); G.711 conceals.
    pub fn recover(&mut self, next_payload: &[u8], out: &mut Vec<i16>) {
        out.clear();
        match self.kind {
            CodecKind::Opus => self.opus_decode(next_payload, true, out),
            _ => self.conceal(out),
        }
    }

    /// A lost frame, nothing to rebuild it from: packet-loss concealment.
    pub fn conceal(&mut self, out: &mut Vec<i16>) {
        out.clear();
        match self.kind {
            CodecKind::Opus => self.opus_decode(&[], false, out),
            _ => {
                self.narrow.resize(FRAME / 6, 0);
                self.plc.conceal(&mut self.narrow);
                self.widen(out);
            }
        }
    }

    fn opus_decode(&mut self, payload: &[u8], fec: bool, out: &mut Vec<i16>) {
        out.resize(FRAME, 0);
        let n = self.opus.as_mut().and_then(|d| d.decode(payload, out, fec).ok()).unwrap_or(0);
        // A bad packet decodes as nothing: keep the frame's length, filled with silence.
        if n < FRAME {
            out[n..].fill(0);
        }
    }

    fn widen(&mut self, out: &mut Vec<i16>) {
        if let Some(up) = self.up.as_mut() {
            up.run(&self.narrow, out);
        }
        out.resize(FRAME, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::tone;

    fn round_trip(kind: CodecKind, frames: usize, lose: impl Fn(usize) -> bool) -> Vec<i16> {
        let mut enc = Encoder::new(kind, OpusSettings::default()).unwrap();
        let mut dec = Decoder::new(kind).unwrap();
        let input = tone::sine(1000.0, RATE, frames * FRAME, 8000);
        let mut packets = Vec::new();
        for f in input.chunks(FRAME) {
            let mut p = Vec::new();
            enc.encode(f, &mut p).unwrap();
            packets.push(p);
        }
        let mut heard = Vec::new();
        let mut out = Vec::new();
        for i in 0..packets.len() {
            if lose(i) {
                match packets.get(i + 1) {
                    Some(next) => dec.recover(next, &mut out),
                    None => dec.conceal(&mut out),
                }
            } else {
                dec.decode(&packets[i], &mut out);
            }
            assert_eq!(out.len(), FRAME);
            heard.extend_from_slice(&out);
        }
        heard
    }

    #[test]
    fn each_codec_carries_a_tone() {
        for kind in [CodecKind::Opus, CodecKind::Pcmu, CodecKind::Pcma] {
            let heard = round_trip(kind, 50, |_| false);
            let tail = &heard[FRAME * 10..];
            let (f, level) = tone::dominant(tail, RATE);
            assert!((f - 1000.0).abs() < 20.0 && level > 0.1, "{kind:?}: {f} Hz at {level}");
        }
    }

    #[test]
    fn g711_frames_are_160_bytes_and_opus_uses_fec_for_a_loss() {
        let mut enc = Encoder::new(CodecKind::Pcmu, OpusSettings::default()).unwrap();
        let mut p = Vec::new();
        enc.encode(&[0; FRAME], &mut p).unwrap();
        assert_eq!((p.len(), enc.timestamp_step()), (160, 160));
        // One frame in five lost: still a clean tone, FEC and PLC filling in.
        let heard = round_trip(CodecKind::Opus, 50, |i| i % 5 == 3);
        let (f, _) = tone::dominant(&heard[FRAME * 10..], RATE);
        assert!((f - 1000.0).abs() < 20.0, "{f}");
    }
}
