//! The pipeline's rules one at a time, packets handed across by hand (the simulated network
//! drives two pipelines in `simulated_link_tests`).

use super::*;
use crate::media::g711::ulaw_decode;
use crate::media::tone;
use crate::sip::sdp::{CryptoSuite, SrtpKey};

const DTMF_PT: u8 = 101;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn negotiated(codec: CodecKind, srtp: Option<(SrtpKey, SrtpKey)>, remote: SocketAddr) -> Negotiated {
    Negotiated {
        remote_rtp: remote,
        remote_rtcp: remote,
        codec,
        payload_type: codec.payload_type(),
        receive: vec![(codec.payload_type(), codec)],
        dtmf_payload_type: Some(DTMF_PT),
        ptime_ms: 20,
        direction: MediaDirection::SendRecv,
        rtcp_mux: true,
        srtp,
    }
}

fn keys() -> (SrtpKey, SrtpKey) {
    (SrtpKey::random(CryptoSuite::AesCm128HmacSha1_80), SrtpKey::random(CryptoSuite::AesCm128HmacSha1_80))
}

/// Two pipelines agreed on `codec` (with SRTP or not): A at .1, B at .2.
fn pair(codec: CodecKind, srtp: bool, opus: OpusSettings) -> (MediaPipeline, MediaPipeline, Instant) {
    let t0 = Instant::now();
    let (ka, kb) = keys();
    let (sa, sb) = if srtp { (Some((ka.clone(), kb.clone())), Some((kb, ka))) } else { (None, None) };
    let a = MediaPipeline::new(t0, negotiated(codec, sa, addr("10.0.0.2:5000")), opus, false).unwrap();
    let b = MediaPipeline::new(t0, negotiated(codec, sb, addr("10.0.0.1:4000")), opus, false).unwrap();
    (a, b, t0)
}

fn outputs(p: &mut MediaPipeline) -> Vec<PipelineOutput> {
    std::iter::from_fn(|| p.poll_output()).collect()
}

/// Captures `frames` of `pcm` (repeated) from frame `from` on; the RTP datagrams sent.
fn capture(p: &mut MediaPipeline, t0: Instant, from: u32, frames: u32, pcm: &[i16]) -> Vec<Bytes> {
    let mut sent = Vec::new();
    for i in from..from + frames {
        p.capture(t0 + FRAME_PERIOD * i, pcm);
        for o in outputs(p) {
            if let PipelineOutput::Datagram { bytes, .. } = o {
                if !is_rtcp(&bytes) {
                    sent.push(bytes);
                }
            }
        }
    }
    sent
}

fn tone_frame() -> Vec<i16> {
    tone::sine(1000.0, 48000, FRAME, 8000)
}

#[test]
fn renegotiation_keeps_the_configured_opus_settings() {
    // DTX is off by default and on here: only the configured encoder stops sending silence.
    let dtx = OpusSettings { dtx: true, ..OpusSettings::default() };
    let (mut a, _, t0) = pair(CodecKind::Opus, true, dtx);
    let mut n = a.negotiated.clone();
    n.srtp = Some(keys());
    a.renegotiate(n).unwrap();
    let sent = capture(&mut a, t0, 0, 100, &[0; FRAME]);
    assert!(sent.len() < 40, "2 s of silence after a re-offer: {} packets, so DTX was lost", sent.len());
    let (mut plain, _, t0) = pair(CodecKind::Opus, true, OpusSettings::default());
    assert_eq!(capture(&mut plain, t0, 0, 100, &[0; FRAME]).len(), 100, "without DTX every frame goes");
}

