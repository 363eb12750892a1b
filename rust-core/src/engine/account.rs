//! One account's task: feeds the `RegistrationMachine` with responses, flow deaths, commands and
//! timer expiry, and carries out its actions on the `SipStack`. Only bytes and timers here;
//! every decision is the machine's.

use super::calls::AccountRoute;
use super::clock::sleep_until;
use super::config::AccountConfig;
use super::error::EngineError;
use super::events::{PhoneEvent, PhoneListener};
use super::register_request::{build_register, reduce_response, RegisterParams};
use super::sip_stack::{flow_id, transport_name, SipStack};
use crate::signalling::registration::{RegisterResponse, RegistrationAction, RegistrationConfig, RegistrationEvent, RegistrationInput, RegistrationMachine};
use crate::sip::digest::DigestCredentials;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{SipAddr, SipConnection};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::Instrument;

/// Commands the `Phone` sends an account task.
#[derive(Debug)]
pub enum AccountCommand {
    NetworkChanged,
    /// RFC 8599: the shell's push registration changed (a new token; `None` after logout).
    PushChanged(Option<crate::push::pn_params::PushConfig>),
    /// The app sleeps (`true`) or wakes: a frozen app sends no keep-alive, so none is sent
    /// (nor timed) while it sleeps; its binding is the push's to keep.
    Suspended(bool),
    /// Unregister, then report on the channel and end the task.
    Stop(oneshot::Sender<()>),
}

/// Everything an account task needs at start.
pub struct AccountSetup {
    pub account: AccountConfig,
    pub password: String,
    pub target: SipAddr,
    pub instance: String,
    pub reg_id: u32,
    pub registration: RegistrationConfig,
    /// Shared with the call hub: where this account's calls go while registered.
    pub route: Arc<std::sync::Mutex<AccountRoute>>,
    /// RFC 8599 parameters for our Contact, when the shell registered for pushes.
    pub push: Option<crate::push::pn_params::PushConfig>,
    /// Where the account says its registered Contact moved (its live calls follow).
    pub moves: mpsc::UnboundedSender<ContactMoved>,
}

/// The registrar took a new Contact for `account` in place of the one it had (a network
/// change, or a NAT that gave us a new public address): calls still carrying the old one
/// must move (RFC 3261 §12.2: a re-INVITE is a target refresh).
#[derive(Debug, Clone)]
pub struct ContactMoved {
    pub account: String,
    pub contact: String,
    /// The local address of the flow that registered it: where media go from now on.
    pub local_ip: Option<std::net::IpAddr>,
}

/// The outcome of one REGISTER transaction.
enum Outcome {
    /// The reduced response, and its `Feature-Caps` values.
    Final(RegisterResponse, Vec<String>),
    Failed(String),
}

pub struct AccountTask {
    stack: Arc<SipStack>,
    listener: Arc<dyn PhoneListener>,
    setup: AccountSetup,
    creds: DigestCredentials,
    machine: RegistrationMachine,
    call_id: String,
    from_tag: String,
    cseq: u32,
    /// Contact address learnt through NAT (RFC 3581), replacing the local one.
    contact_override: Option<String>,
    /// The flow REGISTERs go on, and the address the target resolved to for it.
    flow: Option<(SipConnection, SipAddr)>,
    last_params: Option<RegisterParams>,
    /// The contact URI the registrar accepted last, while registered.
    bound_contact: Option<String>,
    outcome_tx: mpsc::Sender<(u32, Outcome)>,
    outcome_rx: mpsc::Receiver<(u32, Outcome)>,
    /// Bumped per REGISTER so a late outcome of an abandoned one is ignored.
    generation: u32,
    /// The last 2xx's `Feature-Caps` values (RFC 8599: does the registrar push?).
    feature_caps: Vec<String>,
}

impl AccountTask {
    pub fn new(stack: Arc<SipStack>, listener: Arc<dyn PhoneListener>, setup: AccountSetup) -> Self {
        let creds = DigestCredentials {
            username: setup.account.auth_username.clone().unwrap_or_else(|| setup.account.username.clone()),
            password: setup.password.clone(),
        };
        let machine = RegistrationMachine::new(setup.registration.clone());
        let (outcome_tx, outcome_rx) = mpsc::channel(4);
        AccountTask {
            stack,
            listener,
            creds,
            machine,
            call_id: format!("{}@ringside", uuid::Uuid::new_v4()),
            from_tag: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            cseq: 0,
            contact_override: None,
            flow: None,
            last_params: None,
            bound_contact: None,
            outcome_tx,
            outcome_rx,
            generation: 0,
            feature_caps: Vec::new(),
            setup,
        }
    }

    fn key(&self) -> String {
        self.setup.account.key()
    }

