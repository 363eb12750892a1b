//! RTCP reports (RFC 3550 §6): the sender report with our reception report block that we
//! send every few seconds, the SR + BYE that ends a stream, and what the far end's reports
//! tell our receiver statistics (its round-trip time from LSR/DLSR).
//!
//! Input: the stream's `RtpSender`/`RtpReceiver` and the time; output: compound RTCP packets
//! in the clear (SRTCP protection is the pipeline's).

use super::rtp_stream::{rtcp_layout_fits, RtpReceiver, RtpSender};
use std::time::{Duration, Instant};
use webrtc_util::Marshal;

/// The first report goes a second into the call, then one every five (RFC 3550 §6.2 allows
/// a fixed interval for a two-party session; five seconds is its minimum).
pub const FIRST_REPORT: Duration = Duration::from_secs(1);
pub const REPORT_INTERVAL: Duration = Duration::from_secs(5);

/// RFC 3550 §6.4.1: a sender report carrying our report block about the far end's stream.
pub fn sender_report(sender: &RtpSender, receiver: &mut RtpReceiver, now: Instant) -> Option<Vec<u8>> {
    let mut sr = sender.sender_report(now, sender.timestamp());
    sr.reports = receiver.report_block(now).into_iter().collect();
    sr.marshal().ok().map(|b| b.to_vec())
}

/// RFC 3550 §6.6: a stream ends with a last SR and a BYE for our SSRC, in one compound packet.
pub fn goodbye(sender: &RtpSender, now: Instant) -> Option<Vec<u8>> {
    let bye = rtcp::goodbye::Goodbye { sources: vec![sender.ssrc], reason: Default::default() };
    let sr = sender.sender_report(now, sender.timestamp());
    let (Ok(a), Ok(b)) = (sr.marshal(), bye.marshal()) else { return None };
    Some([&a[..], &b[..]].concat())
}

/// Feeds a received (clear) compound RTCP packet to the receiver statistics; anything whose
/// layout does not fit the datagram is ignored before the `rtcp` crate reads it.
pub fn on_rtcp(receiver: &mut RtpReceiver, now: Instant, packet: &[u8]) {
    if !rtcp_layout_fits(packet) {
        return;
    }
    let mut buf = packet;
    let Ok(packets) = rtcp::packet::unmarshal(&mut buf) else { return };
    for p in packets {
        if let Some(sr) = p.as_any().downcast_ref::<rtcp::sender_report::SenderReport>() {
            receiver.on_sender_report(now, sr);
        } else if let Some(rr) = p.as_any().downcast_ref::<rtcp::receiver_report::ReceiverReport>() {
            for r in &rr.reports {
                receiver.on_report_block(now, r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::rtp_stream::is_rtcp;

    #[test]
    fn our_sender_report_carries_a_block_about_the_far_stream() {
        let now = Instant::now();
        let (sender, mut receiver) = (RtpSender::new(5), RtpReceiver::new(8000));
        receiver.on_rtp(now, &rtp::header::Header { version: 2, ssrc: 99, sequence_number: 1, ..Default::default() });
        let sr = sender_report(&sender, &mut receiver, now).unwrap();
        assert!(is_rtcp(&sr));
        let mut buf = &sr[..];
        let packets = rtcp::packet::unmarshal(&mut buf).unwrap();
        let sr = packets[0].as_any().downcast_ref::<rtcp::sender_report::SenderReport>().unwrap();
        assert_eq!((sr.ssrc, sr.reports.len(), sr.reports[0].ssrc), (5, 1, 99));
    }

    #[test]
    fn rfc3550_goodbye_is_a_compound_sr_then_bye() {
        let bye = goodbye(&RtpSender::new(5), Instant::now()).unwrap();
        let mut buf = &bye[..];
        let packets = rtcp::packet::unmarshal(&mut buf).unwrap();
        assert_eq!(packets.len(), 2);
        assert!(packets[1].as_any().downcast_ref::<rtcp::goodbye::Goodbye>().is_some());
        // Garbage is not read: no panic, no statistics.
        let mut receiver = RtpReceiver::new(8000);
        on_rtcp(&mut receiver, Instant::now(), &[0x80, 200, 0, 40, 1]);
        assert_eq!(receiver.rtt, None);
    }
}
