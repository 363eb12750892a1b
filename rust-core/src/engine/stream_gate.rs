//! The inbound side of one stream flow (TCP or TLS), without sockets. Input: bytes as the
//! flow reads them. Output: the bytes rsipstack may read, and the answers the peer gets, each
//! in order. Our TCP pump (`engine::tcp_flow`) and our TLS flows (`engine::tls_connector`)
//! only move bytes between it and their sockets.
//!
//! Each frame `sip::stream_framer` cuts is judged by the [`WireGate`]: keep-alives and good
//! messages go on to rsipstack (written again where its codec would misread them), what the
//! gate stops is answered and never reaches rsipstack's codec, which would end the flow over
//! it; where a read held nothing else, rsipstack reads a CRLF, so the flow does not look idle.

use super::wire_gate::{Judged, WireGate};
use crate::sip::stream_framer::{Frame, StreamFramer, TooLarge};
use std::net::SocketAddr;

pub struct StreamGate {
    framer: StreamFramer,
    gate: WireGate,
    peer: SocketAddr,
}

/// What some bytes read from the flow come to.
#[derive(Debug, Default, PartialEq)]
pub struct Passage {
    /// For rsipstack's codec: whole frames only.
    pub to_rsipstack: Vec<u8>,
    /// For the peer: one answer each.
    pub to_peer: Vec<Vec<u8>>,
}

impl StreamGate {
    /// The gate of the flow to `peer`: a flow we dialled, so its peer is always answered.
    pub fn new(peer: SocketAddr) -> Self {
        StreamGate { framer: StreamFramer::default(), gate: WireGate::default(), peer }
    }

    /// Takes `bytes` in; what is now whole comes out. `TooLarge` ends the flow.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Passage, TooLarge> {
        self.framer.push(bytes);
        let mut passage = Passage::default();
        let mut stopped = false;
        while let Some(frame) = self.framer.next_frame()? {
            let judged = match &frame {
                Frame::Ping => Judged::Rewrite(b"\r\n\r\n".to_vec()),
                Frame::Pong => Judged::Rewrite(b"\r\n".to_vec()),
                Frame::Message(message) => self.gate.judge_framed(message, self.peer),
                Frame::Unframed { head, why } => self.gate.judge_unframed(head, why, self.peer),
            };
            match (frame, judged) {
                (Frame::Message(message), Judged::Pass) => passage.to_rsipstack.extend_from_slice(&message),
                (_, Judged::Rewrite(bytes)) => passage.to_rsipstack.extend_from_slice(&bytes),
                (_, Judged::Stop(answer)) => {
                    stopped = true;
                    if !answer.is_empty() {
                        passage.to_peer.push(answer);
                    }
                }
                (_, Judged::Pass) => {}
            }
        }
        // rsipstack's idle timeout counts what it reads: a flow busy with nothing but what the
        // gate stops must not look silent to it. One CRLF, a pong to its codec, which answers
        // nothing; one per read, since two together would read as a ping.
        if stopped && passage.to_rsipstack.is_empty() {
            passage.to_rsipstack.extend_from_slice(b"\r\n");
        }
        Ok(passage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[u8] = b"OPTIONS sip:1001@pbx SIP/2.0\r\nVia: SIP/2.0/TCP pbx;branch=z9hG4bK1\r\nFrom: <sip:pbx@pbx>;tag=1\r\nTo: <sip:1001@pbx>\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    const SIP_7: &[u8] = b"OPTIONS sip:1001@pbx SIP/7.0\r\nVia: SIP/2.0/TCP pbx;branch=z9hG4bK7\r\nFrom: <sip:pbx@pbx>;tag=1\r\nTo: <sip:1001@pbx>\r\nCall-ID: b\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn good_frames_go_on_whole_and_broken_requests_are_answered_in_their_place() {
        let mut gate = StreamGate::new("192.0.2.1:5061".parse().unwrap());
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(SIP_7);
        stream.extend_from_slice(OPTIONS);
        let (first, rest) = stream.split_at(30);
        let early = gate.feed(first).unwrap();
        assert_eq!(early.to_rsipstack, b"\r\n\r\n", "the ping goes on; half a message waits");
        let passage = gate.feed(rest).unwrap();
        // The stopped request leaves no CRLF of its own: the ping before it shows the flow alive.
        assert_eq!(passage.to_rsipstack, OPTIONS);
        assert_eq!(passage.to_peer.len(), 1);
        assert!(passage.to_peer[0].starts_with(b"SIP/2.0 505 "), "a stranger to our peers list is still answered: the flow is ours");
    }

    #[test]
    fn a_read_of_nothing_but_stopped_messages_leaves_rsipstack_one_crlf() {
        let mut gate = StreamGate::new("192.0.2.1:5061".parse().unwrap());
        for _ in 0..3 {
            let passage = gate.feed(&[SIP_7, SIP_7].concat()).unwrap();
            assert_eq!((passage.to_rsipstack.as_slice(), passage.to_peer.len()), (b"\r\n".as_slice(), 2), "each read shows the flow alive");
        }
        // Where anything else goes on, it shows that by itself.
        assert_eq!(gate.feed(&[SIP_7, OPTIONS].concat()).unwrap().to_rsipstack, OPTIONS);
        assert_eq!(gate.feed(&[SIP_7, b"\r\n\r\n".as_slice(), SIP_7].concat()).unwrap().to_rsipstack, b"\r\n\r\n", "one ping, still one");
        assert_eq!(gate.feed(b"").unwrap().to_rsipstack, b"", "nothing read, nothing stands in");
    }

    #[test]
    fn a_stream_that_never_frames_ends_the_flow() {
        let mut gate = StreamGate::new("192.0.2.1:5061".parse().unwrap());
        assert_eq!(gate.feed(&vec![b'x'; crate::sip::stream_framer::MAX_MESSAGE + 1]), Err(TooLarge));
    }
}