    /// Runs until stopped; registers at once.
    pub async fn run(mut self, mut commands: mpsc::Receiver<AccountCommand>) {
        let span = tracing::info_span!("registration", account = %self.key());
        async move {
            let mut closed = self.stack.flow_closed();
            let mut stop_reply: Option<oneshot::Sender<()>> = None;
            let every = self.stack.config.keepalive(transport_name(&self.setup.target) != "udp");
            let mut keepalive = tokio::time::interval(every);
            keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut asleep = false;
            self.machine.handle(Instant::now().into_std(), RegistrationInput::Start);
            loop {
                self.carry_out_actions().await;
                if stop_reply.is_some() && self.machine.is_idle() {
                    break;
                }
                let deadline = self.machine.poll_timeout().map(Instant::from_std);
                tokio::select! {
                    cmd = commands.recv() => match cmd {
                        Some(AccountCommand::NetworkChanged) => self.machine.handle(Instant::now().into_std(), RegistrationInput::NetworkChanged),
                        Some(AccountCommand::PushChanged(push)) => {
                            if push != self.setup.push {
                                self.setup.push = push;
                                self.machine.handle(Instant::now().into_std(), RegistrationInput::ContactChanged);
                            }
                        }
                        Some(AccountCommand::Suspended(on)) => {
                            // A fresh interval is not in the timer wheel until polled: asleep,
                            // the task has no timer of its own to wake it between refreshes.
                            keepalive = tokio::time::interval_at(Instant::now() + every, every);
                            keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                            asleep = on;
                        }
                        Some(AccountCommand::Stop(reply)) => {
                            stop_reply = Some(reply);
                            self.machine.handle(Instant::now().into_std(), RegistrationInput::Stop);
                        }
                        None => {
                            // The Phone is gone without a stop: unregister anyway, bounded by the caller's runtime.
                            self.machine.handle(Instant::now().into_std(), RegistrationInput::Stop);
                            let (tx, _) = oneshot::channel();
                            stop_reply = Some(tx);
                        }
                    },
                    Some((generation, outcome)) = self.outcome_rx.recv() => {
                        if generation == self.generation {
                            let input = match outcome {
                                Outcome::Final(resp, feature_caps) => {
                                    self.feature_caps = feature_caps;
                                    RegistrationInput::Response(resp)
                                }
                                Outcome::Failed(reason) => RegistrationInput::TransportFailed { reason },
                            };
                            self.machine.handle(Instant::now().into_std(), input);
                        }
                    }
                    _ = sleep_until(deadline) => self.machine.handle_timeout(Instant::now().into_std()),
                    Ok(closed_flow) = closed.recv() => {
                        if self.flow.as_ref().and_then(|(f, _)| flow_id(f)).as_deref() == Some(closed_flow.as_str()) {
                            tracing::warn!(flow = %closed_flow, "registration flow died");
                            self.machine.handle(Instant::now().into_std(), RegistrationInput::FlowFailed);
                        }
                    }
                    _ = keepalive.tick(), if !asleep => {
                        if let (Some((flow, destination)), true) = (&self.flow, self.machine.is_registered()) {
                            if let Err(e) = self.stack.ping(flow, destination).await {
                                tracing::warn!(error = %e, "keep-alive failed");
                                self.machine.handle(Instant::now().into_std(), RegistrationInput::FlowFailed);
                            }
                        }
                    }
                }
            }
            if let Some(reply) = stop_reply {
                let _ = reply.send(());
            }
        }
        .instrument(span)
        .await
    }

    async fn carry_out_actions(&mut self) {
        while let Some(action) = self.machine.poll_action() {
            match action {
                RegistrationAction::SendRegister { expires } => {
                    if let Err(e) = self.send_register(expires).await {
                        tracing::warn!(error = %e, "REGISTER not sent");
                        self.machine.handle(Instant::now().into_std(), RegistrationInput::TransportFailed { reason: e.to_string() });
                    }
                }
                RegistrationAction::ResetFlow => {
                    self.contact_override = None;
                    if let Some((flow, _)) = self.flow.take() {
                        self.stack.drop_flow(&flow).await;
                    }
                }
                RegistrationAction::UseContactAddress { addr } => {
                    // The 200 that revealed the NAT bound our unreachable local contact: the
                    // next REGISTER removes it while adding the public one.
                    self.bound_contact = self.last_params.as_ref().map(|p| p.contact_uri());
                    self.contact_override = Some(addr);
                }
                RegistrationAction::Event(event) => {
                    match &event {
                        RegistrationEvent::Registered { .. } => {
                            let before = self.setup.route.lock().ok().and_then(|r| r.contact.clone());
                            self.bound_contact = self.last_params.as_ref().map(|p| p.contact_uri());
                            self.set_route(self.flow.as_ref().map(|(_, d)| d.clone()), self.bound_contact.clone());
                            if let (Some(before), Some(now)) = (before, &self.bound_contact) {
                                if before != *now {
                                    let local_ip = self.flow.as_ref().and_then(|(f, _)| match &f.get_addr().addr.host {
                                        rsipstack::sip::Host::IpAddr(ip) => Some(*ip),
                                        _ => None,
                                    });
                                    tracing::info!(from = %before, to = %now, "registered Contact moved");
                                    let _ = self.setup.moves.send(ContactMoved { account: self.key(), contact: now.clone(), local_ip });
                                }
                            }
                        }
                        RegistrationEvent::Unregistered => {
                            self.bound_contact = None;
                            self.set_route(None, None);
                        }
                        RegistrationEvent::Failed { .. } => {}
                    }
                    self.report(event)
                }
            }
        }
    }

