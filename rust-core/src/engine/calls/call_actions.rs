//! Carrying out one call's actions on its dialog and media: answers to re-offers, our own
//! re-INVITEs, REFER and its NOTIFYs, DTMF, accept, reject, CANCEL and BYE.

use super::call_task::CallIo;
use super::dialog_request::DialogRequests;
use super::CallHub;
use crate::signalling::call::{CallAction, CallEvent, CallInput, MediaDirection};
use crate::signalling::request_auth::RequestAuth;
use rsipstack::sip::{Header, Method, Uri};
use std::sync::Arc;
use tokio::sync::mpsc;
use tracing::Instrument;

impl CallHub {
    pub(super) async fn carry_out(self: &Arc<Self>, io: &mut CallIo, own: &mpsc::Sender<CallInput>, action: CallAction) {
        let requests = self.requests(io);
        let CallIo { uuid, dialog, media, reoffer, reinvite, .. } = io;
        let dialog = &*dialog;
        let result = match action {
            CallAction::AnswerReoffer { direction } => {
                let Some(pending) = reoffer.take() else {
                    return;
                };
                let mut headers = Vec::new();
                if let (true, Some(s)) = (pending.timer, io.session_expires) {
                    // RFC 4028 §9: a refresh's answer names the refresher; the sender of the
                    // refresh is its UAC and keeps refreshing.
                    headers.push(Header::SessionExpires(format!("{s};refresher=uac").into()));
                    headers.push(Header::Require("timer".into()));
                }
                let (handle, with_sdp) = (pending.handle, pending.with_sdp);
                let body = if !with_sdp {
                    None
                } else if pending.offer.is_empty() {
                    // A re-INVITE without an offer: ours goes in the 2xx.
                    Some(media.offer(direction))
                } else {
                    let hold_locally = matches!(direction, MediaDirection::SendOnly | MediaDirection::Inactive);
                    match media.answer_reoffer(&pending.offer, hold_locally).await {
                        Ok(answer) => Some(answer),
                        Err(e) => {
                            // RFC 3264 §8: a re-offer we cannot take leaves the session as it was.
                            tracing::info!(error = %e, "re-offer refused");
                            handle.reply(rsipstack::sip::StatusCode::NotAcceptableHere).await.ok();
                            return;
                        }
                    }
                };
                if body.is_some() {
                    headers.push(Header::ContentType("application/sdp".into()));
                }
                if let Some(contact) = &io.moved_contact {
                    // RFC 3261 §12.2.2: the 2xx to a re-INVITE refreshes the far end's target.
                    headers.push(rsipstack::sip::typed::Contact::from(contact.clone()).into());
                }
                handle.respond(rsipstack::sip::StatusCode::OK, Some(headers), body.map(String::into_bytes)).await.ok();
                Ok(())
            }
            CallAction::SendSessionRefresh { direction } => {
                let body = media.offer(direction).into_bytes();
                let answers = io.answers.clone();
                let mut headers = vec![Header::ContentType("application/sdp".into()), Header::Supported("timer".into())];
                if let Some(s) = io.session_expires {
                    // We send the refresh, so we are its UAC (RFC 4028 §7.4).
                    headers.push(Header::SessionExpires(format!("{s};refresher=uac").into()));
                }
                *reinvite = Some(spawn_reinvite(requests, headers, body, answers, own.clone(), 500, |code| CallInput::SessionRefreshAnswered { code }));
                Ok(())
            }
            CallAction::SendReoffer { direction } => {
                let body = media.offer(direction).into_bytes();
                let headers = vec![Header::ContentType("application/sdp".into())];
                *reinvite = Some(spawn_reinvite(requests, headers, body, io.answers.clone(), own.clone(), 491, |code| CallInput::ReofferAnswered { code }));
                Ok(())
            }
            CallAction::PlaceReferredCall { target, replaces } => {
                let mut extra = Vec::new();
                if let Some(r) = replaces {
                    extra.push(Header::Other("Replaces".into(), r));
                }
                match self.place_call_with(io.account, &target, extra) {
                    Ok(new) => self.calls.referred(&new, uuid),
                    Err(e) => {
                        tracing::warn!(error = %e, "referred call not placed");
                        own.send(CallInput::ReferredCallProgress { code: 503 }).await.ok();
                    }
                }
                Ok(())
            }
            CallAction::SendReferNotify { code, last } => {
                let state = if last { "terminated;reason=noresource" } else { "active;expires=60" };
                // RFC 3515 §2.4.5: the referred call's progress as a sipfrag status line.
                let headers = vec![Header::Event("refer".into()), Header::SubscriptionState(state.into()), Header::ContentType("message/sipfrag".into())];
                let body = format!("SIP/2.0 {code} {:?}", rsipstack::sip::StatusCode::from(code)).into_bytes();
                // One NOTIFY outstanding per subscription (RFC 6665 §4.2.2): each waits for the
                // one before, or a referred call answered at once sent its 200 ahead of its
                // 100 and a transferor that reads them in order never acknowledged the last.
                let previous = io.refer_notify.take();
                if last {
                    // Awaited: the final NOTIFY must reach the transferor before our BYE.
                    if let Some(previous) = previous {
                        previous.await.ok();
                    }
                    requests.send(Method::Notify, headers, body).await.map(|_| ()).map_err(rsipstack::Error::Error)
                } else {
                    io.refer_notify = Some(tokio::spawn(
                        async move {
                            if let Some(previous) = previous {
                                previous.await.ok();
                            }
                            requests.send(Method::Notify, headers, body).await.ok();
                        }
                        .in_current_span(),
                    ));
                    Ok(())
                }
            }
            CallAction::SendRefer { target } => {
                // An attended transfer's target comes bracketed with its Replaces header.
                let refer_to = if target.starts_with('<') {
                    rsipstack::sip::headers::untyped::ReferTo::new(target)
                } else {
                    match Uri::try_from(target.as_str()) {
                        Ok(uri) => uri.into(),
                        Err(_) => {
                            own.send(CallInput::ReferAnswered { code: 400 }).await.ok();
                            return;
                        }
                    }
                };
                let own = own.clone();
                tokio::spawn(
                    async move {
                        let code = match requests.send(Method::Refer, vec![Header::ReferTo(refer_to)], Vec::new()).await {
                            Ok(resp) => u16::from(resp.status_code),
                            Err(e) => {
                                tracing::warn!(error = %e, "REFER without an answer");
                                408
                            }
                        };
                        own.send(CallInput::ReferAnswered { code }).await.ok();
                    }
                    .in_current_span(),
                );
                Ok(())
            }
            CallAction::SendDtmfInfo { digit } if media.has_rfc4733() => {
                // In the media (RFC 4733) when both sides agreed on telephone-event.
                media.dtmf(digit).await;
                Ok(())
            }
            CallAction::SendDtmfInfo { digit } => {
                // RFC 2976 INFO with the widely deployed application/dtmf-relay body.
                let headers = vec![Header::ContentType("application/dtmf-relay".into())];
                requests
                    .send(Method::Info, headers, format!("Signal={digit}\r\nDuration=160\r\n").into_bytes())
                    .await
                    .map(|_| ())
                    .map_err(rsipstack::Error::Error)
            }
            CallAction::SendRinging => dialog.ringing(None, None),
            CallAction::Accept => {
                let mut headers = io.accept_headers.clone();
                headers.push(Header::ContentType("application/sdp".into()));
                let result = dialog.accept(Some(headers), Some(media.initial_answer().into_bytes()));
                media.start_agreed().await;
                result
            }
            CallAction::Reject { code } => dialog.reject(Some(rsipstack::sip::StatusCode::from(code)), None),
            CallAction::SendCancel => dialog.cancel().await,
            CallAction::SendBye => {
                if let Some(pending) = reinvite.take().filter(|r| !r.is_finished()) {
                    tokio::time::timeout(std::time::Duration::from_secs(2), pending).await.ok();
                }
                self.send_bye(io).await
            }
            CallAction::Event(CallEvent::Incoming) => {
                // The machine reports the call once, first: the shell hears of it with its caller.
                if let Some(caller) = io.caller.take() {
                    self.announce_incoming(uuid, caller);
                }
                Ok(())
            }
            CallAction::Event(event) => {
                match &event {
                    CallEvent::Muted { on } => media.mute(*on).await,
                    // The call's last media statistics come just before its end.
                    CallEvent::Ended { .. } => {
                        if let Some(stats) = media.stop().await {
                            self.emit_stats(uuid, stats);
                        }
                    }
                    _ => {}
                }
                self.emit(uuid.as_str(), event);
                Ok(())
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "call action failed");
        }
    }
}

