//! Received media and media descriptions: RTP, RTCP, SRTP/SRTCP, RFC 4733 events, the jitter
//! buffer and SDP offers. The first byte picks the path; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_core::testing::dtmf::EventReceiver;
use ringside_core::testing::jitter::JitterBuffer;
use ringside_core::testing::rtp_stream::{is_rtcp, parse_rtp, rtcp_layout_fits, RtpReceiver};
use ringside_core::testing::srtp::Srtp;
use ringside_core::testing::sdp::{CryptoSuite, LocalMedia, MediaPolicy, SrtpKey};
use std::time::Instant;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let now = Instant::now();
    match selector % 4 {
        0 => {
            // Plain RTP into the receive path.
            if let Some(p) = parse_rtp(rest) {
                let mut rx = RtpReceiver::new(48000);
                rx.on_rtp(now, &p.header);
                let _ = rx.report_block(now);
                let mut jb = JitterBuffer::new(20);
                jb.push(now, p.header.sequence_number, p.payload.to_vec());
                jb.push(now, p.header.sequence_number.wrapping_add(7), p.payload.to_vec());
                let _ = jb.pop(now);
                let _ = EventReceiver::default().on_packet(p.header.timestamp, &p.payload);
            }
        }
        1 => {
            if is_rtcp(rest) && rtcp_layout_fits(rest) {
                let mut buf = rest;
                if let Ok(packets) = rtcp::packet::unmarshal(&mut buf) {
                    let mut rx = RtpReceiver::new(8000);
                    for p in packets {
                        if let Some(sr) = p.as_any().downcast_ref::<rtcp::sender_report::SenderReport>() {
                            rx.on_sender_report(now, sr);
                        }
                    }
                }
            }
        }
        2 => {
            // Forged SRTP/SRTCP against a real key: refused, never a panic.
            for suite in CryptoSuite::ALL {
                let key = SrtpKey { suite, material: vec![7; suite.key_material_len()] };
                if let Ok(mut s) = Srtp::new(&key, &key) {
                    let _ = s.unprotect_rtp(rest);
                    let _ = s.unprotect_rtcp(rest);
                }
            }
        }
        _ => {
            // An SDP offer from the far end.
            let text = String::from_utf8_lossy(rest);
            let mut local = LocalMedia::new("127.0.0.1".parse().unwrap(), 40000, MediaPolicy::default());
            let _ = local.answer(&text, false);
            let _ = local.answer_received(&text);
        }
    }
});
