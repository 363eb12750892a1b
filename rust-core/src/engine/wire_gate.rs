//! The gate between our sockets and rsipstack's parser: each UDP datagram, and each message a
//! TCP flow frames, is screened (`sip::inbound`) before rsipstack reads it. Input: the bytes
//! and who sent them. Output: a [`Judged`] — hand it on, hand on a tighter rewrite, or stop it
//! (with the RFC's answer for a peer of ours).
//!
//! Only peers we send to (registrars, proxies, voicemail servers) hear the gate's answers: a
//! stranger's broken request goes unanswered, as its well-formed one would (see
//! `sip::source_filter`). A stream flow (TCP, TLS) is one we dialled, so its peer always is.

use crate::sip::inbound::{answer_unframed, screen, screen_framed, Screened};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Who may hear the gate's answers (the hosts we send to, shared with the stack), and how
/// many messages it stopped.
#[derive(Default)]
pub struct WireGate {
    pub peers: Arc<Mutex<Vec<IpAddr>>>,
    stopped: AtomicU64,
}

#[derive(Debug, PartialEq)]
pub enum Judged {
    /// Hand the bytes on as they are.
    Pass,
    /// Hand these bytes on in their place.
    Rewrite(Vec<u8>),
    /// Stop them here, sending these bytes back (empty: nothing).
    Stop(Vec<u8>),
}

impl WireGate {
    pub fn new(peers: Arc<Mutex<Vec<IpAddr>>>) -> Arc<Self> {
        Arc::new(WireGate { peers, stopped: AtomicU64::new(0) })
    }

    /// What to do with a datagram from `from`.
    pub fn judge_datagram(&self, bytes: &[u8], from: SocketAddr) -> Judged {
        let ours = || self.peers.lock().map(|p| p.iter().any(|ip| ip.to_canonical() == from.ip().to_canonical())).unwrap_or(false);
        self.judge(screen(bytes, true), from, ours, "datagram")
    }

    /// What to do with one message framed from a stream flow of ours to `from`.
    pub fn judge_framed(&self, bytes: &[u8], from: SocketAddr) -> Judged {
        self.judge(screen_framed(bytes), from, || true, "stream message")
    }

    /// What to do with a header section the stream flow to `from` could not frame (`why`).
    pub fn judge_unframed(&self, head: &[u8], why: &str, from: SocketAddr) -> Judged {
        self.judge(answer_unframed(head, why), from, || true, "stream message")
    }

    /// `ours`: whether `from` may hear the answer, asked only when there is one.
    fn judge(&self, screened: Screened, from: SocketAddr, ours: impl FnOnce() -> bool, what: &str) -> Judged {
        let (why, answer) = match screened {
            Screened::Pass => return Judged::Pass,
            Screened::Rewrite(bytes) => return Judged::Rewrite(bytes),
            Screened::Discard { why } => (why, Vec::new()),
            Screened::Refuse { code, why, response } => (format!("{code}: {why}"), if ours() { response } else { Vec::new() }),
        };
        let stopped = self.stopped.fetch_add(1, Ordering::Relaxed) + 1;
        // A flood logs its first messages, then every hundredth.
        if stopped <= 10 || stopped.is_multiple_of(100) {
            tracing::warn!(stopped, %from, answered = !answer.is_empty(), %why, "{what} stopped before parsing");
        }
        Judged::Stop(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIP_7: &[u8] = b"INVITE sip:1001@pbx SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@pbx>;tag=1\r\nTo: <sip:1001@pbx>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";

    #[test]
    fn the_gate_answers_our_peers_and_stops_a_strangers_broken_request_unanswered() {
        let gate = WireGate::new(Arc::new(Mutex::new(vec!["10.0.0.1".parse().unwrap()])));
        let Judged::Stop(answer) = gate.judge_datagram(SIP_7, "10.0.0.1:5060".parse().unwrap()) else { panic!("stopped") };
        assert!(answer.starts_with(b"SIP/2.0 505 "), "{}", String::from_utf8_lossy(&answer));
        let Judged::Stop(answer) = gate.judge_datagram(SIP_7, "[::ffff:10.0.0.1]:5060".parse().unwrap()) else { panic!("stopped") };
        assert!(!answer.is_empty(), "a mapped address is the same host");
        assert_eq!(gate.judge_datagram(SIP_7, "203.0.113.9:5060".parse().unwrap()), Judged::Stop(Vec::new()));
        assert_eq!(gate.judge_datagram(b"\r\n\r\n", "203.0.113.9:5060".parse().unwrap()), Judged::Pass);
        assert_eq!(gate.stopped.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_framed_message_rsipstack_could_not_read_is_answered_never_handed_on() {
        let gate = WireGate::new(Arc::new(Mutex::new(vec!["10.0.0.1".parse().unwrap()])));
        let pbx: SocketAddr = "10.0.0.1:5060".parse().unwrap();
        let Judged::Stop(answer) = gate.judge_framed(SIP_7, pbx) else { panic!("stopped") };
        assert!(answer.starts_with(b"SIP/2.0 505 "));
        let Judged::Stop(answer) =
            gate.judge_unframed(b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK9\r\nContent-Length: -1\r\n\r\n", "bad length", pbx)
        else {
            panic!("stopped")
        };
        assert!(answer.starts_with(b"SIP/2.0 400 ") && String::from_utf8_lossy(&answer).contains("z9hG4bK9"));
        // A response is never answered, and an unreadable one never reaches rsipstack.
        assert_eq!(gate.judge_unframed(b"SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n", "bad length", pbx), Judged::Stop(Vec::new()));
        assert_eq!(gate.judge_framed(b"SIP/2.0 200 OK\r\nno colon here\r\n\r\n", pbx), Judged::Stop(Vec::new()));
        // A Content-Length rsipstack's codec would not see is written so it does.
        let spaced = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK3\r\nFrom: <sip:x@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length : 2\r\n\r\nhi";
        let Judged::Rewrite(tight) = gate.judge_framed(spaced, pbx) else { panic!("rewritten") };
        assert!(String::from_utf8_lossy(&tight).contains("\r\nContent-Length: 2\r\n\r\nhi"));
    }
}
