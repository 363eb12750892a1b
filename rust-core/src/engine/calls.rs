//! `CallHub`: every call of the phone, each a task that feeds its `CallMachine` with what
//! rsipstack's INVITE dialog reports and the user's commands, and carries out the machine's
//! actions on that dialog. Only bytes and timers here; the rules are the machine's.

use super::call_media::{CallMedia, MediaSetup};
use super::cancel_reasons::CancelReasons;
use super::clock::sleep_until;
use super::config::CallWaiting;
use super::error::EngineError;
use super::events::{PhoneEvent, PhoneListener};
use super::media_session::{MediaReport, MediaStats};
use super::sip_stack::SipStack;
use crate::signalling::call::{CallAction, CallEvent, CallInput, CallMachine, MediaDirection};
use crate::signalling::session_timer::{self, UasDecision};
use crate::sip::sdp::offered_direction;
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

pub use crate::vocab::call_uuid;

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
    pub(crate) wakes: super::push_wakes::PushWakes,
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
        let replaces = format!("{};to-tag={};from-tag={}", id.call_id, id.remote_tag, id.local_tag);
        let refer_to = format!("<{uri}?Replaces={}>", escape_uri_header(&replaces));
        self.command(call, CallInput::TransferAttended { target: uri, refer_to }).await
    }

    /// Ends every call (BYE, CANCEL or 486 as each state needs) and waits, at most `limit`,
    /// for them to be gone: quitting the app never leaves a far end talking to nobody.
    pub async fn hangup_all(&self, limit: std::time::Duration) {
        let live: Vec<String> = self.calls.lock().map(|c| c.keys().cloned().collect()).unwrap_or_default();
        for call in &live {
            self.command(call, CallInput::Hangup).await;
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
        let mut parts = replaces.split(';');
        let call_id = parts.next()?.trim();
        let mut tags = (None, None);
        for p in parts {
            match p.split_once('=').map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim())) {
                Some((k, v)) if k == "to-tag" => tags.0 = Some(v),
                Some((k, v)) if k == "from-tag" => tags.1 = Some(v),
                _ => {}
            }
        }
        let (Some(to_tag), Some(from_tag)) = tags else { return None };
        let calls = self.calls.lock().ok()?;
        calls.iter().find_map(|(uuid, c)| {
            let id = c.dialog.as_ref()?.id();
            (id.call_id == call_id && id.local_tag == to_tag && id.remote_tag == from_tag).then(|| uuid.clone())
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

    fn track(&self, uuid: &str, event: &CallEvent) {
        let Ok(mut answered) = self.answered.lock() else {
            return;
        };
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

    fn emit_stats(&self, uuid: &str, s: MediaStats) {
        self.keep_stats(uuid, &s);
        self.listener.on_event(stats_event(uuid, s));
    }

    /// The latest quality report of a call, kept after it ends (the last 64 calls) for the
    /// call log; the store persists it once it lands.
    fn keep_stats(&self, uuid: &str, s: &MediaStats) {
        let Ok(mut kept) = self.stats.lock() else { return };
        kept.retain(|(c, _)| c != uuid);
        if kept.len() == 64 {
            kept.pop_front();
        }
        kept.push_back((uuid.to_string(), s.clone()));
    }

    /// The latest `media_stats` of `call` (live, or among the last 64 ended).
    pub fn stats(&self, call: &str) -> Option<PhoneEvent> {
        let kept = self.stats.lock().ok()?;
        kept.iter().find(|(c, _)| c == call).map(|(c, s)| stats_event(c, s.clone()))
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

    /// A push announced a call: wait (bounded) for its INVITE. Returns false for a call
    /// already waking (a duplicate push).
    pub fn start_wake(self: &Arc<Self>, hint: &crate::push::hint::IncomingCallHint, deadline: std::time::Duration, pushed_at: std::time::Instant) -> bool {
        use crate::push::wake::{PushWake, WakeExpect, WakeStage};
        let account = hint.account.clone().or_else(|| self.accounts.first().map(|a| a.key.clone())).unwrap_or_default();
        let mut wake =
            PushWake::new(pushed_at, deadline, WakeExpect { call_id: hint.call_id.clone(), push_id: hint.push_id.clone(), caller: hint.caller.clone() });
        wake.record(std::time::Instant::now(), WakeStage::HintReturned);
        if !self.wakes.start(&hint.call, &account, wake) {
            return false;
        }
        let hub = self.clone();
        let call = hint.call.clone();
        // handle_push runs on the shell's thread: spawn on the runtime the hub was made in.
        self.runtime.spawn(async move {
            while let Some(at) = hub.wakes.deadline(&call) {
                tokio::time::sleep_until(Instant::from_std(at)).await;
                if let Some(ended) = hub.wakes.timeout(&call, std::time::Instant::now()) {
                    hub.wake_ended(ended);
                    break;
                }
            }
        });
        true
    }

    /// A waking call ended before its INVITE: report it as any call's end, with its timeline.
    pub(crate) fn wake_ended(&self, (call, end, stages): super::push_wakes::Ended) {
        tracing::info!(%call, reason = ?end.reason, diagnostic = ?end.diagnostic, "push-woken call ended before its INVITE");
        self.remember_ended(&call, end.reason);
        self.wakes.keep(&call, &stages, end.diagnostic.as_deref());
        self.listener.on_event(PhoneEvent::PushTimeline { call: call.clone(), stages, diagnostic: end.diagnostic });
        self.listener.on_event(PhoneEvent::CallEnded { call, reason: end.reason, sip_code: None, duration_ms: None });
    }

    /// Feeds a waking call (answer or hang up from the call screen, a cancel push); false when
    /// `call` is not waking.
    pub fn wake_input(&self, call: &str, input: crate::push::wake::WakeInput) -> bool {
        if !self.wakes.is_waiting(call) {
            return false;
        }
        if let Some(ended) = self.wakes.input(call, std::time::Instant::now(), input) {
            self.wake_ended(ended);
        }
        true
    }

    /// A REGISTER outcome of `account`, for the calls waking on it.
    pub fn wake_registration(&self, account: &str, input: crate::push::wake::WakeInput) {
        for ended in self.wakes.registration(account, std::time::Instant::now(), input) {
            self.wake_ended(ended);
        }
    }

    fn emit(&self, uuid: &str, event: CallEvent) {
        self.track(uuid, &event);
        // A call placed for a REFER: its transferor hears how it went (RFC 3515 §2.4.4).
        let progress = match &event {
            CallEvent::Answered => Some(200),
            CallEvent::Ended { sip_code, .. } => Some(sip_code.filter(|c| *c >= 300).unwrap_or(487)),
            _ => None,
        };
        if let CallEvent::Ended { reason, .. } = &event {
            self.remember_ended(uuid, *reason);
            if let Some(stages) = self.wakes.finish(uuid, std::time::Instant::now()) {
                self.wakes.keep(uuid, &stages, None);
                self.listener.on_event(PhoneEvent::PushTimeline { call: uuid.to_string(), stages, diagnostic: None });
            }
        }
        if let CallEvent::Answered = &event {
            self.wakes.record(uuid, std::time::Instant::now(), crate::push::wake::WakeStage::Answered);
        }
        if let Some(code) = progress {
            let asked_by = self.referrals.lock().ok().and_then(|mut r| r.remove(uuid));
            if let Some(original) = asked_by {
                self.notify_call(&original, CallInput::ReferredCallProgress { code });
            }
        }
        let call = uuid.to_string();
        let event = match event {
            CallEvent::Incoming => return, // reported with its caller by the INVITE path
            CallEvent::Ringing => PhoneEvent::Ringing { call },
            CallEvent::Answered => PhoneEvent::Answered { call },
            CallEvent::Held { by_remote } => PhoneEvent::Held { call, by_remote },
            CallEvent::Resumed { by_remote } => PhoneEvent::Resumed { call, by_remote },
            CallEvent::Muted { on } => PhoneEvent::Muted { call, muted: on },
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
        let Some(account) = self.accounts.iter().find(|a| a.username == user).or(self.accounts.first()) else {
            return;
        };
        // A PBX that only raises the flag still means "at least one new message".
        let new = if summary.waiting { summary.new.max(1) } else { summary.new };
        self.listener.on_event(PhoneEvent::Mwi { account: account.key.clone(), new, old: summary.old });
    }

    /// A new INVITE (no To tag): one call per account and Call-ID.
    pub fn incoming_invite(self: &Arc<Self>, mut tx: Transaction) {
        let req = &tx.original;
        let user = req.uri.auth.as_ref().map(|a| a.user.clone()).unwrap_or_default();
        let Some(account) = self.accounts.iter().find(|a| a.username == user).or(self.accounts.first()) else {
            return;
        };
        let call_id = req.call_id_header().map(|h| h.value().to_string()).unwrap_or_default();
        let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
        let (display_name, from_uri) = split_name_addr(&from);
        // A push-woken call keeps the id the push gave it, even when the PBX changed the Call-ID.
        let push_id = header(req, "X-Push-ID");
        let woken = self.wakes.find(&account.key, std::time::Instant::now(), &call_id, push_id.as_deref(), &from_uri);
        let uuid = woken.clone().unwrap_or_else(|| call_uuid(&account.key, &call_id));
        if woken.is_none()
            && self.recently_ended.lock().ok().and_then(|e| e.get(&uuid).map(|(r, _)| *r)) == Some(crate::signalling::call::EndReason::LocalHangup)
        {
            // The user hung up on the call screen before the INVITE came: busy here, so the
            // desk keeps ringing.
            tokio::spawn(async move { tx.reply(rsipstack::sip::StatusCode::BusyHere).await.ok() });
            return;
        }
        let timer = session_timer::negotiate_uas(header(req, "Session-Expires").as_deref(), has_option(req, "Supported", "timer"), self.min_se);
        if timer == UasDecision::TooSmall {
            // RFC 4028 §8.1: ask for a longer interval; the caller retries at once.
            let min_se = Header::Other("Min-SE".into(), self.min_se.to_string());
            tokio::spawn(async move { tx.reply_with(rsipstack::sip::StatusCode::SessionIntervalTooSmall, vec![min_se], None).await.ok() });
            return;
        }
        // RFC 3891: an INVITE that replaces one of our calls (we are an attended transfer's
        // target) is answered at once; it must name a live dialog of ours.
        let replaces = header(req, "Replaces");
        let replaced = replaces.as_deref().and_then(|r| self.replaced_call(r));
        if replaces.is_some() && replaced.is_none() {
            tokio::spawn(async move { tx.reply(rsipstack::sip::StatusCode::CallTransactionDoesNotExist).await.ok() });
            return;
        }
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let mut media = match CallMedia::bind(&uuid, self.media.clone(), reports_tx) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "no RTP port for an incoming call");
                tokio::spawn(async move { tx.reply(rsipstack::sip::StatusCode::ServiceUnavailable).await.ok() });
                return;
            }
        };
        if let Err(e) = media.take_offer(&String::from_utf8_lossy(&req.body)) {
            // RFC 3264 §6: an offer we cannot answer is refused with 488; it never rings.
            tracing::info!(error = %e, "incoming offer refused");
            let warning = Header::Warning(format!("305 ringside \"{e}\"").into());
            tokio::spawn(async move { tx.reply_with(rsipstack::sip::StatusCode::NotAcceptableHere, vec![warning], None).await.ok() });
            return;
        }
        let index = self.accounts.iter().position(|a| a.key == account.key).unwrap_or(0);
        let Some(commands) = self.register(&uuid, index, &from_uri) else {
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
        self.attach(&uuid, &dialog);
        if let Some(old) = &replaced {
            // Before anyone hears of the new call: a shell that answers it at once must not
            // hold the call it replaces (a hold re-INVITE racing our BYE lets the far end
            // refuse the BYE as out of order, and the old call never ends there).
            if let Ok(mut answered) = self.answered.lock() {
                answered.remove(old);
            }
            self.notify_call(old, CallInput::Replaced);
        }
        let answered_on_lock_screen = woken.as_deref().is_some_and(|w| self.wakes.claim(w, std::time::Instant::now()));
        self.listener.on_event(PhoneEvent::Incoming {
            call: uuid.clone(),
            call_id: call_id.clone(),
            from: from_uri,
            display_name,
            account: account.key.clone(),
        });
        self.wakes.record(&uuid, std::time::Instant::now(), crate::push::wake::WakeStage::Ringing);
        let hub = self.clone();
        let mut machine = CallMachine::incoming(Instant::now().into_std());
        let mut accept_headers = Vec::new();
        let mut session_expires = None;
        if let UasDecision::Run { expires, require_timer, timer_refresher_is_us } = timer {
            accept_headers.push(Header::SessionExpires(expires.header_value().into()));
            if require_timer {
                accept_headers.push(Header::Require("timer".into()));
            }
            session_expires = Some(expires.seconds);
            let interval = std::time::Duration::from_secs(u64::from(expires.seconds));
            machine.handle(Instant::now().into_std(), CallInput::SessionTimerAgreed { interval, we_refresh: timer_refresher_is_us });
        }
        if replaced.is_some() {
            machine.handle(Instant::now().into_std(), CallInput::Answer);
        } else if answered_on_lock_screen {
            // RFC 8599 wake, answer before INVITE: the user already said yes.
            machine.handle(Instant::now().into_std(), CallInput::Answer);
        } else if self.waiting == CallWaiting::Busy && self.busy() {
            // RFC 3261 §21.4.7 486: the PBX tries the desk or voicemail; the call is still
            // reported, so the log shows it.
            machine.handle(Instant::now().into_std(), CallInput::Decline { everywhere: false });
        }
        let span = tracing::info_span!("call", %call_id, direction = "in");
        // The INVITE server transaction runs in its own task: it answers retransmissions and
        // hands ACK, CANCEL and our responses through the dialog.
        let mut driver = dialog.clone();
        tokio::spawn(async move { driver.handle(&mut tx).await.ok() }.instrument(span.clone()));
        let io = CallIo::new(uuid, call_id, index, dialog, media, accept_headers, session_expires);
        tokio::spawn(hub.run_call(io, states, commands, machine, None, reports).instrument(span));
    }

    /// Places a call from account `index` to `target` (an extension or a SIP URI).
    pub fn place_call(self: &Arc<Self>, index: usize, target: &str) -> Result<String, EngineError> {
        self.place_call_with(index, target, Vec::new())
    }

    /// Places a call with extra headers (`Replaces`, `Referred-By` for a transfer).
    fn place_call_with(self: &Arc<Self>, index: usize, target: &str, extra: Vec<Header>) -> Result<String, EngineError> {
        let account = self.accounts.get(index).ok_or(EngineError::Config { field: "account", reason: format!("no account #{index}") })?;
        let route = account.route.lock().map(|r| r.clone()).unwrap_or_default();
        let (Some(destination), Some(contact)) = (route.destination, route.contact) else {
            return Err(EngineError::NotRegistered { account: account.key.clone() });
        };
        let callee = if target.contains(':') { target.to_string() } else { format!("sip:{target}@{}", account.domain) };
        let callee = Uri::try_from(callee.as_str()).map_err(|e| EngineError::InvalidTarget(format!("{target:?}: {e}")))?;
        let call_id = format!("{}@ringside", uuid::Uuid::new_v4());
        let uuid = call_uuid(&account.key, &call_id);
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let mut media = CallMedia::bind(&uuid, self.media.clone(), reports_tx).map_err(|e| EngineError::Transport(format!("RTP port: {e}")))?;
        let offer = media.offer(crate::signalling::call::MediaDirection::SendRecv);
        let caller = Uri::try_from(format!("sip:{}@{}", account.username, account.domain).as_str())
            .map_err(|e| EngineError::Config { field: "account", reason: e.to_string() })?;
        let option = InviteOption {
            caller_display_name: account.display_name.clone(),
            caller,
            callee,
            destination: Some(destination),
            content_type: Some("application/sdp".into()),
            offer: Some(offer.into_bytes()),
            contact: Uri::try_from(contact.as_str()).map_err(|e| EngineError::Sip(e.to_string()))?,
            credential: Some(Credential {
                username: account.username.clone(),
                password: account.password.clone(),
                realm: None,
                auth_username: account.auth_username.clone(),
            }),
            call_id: Some(call_id.clone()),
            // RFC 4028: we refresh sessions when the far end asks for a timer.
            headers: Some([vec![Header::Supported("timer, replaces".into())], extra].concat()),
            ..Default::default()
        };
        let commands = self.register(&uuid, index, &option.callee.to_string()).ok_or_else(|| EngineError::Sip("duplicate call".into()))?;
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let (dialog, outcome) = match self.dialogs.do_invite_async(option, state_tx) {
            Ok(pair) => pair,
            Err(e) => {
                self.forget(&uuid);
                return Err(e.into());
            }
        };
        self.attach(&uuid, &dialog);
        self.listener.on_event(PhoneEvent::Calling { call: uuid.clone(), target: target.to_string(), account: account.key.clone(), call_id: call_id.clone() });
        let span = tracing::info_span!("call", %call_id, direction = "out");
        let io = CallIo::new(uuid.clone(), call_id, index, dialog, media, Vec::new(), None);
        tokio::spawn(self.clone().run_call(io, states, commands, CallMachine::outgoing(Instant::now().into_std()), Some(outcome), reports).instrument(span));
        Ok(uuid)
    }

    async fn run_call(
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
                Some(input) = commands.recv() => machine.handle(now(), input),
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
                        Ok(Ok((_, Some(resp)))) => {
                            let code = u16::from(resp.status_code.clone());
                            if (200..300).contains(&code) {
                                machine.handle(now(), CallInput::Answered);
                                if let Err(e) = io.media.answered(&String::from_utf8_lossy(&resp.body)).await {
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
                        _ => machine.handle(now(), CallInput::TransportFailed),
                    }
                }
                _ = sleep_until(deadline) => machine.handle_timeout(now()),
            }
        }
        self.forget(&io.uuid);
        self.dialogs.remove_dialog(&io.dialog.id());
    }

    /// What a dialog state change means to the call. In-dialog requests that need no decision
    /// are answered here; a re-offer's handle is kept for the machine's answer.
    async fn input_from(&self, io: &mut CallIo, state: DialogState) -> Option<CallInput> {
        match state {
            // re-INVITE or UPDATE (RFC 3311): hold, resume, session refresh (RFC 4028).
            DialogState::Updated(_, req, handle) => {
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
            DialogState::Early(_, resp) => Some(CallInput::Provisional { code: u16::from(resp.status_code.clone()) }),
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

    async fn carry_out(self: &Arc<Self>, io: &mut CallIo, own: &mpsc::Sender<CallInput>, action: CallAction) {
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
                *reinvite = Some(spawn_reinvite(dialog, headers, body, answers, own.clone(), 500, |code| CallInput::SessionRefreshAnswered { code }));
                Ok(())
            }
            CallAction::SendReoffer { direction } => {
                let body = media.offer(direction).into_bytes();
                let headers = vec![Header::ContentType("application/sdp".into())];
                *reinvite = Some(spawn_reinvite(dialog, headers, body, io.answers.clone(), own.clone(), 491, |code| CallInput::ReofferAnswered { code }));
                Ok(())
            }
            CallAction::PlaceReferredCall { target, replaces } => {
                let mut extra = Vec::new();
                if let Some(r) = replaces {
                    extra.push(Header::Other("Replaces".into(), r));
                }
                match self.place_call_with(io.account, &target, extra) {
                    Ok(new) => {
                        if let Ok(mut r) = self.referrals.lock() {
                            r.insert(new, uuid.clone());
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "referred call not placed");
                        own.send(CallInput::ReferredCallProgress { code: 503 }).await.ok();
                    }
                }
                Ok(())
            }
            CallAction::SendReferNotify { code, last } => {
                let state = if last { "terminated;reason=noresource" } else { "active;expires=60" };
                if last {
                    // Awaited: the final NOTIFY must reach the transferor before our BYE.
                    dialog.notify_refer(rsipstack::sip::StatusCode::from(code), state).await.map(|_| ())
                } else {
                    let dialog = dialog.clone();
                    tokio::spawn(async move { dialog.notify_refer(rsipstack::sip::StatusCode::from(code), state).await.ok() });
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
            CallAction::SendDtmfInfo { digit } if media.has_rfc4733() => {
                // In the media (RFC 4733) when both sides agreed on telephone-event.
                media.dtmf(digit).await;
                Ok(())
            }
            CallAction::SendDtmfInfo { digit } => {
                // RFC 2976 INFO with the widely deployed application/dtmf-relay body.
                let headers = Some(vec![Header::ContentType("application/dtmf-relay".into())]);
                dialog.info(headers, Some(format!("Signal={digit}\r\nDuration=160\r\n").into_bytes())).await.map(|_| ())
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
                dialog.bye().await
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

fn stats_event(uuid: &str, s: MediaStats) -> PhoneEvent {
    PhoneEvent::MediaStats {
        call: uuid.to_string(),
        codec: s.codec,
        srtp: s.srtp,
        jitter_ms: s.jitter_ms,
        loss_pct: s.loss_pct,
        rtt_ms: s.rtt_ms,
        mos: s.mos,
        concealed_pct: s.concealed_pct,
        packets_sent: s.packets_sent,
        packets_received: s.packets_received,
    }
}

impl crate::push::hint::CallLookup for CallHub {
    fn is_live(&self, account: &str, call_id: &str) -> bool {
        let uuid = call_uuid(account, call_id);
        self.calls.lock().map(|c| c.contains_key(&uuid)).unwrap_or(false) || self.wakes.is_waiting(&uuid)
    }

    fn is_waking(&self, account: &str, call_id: &str) -> bool {
        self.wakes.is_waiting(&call_uuid(account, call_id))
    }

    fn ended(&self, account: &str, call_id: &str) -> Option<crate::signalling::call::EndReason> {
        let uuid = call_uuid(account, call_id);
        self.recently_ended.lock().ok()?.get(&uuid).filter(|(_, at)| at.elapsed() < std::time::Duration::from_secs(120)).map(|(r, _)| *r)
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

/// RFC 3261 §19.1.1: a value inside a URI's `?header=` part, escaped.
fn escape_uri_header(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What one call's task keeps beside its machine: the dialog and the bytes it sends.
struct CallIo {
    uuid: String,
    call_id: String,
    /// The account's index (a referred call goes out from the same account).
    account: usize,
    dialog: InviteDialog,
    media: CallMedia,
    /// Where the task hears the SDP answers to our re-offers.
    answers: Option<mpsc::Sender<String>>,
    /// The far end's pending re-offer, answered when the machine says how.
    reoffer: Option<PendingReoffer>,
    /// Headers our 2xx to the INVITE carries (the session timer we agreed).
    accept_headers: Vec<Header>,
    /// The agreed session interval (RFC 4028), echoed in refreshes.
    session_expires: Option<u32>,
    /// Our re-INVITE in flight beside the loop. A BYE waits for it (bounded): sent while the
    /// re-INVITE still takes its CSeq, the BYE could carry the lower one and arrive second, and
    /// the far end would refuse it as out of order (RFC 3261 §12.2.2) and never hang up.
    reinvite: Option<tokio::task::JoinHandle<()>>,
}

/// A re-INVITE or UPDATE of the far end's, waiting for our answer.
struct PendingReoffer {
    handle: TransactionHandle,
    /// Our 2xx carries SDP (not for an UPDATE without an offer).
    with_sdp: bool,
    /// It carried `Session-Expires`: our 2xx confirms the timer.
    timer: bool,
    /// Its SDP offer (empty for a refresh).
    offer: String,
}

impl CallIo {
    #[allow(clippy::too_many_arguments)]
    fn new(
        uuid: String,
        call_id: String,
        account: usize,
        dialog: InviteDialog,
        media: CallMedia,
        accept_headers: Vec<Header>,
        session_expires: Option<u32>,
    ) -> Self {
        CallIo { uuid, call_id, account, dialog, media, answers: None, reoffer: None, accept_headers, session_expires, reinvite: None }
    }
}

/// The value of the first header called `name` (typed or not).
fn header(msg: &impl HeaderList, name: &str) -> Option<String> {
    msg.header_list().iter().find(|h| h.name().eq_ignore_ascii_case(name)).map(|h| h.value().to_string())
}

/// Whether any `name` header (e.g. Supported) lists `option`.
fn has_option(msg: &impl HeaderList, name: &str, option: &str) -> bool {
    msg.header_list().iter().filter(|h| h.name().eq_ignore_ascii_case(name)).any(|h| h.value().split(',').any(|t| t.trim().eq_ignore_ascii_case(option)))
}

/// Requests and responses alike, for the header helpers.
trait HeaderList {
    fn header_list(&self) -> &rsipstack::sip::Headers;
}

impl HeaderList for rsipstack::sip::Request {
    fn header_list(&self) -> &rsipstack::sip::Headers {
        &self.headers
    }
}

impl HeaderList for rsipstack::sip::Response {
    fn header_list(&self) -> &rsipstack::sip::Headers {
        &self.headers
    }
}

/// Sends a re-INVITE beside the call's loop and reports its final status as `report(code)`:
/// 408 without an answer, `failed` when the request could not be sent. RFC 3261 §14.1: a
/// 491 (both sides re-INVITEd at once) is retried after a random 2.1–4 s, three tries.
fn spawn_reinvite(
    dialog: &InviteDialog,
    headers: Vec<Header>,
    body: Vec<u8>,
    answers: Option<mpsc::Sender<String>>,
    own: mpsc::Sender<CallInput>,
    failed: u16,
    report: fn(u16) -> CallInput,
) -> tokio::task::JoinHandle<()> {
    let dialog = dialog.clone();
    tokio::spawn(async move {
        let code = match dialog.reinvite_with_glare_retry(Some(headers), Some(body), 3).await {
            Ok(Some(resp)) => {
                forward_answer(&answers, &resp).await;
                u16::from(resp.status_code)
            }
            Ok(None) => 408,
            Err(_) => failed,
        };
        own.send(report(code)).await.ok();
    })
}

/// Hands a 2xx's SDP answer to the call task (which owns the media).
async fn forward_answer(answers: &Option<mpsc::Sender<String>>, resp: &rsipstack::sip::Response) {
    if let (Some(tx), true) = (answers, u16::from(resp.status_code.clone()) / 100 == 2 && !resp.body.is_empty()) {
        tx.send(String::from_utf8_lossy(&resp.body).to_string()).await.ok();
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

#[cfg(test)]
mod tests {
    use super::*;

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
