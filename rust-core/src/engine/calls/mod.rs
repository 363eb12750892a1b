//! `CallHub`: the registry of every call of the phone. Each call is a task (`call_task`) that
//! feeds its `CallMachine` with what rsipstack's INVITE dialog reports and the user's commands,
//! and carries out the machine's actions on that dialog (`call_actions`). The hub routes
//! commands to those tasks, keeps what outlives one call (in `registry`: answered calls for
//! call waiting, recently ended calls; here: quality reports) and hands their events on
//! (`call_events`).
//!
//! - `registry`: the live calls, those that ended lately, and who asked for a referred call;
//! - `incoming`: a new INVITE becomes a call, or gets its refusal (`signalling::invite_policy`);
//! - `outgoing`: `place_call`;
//! Calls a push announced are the push flow's (`engine::push_flow`) until their INVITE comes.

mod addressed;
mod call_actions;
mod call_events;
mod call_task;
mod dialog_request;
mod incoming;
mod invite_auth;
mod outgoing;
pub(crate) mod registry;

use super::call_media::MediaSetup;
use super::cancel_reasons::CancelReasons;
use super::config::CallWaiting;
use super::events::{PhoneEvent, PhoneListener};
use super::media_session::MediaStats;
use super::push_flow::{PushFlow, PushFlowSetup};
use super::sip_stack::SipStack;
use crate::signalling::call::CallInput;
use crate::sip::replaces::{self, ReplacesId};
use registry::CallRegistry;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::transport::SipAddr;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

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

pub struct CallHub {
    dialogs: Arc<DialogLayer>,
    listener: Arc<dyn PhoneListener>,
    accounts: Vec<CallAccount>,
    /// Live calls, calls that ended lately, referred calls (shared with the push flow, which
    /// asks what became of a call a push names, and says what became of one it ended).
    calls: Arc<CallRegistry>,
    cancel_reasons: CancelReasons,
    /// What new calls' media are made with; its address moves with the network.
    media: Mutex<MediaSetup>,
    waiting: CallWaiting,
    /// Our Min-SE (RFC 4028), in seconds.
    min_se: u32,
    /// Calls a push announced: waiting for their INVITE, then their timeline until they end.
    push: Arc<PushFlow>,
    /// The app is asleep (QA's sleeping phone): requests go unanswered.
    suspended: std::sync::atomic::AtomicBool,
    /// Latest quality report per call, the last 64 calls.
    stats: Mutex<std::collections::VecDeque<(String, MediaStats)>>,
}

impl CallHub {
    pub fn new(
        stack: &SipStack,
        listener: Arc<dyn PhoneListener>,
        accounts: Vec<CallAccount>,
        media: MediaSetup,
        waiting: CallWaiting,
        min_se: u32,
        push: PushFlowSetup,
    ) -> Arc<Self> {
        let calls = Arc::new(CallRegistry::default());
        let push = PushFlow::new(push, calls.clone());
        Arc::new(CallHub {
            dialogs: Arc::new(DialogLayer::new(stack.endpoint.inner.clone())),
            listener,
            accounts,
            calls,
            cancel_reasons: stack.cancel_reasons.clone(),
            media: Mutex::new(media),
            waiting,
            min_se,
            push,
            suspended: Default::default(),
            stats: Default::default(),
        })
    }

    /// The push wake's owner: pushes, the call screen before an INVITE, REGISTER outcomes.
    pub(crate) fn push(&self) -> &Arc<PushFlow> {
        &self.push
    }

    pub fn dialogs(&self) -> &Arc<DialogLayer> {
        &self.dialogs
    }

    /// Sends a user command to a call; false if no such call. A transfer target given as an
    /// extension becomes a SIP URI in the call's own domain.
    pub async fn command(&self, call: &str, input: CallInput) -> bool {
        let Some((sender, account)) = self.calls.commands(call) else {
            return false;
        };
        let input = match input {
            CallInput::TransferBlind { target } if !target.contains(':') => {
                let domain = self.accounts.get(account).map(|a| a.domain.as_str()).unwrap_or_default();
                CallInput::TransferBlind { target: format!("sip:{target}@{domain}") }
            }
            other => other,
        };
        sender.send(input).await.is_ok()
    }

