//! `CallHub`: the registry of every call of the phone. Each call is a task (`call_task`) that
//! feeds its `CallMachine` with what rsipstack's INVITE dialog reports and the user's commands,
//! and carries out the machine's actions on that dialog (`call_actions`). The hub routes
//! commands to those tasks, keeps what outlives one call (answered calls for call waiting,
//! recently ended calls, quality reports) and hands their events on (`call_events`).
//!
//! - `incoming`: a new INVITE becomes a call, or gets its refusal;
//! - `outgoing`: `place_call`;
//! - `wakes`: calls a push announced, waiting for their INVITE.

mod addressed;
mod call_actions;
mod call_events;
mod call_task;
mod incoming;
mod invite_auth;
mod outgoing;
mod wakes;

use super::call_media::MediaSetup;
use super::cancel_reasons::CancelReasons;
use super::config::CallWaiting;
use super::events::{PhoneEvent, PhoneListener};
use super::media_session::MediaStats;
use super::sip_stack::SipStack;
use crate::signalling::call::CallInput;
use crate::sip::replaces::{self, ReplacesId};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::transport::SipAddr;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
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
    /// Live calls by UUID.
    calls: Mutex<HashMap<String, LiveCall>>,
    /// Calls we placed because a far end REFERred us (new call → the call that asked).
    referrals: Mutex<HashMap<String, String>>,
    /// Calls that ended lately, by UUID: a late push for one ends at once with its reason.
    recently_ended: Mutex<HashMap<String, (crate::signalling::call::EndReason, std::time::Instant)>>,
    cancel_reasons: CancelReasons,
    media: MediaSetup,
    waiting: CallWaiting,
    /// Calls answered and not ended: whether we hold each (call waiting needs to know).
    answered: Mutex<HashMap<String, bool>>,
    /// Our Min-SE (RFC 4028), in seconds.
    min_se: u32,
    /// Calls a push announced: waiting for their INVITE, then their timeline until they end.
    pub(crate) wakes: crate::engine::push_wakes::PushWakes,
    runtime: tokio::runtime::Handle,
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
    ) -> Arc<Self> {
        Arc::new(CallHub {
            dialogs: Arc::new(DialogLayer::new(stack.endpoint.inner.clone())),
            listener,
            accounts,
            calls: Mutex::new(HashMap::new()),
            referrals: Mutex::new(HashMap::new()),
            recently_ended: Mutex::new(HashMap::new()),
            cancel_reasons: stack.cancel_reasons.clone(),
            media,
            waiting,
            answered: Mutex::new(HashMap::new()),
            min_se,
            wakes: Default::default(),
            runtime: tokio::runtime::Handle::current(),
            suspended: Default::default(),
            stats: Default::default(),
        })
    }

    pub fn dialogs(&self) -> &Arc<DialogLayer> {
        &self.dialogs
    }

    /// Sends a user command to a call; false if no such call. A transfer target given as an
    /// extension becomes a SIP URI in the call's own domain.
    pub async fn command(&self, call: &str, input: CallInput) -> bool {
        let entry = self.calls.lock().ok().and_then(|c| c.get(call).map(|c| (c.commands.clone(), c.account)));
        let Some((sender, account)) = entry else {
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
        let target = self.calls.lock().ok().and_then(|c| c.get(other).and_then(|o| Some((o.dialog.as_ref()?.id(), o.remote_uri.clone()))));
        let Some((id, uri)) = target else {
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
        let live: Vec<String> = self.calls.lock().map(|c| c.keys().cloned().collect()).unwrap_or_default();
        for call in &live {
            self.command(call, CallInput::Withdraw).await;
        }
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline && self.calls.lock().map(|c| !c.is_empty()).unwrap_or(false) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Every account's key (`user@domain`).
    pub fn account_keys(&self) -> Vec<String> {
        self.accounts.iter().map(|a| a.key.clone()).collect()
    }

    fn register(&self, uuid: &str, account: usize, remote_uri: &str) -> Option<mpsc::Receiver<CallInput>> {
        let mut calls = self.calls.lock().ok()?;
        if calls.contains_key(uuid) {
            return None;
        }
        let (tx, rx) = mpsc::channel(8);
        calls.insert(uuid.to_string(), LiveCall { commands: tx, account, dialog: None, remote_uri: remote_uri.to_string() });
        Some(rx)
    }

    fn attach(&self, uuid: &str, dialog: &InviteDialog) {
        if let Some(call) = self.calls.lock().ok().as_mut().and_then(|c| c.get_mut(uuid)) {
            call.dialog = Some(dialog.clone());
        }
    }

    /// The live call whose dialog an RFC 3891 `Replaces` value names: its to-tag is ours.
    fn replaced_call(&self, replaces: &str) -> Option<String> {
        let named = replaces::parse(replaces)?;
        let calls = self.calls.lock().ok()?;
        calls.iter().find_map(|(uuid, c)| {
            let id = c.dialog.as_ref()?.id();
            (id.call_id == named.call_id && id.local_tag == named.to_tag && id.remote_tag == named.from_tag).then(|| uuid.clone())
        })
    }

    /// Tells a call something from outside its task, without waiting.
    fn notify_call(&self, uuid: &str, input: CallInput) {
        if let Some(sender) = self.calls.lock().ok().and_then(|c| c.get(uuid).map(|c| c.commands.clone())) {
            sender.try_send(input).ok();
        }
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

    pub fn set_suspended(&self, on: bool) {
        self.suspended.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_suspended(&self) -> bool {
        self.suspended.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn remember_ended(&self, uuid: &str, reason: crate::signalling::call::EndReason) {
        if let Ok(mut ended) = self.recently_ended.lock() {
            // Two minutes covers any push a gateway may still deliver for the call.
            ended.retain(|_, (_, at)| at.elapsed() < std::time::Duration::from_secs(120));
            ended.insert(uuid.to_string(), (reason, std::time::Instant::now()));
        }
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

/// One live call, as the hub sees it from outside its task.
struct LiveCall {
    commands: mpsc::Sender<CallInput>,
    account: usize,
    /// Its dialog, for its tags (an attended transfer's Replaces names them).
    dialog: Option<InviteDialog>,
    /// The far end's URI (the callee we dialled, or the caller's From).
    remote_uri: String,
}