#[test]
fn rfc4733_an_event_replaces_audio_while_a_digit_sends() {
    let (mut a, mut b, t0) = pair(CodecKind::Pcmu, false, OpusSettings::default());
    a.send_dtmf("5x");
    let sent = capture(&mut a, t0, 0, 10, &tone_frame());
    let views: Vec<_> = sent.iter().map(|d| read_rtp(d).unwrap()).collect();
    let (events, audio) = views.split_at(8);
    assert!(events.iter().all(|v| v.payload_type == DTMF_PT && v.timestamp == events[0].timestamp), "§2.5.1.2: one timestamp");
    assert!(events[0].marker && !events[1].marker, "§2.5.1.3: the marker starts the event");
    assert!(events[5..].iter().all(|v| v.payload[1] & 0x80 != 0), "§2.5.1.4: End three times");
    assert_eq!(audio[0].payload_type, 0, "audio again after the End packets ('x' is no digit)");
    assert!(audio[0].marker, "RFC 3551 §4.1: audio after the event starts a talkspurt");
    assert_eq!(audio[0].timestamp, events[0].timestamp + 8 * 160, "the clock ran on under the event");
    for (i, d) in sent.iter().enumerate() {
        b.receive(t0 + FRAME_PERIOD * i as u32, addr("10.0.0.1:4000"), d);
    }
    let digits: Vec<_> = outputs(&mut b).into_iter().filter(|o| matches!(o, PipelineOutput::Dtmf(_))).collect();
    assert_eq!(digits, vec![PipelineOutput::Dtmf('5')], "heard once");
}

#[test]
fn digits_without_a_negotiated_telephone_event_are_not_sent() {
    let (mut a, _, t0) = pair(CodecKind::Pcmu, false, OpusSettings::default());
    let mut n = a.negotiated.clone();
    n.dtmf_payload_type = None;
    a.renegotiate(n).unwrap();
    a.send_dtmf("1");
    assert!(capture(&mut a, t0, 0, 10, &tone_frame()).iter().all(|d| read_rtp(d).unwrap().payload_type == 0));
}

#[test]
fn muted_frames_carry_silence_not_the_tone() {
    let (mut a, _, t0) = pair(CodecKind::Pcmu, false, OpusSettings::default());
    a.mute(true);
    let sent = capture(&mut a, t0, 0, 10, &tone_frame());
    assert_eq!(sent.len(), 10, "still sending: the far end's buffer and our NAT binding stay warm");
    let loudest = sent.iter().flat_map(|d| read_rtp(d).unwrap().payload.to_vec()).map(|b| ulaw_decode(b).unsigned_abs()).max();
    assert!(loudest < Some(100), "{loudest:?}");
    a.mute(false);
    let loudest =
        capture(&mut a, t0, 10, 5, &tone_frame()).iter().flat_map(|d| read_rtp(d).unwrap().payload.to_vec()).map(|b| ulaw_decode(b).unsigned_abs()).max();
    assert!(loudest > Some(4000), "unmuted: the tone again ({loudest:?})");
}

#[test]
fn rfc3264_on_hold_rtp_stops_and_rtcp_goes_on() {
    let (mut a, _, t0) = pair(CodecKind::Pcmu, true, OpusSettings::default());
    a.set_direction(MediaDirection::Inactive);
    let mut rtcp = 0;
    for i in 0..350 {
        a.capture(t0 + FRAME_PERIOD * i, &tone_frame());
        for o in outputs(&mut a) {
            if let PipelineOutput::Datagram { bytes, .. } = o {
                assert!(is_rtcp(&bytes), "no RTP on hold");
                rtcp += 1;
            }
        }
    }
    assert_eq!(rtcp, 2, "reports at 1 s and 6 s");
    a.set_direction(MediaDirection::SendRecv);
    let resumed = capture(&mut a, t0, 350, 1, &tone_frame());
    assert!(read_rtp(&resumed[0]).is_some(), "resumed");
}

#[test]
fn what_plays_while_we_only_send_is_silence() {
    let (mut a, mut b, t0) = pair(CodecKind::Pcmu, false, OpusSettings::default());
    let mut loudest = [0u16; 2];
    for (i, d) in capture(&mut a, t0, 0, 40, &tone_frame()).iter().enumerate() {
        let now = t0 + FRAME_PERIOD * i as u32;
        if i == 20 {
            b.set_direction(MediaDirection::SendOnly);
        }
        b.receive(now, addr("10.0.0.1:4000"), d);
        let frame = b.playout(now).iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        loudest[i / 20] = loudest[i / 20].max(frame);
    }
    assert!(loudest[0] > 4000 && loudest[1] == 0, "{loudest:?}");
    assert_eq!(b.stats().packets_received, 40, "received and counted, not played");
}

