//! `CallHub`: every call of the phone, each a task that feeds its `CallMachine` with what
//! rsipstack's INVITE dialog reports and the user's commands, and carries out the machine's
//! actions on that dialog. Only bytes and timers here; the rules are the machine's.

use super::audio_offer::{offered_direction, AudioOffer};
use super::cancel_reasons::CancelReasons;
use super::config::CallWaiting;
use super::error::EngineError;
use super::events::{PhoneEvent, PhoneListener};
use super::sip_stack::SipStack;
use crate::signalling::call::{CallAction, CallEvent, CallInput, CallMachine};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::TransactionHandle;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Uri};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipAddr;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

/// Where an account's calls go and what Contact they carry: kept current by its
/// registration task (the flow's resolved address, the contact the registrar accepted).
#[derive(Debug, Clone, Default)]
pub struct AccountRoute {
    pub destination: Option<SipAddr>,
    pub contact: Option<String>,
}

/// One account as calls see it.
pub struct CallAccount {
    pub key: String,
    pub username: String,
    pub domain: String,
    pub display_name: Option<String>,
    pub auth_username: Option<String>,
    pub password: String,
    pub route: Arc<Mutex<AccountRoute>>,
}

/// Namespace of call UUIDs: UUIDv5(account, Call-ID), so a push and its INVITE, or two
/// deliveries of one INVITE, are one call (design §2).
const CALL_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f6b2c1e_7a0d_4f7e_9c53_0b1f3d2a9e61);

pub fn call_uuid(account_key: &str, call_id: &str) -> String {
    uuid::Uuid::new_v5(&CALL_NAMESPACE, format!("{account_key}\n{call_id}").as_bytes()).to_string()
}

pub struct CallHub {
    dialogs: Arc<DialogLayer>,
    listener: Arc<dyn PhoneListener>,
    accounts: Vec<CallAccount>,
    /// Live calls: their command channel and their account's domain (for short targets).
    calls: Mutex<HashMap<String, (mpsc::Sender<CallInput>, String)>>,
    cancel_reasons: CancelReasons,
    media_ip: IpAddr,
    waiting: CallWaiting,
    /// Calls answered and not ended: whether we hold each (call waiting needs to know).
    answered: Mutex<HashMap<String, bool>>,
}

impl CallHub {
    pub fn new(stack: &SipStack, listener: Arc<dyn PhoneListener>, accounts: Vec<CallAccount>, media_ip: IpAddr, waiting: CallWaiting) -> Arc<Self> {
        Arc::new(CallHub {
            dialogs: Arc::new(DialogLayer::new(stack.endpoint.inner.clone())),
            listener,
            accounts,
            calls: Mutex::new(HashMap::new()),
            cancel_reasons: stack.cancel_reasons.clone(),
            media_ip,
            waiting,
            answered: Mutex::new(HashMap::new()),
        })
    }

    pub fn dialogs(&self) -> &Arc<DialogLayer> {
        &self.dialogs
    }

    /// Sends a user command to a call; false if no such call. A transfer target given as an
    /// extension becomes a SIP URI in the call's own domain.
    pub async fn command(&self, call: &str, input: CallInput) -> bool {
        let entry = self.calls.lock().ok().and_then(|c| c.get(call).cloned());
        let Some((sender, domain)) = entry else { return false };
        let input = match input {
            CallInput::TransferBlind { target } if !target.contains(':') => CallInput::TransferBlind { target: format!("sip:{target}@{domain}") },
            other => other,
        };
        sender.send(input).await.is_ok()
    }

    fn register(&self, uuid: &str, domain: &str) -> Option<mpsc::Receiver<CallInput>> {
        let mut calls = self.calls.lock().ok()?;
        if calls.contains_key(uuid) {
            return None;
        }
        let (tx, rx) = mpsc::channel(8);
        calls.insert(uuid.to_string(), (tx, domain.to_string()));
        Some(rx)
    }

