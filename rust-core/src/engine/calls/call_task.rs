//! One call's task: a `select!` loop that feeds the call's `CallMachine` with the user's
//! commands, the dialog's state changes, the INVITE's outcome, media reports and the machine's
//! own deadline, and hands each action to `call_actions`. `CallIo` is what the task keeps
//! beside the machine: the dialog, the media and the requests in flight.

use super::dialog_request::DialogRequests;
use super::invite_auth::InviteAuth;
use super::CallHub;
use crate::engine::call_media::CallMedia;
use crate::engine::clock::sleep_until;
use crate::engine::events::PhoneEvent;
use crate::engine::media_session::MediaReport;
use crate::signalling::call::{CallInput, CallMachine};
use crate::signalling::early_media::EarlyMedia;
use crate::signalling::session_timer;
use crate::sip::headers::header;
use crate::sip::sdp::offered_direction;
use crate::sip::{dtmf_info, refer_notify};
use rsipstack::dialog::dialog::TransactionHandle;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Uri};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What one call's task keeps beside its machine: the dialog and the bytes it sends.
pub(super) struct CallIo {
    pub(super) uuid: String,
    pub(super) call_id: String,
    /// The account's index (a referred call goes out from the same account).
    pub(super) account: usize,
    pub(super) dialog: InviteDialog,
    pub(super) media: CallMedia,
    /// Where the task hears the SDP answers to our re-offers.
    pub(super) answers: Option<mpsc::Sender<String>>,
    /// The far end's pending re-offer, answered when the machine says how.
    pub(super) reoffer: Option<PendingReoffer>,
    /// Headers our 2xx to the INVITE carries (the session timer we agreed).
    pub(super) accept_headers: Vec<Header>,
    /// The agreed session interval (RFC 4028), echoed in refreshes.
    pub(super) session_expires: Option<u32>,
    /// Our re-INVITE in flight beside the loop. A BYE waits for it (bounded): sent while the
    /// re-INVITE still takes its CSeq, the BYE could carry the lower one and arrive second, and
    /// the far end would refuse it as out of order (RFC 3261 §12.2.2) and never hang up.
    pub(super) reinvite: Option<tokio::task::JoinHandle<()>>,
    /// Our last progress NOTIFY to a transferor, still in flight: the next waits for it.
    pub(super) refer_notify: Option<tokio::task::JoinHandle<()>>,
    /// Our INVITE while it may still be challenged (outgoing calls).
    pub(super) invite_auth: Option<InviteAuth>,
    /// Our own in-dialog requests and the challenges they met (`dialog_request`).
    pub(super) requests: Option<DialogRequests>,
    /// Which SDP answer the media follows before the 2xx (an outgoing call's 183s).
    pub(super) early: EarlyMedia,
    /// Who calls (incoming calls), announced when the machine reports the call.
    pub(super) caller: Option<IncomingCaller>,
    /// Our Contact since our address moved; the dialog's own (rsipstack's, fixed at its
    /// creation) until then.
    pub(super) moved_contact: Option<rsipstack::sip::Uri>,
}

/// An incoming call's caller and account, as the shell's `Incoming` event names them.
pub(super) struct IncomingCaller {
    pub(super) call_id: String,
    pub(super) from: String,
    pub(super) display_name: Option<String>,
    pub(super) account: String,
}

/// A re-INVITE or UPDATE of the far end's, waiting for our answer.
pub(super) struct PendingReoffer {
    pub(super) handle: TransactionHandle,
    /// Our 2xx carries SDP (not for an UPDATE without an offer).
    pub(super) with_sdp: bool,
    /// It carried `Session-Expires`: our 2xx confirms the timer.
    pub(super) timer: bool,
    /// Its SDP offer (empty for a refresh).
    pub(super) offer: String,
}

impl CallIo {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        uuid: String,
        call_id: String,
        account: usize,
        dialog: InviteDialog,
        media: CallMedia,
        accept_headers: Vec<Header>,
        session_expires: Option<u32>,
    ) -> Self {
        CallIo {
            uuid,
            call_id,
            account,
            dialog,
            media,
            answers: None,
            reoffer: None,
            accept_headers,
            session_expires,
            reinvite: None,
            refer_notify: None,
            invite_auth: None,
            requests: None,
            early: EarlyMedia::new(),
            caller: None,
            moved_contact: None,
        }
    }
}