#[test]
fn payload_types_we_did_not_agree_on_are_not_played() {
    let (_, mut b, t0) = pair(CodecKind::Pcmu, false, OpusSettings::default());
    let mut far = RtpSender::new(7);
    let from = addr("10.0.0.1:4000");
    b.receive(t0, from, &far.packet(13, &[40], 160, false)); // RFC 3389 comfort noise
    b.receive(t0, from, &far.packet(8, &[0xD5; 160], 160, false)); // PCMA, never agreed
    assert_eq!(b.stats().packets_received, 0);
    b.receive(t0, from, &far.packet(0, &[0xFF; 160], 160, false));
    assert_eq!(b.stats().packets_received, 1);
}

#[test]
fn forged_srtp_is_refused_and_never_latched_onto() {
    let (mut a, mut b, t0) = pair(CodecKind::Opus, true, OpusSettings::default());
    let stranger = addr("203.0.113.66:9999");
    let genuine = capture(&mut a, t0, 0, 2, &tone_frame());
    let mut forged = genuine[0].to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    b.receive(t0, stranger, &forged);
    b.receive(t0, addr("10.0.0.1:4000"), &genuine[0]);
    b.receive(t0, stranger, &genuine[0]); // a replay
    assert_eq!(b.refused(), 2);
    assert!(outputs(&mut b).iter().all(|o| !matches!(o, PipelineOutput::Latched(_))));
    assert_eq!(b.stats().remote, "10.0.0.1:4000");
    // The far end's own packet from a new address (NAT rebinding) moves the latch.
    b.receive(t0, addr("10.0.0.1:4001"), &genuine[1]);
    assert_eq!(outputs(&mut b), vec![PipelineOutput::Latched(addr("10.0.0.1:4001"))]);
    let answer = capture(&mut b, t0, 0, 1, &tone_frame());
    assert_eq!(answer.len(), 1);
}

#[test]
fn our_rtp_follows_the_latch_and_separate_rtcp_goes_to_the_rtcp_port() {
    let t0 = Instant::now();
    let mut n = negotiated(CodecKind::Pcmu, None, addr("10.0.0.2:5000"));
    (n.rtcp_mux, n.remote_rtcp) = (false, addr("10.0.0.2:5001"));
    let mut a = MediaPipeline::new(t0, n, OpusSettings::default(), true).unwrap();
    a.receive(t0, addr("198.51.100.2:7000"), &RtpSender::new(3).packet(0, &[0xFF; 160], 160, false));
    assert_eq!(outputs(&mut a), vec![PipelineOutput::Latched(addr("198.51.100.2:7000"))]);
    let mut seen = Vec::new();
    for i in 0..51 {
        a.capture(t0 + FRAME_PERIOD * i, &tone_frame());
        seen.extend(outputs(&mut a).into_iter().filter_map(|o| match o {
            PipelineOutput::Datagram { port, to, bytes } => Some((port, to, is_rtcp(&bytes))),
            _ => None,
        }));
    }
    assert!(seen.iter().filter(|d| !d.2).all(|d| (d.0, d.1) == (Port::Rtp, addr("198.51.100.2:7000"))));
    assert_eq!(seen.iter().filter(|d| d.2).map(|d| (d.0, d.1)).collect::<Vec<_>>(), vec![(Port::Rtcp, addr("10.0.0.2:5001"))]);
}