    fn forget(&self, uuid: &str) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(uuid);
        }
    }

    /// Answers `call`, first holding every other answered call we do not hold yet: the
    /// desk-phone way of taking a waiting call. The answer waits until those holds are
    /// confirmed, so the first caller never hears the second; at most a second, though (a
    /// glare retry can take 4 s), then the waiting caller is answered anyway.
    pub async fn answer(&self, call: &str) -> bool {
        let unheld = |hub: &Self| -> Vec<String> {
            hub.answered.lock().map(|a| a.iter().filter(|(c, held)| c.as_str() != call && !**held).map(|(c, _)| c.clone()).collect()).unwrap_or_default()
        };
        let to_hold = unheld(self);
        for other in &to_hold {
            self.command(other, CallInput::Hold).await;
        }
        if !to_hold.is_empty() {
            let deadline = Instant::now() + std::time::Duration::from_secs(1);
            while !unheld(self).is_empty() && Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
        self.command(call, CallInput::Answer).await
    }

    fn busy(&self) -> bool {
        self.answered.lock().map(|a| !a.is_empty()).unwrap_or(false)
    }

    fn track(&self, uuid: &str, event: &CallEvent) {
        let Ok(mut answered) = self.answered.lock() else { return };
        match event {
            CallEvent::Answered => {
                answered.insert(uuid.to_string(), false);
            }
            CallEvent::Held { by_remote: false } => {
                answered.insert(uuid.to_string(), true);
            }
            CallEvent::Resumed { by_remote: false } => {
                answered.insert(uuid.to_string(), false);
            }
            CallEvent::Ended { .. } => {
                answered.remove(uuid);
            }
            _ => {}
        }
    }

    fn emit(&self, uuid: &str, event: CallEvent) {
        self.track(uuid, &event);
        let call = uuid.to_string();
        let event = match event {
            CallEvent::Incoming => return, // reported with its caller by the INVITE path
            CallEvent::Ringing => PhoneEvent::Ringing { call },
            CallEvent::Answered => PhoneEvent::Answered { call },
            CallEvent::Held { by_remote } => PhoneEvent::Held { call, by_remote },
            CallEvent::Resumed { by_remote } => PhoneEvent::Resumed { call, by_remote },
            CallEvent::Dtmf { digit } => PhoneEvent::Dtmf { call, digit: digit.to_string() },
            CallEvent::Transferred { target } => PhoneEvent::Transferred { call, target },
            CallEvent::TransferFailed { target, sip_code } => PhoneEvent::TransferFailed { call, target, sip_code },
            CallEvent::Ended { reason, sip_code, duration } => {
                PhoneEvent::CallEnded { call, reason, sip_code, duration_ms: duration.map(|d| d.as_millis() as u64) }
            }
        };
        self.listener.on_event(event);
    }

    /// A message-summary NOTIFY for the account its Request-URI (or To) names.
    pub fn voicemail(&self, req: &rsipstack::sip::Request, summary: crate::sip::message_summary::MessageSummary) {
        let user = req.uri.auth.as_ref().map(|a| a.user.clone()).unwrap_or_default();
        let Some(account) = self.accounts.iter().find(|a| a.username == user).or(self.accounts.first()) else { return };
        // A PBX that only raises the flag still means "at least one new message".
        let new = if summary.waiting { summary.new.max(1) } else { summary.new };
        self.listener.on_event(PhoneEvent::Mwi { account: account.key.clone(), new, old: summary.old });
    }

    /// A new INVITE (no To tag): one call per account and Call-ID.
    pub fn incoming_invite(self: &Arc<Self>, mut tx: Transaction) {
        let req = &tx.original;
        let user = req.uri.auth.as_ref().map(|a| a.user.clone()).unwrap_or_default();
        let Some(account) = self.accounts.iter().find(|a| a.username == user).or(self.accounts.first()) else { return };
        let call_id = req.call_id_header().map(|h| h.value().to_string()).unwrap_or_default();
        let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
        let (display_name, from_uri) = split_name_addr(&from);
        let uuid = call_uuid(&account.key, &call_id);
        let Some(commands) = self.register(&uuid, &account.domain) else {
            // Same call, another path: RFC 3261 §8.2.2.2 merged request.
            tokio::spawn(async move { tx.reply(rsipstack::sip::StatusCode::LoopDetected).await.ok() });
            return;
        };
        let contact = account.route.lock().ok().and_then(|r| r.contact.clone()).and_then(|c| Uri::try_from(c.as_str()).ok());
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let dialog = match self.dialogs.get_or_create_server_invite(&tx, state_tx, None, contact) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "incoming INVITE without a dialog");
                self.forget(&uuid);
                return;
            }
        };
        self.listener.on_event(PhoneEvent::Incoming {
            call: uuid.clone(),
            call_id: call_id.clone(),
            from: from_uri,
            display_name,
            account: account.key.clone(),
        });
        let hub = self.clone();
        let mut machine = CallMachine::incoming(Instant::now().into_std());
        if self.waiting == CallWaiting::Busy && self.busy() {
            // RFC 3261 §21.4.7 486: the PBX tries the desk or voicemail; the call is still
            // reported, so the log shows it.
            machine.handle(Instant::now().into_std(), CallInput::Decline { everywhere: false });
        }
        let span = tracing::info_span!("call", %call_id, direction = "in");
        // The INVITE server transaction runs in its own task: it answers retransmissions and
        // hands ACK, CANCEL and our responses through the dialog.
        let mut driver = dialog.clone();
        tokio::spawn(async move { driver.handle(&mut tx).await.ok() }.instrument(span.clone()));
        tokio::spawn(hub.run_call(uuid, call_id, dialog, states, commands, machine, None, None).instrument(span));
    }

    /// Places a call from account `index` to `target` (an extension or a SIP URI).
    pub fn place_call(self: &Arc<Self>, index: usize, target: &str) -> Result<String, EngineError> {
        let account = self.accounts.get(index).ok_or(EngineError::Config { field: "account", reason: format!("no account #{index}") })?;
        let route = account.route.lock().map(|r| r.clone()).unwrap_or_default();
        let (Some(destination), Some(contact)) = (route.destination, route.contact) else {
            return Err(EngineError::NotRegistered { account: account.key.clone() });
        };
        let callee = if target.contains(':') { target.to_string() } else { format!("sip:{target}@{}", account.domain) };
        let callee = Uri::try_from(callee.as_str()).map_err(|e| EngineError::InvalidTarget(format!("{target:?}: {e}")))?;
        let offer = AudioOffer::bind(self.media_ip).map_err(|e| EngineError::Transport(format!("RTP port: {e}")))?;
        let call_id = format!("{}@ringside", uuid::Uuid::new_v4());
        let uuid = call_uuid(&account.key, &call_id);
        let caller = Uri::try_from(format!("sip:{}@{}", account.username, account.domain).as_str())
            .map_err(|e| EngineError::Config { field: "account", reason: e.to_string() })?;
        let option = InviteOption {
            caller_display_name: account.display_name.clone(),
            caller,
            callee,
            destination: Some(destination),
            content_type: Some("application/sdp".into()),
            offer: Some(offer.sdp.clone().into_bytes()),
            contact: Uri::try_from(contact.as_str()).map_err(|e| EngineError::Sip(e.to_string()))?,
            credential: Some(Credential {
                username: account.username.clone(),
                password: account.password.clone(),
                realm: None,
                auth_username: account.auth_username.clone(),
            }),
            call_id: Some(call_id.clone()),
            ..Default::default()
        };
        let commands = self.register(&uuid, &account.domain).ok_or_else(|| EngineError::Sip("duplicate call".into()))?;
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let (dialog, outcome) = match self.dialogs.do_invite_async(option, state_tx) {
            Ok(pair) => pair,
            Err(e) => {
                self.forget(&uuid);
                return Err(e.into());
            }
        };
        self.listener.on_event(PhoneEvent::Calling { call: uuid.clone(), target: target.to_string() });
        let span = tracing::info_span!("call", %call_id, direction = "out");
        tokio::spawn(
            self.clone()
                .run_call(uuid.clone(), call_id, dialog, states, commands, CallMachine::outgoing(Instant::now().into_std()), Some(outcome), Some(offer))
                .instrument(span),
        );
        Ok(uuid)
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_call(
        self: Arc<Self>,
        uuid: String,
        call_id: String,
        dialog: InviteDialog,
        mut states: DialogStateReceiver,
        mut commands: mpsc::Receiver<CallInput>,
        mut machine: CallMachine,
        mut outcome: Option<rsipstack::platform::JoinHandle<rsipstack::dialog::invitation::InviteAsyncResult>>,
        mut offer: Option<AudioOffer>,
    ) {
        // Our own in-dialog requests (re-INVITE, INFO) run beside the loop and report here.
        let (own_tx, mut own_rx) = mpsc::channel::<CallInput>(8);
        // The far end's pending re-offer, answered when the machine says how.
        let mut reoffer: Option<TransactionHandle> = None;
        loop {
            while let Some(action) = machine.poll_action() {
                self.carry_out(&uuid, &dialog, &mut offer, &mut reoffer, &own_tx, action).await;
            }
            if machine.is_ended() {
                break;
            }
            let now = || Instant::now().into_std();
            let deadline = machine.poll_timeout().map(Instant::from_std);
            tokio::select! {
                Some(input) = commands.recv() => machine.handle(now(), input),
                Some(input) = own_rx.recv() => machine.handle(now(), input),
                state = states.recv() => match state {
                    Some(state) => {
                        if let Some(input) = self.input_from(&call_id, state, &mut reoffer).await {
                            machine.handle(now(), input);
                        }
                    }
                    None => machine.handle(now(), CallInput::TransportFailed),
                },
                result = async { outcome.as_mut().expect("guarded").await }, if outcome.is_some() => {
                    outcome = None;
                    let input = match result {
                        Ok(Ok((_, Some(resp)))) => {
                            let code = u16::from(resp.status_code.clone());
                            if (200..300).contains(&code) { CallInput::Answered } else { CallInput::Rejected { code } }
                        }
                        _ => CallInput::TransportFailed,
                    };
                    machine.handle(now(), input);
                }
                _ = sleep_until(deadline) => machine.handle_timeout(now()),
            }
        }
        self.forget(&uuid);
        self.dialogs.remove_dialog(&dialog.id());
    }

    /// What a dialog state change means to the call. In-dialog requests that need no decision
    /// are answered here; a re-offer's handle is kept for the machine's answer.
    async fn input_from(&self, call_id: &str, state: DialogState, reoffer: &mut Option<TransactionHandle>) -> Option<CallInput> {
        match state {
            // re-INVITE or UPDATE (RFC 3311): hold, resume, session refresh (RFC 4028).
            DialogState::Updated(_, req, handle) => {
                let direction = if req.body.is_empty() {
                    crate::signalling::call::MediaDirection::SendRecv
                } else {
                    offered_direction(&String::from_utf8_lossy(&req.body))
                };
                *reoffer = Some(handle);
                Some(CallInput::RemoteOffer { direction })
            }
            DialogState::Info(_, req, handle) => {
                let digit = dtmf_from_info(&req);
                let code = if digit.is_some() { rsipstack::sip::StatusCode::OK } else { rsipstack::sip::StatusCode::UnsupportedMediaType };
                handle.reply(code).await.ok();
                digit.map(|digit| CallInput::RemoteDtmf { digit })
            }
            // RFC 3515 §2.4.4: NOTIFYs with a sipfrag of the referred call's progress.
            DialogState::Notify(_, req, handle) => {
                handle.reply(rsipstack::sip::StatusCode::OK).await.ok();
                refer_progress(&req).map(|(code, last)| CallInput::ReferProgress { code, last })
            }
            DialogState::Options(_, _, handle) | DialogState::Message(_, _, handle) => {
                handle.reply(rsipstack::sip::StatusCode::OK).await.ok();
                None
            }
            // Being transferred arrives with the transfer work (issue 3 §3); say so plainly.
            DialogState::Refer(_, _, handle) => {
                handle.reply(rsipstack::sip::StatusCode::NotImplemented).await.ok();
                None
            }
            DialogState::Early(_, resp) => Some(CallInput::Provisional { code: u16::from(resp.status_code.clone()) }),
            DialogState::Confirmed(..) => Some(CallInput::AckReceived),
            DialogState::Terminated(_, TerminatedReason::UacCancel) => Some(CallInput::RemoteCancelled { reason: self.cancel_reasons.take(call_id).flatten() }),
            DialogState::Terminated(_, TerminatedReason::UacBye | TerminatedReason::UasBye) => Some(CallInput::RemoteBye),
            DialogState::Terminated(_, TerminatedReason::Timeout) => Some(CallInput::AckTimeout),
            _ => None,
        }
    }

    async fn carry_out(
        &self,
        uuid: &str,
        dialog: &InviteDialog,
        offer: &mut Option<AudioOffer>,
        reoffer: &mut Option<TransactionHandle>,
        own: &mpsc::Sender<CallInput>,
        action: CallAction,
    ) {
        let sdp_header = || Some(vec![Header::ContentType("application/sdp".into())]);
        let result = match action {
            CallAction::AnswerReoffer { direction } => {
                let (Some(handle), Some(held)) = (reoffer.take(), offer.as_mut()) else { return };
                let body = held.with_direction(direction).into_bytes();
                handle.respond(rsipstack::sip::StatusCode::OK, sdp_header(), Some(body)).await.ok();
                Ok(())
            }
            CallAction::SendReoffer { direction } => {
                let Some(held) = offer.as_mut() else { return };
                let body = held.with_direction(direction).into_bytes();
                let (dialog, own) = (dialog.clone(), own.clone());
                tokio::spawn(async move {
                    // RFC 3261 §14.1: a 491 (both sides re-INVITEd at once) is retried after a
                    // random 2.1–4 s; three tries, then the hold is given up.
                    let code = match dialog.reinvite_with_glare_retry(sdp_header(), Some(body), 3).await {
                        Ok(Some(resp)) => u16::from(resp.status_code),
                        Ok(None) => 408,
                        Err(_) => 491,
                    };
                    own.send(CallInput::ReofferAnswered { code }).await.ok();
                });
                Ok(())
            }
            CallAction::SendRefer { target } => {
                let refer_to = match Uri::try_from(target.as_str()) {
                    Ok(uri) => uri,
                    Err(_) => {
                        own.send(CallInput::ReferAnswered { code: 400 }).await.ok();
                        return;
                    }
                };
                let (dialog, own) = (dialog.clone(), own.clone());
                tokio::spawn(async move {
                    let code = match dialog.refer(refer_to, None, None).await {
                        Ok(Some(resp)) => u16::from(resp.status_code),
                        _ => 408,
                    };
                    own.send(CallInput::ReferAnswered { code }).await.ok();
                });
                Ok(())
            }
            CallAction::SendDtmfInfo { digit } => {
                // RFC 2976 INFO with the widely deployed application/dtmf-relay body.
                let headers = Some(vec![Header::ContentType("application/dtmf-relay".into())]);
                dialog.info(headers, Some(format!("Signal={digit}\r\nDuration=160\r\n").into_bytes())).await.map(|_| ())
            }
            CallAction::SendRinging => dialog.ringing(None, None),
            CallAction::Accept => match offer.get_or_insert_with(|| AudioOffer::bind(self.media_ip).expect("an RTP port")) {
                held => dialog.accept(Some(vec![Header::ContentType("application/sdp".into())]), Some(held.sdp.clone().into_bytes())),
            },
            CallAction::Reject { code } => dialog.reject(Some(rsipstack::sip::StatusCode::from(code)), None),
            CallAction::SendCancel => dialog.cancel().await,
            CallAction::SendBye => dialog.bye().await,
            CallAction::Event(event) => {
                self.emit(uuid, event);
                Ok(())
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "call action failed");
        }
    }
}