impl CallHub {
    pub(super) async fn run_call(
        self: Arc<Self>,
        mut io: CallIo,
        mut states: DialogStateReceiver,
        mut commands: mpsc::Receiver<CallInput>,
        mut machine: CallMachine,
        mut outcome: Option<rsipstack::platform::JoinHandle<rsipstack::dialog::invitation::InviteAsyncResult>>,
        mut reports: mpsc::UnboundedReceiver<MediaReport>,
    ) {
        // Our own in-dialog requests (re-INVITE, INFO, REFER) run beside the loop and report here.
        let (own_tx, mut own_rx) = mpsc::channel::<CallInput>(8);
        // The SDP answers to our re-offers.
        let (answer_tx, mut answer_rx) = mpsc::channel::<String>(4);
        io.answers = Some(answer_tx);
        loop {
            while let Some(action) = machine.poll_action() {
                self.carry_out(&mut io, &own_tx, action).await;
            }
            if machine.is_ended() {
                break;
            }
            let now = || Instant::now().into_std();
            let deadline = machine.poll_timeout().map(Instant::from_std);
            tokio::select! {
                Some(input) = commands.recv() => {
                    if let CallInput::AddressMoved { contact, ip } = &input {
                        self.take_address(&mut io, contact, *ip).await;
                    }
                    machine.handle(now(), input)
                }
                Some(input) = own_rx.recv() => machine.handle(now(), input),
                Some(answer) = answer_rx.recv() => {
                    if let Err(e) = io.media.answered(&answer).await {
                        tracing::warn!(error = %e, "answer to our re-offer not usable; media unchanged");
                    }
                }
                Some(report) = reports.recv() => match report {
                    MediaReport::Dtmf(digit) => machine.handle(now(), CallInput::RemoteDtmf { digit }),
                    MediaReport::Stats(stats) => self.emit_stats(&io.uuid, stats),
                },
                state = states.recv() => match state {
                    Some(state) => {
                        if let Some(input) = self.input_from(&mut io, state).await {
                            machine.handle(now(), input);
                        }
                    }
                    None => machine.handle(now(), CallInput::TransportFailed),
                },
                result = async { outcome.as_mut().expect("guarded").await }, if outcome.is_some() => {
                    outcome = None;
                    match result {
                        Ok(Ok((_, Some(resp)))) if InviteAuth::is_challenge(&resp) && machine.awaits_answer() && io.invite_auth.is_some() => {
                            match io.invite_auth.as_mut().expect("guarded").retry(&self.dialogs, &resp) {
                                Ok((dialog, next)) => {
                                    self.attach(&io.uuid, &dialog);
                                    io.dialog = dialog;
                                    outcome = Some(next);
                                }
                                Err((code, reason)) => {
                                    tracing::warn!(code, %reason, "outgoing call not authenticated");
                                    machine.handle(now(), CallInput::Rejected { code });
                                }
                            }
                        }
                        Ok(Ok((_, Some(resp)))) => {
                            // Answered: no more challenges to answer, and the call's state
                            // channel closes with its dialog again. The INVITE's challenges
                            // serve the dialog's later requests.
                            if let Some(auth) = io.invite_auth.take() {
                                io.requests = Some(DialogRequests::new(self.dialogs.endpoint.clone(), io.dialog.clone(), auth.into_auth()));
                            }
                            let code = u16::from(resp.status_code.clone());
                            if (200..300).contains(&code) {
                                machine.handle(now(), CallInput::Answered);
                                // The early media's SDP again keeps the stream as it plays; another
                                // (a different fork answered, or a new answer) is applied.
                                let tag = io.dialog.id().remote_tag;
                                let answer = io.early.answered(&tag, &String::from_utf8_lossy(&resp.body));
                                if let Some(Err(e)) = match answer {
                                    Some(sdp) => Some(io.media.answered(&sdp).await),
                                    None => None,
                                } {
                                    // An answer we cannot use: a call without audio is no call.
                                    tracing::warn!(error = %e, "the callee's answer is not usable");
                                    self.listener.on_event(PhoneEvent::Error { message: format!("call {}: {e}", io.uuid) });
                                    machine.handle(now(), CallInput::Hangup);
                                }
                                // RFC 4028 §7.2: the answer says whether a timer runs and who refreshes.
                                if let Some((interval, we_refresh)) = session_timer::negotiate_uac(header(&resp, "Session-Expires").as_deref(), self.min_se) {
                                    io.session_expires = Some(interval.as_secs() as u32);
                                    machine.handle(now(), CallInput::SessionTimerAgreed { interval, we_refresh });
                                }
                            } else {
                                machine.handle(now(), CallInput::Rejected { code });
                            }
                        }
                        other => {
                            io.invite_auth = None;
                            let why = match other {
                                Ok(Err(e)) => e.to_string(),
                                Err(e) => e.to_string(),
                                Ok(Ok(_)) => "no final answer".into(),
                            };
                            tracing::warn!(error = %why, "outgoing INVITE failed without a SIP answer");
                            machine.handle(now(), CallInput::TransportFailed);
                        }
                    }
                }
                _ = sleep_until(deadline) => machine.handle_timeout(now()),
            }
        }
        self.calls.forget(&io.uuid);
        self.dialogs.remove_dialog(&io.dialog.id());
    }

    /// Our address moved: media to a new port at `ip`, our requests and answers in the dialog
    /// carry `contact`. The machine decides when the far end hears of it.
    async fn take_address(&self, io: &mut CallIo, contact: &str, ip: std::net::IpAddr) {
        if let Err(e) = io.media.rebind(ip).await {
            tracing::warn!(error = %e, %ip, "media not moved");
        }
        match Uri::try_from(contact) {
            Ok(uri) => io.moved_contact = Some(uri),
            Err(e) => tracing::warn!(error = %e, %contact, "moved Contact unreadable; the dialog keeps its own"),
        }
    }

