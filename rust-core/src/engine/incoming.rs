//! Every request that is not part of a transaction we started: through the inbound gate, then
//! to the call hub (INVITE, in-dialog requests) or answered here (OPTIONS, the rest).

use super::calls::CallHub;
use super::sip_stack::SipStack;
use crate::sip::inbound::{check_parsed, Refused};
use crate::sip::source_filter::{admit, via_source, Admission, Source};
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Method, StatusCode};
use std::sync::Arc;

pub fn serve(stack: Arc<SipStack>, hub: Arc<CallHub>) {
    let Ok(mut incoming) = stack.endpoint.incoming_transactions() else {
        return;
    };
    let cancel = stack.cancel_token();
    tokio::spawn(async move {
        let mut ignored: u64 = 0;
        loop {
            let mut tx = tokio::select! {
                _ = cancel.cancelled() => break,
                tx = incoming.recv() => match tx { Some(tx) => tx, None => break },
            };
            if tx.original.method == Method::Ack {
                continue;
            }
            if hub.is_suspended() {
                // A frozen app answers nothing; the sender's retransmissions die out.
                tracing::debug!(method = %tx.original.method, "suspended: request left unanswered");
                continue;
            }
            let in_dialog = tx.original.to_header().ok().and_then(|t| t.tag().ok().flatten()).is_some();
            let mwi = tx.original.method == Method::Notify
                && crate::sip::headers::header(&tx.original, "event").is_some_and(|e| e.to_ascii_lowercase().starts_with("message-summary"));
            // Out-of-dialog requests (and voicemail NOTIFYs, which skip the dialog check
            // below) only from the peers we send to: a scanner or spoofer gets no answer,
            // not even the gate's.
            if !in_dialog || mwi {
                let source = match &tx.connection {
                    Some(conn) if conn.is_reliable() => Source::OwnFlow,
                    _ => Source::Datagram(crate::sip::headers::header(&tx.original, "via").as_deref().and_then(via_source)),
                };
                if let Admission::Ignore { why } = admit(source, &stack.trusted_peers()) {
                    ignored += 1;
                    // A flood logs its first requests, then every hundredth.
                    if ignored <= 10 || ignored % 100 == 0 {
                        tracing::warn!(ignored, method = %tx.original.method, ?source, why, "request from a stranger ignored");
                    }
                    continue;
                }
            }
            // rsipstack already parsed the octets (leniently): on a stream flow the gate checks
            // its request as parsed. A datagram passed the same checks on its bytes already
            // (`udp_listener`'s screen), so it is not judged twice.
            let reliable = tx.connection.as_ref().is_some_and(|c| c.is_reliable());
            if let Err(Refused { code, why, header }) = if reliable { check_parsed(&tx.original) } else { Ok(()) } {
                tracing::info!(code, %why, method = %tx.original.method, "request refused by the inbound gate");
                let headers = header.map(|(n, v)| rsipstack::sip::headers::make_header(n, v)).into_iter().collect();
                // rsipstack writes a response in the request's version; a 505 to SIP/7.0 must
                // itself speak the version we do (RFC 3261 §21.5.6), as every answer of ours does.
                tx.original.version = rsipstack::sip::Version::V2;
                tokio::spawn(async move { tx.reply_with(StatusCode::from(code), headers, None).await.ok() });
                continue;
            }
            // Voicemail NOTIFYs, in our subscription's dialog or unasked (RFC 3842 §6.3): the
            // event name is enough, and the first may overtake the SUBSCRIBE's 200.
            if mwi {
                let summary = crate::sip::message_summary::parse(&String::from_utf8_lossy(&tx.original.body));
                let code = if summary.is_some() { StatusCode::OK } else { StatusCode::BadRequest };
                if let Some(s) = summary {
                    hub.voicemail(&tx.original, s);
                }
                tokio::spawn(async move { tx.reply(code).await.ok() });
                continue;
            }
            if in_dialog {
                match hub.dialogs().match_dialog(&tx) {
                    Some(mut dialog) => {
                        tokio::spawn(async move { dialog.handle(&mut tx).await.ok() });
                    }
                    None => {
                        tokio::spawn(async move { tx.reply(StatusCode::CallTransactionDoesNotExist).await.ok() });
                    }
                }
                continue;
            }
            match tx.original.method {
                Method::Invite => hub.incoming_invite(tx),
                Method::Options => {
                    tokio::spawn(async move { tx.reply(StatusCode::OK).await.ok() });
                }
                // Out-of-dialog MESSAGE, other NOTIFY, REFER: not handled yet.
                _ => {
                    tokio::spawn(async move { tx.reply(StatusCode::TemporarilyUnavailable).await.ok() });
                }
            }
        }
    });
}