#[test]
fn rfc3264_the_far_end_may_send_another_agreed_format_than_ours_and_it_plays() {
    // We send PCMU (the answer's first); the answerer sends Opus (our offer's first).
    let (mut opus_sender, _, t0) = pair(CodecKind::Opus, false, OpusSettings::default());
    let mut agreed = negotiated(CodecKind::Pcmu, None, addr("10.0.0.1:4000"));
    agreed.receive.push((CodecKind::Opus.payload_type(), CodecKind::Opus));
    let mut b = MediaPipeline::new(t0, agreed, OpusSettings::default(), false).unwrap();
    let mut loudest = 0;
    for (i, d) in capture(&mut opus_sender, t0, 0, 40, &tone_frame()).iter().enumerate() {
        let now = t0 + FRAME_PERIOD * i as u32;
        b.receive(now, addr("10.0.0.1:4000"), d);
        loudest = loudest.max(b.playout(now).iter().map(|s| s.unsigned_abs()).max().unwrap_or(0));
    }
    assert_eq!(b.stats().packets_received, 40);
    assert!(loudest > 4000, "the Opus tone plays: {loudest}");
}

/// Allocations per RTP packet of a call in steady state, both directions (A sends, B receives
/// and plays, and back), over `seconds` after a warm-up that fills the pools.
fn allocations_per_packet(codec: CodecKind, srtp: bool, seconds: u32) -> f64 {
    use crate::media::alloc_count::allocations;
    let (mut a, mut b, t0) = pair(codec, srtp, OpusSettings::default());
    let pcm = tone_frame();
    let (from_a, from_b) = (addr("10.0.0.1:4000"), addr("10.0.0.2:5000"));
    let tick = |a: &mut MediaPipeline, b: &mut MediaPipeline, i: u32| {
        let now = t0 + FRAME_PERIOD * i;
        a.capture(now, &pcm);
        b.capture(now, &pcm);
        while let Some(o) = a.poll_output() {
            if let PipelineOutput::Datagram { bytes, .. } = o {
                b.receive(now, from_a, &bytes);
            }
        }
        while let Some(o) = b.poll_output() {
            if let PipelineOutput::Datagram { bytes, .. } = o {
                a.receive(now, from_b, &bytes);
            }
        }
        a.playout(now);
        b.playout(now);
    };
    for i in 0..100 {
        tick(&mut a, &mut b, i);
    }
    let frames = 50 * seconds;
    let (_, n) = allocations(|| {
        for i in 100..100 + frames {
            tick(&mut a, &mut b, i);
        }
    });
    n as f64 / (2 * frames) as f64
}

/// What webrtc-srtp allocates for one packet protected and checked: its API hands back a new
/// buffer each way, the only allocations a packet may cost.
fn srtp_library_allocations_per_packet() -> u64 {
    let (ka, kb) = keys();
    let (mut tx, mut rx) = (Srtp::new(&ka, &kb).unwrap(), Srtp::new(&kb, &ka).unwrap());
    let mut sender = crate::media::rtp_stream::RtpSender::new(1);
    let packet = sender.packet(0, &[0x55; 160], 160, false);
    let _ = rx.unprotect_rtp(&tx.protect_rtp(&packet).unwrap());
    let packet = sender.packet(0, &[0x55; 160], 160, false);
    crate::media::alloc_count::allocations(|| rx.unprotect_rtp(&tx.protect_rtp(&packet).unwrap()).unwrap()).1
}

#[test]
fn a_call_in_steady_state_allocates_nothing_of_its_own_per_packet() {
    for codec in [CodecKind::Pcmu, CodecKind::Pcma, CodecKind::Opus] {
        let plain = allocations_per_packet(codec, false, 10);
        let sealed = allocations_per_packet(codec, true, 10);
        eprintln!("{codec:?}: {plain:.3} allocations per packet over RTP, {sealed:.3} over SRTP");
        // RTCP and the statistics report, every 5 s, are allowed their few.
        assert!(plain < 0.1, "{codec:?} over plain RTP: {plain} allocations per packet");
        let library = srtp_library_allocations_per_packet() as f64;
        assert!(sealed < library + 0.1, "{codec:?} over SRTP: {sealed} allocations per packet, webrtc-srtp's own {library}");
    }
}
