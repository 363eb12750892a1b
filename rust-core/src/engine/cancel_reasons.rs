//! Remembers the `Reason` header of every CANCEL received, by Call-ID.
//!
//! rsipstack ends a cancelled INVITE dialog with `TerminatedReason::UacCancel` and drops the
//! CANCEL itself, yet its `Reason` (RFC 3326) is what tells "answered at the desk" from "missed".
//! A message inspector sees every received message before the transaction layer does, so the
//! call task finds the reason here when its dialog reports the cancel.

use rsipstack::sip::SipMessage;
use rsipstack::transaction::endpoint::MessageInspector;
use rsipstack::transport::SipAddr;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Enough for every call that can ring at once; older entries fall off.
const CAPACITY: usize = 128;

#[derive(Default, Clone)]
pub struct CancelReasons(Arc<Mutex<VecDeque<(String, Option<String>)>>>);

impl CancelReasons {
    fn record(&self, call_id: String, reason: Option<String>) {
        if let Ok(mut q) = self.0.lock() {
            if q.len() == CAPACITY {
                q.pop_front();
            }
            q.push_back((call_id, reason));
        }
    }

    /// The Reason of the CANCEL received for `call_id`, if a CANCEL was received
    /// (`Some(None)`: a CANCEL without Reason).
    pub fn take(&self, call_id: &str) -> Option<Option<String>> {
        let mut q = self.0.lock().ok()?;
        let at = q.iter().rposition(|(id, _)| id == call_id)?;
        q.remove(at).map(|(_, reason)| reason)
    }
}

pub struct CancelReasonInspector(pub CancelReasons);

impl MessageInspector for CancelReasonInspector {
    fn before_send(&self, msg: SipMessage, _dest: Option<&SipAddr>) -> SipMessage {
        msg
    }

    fn after_received(&self, msg: SipMessage, _from: Option<&SipAddr>) -> SipMessage {
        if let SipMessage::Request(req) = &msg {
            if req.method == rsipstack::sip::Method::Cancel {
                let header = |name: &str| req.headers.iter().find(|h| h.name().eq_ignore_ascii_case(name)).map(|h| h.value().trim().to_string());
                if let Some(call_id) = header("call-id").or_else(|| header("i")) {
                    self.0.record(call_id, header("reason"));
                }
            }
        }
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_reason_by_call_id_and_forgets_on_take() {
        let reasons = CancelReasons::default();
        let cancel = rsipstack::sip::Request::try_from(
            "CANCEL sip:1001@h SIP/2.0\r\nVia: SIP/2.0/UDP p;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1001@b>\r\nCall-ID: abc\r\nCSeq: 1 CANCEL\r\nReason: SIP;cause=200;text=\"Call completed elsewhere\"\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        CancelReasonInspector(reasons.clone()).after_received(cancel.into(), None);
        assert_eq!(reasons.take("abc"), Some(Some("SIP;cause=200;text=\"Call completed elsewhere\"".into())));
        assert_eq!(reasons.take("abc"), None);
    }
}