    fn set_route(&self, destination: Option<SipAddr>, contact: Option<String>) {
        if let Some(flow) = &destination {
            self.stack.pin_domain(&self.setup.account.domain, flow.clone());
        }
        if let Ok(mut route) = self.setup.route.lock() {
            *route = AccountRoute { destination, contact };
        }
    }

    fn report(&self, event: RegistrationEvent) {
        let account = self.key();
        let event = match event {
            RegistrationEvent::Registered { expires } => {
                let contact = self.last_params.as_ref().map(|p| p.contact_uri()).unwrap_or_default();
                tracing::info!(expires, %contact, "registered");
                // RFC 8599 §4.1.2: with push configured, say whether the registrar will push.
                let push = self.setup.push.as_ref().map(|p| crate::push::pn_params::push_confirmed(&self.feature_caps, &p.provider));
                PhoneEvent::Registered { account, expires, contact, push }
            }
            RegistrationEvent::Failed { code, reason, retry_in, .. } => {
                tracing::warn!(code, %reason, ?retry_in, "registration failed");
                PhoneEvent::RegistrationFailed { account, code, reason, retry_in_ms: retry_in.map(|d| d.as_millis() as u64) }
            }
            RegistrationEvent::Unregistered => PhoneEvent::Unregistered { account },
        };
        self.listener.on_event(event);
    }

    /// Builds and starts one REGISTER transaction; its outcome arrives on `outcome_rx`.
    async fn send_register(&mut self, expires: u32) -> Result<(), EngineError> {
        let (flow, destination) = match &self.flow {
            Some(found) => found.clone(),
            None => {
                let found = self.stack.flow_to(&self.setup.target).await?;
                self.flow = Some(found.clone());
                found
            }
        };
        let local = flow.get_addr().clone();
        let via = self.stack.endpoint.inner.get_via(Some(local.clone()), None)?;
        self.cseq += 1;
        let account = &self.setup.account;
        let mut params = RegisterParams {
            username: account.username.clone(),
            domain: account.domain.clone(),
            display_name: account.display_name.clone(),
            contact_addr: self.contact_override.clone().unwrap_or_else(|| local.addr.to_string()),
            transport: transport_name(&self.setup.target),
            instance: self.setup.instance.clone(),
            reg_id: self.setup.reg_id,
            expires,
            cseq: self.cseq,
            call_id: self.call_id.clone(),
            from_tag: self.from_tag.clone(),
            via: rsipstack::sip::Header::Via(via.into()).value().to_string(),
            authorization: None,
            user_agent: self.stack.config.user_agent.clone(),
            // RFC 8599 §4.1.1: only while registering; the unregister of a logout drops them
            // (the binding goes, and no push may follow it).
            push_params: self.setup.push.as_ref().filter(|_| expires > 0).map(|p| p.contact_params().trim_start_matches(';').to_string()),
            stale_contact: self.bound_contact.clone(),
        };
        params.authorization = self.machine.authorization(&self.creds, &params.request_uri());
        let request = build_register(&params)?;
        self.last_params = Some(params.clone());
        self.generation += 1;
        let generation = self.generation;
        let key = TransactionKey::from_request(&request, TransactionRole::Client)?;
        let mut tx = Transaction::new_client(key, request, self.stack.endpoint.inner.clone(), Some(flow));
        tx.destination = Some(destination);
        let outcome_tx = self.outcome_tx.clone();
        let span = tracing::debug_span!("transaction", cseq = params.cseq, expires);
        tokio::spawn(
            async move {
                let outcome = match run_transaction(&mut tx).await {
                    Ok(resp) => {
                        let caps = crate::sip::headers::all(&resp, "feature-caps");
                        Outcome::Final(reduce_response(&resp, &params), caps)
                    }
                    Err(reason) => Outcome::Failed(reason),
                };
                let _ = outcome_tx.send((generation, outcome)).await;
            }
            .instrument(span),
        );
        Ok(())
    }
}

/// Sends and waits for the final response; a 408 (rsipstack's own Timer F) is no answer.
async fn run_transaction(tx: &mut Transaction) -> Result<rsipstack::sip::Response, String> {
    match super::sip_stack::final_response(tx, Duration::from_secs(64)).await {
        Ok(resp) if u16::from(resp.status_code.clone()) == 408 => Err("request timed out (no answer)".into()),
        other => other,
    }
}
