//! Remembers the `Reason` header of every CANCEL received, by Call-ID.
//!
//! rsipstack ends a cancelled INVITE dialog with `TerminatedReason::UacCancel` and drops the
//! CANCEL itself, yet its `Reason` (RFC 3326) is what tells "answered at the desk" from "missed".
//! A message inspector sees every received message before the transaction layer does, so the
//! call task finds the reason here when its dialog reports the cancel.

use crate::sip::headers::{all, header};
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
                if let Some(call_id) = header(req, "call-id").or_else(|| header(req, "i")).map(|c| c.trim().to_string()) {
                    // RFC 3261 §7.3.1: several Reason headers are one list (a Q.850 cause
                    // first, the SIP cause in a second header, as some PBXs send them).
                    let reasons = all(req, "reason");
                    self.0.record(call_id, (!reasons.is_empty()).then(|| reasons.join(", ")));
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

    #[test]
    fn rfc3261_7_3_1_two_reason_headers_are_kept_as_one_list() {
        let reasons = CancelReasons::default();
        let cancel = rsipstack::sip::Request::try_from(
            "CANCEL sip:1001@h SIP/2.0\r\nVia: SIP/2.0/UDP p;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1001@b>\r\nCall-ID: two\r\nCSeq: 1 CANCEL\r\nReason: Q.850;cause=16\r\nReason: SIP;cause=200\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        CancelReasonInspector(reasons.clone()).after_received(cancel.into(), None);
        let kept = reasons.take("two").flatten().unwrap();
        assert_eq!(crate::signalling::call::cancel_reason(Some(&kept)), crate::vocab::EndReason::AnsweredElsewhere, "{kept}");
    }

    /// Reason lines as PBXs and phones put them in CANCELs (Asterisk, FreeSWITCH, Cisco,
    /// Yealink, a bare cause), each through the inspector and the call rule.
    #[test]
    fn recorded_cancels_of_a_call_answered_elsewhere_all_say_so() {
        use crate::signalling::call::cancel_reason;
        use crate::vocab::EndReason::{AnsweredElsewhere, Cancelled, DeclinedElsewhere};
        let recorded = [
            ("Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n", AnsweredElsewhere),
            ("Reason: SIP;cause=200;text=\"Call Completed Elsewhere\"\r\n", AnsweredElsewhere),
            ("Reason: SIP; cause=200; text=\"Call completed elsewhere\"\r\n", AnsweredElsewhere),
            ("Reason: SIP;cause=200\r\n", AnsweredElsewhere),
            ("Reason: SIP;cause=200;text=\"answered, at the desk\"\r\n", AnsweredElsewhere),
            ("Reason: Q.850;cause=26;text=\"NON_SELECTED_USER_CLEARING\"\r\n", AnsweredElsewhere),
            ("Reason: SIP;cause=603;text=\"Decline\"\r\n", DeclinedElsewhere),
            ("Reason: Q.850;cause=16;text=\"NORMAL_CLEARING\"\r\n", Cancelled),
            ("", Cancelled),
        ];
        for (i, (line, expected)) in recorded.into_iter().enumerate() {
            let reasons = CancelReasons::default();
            let cancel = rsipstack::sip::Request::try_from(format!(
                "CANCEL sip:1001@10.0.0.5:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{i}\r\nMax-Forwards: 70\r\nFrom: \"Carol\" <sip:carol@pbx>;tag=as{i}\r\nTo: <sip:1001@pbx>\r\nCall-ID: rec{i}@pbx\r\nCSeq: 102 CANCEL\r\n{line}Content-Length: 0\r\n\r\n"
            ).as_str())
            .unwrap();
            CancelReasonInspector(reasons.clone()).after_received(cancel.into(), None);
            let kept = reasons.take(&format!("rec{i}@pbx")).expect("a CANCEL was seen");
            assert_eq!(cancel_reason(kept.as_deref()), expected, "{line}");
        }
    }
}