    /// What a dialog state change means to the call. In-dialog requests that need no decision
    /// are answered here; a re-offer's handle is kept for the machine's answer.
    async fn input_from(&self, io: &mut CallIo, state: DialogState) -> Option<CallInput> {
        match state {
            // re-INVITE or UPDATE (RFC 3311): hold, resume, session refresh (RFC 4028).
            DialogState::Updated(_, req, handle) => {
                super::dialog_request::refresh_remote_target(&io.dialog, &req);
                let timer = header(&req, "Session-Expires").is_some();
                if req.body.is_empty() {
                    // No offer: a refresh. A re-INVITE wants our offer in the 2xx; an UPDATE
                    // gets a bare 2xx (an answer needs an offer).
                    io.reoffer = Some(PendingReoffer { handle, with_sdp: req.method == rsipstack::sip::Method::Invite, timer, offer: String::new() });
                    return Some(CallInput::RemoteRefresh);
                }
                io.reoffer = Some(PendingReoffer { handle, with_sdp: true, timer, offer: String::from_utf8_lossy(&req.body).to_string() });
                Some(CallInput::RemoteOffer { direction: offered_direction(&String::from_utf8_lossy(&req.body)) })
            }
            DialogState::Info(_, req, handle) => {
                let digit = dtmf_info::digit(&req);
                let code = if digit.is_some() { rsipstack::sip::StatusCode::OK } else { rsipstack::sip::StatusCode::UnsupportedMediaType };
                handle.reply(code).await.ok();
                digit.map(|digit| CallInput::RemoteDtmf { digit })
            }
            // RFC 3515 §2.4.4: NOTIFYs with a sipfrag of the referred call's progress.
            DialogState::Notify(_, req, handle) => {
                handle.reply(rsipstack::sip::StatusCode::OK).await.ok();
                refer_notify::progress(&req).map(|(code, last)| CallInput::ReferProgress { code, last })
            }
            DialogState::Options(_, _, handle) | DialogState::Message(_, _, handle) => {
                handle.reply(rsipstack::sip::StatusCode::OK).await.ok();
                None
            }
            // Being transferred (RFC 3515): accept, then place the call the far end asks for.
            DialogState::Refer(_, req, handle) => {
                let target = header(&req, "Refer-To").map(|v| rsipstack::sip::event_packages::parse_refer_to(&v));
                match target.filter(|t| Uri::try_from(t.uri.as_str()).is_ok()) {
                    Some(t) => {
                        handle.reply(rsipstack::sip::StatusCode::Accepted).await.ok();
                        Some(CallInput::RemoteRefer { target: t.uri, replaces: t.replaces })
                    }
                    None => {
                        handle.reply(rsipstack::sip::StatusCode::BadRequest).await.ok();
                        None
                    }
                }
            }
            DialogState::Early(id, resp) => {
                let code = u16::from(resp.status_code.clone());
                // Our own 180 to an incoming call comes back as Early too: nothing to play.
                if io.dialog.role() != rsipstack::transaction::key::TransactionRole::Client {
                    return Some(CallInput::Provisional { code });
                }
                let Some(sdp) = io.early.provisional(&id.remote_tag, &String::from_utf8_lossy(&resp.body)) else {
                    return Some(CallInput::Provisional { code });
                };
                // RFC 3960 §3: the provisional's SDP answers our offer for now; its media (the
                // far end's ringback, a queue's announcement) plays until the 2xx.
                match io.media.answered(&sdp).await {
                    Ok(()) => {
                        tracing::info!(code, tag = %id.remote_tag, "early media from the provisional's SDP");
                        io.early.playing(&sdp);
                        Some(CallInput::EarlyMedia)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the provisional's SDP is not usable; no early media");
                        Some(CallInput::Provisional { code })
                    }
                }
            }
            DialogState::Confirmed(..) => {
                // An INVITE without an offer got ours in the 200; its ACK brings the answer.
                if let Some(ack) = io.dialog.last_remote_ack().filter(|a| !a.body.is_empty()) {
                    if let Err(e) = io.media.answered(&String::from_utf8_lossy(&ack.body)).await {
                        tracing::warn!(error = %e, "the answer in the ACK is not usable");
                    }
                }
                Some(CallInput::AckReceived)
            }
            DialogState::Terminated(_, TerminatedReason::UacCancel) => {
                Some(CallInput::RemoteCancelled { reason: self.cancel_reasons.take(&io.call_id).flatten() })
            }
            DialogState::Terminated(_, TerminatedReason::UacBye | TerminatedReason::UasBye) => Some(CallInput::RemoteBye),
            DialogState::Terminated(_, TerminatedReason::Timeout) => Some(CallInput::AckTimeout),
            _ => None,
        }
    }
}
