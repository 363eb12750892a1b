//! The whole media path over a simulated network, with no sockets: PCM → encoder → RTP →
//! SRTP → the network traces of `traces.rs` (loss, jitter, spikes, reordering, duplicates,
//! clock drift) on a virtual clock → SRTP (replay protection on) → jitter buffer → decoder
//! (FEC and concealment) → PCM. The far end must hear the tone through every network.

use super::codec::{Decoder, Encoder, OpusSettings, FRAME, RATE};
use super::jitter::{JitterBuffer, Playout};
use super::rtp_stream::{parse_rtp, RtpSender};
use super::srtp::Srtp;
use super::tone;
use super::traces::{trace, Network};
use crate::sip::sdp::{CodecKind, CryptoSuite, SrtpKey};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const SECONDS: u32 = 10;
const TONE_HZ: f32 = 1000.0;
const AMPLITUDE: i16 = 8000;

struct Heard {
    pcm: Vec<i16>,
    concealed: f32,
    srtp_refused: usize,
}

/// Sends `SECONDS` of tone through `network` and returns what the far end played.
fn through(kind: CodecKind, network: Network, seed: u64) -> Heard {
    let suite = CryptoSuite::AesCm128HmacSha1_80;
    let (a, b) = (SrtpKey::random(suite), SrtpKey::random(suite));
    let (mut tx_srtp, mut rx_srtp) = (Srtp::new(&a, &b).unwrap(), Srtp::new(&b, &a).unwrap());
    let mut encoder = Encoder::new(kind, OpusSettings::default()).unwrap();
    let mut sender = RtpSender::new(0x5eed);
    let source = tone::sine(TONE_HZ, RATE, FRAME * SECONDS as usize * 50, AMPLITUDE);
    // What the sender put on the wire, by sequence number (the trace's seq = frame index).
    let mut wire: HashMap<u16, Vec<u8>> = HashMap::new();
    let mut payload = Vec::new();
    for (i, frame) in source.chunks(FRAME).enumerate() {
        encoder.encode(frame, &mut payload).unwrap();
        let packet = sender.packet(kind.payload_type(), &payload, encoder.timestamp_step(), i == 0);
        wire.insert(i as u16, tx_srtp.protect_rtp(&packet).unwrap().to_vec());
    }
    let arrivals = trace(network, SECONDS, seed);
    let t0 = Instant::now();
    let at = |ms: f64| t0 + Duration::from_secs_f64(ms.max(0.0) / 1000.0);
    let mut jb = JitterBuffer::new(20);
    let mut decoder = Decoder::new(kind).unwrap();
    let (mut pcm, mut out) = (Vec::new(), Vec::new());
    let mut srtp_refused = 0;
    let mut next = 0;
    let mut tick = arrivals.first().map(|a| a.at_ms).unwrap_or(0.0);
    let end = arrivals.last().map(|a| a.at_ms).unwrap_or(0.0) + 500.0;
    // Until the last packet has played (the stream's end is not a loss).
    while tick < end && (next < arrivals.len() || jb.buffered() > 0) {
        while next < arrivals.len() && arrivals[next].at_ms <= tick {
            let arrival = arrivals[next];
            next += 1;
            let Some(sealed) = wire.get(&arrival.seq) else { continue };
            // A duplicate is refused by SRTP's replay window before it reaches the buffer.
            let Ok(plain) = rx_srtp.unprotect_rtp(sealed) else {
                srtp_refused += 1;
                continue;
            };
            let rtp = parse_rtp(&plain).expect("our own packet parses");
            jb.push(at(arrival.at_ms), rtp.header.sequence_number, rtp.payload.to_vec());
        }
        match jb.pop(at(tick)) {
            Playout::Waiting => out.clear(),
            Playout::Frame(p) => decoder.decode(&p, &mut out),
            Playout::Recover(next_payload) => decoder.recover(&next_payload, &mut out),
            Playout::Conceal => decoder.conceal(&mut out),
        }
        pcm.extend_from_slice(&out);
        tick += 20.0;
    }
    Heard { pcm, concealed: jb.stats().concealed_ratio(), srtp_refused }
}

/// Share of 100 ms blocks, once the tone is playing, that carry it: the 1 kHz component
/// holds most of the block's energy, at no less than a third of the sent level.
fn tone_blocks(pcm: &[i16]) -> f32 {
    let block = RATE as usize / 10;
    let start = pcm.iter().position(|s| s.unsigned_abs() > 1000).unwrap_or(pcm.len());
    let blocks: Vec<&[i16]> = pcm[start..].chunks_exact(block).collect();
    let sent = f32::from(AMPLITUDE) / 32768.0;
    let good = blocks
        .iter()
        .filter(|b| {
            let amplitude = (tone::power(b, RATE, TONE_HZ) * 4.0).sqrt();
            let mean_square = b.iter().map(|s| (f32::from(*s) / 32768.0).powi(2)).sum::<f32>() / b.len() as f32;
            amplitude > sent / 3.0 && amplitude * amplitude / 2.0 > 0.5 * mean_square
        })
        .count();
    good as f32 / blocks.len().max(1) as f32
}

#[test]
fn the_tone_crosses_every_simulated_network_with_opus_and_g711_over_srtp() {
    for kind in [CodecKind::Opus, CodecKind::Pcmu] {
        for network in Network::ALL {
            let heard = through(kind, network, 5);
            let share = tone_blocks(&heard.pcm);
            eprintln!("{kind:?} {network:?}: {:.1} % blocks, concealed {:.2} %", share * 100.0, heard.concealed * 100.0);
            // Bursty loss (4 % in bursts) and LTE's spike onsets take whole blocks; elsewhere
            // nearly every block must carry the tone.
            let floor = match network {
                Network::BurstyLoss | Network::LteSpikes => 0.85,
                _ => 0.98,
            };
            assert!(
                share >= floor,
                "{kind:?} through {network:?}: {:.1} % of blocks carry the tone (concealed {:.2} %)",
                share * 100.0,
                heard.concealed * 100.0
            );
            if network == Network::Duplicates {
                assert!(heard.srtp_refused > 0, "SRTP's replay protection refused the duplicates");
            }
        }
    }
}
