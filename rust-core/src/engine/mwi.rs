//! The voicemail subscription (RFC 3842 §4, RFC 6665): one SUBSCRIBE dialog to
//! `message-summary` per account, kept alive by the same policy as the registration.
//!
//! Input: the account's registered route, responses, timer expiry, stop. Output: SUBSCRIBE
//! requests. Its NOTIFYs are answered on the incoming path (they carry the event name), which
//! also takes the first NOTIFY that may overtake the SUBSCRIBE's 200 (RFC 6665 §4.1.2.4).

use super::calls::AccountRoute;
use super::clock::sleep_until;
use super::register_request::{reduce_binding_response, ResponseHeaders};
use super::sip_stack::{final_response, SipStack};
use crate::signalling::registration::{ChallengeHeader, RegistrationAction, RegistrationConfig, RegistrationEvent, RegistrationInput, RegistrationMachine};
use crate::sip::digest::DigestCredentials;
use rsipstack::sip::Request;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Subscriptions last an hour (RFC 3842 suggests a long expiry for a summary that changes
/// rarely) and are refreshed before, like a registration.
const EXPIRES: u32 = 3600;

pub struct MwiSetup {
    pub account_key: String,
    pub username: String,
    pub domain: String,
    /// Whom to subscribe to: the mailbox URI (`sip:*97@pbx`) or our own AOR.
    pub target: String,
    pub creds: DigestCredentials,
    pub route: Arc<Mutex<AccountRoute>>,
}

/// The subscription dialog as we know it (RFC 3261 §12.1.2): learnt from the first 2xx.
#[derive(Default)]
struct Dialog {
    to_tag: Option<String>,
    remote_target: Option<String>,
    route_set: Vec<String>,
}

pub async fn run(stack: Arc<SipStack>, setup: MwiSetup, stop: CancellationToken) {
    let span = tracing::info_span!("mwi", account = %setup.account_key);
    async move {
        // The subscription rides the registration's flow: wait for it (bounded by stop).
        let route = loop {
            let current = setup.route.lock().map(|r| r.clone()).unwrap_or_default();
            if let (Some(_), Some(_)) = (&current.destination, &current.contact) {
                break current;
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        };
        let mut machine = RegistrationMachine::new(RegistrationConfig { expires: EXPIRES, ..Default::default() });
        let (outcome_tx, mut outcome_rx) = mpsc::channel(4);
        let mut sub = Subscriber {
            stack,
            setup,
            route,
            dialog: Dialog::default(),
            call_id: format!("{}@ringside", uuid::Uuid::new_v4()),
            from_tag: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            cseq: 0,
        };
        let mut stopping = false;
        machine.handle(Instant::now().into_std(), RegistrationInput::Start);
        loop {
            while let Some(action) = machine.poll_action() {
                match action {
                    RegistrationAction::SendRegister { expires } => {
                        if let Err(e) = sub.send(&mut machine, expires, outcome_tx.clone()).await {
                            machine.handle(Instant::now().into_std(), RegistrationInput::TransportFailed { reason: e });
                        }
                    }
                    RegistrationAction::Event(RegistrationEvent::Registered { expires }) => {
                        tracing::info!(expires, "voicemail subscription active")
                    }
                    RegistrationAction::Event(RegistrationEvent::Failed { code, reason, fatal, .. }) => {
                        tracing::warn!(code, %reason, fatal, "voicemail subscription failed");
                    }
                    RegistrationAction::Event(RegistrationEvent::Unregistered) => return,
                    RegistrationAction::ResetFlow | RegistrationAction::UseContactAddress { .. } => sub.dialog = Dialog::default(),
                }
            }
            if machine.is_idle() && (stopping || machine.poll_timeout().is_none()) {
                return;
            }
            let deadline = machine.poll_timeout().map(Instant::from_std);
            tokio::select! {
                _ = stop.cancelled(), if !stopping => {
                    stopping = true;
                    machine.handle(Instant::now().into_std(), RegistrationInput::Stop);
                }
                Some(result) = outcome_rx.recv() => {
                    let input = match result {
                        Ok(resp) => {
                            let headers = ResponseHeaders::of(&resp);
                            let reduced = reduce_binding_response(&resp, &headers);
                            sub.learn(&headers, reduced.code);
                            RegistrationInput::Response(reduced)
                        }
                        Err(reason) => RegistrationInput::TransportFailed { reason },
                    };
                    machine.handle(Instant::now().into_std(), input);
                }
                _ = sleep_until(deadline) => machine.handle_timeout(Instant::now().into_std()),
            }
        }
    }
    .instrument(span)
    .await
}

struct Subscriber {
    stack: Arc<SipStack>,
    setup: MwiSetup,
    route: AccountRoute,
    dialog: Dialog,
    call_id: String,
    from_tag: String,
    cseq: u32,
}

impl Subscriber {
    /// Remembers the dialog from a 2xx; a 481 means the server forgot it: start afresh.
    fn learn(&mut self, headers: &ResponseHeaders, code: u16) {
        if code == 481 {
            self.dialog = Dialog::default();
            self.call_id = format!("{}@ringside", uuid::Uuid::new_v4());
        }
        if (200..300).contains(&code) && self.dialog.to_tag.is_none() {
            let to = headers.first("to").unwrap_or("");
            self.dialog.to_tag = crate::sip::name_addr::param(to, "tag").map(str::to_string);
            self.dialog.remote_target = headers.first("contact").map(|c| crate::sip::name_addr::split(c).1).filter(|u| !u.is_empty());
            // RFC 3261 §12.1.2: the UAC's route set is the Record-Route in reverse order.
            let mut routes: Vec<String> =
                headers.all("record-route").flat_map(|v| crate::sip::wire::split_unquoted(v, ',')).map(|r| r.trim().to_string()).collect();
            routes.reverse();
            self.dialog.route_set = routes;
        }
    }

    async fn send(
        &mut self,
        machine: &mut RegistrationMachine,
        expires: u32,
        outcome: mpsc::Sender<Result<rsipstack::sip::Response, String>>,
    ) -> Result<(), String> {
        let destination = self.route.destination.clone().ok_or("not registered")?;
        let (flow, _) = self.stack.flow_to(&destination).await.map_err(|e| e.to_string())?;
        let via = self.stack.endpoint.inner.get_via(Some(flow.get_addr().clone()), None).map_err(|e| e.to_string())?;
        self.cseq += 1;
        let ruri = self.dialog.remote_target.clone().unwrap_or_else(|| self.setup.target.clone());
        let authorization = machine.authorization_for("SUBSCRIBE", &self.setup.creds, &ruri);
        let request = self.build(&ruri, &rsipstack::sip::Header::Via(via.into()).value().to_string(), expires, authorization)?;
        let key = TransactionKey::from_request(&request, TransactionRole::Client).map_err(|e| e.to_string())?;
        let mut tx = Transaction::new_client(key, request, self.stack.endpoint.inner.clone(), Some(flow));
        tx.destination = Some(destination);
        tokio::spawn(async move {
            let result = final_response(&mut tx, Duration::from_secs(64)).await;
            outcome.send(result).await.ok();
        });
        Ok(())
    }

    fn build(&self, ruri: &str, via: &str, expires: u32, authorization: Option<(ChallengeHeader, String)>) -> Result<Request, String> {
        let to_tag = self.dialog.to_tag.as_deref().map(|t| format!(";tag={t}")).unwrap_or_default();
        let contact = self.route.contact.clone().unwrap_or_default();
        let mut text = format!(
            "SUBSCRIBE {ruri} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: <sip:{user}@{domain}>;tag={from_tag}\r\nTo: <{target}>{to_tag}\r\n\
             Call-ID: {call_id}\r\nCSeq: {cseq} SUBSCRIBE\r\nContact: <{contact}>\r\nEvent: message-summary\r\n\
             Accept: application/simple-message-summary\r\nExpires: {expires}\r\nUser-Agent: {ua}\r\n",
            user = self.setup.username,
            domain = self.setup.domain,
            from_tag = self.from_tag,
            target = self.setup.target,
            call_id = self.call_id,
            cseq = self.cseq,
            ua = self.stack.config.user_agent,
        );
        for route in &self.dialog.route_set {
            text.push_str(&format!("Route: {route}\r\n"));
        }
        if let Some((header, value)) = authorization {
            let name = if header == ChallengeHeader::Www { "Authorization" } else { "Proxy-Authorization" };
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        Request::try_from(text.as_str()).map_err(|e| format!("building SUBSCRIBE: {e}"))
    }
}
