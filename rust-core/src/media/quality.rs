//! Call quality: the ITU-T G.107 E-model reduced to what a phone measures (one-way delay,
//! packet loss after concealment, codec), giving R and the MOS estimate the `media_stats`
//! event reports.

use crate::sip::sdp::CodecKind;

/// MOS (1..4.5) from the codec, one-way mouth-to-ear delay and effective loss (percent).
pub fn mos(codec: CodecKind, one_way_ms: f32, loss_percent: f32) -> f32 {
    // G.113 Appendix I: equipment impairment Ie and loss robustness Bpl. Opus is not listed;
    // wideband Opus at 32 kb/s with FEC is at least as good as G.711 with PLC, so we use the
    // G.711 values rather than guess better ones.
    let (ie, bpl) = match codec {
        CodecKind::Pcmu | CodecKind::Pcma => (0.0, 25.1),
        CodecKind::Opus => (0.0, 25.1),
    };
    let ppl = loss_percent.clamp(0.0, 100.0);
    let ie_eff = ie + (95.0 - ie) * ppl / (ppl + bpl);
    // G.107 delay impairment, simplified (Cole & Rosenbluth): 0.024 d + 0.11 (d − 177.3) H(d − 177.3).
    let d = one_way_ms.max(0.0);
    let id = 0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 };
    let r = (93.2 - id - ie_eff).clamp(0.0, 100.0);
    1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_model_reference_points() {
        let perfect = mos(CodecKind::Pcmu, 0.0, 0.0);
        assert!((4.3..4.5).contains(&perfect), "{perfect}");
        assert!(mos(CodecKind::Pcmu, 150.0, 0.0) > 4.0);
        assert!(mos(CodecKind::Pcmu, 400.0, 0.0) < 3.6);
        assert!(mos(CodecKind::Pcmu, 50.0, 5.0) < mos(CodecKind::Pcmu, 50.0, 1.0));
        assert!(mos(CodecKind::Pcmu, 50.0, 30.0) < 2.5);
    }
}