/// RFC 3515 §2.4.5: a refer NOTIFY's sipfrag status, and whether the subscription ended.
/// (rsipstack's `ReferStatus::parse` reads only untyped Event/Subscription-State headers, and
/// its parser types them, so it never matches.)
fn refer_progress(req: &rsipstack::sip::Request) -> Option<(u16, bool)> {
    let header = |name: &str| req.headers.iter().find(|h| h.name().eq_ignore_ascii_case(name)).map(|h| h.value().to_ascii_lowercase());
    if !header("event").or_else(|| header("o"))?.trim_start().starts_with("refer") {
        return None;
    }
    let last = header("subscription-state").is_some_and(|s| s.trim_start().starts_with("terminated"));
    let body = String::from_utf8_lossy(&req.body);
    let status = body.lines().find(|l| l.starts_with("SIP/2.0 "))?;
    let code = status.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, last))
}

/// The digit of an INFO carrying application/dtmf-relay (`Signal=5`) or application/dtmf (`5`).
fn dtmf_from_info(req: &rsipstack::sip::Request) -> Option<char> {
    let ctype = req.headers.iter().find(|h| h.name().eq_ignore_ascii_case("content-type")).map(|h| h.value().to_ascii_lowercase())?;
    let body = String::from_utf8_lossy(&req.body);
    let value = if ctype.starts_with("application/dtmf-relay") {
        body.lines().find_map(|l| l.trim().strip_prefix("Signal=").or_else(|| l.trim().strip_prefix("signal=")).map(str::to_string))?
    } else if ctype.starts_with("application/dtmf") {
        body.trim().to_string()
    } else {
        return None;
    };
    let c = value.trim().chars().next()?.to_ascii_uppercase();
    (c.is_ascii_digit() || "*#ABCD".contains(c)).then_some(c)
}