    /// Attended transfer (RFC 5589 §7): refers `call`'s far end to `other`'s, replacing our
    /// dialog with it (RFC 3891), so the two talk and we drop out of both.
    pub async fn transfer_attended(&self, call: &str, other: &str) -> bool {
        let Some((id, uri)) = self.calls.dialog(other) else {
            return false;
        };
        // The target reads the tags as its own: its to-tag is our remote tag.
        let replaces = ReplacesId { call_id: id.call_id, to_tag: id.remote_tag, from_tag: id.local_tag };
        let refer_to = replaces::refer_to(&uri, &replaces);
        self.command(call, CallInput::TransferAttended { target: uri, refer_to }).await
    }

    /// Ends every call (BYE, CANCEL, or 480 for a ringing one) and waits, at most `limit`,
    /// for them to be gone: quitting the app never leaves a far end talking to nobody.
    pub async fn hangup_all(&self, limit: std::time::Duration) {
        for call in &self.calls.live() {
            self.command(call, CallInput::Withdraw).await;
        }
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline && !self.calls.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Account `index`'s digest credentials (its auth username, else its username).
    fn creds(&self, index: usize) -> crate::sip::digest::DigestCredentials {
        let account = &self.accounts[index];
        crate::sip::digest::DigestCredentials {
            username: account.auth_username.clone().unwrap_or_else(|| account.username.clone()),
            password: account.password.clone(),
        }
    }

    fn attach(&self, uuid: &str, dialog: &InviteDialog) {
        let dialog = dialog.clone();
        self.calls.attach(uuid, Box::new(move || dialog.id()));
    }

    /// Tells a call something from outside its task, without waiting.
    fn notify_call(&self, uuid: &str, input: CallInput) {
        if let Some((sender, _)) = self.calls.commands(uuid) {
            sender.try_send(input).ok();
        }
    }

    /// Answers `call`, first holding every other answered call we do not hold yet: the
    /// desk-phone way of taking a waiting call. The answer waits until those holds are
    /// confirmed, so the first caller never hears the second; at most a second, though (a
    /// glare retry can take 4 s), then the waiting caller is answered anyway.
    pub async fn answer(&self, call: &str) -> bool {
        let to_hold = self.calls.unheld_except(call);
        for other in &to_hold {
            self.command(other, CallInput::Hold).await;
        }
        if !to_hold.is_empty() {
            let deadline = Instant::now() + std::time::Duration::from_secs(1);
            while !self.calls.unheld_except(call).is_empty() && Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
        self.command(call, CallInput::Answer).await
    }

    /// What a new call's media are made with now.
    fn media_setup(&self) -> MediaSetup {
        self.media.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// New calls' media bind `ip` from now on (the network changed).
    pub fn set_media_ip(&self, ip: std::net::IpAddr) {
        self.media.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).ip = ip;
    }

    /// `account`'s registered Contact moved to `contact` (media to `local_ip`): each of its
    /// live calls takes them and re-INVITEs when its machine says (`CallInput::AddressMoved`).
    pub async fn move_calls(&self, account: &str, contact: &str, local_ip: Option<std::net::IpAddr>) {
        let ip = local_ip.unwrap_or_else(|| self.media_setup().ip);
        if local_ip.is_some() {
            self.set_media_ip(ip);
        }
        let Some(index) = self.accounts.iter().position(|a| a.key == account) else { return };
        for uuid in self.calls.live() {
            if let Some((sender, of)) = self.calls.commands(&uuid) {
                if of == index {
                    sender.send(CallInput::AddressMoved { contact: contact.to_string(), ip }).await.ok();
                }
            }
        }
    }

    pub fn set_suspended(&self, on: bool) {
        self.suspended.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_suspended(&self) -> bool {
        self.suspended.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Remembers why `uuid` ended, for two minutes: a late push or INVITE for it is answered
    /// from this (`invite_policy`, `push::hint`).
    pub(crate) fn remember_ended(&self, uuid: &str, reason: crate::signalling::call::EndReason) {
        self.calls.remember_ended(uuid, reason, std::time::Instant::now());
    }

    /// A message-summary NOTIFY for the account its Request-URI (or To) names.
    pub fn voicemail(&self, req: &rsipstack::sip::Request, summary: crate::sip::message_summary::MessageSummary) {
        let Some(account) = addressed::addressed_index(&self.accounts, req).and_then(|i| self.accounts.get(i)) else {
            return;
        };
        // A PBX that only raises the flag still means "at least one new message".
        let new = if summary.waiting { summary.new.max(1) } else { summary.new };
        self.listener.on_event(PhoneEvent::Mwi { account: account.key.clone(), new, old: summary.old });
    }
}