impl CallHub {
    /// The call's in-dialog request sender, made on first use with the account's credentials
    /// (an outgoing call's comes with the INVITE's challenges when it is answered).
    fn requests(&self, io: &mut CallIo) -> DialogRequests {
        if io.requests.is_none() {
            io.requests = Some(DialogRequests::new(self.dialogs.endpoint.clone(), io.dialog.clone(), RequestAuth::new(self.creds(io.account))));
        }
        let requests = io.requests.clone().expect("set above");
        requests.set_contact(io.moved_contact.clone());
        requests
    }

    /// Our BYE, on our own transaction so that a challenge to it is answered by our digest.
    /// RFC 3261 §15.1.1: only a dialog that is (being) established has a session to end.
    async fn send_bye(&self, io: &mut CallIo) -> rsipstack::Result<()> {
        let state = io.dialog.state();
        let server_waiting_ack = io.dialog.role() == rsipstack::transaction::key::TransactionRole::Server && state.waiting_ack();
        if !state.is_confirmed() && !server_waiting_ack {
            return Ok(());
        }
        let resp = self.requests(io).send(Method::Bye, Vec::new(), Vec::new()).await.map_err(rsipstack::Error::Error)?;
        tracing::debug!(code = u16::from(resp.status_code), "BYE answered");
        Ok(())
    }
}

/// Sends a re-INVITE beside the call's loop and reports its final status as `report(code)`:
/// 408 without an answer, `failed` when the request could not be sent (or 491 after the
/// glare retries, `DialogRequests::reinvite`).
fn spawn_reinvite(
    requests: DialogRequests,
    headers: Vec<Header>,
    body: Vec<u8>,
    answers: Option<mpsc::Sender<String>>,
    own: mpsc::Sender<CallInput>,
    failed: u16,
    report: fn(u16) -> CallInput,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(
        async move {
            let code = match requests.reinvite(headers, body, 3).await {
                Ok(resp) if resp.status_code == rsipstack::sip::StatusCode::RequestPending => failed,
                Ok(resp) => {
                    forward_answer(&answers, &resp).await;
                    u16::from(resp.status_code)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "re-INVITE without an answer");
                    408
                }
            };
            own.send(report(code)).await.ok();
        }
        .in_current_span(),
    )
}

/// Hands a 2xx's SDP answer to the call task (which owns the media).
async fn forward_answer(answers: &Option<mpsc::Sender<String>>, resp: &rsipstack::sip::Response) {
    if let (Some(tx), true) = (answers, u16::from(resp.status_code.clone()) / 100 == 2 && !resp.body.is_empty()) {
        tx.send(String::from_utf8_lossy(&resp.body).to_string()).await.ok();
    }
}