/// `"Name" <sip:uri>;tag=…` → (display name, URI).
fn split_name_addr(value: &str) -> (Option<String>, String) {
    match (value.find('<'), value.find('>')) {
        (Some(lt), Some(gt)) if lt < gt => {
            let name = value[..lt].trim().trim_matches('"').trim();
            ((!name.is_empty()).then(|| name.to_string()), value[lt + 1..gt].to_string())
        }
        _ => (None, value.split(';').next().unwrap_or("").trim().to_string()),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_uuid_is_stable_per_account_and_call_id() {
        assert_eq!(call_uuid("1001@pbx", "abc"), call_uuid("1001@pbx", "abc"));
        assert_ne!(call_uuid("1001@pbx", "abc"), call_uuid("1002@pbx", "abc"));
        assert_ne!(call_uuid("1001@pbx", "abc"), call_uuid("1001@pbx", "abd"));
    }

    #[test]
    fn refer_notify_sipfrag_is_read_by_header_name() {
        let notify = |state: &str, frag: &str| {
            rsipstack::sip::Request::try_from(format!(
                "NOTIFY sip:1001@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1001@b>;tag=2\r\nCall-ID: c\r\nCSeq: 2 NOTIFY\r\nEvent: refer\r\nSubscription-State: {state}\r\nContent-Type: message/sipfrag;version=2.0\r\nContent-Length: {}\r\n\r\n{frag}",
                frag.len()
            ).as_str())
            .unwrap()
        };
        assert_eq!(refer_progress(&notify("active;expires=60", "SIP/2.0 100 Trying\r\n")), Some((100, false)));
        assert_eq!(refer_progress(&notify("terminated;reason=noresource", "SIP/2.0 200 OK\r\n")), Some((200, true)));
    }

    #[test]
    fn from_header_splits_into_name_and_uri() {
        assert_eq!(split_name_addr("\"Bob B\" <sip:1002@pbx>;tag=x"), (Some("Bob B".into()), "sip:1002@pbx".into()));
        assert_eq!(split_name_addr("sip:1002@pbx;tag=x"), (None, "sip:1002@pbx".into()));
    }
}
