//! A new INVITE (no To tag): the facts the hub knows of it (the account and call it is, a push
//! that announced it, how the same call ended lately, the dialog a Replaces names, the session
//! timer it asks for, whether its media are ready), the decision `signalling::invite_policy`
//! takes on them, and that decision carried out: a refusal, or the call's task.

use super::call_task::{CallIo, IncomingCaller};
use super::registry::CallRegistry;
use super::CallHub;
use crate::engine::call_media::CallMedia;
use crate::engine::config::CallWaiting;
use crate::engine::media_session::MediaReport;
use crate::engine::push_wakes::PushWakes;
use crate::signalling::call::{CallInput, CallMachine};
use crate::signalling::invite_policy::{decide, AgreedTimer, CallStart, InviteDecision, InviteFacts, MediaReadiness, Refusal, ReplacesMatch, WakeMatch};
use crate::signalling::session_timer;
use crate::sip::headers::{has_option, header};
use crate::sip::{name_addr, replaces};
use crate::vocab::call_uuid;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Request, Uri};
use rsipstack::transaction::transaction::Transaction;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

impl CallHub {
    /// A new INVITE (no To tag): one call per account and Call-ID.
    pub fn incoming_invite(self: &Arc<Self>, mut tx: Transaction) {
        let req = &tx.original;
        let Some(index) = super::addressed::addressed_index(&self.accounts, req) else {
            return;
        };
        let Some(account) = self.accounts.get(index) else { return };
        let now = std::time::Instant::now();
        let call_id = req.call_id_header().map(|h| h.value().to_string()).unwrap_or_default();
        let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
        let (display_name, from_uri) = name_addr::split(&from);
        let limits = Limits { min_se: self.min_se, busy_when_answered: self.waiting == CallWaiting::Busy };
        let Gathered { uuid, woken, replaced, mut facts } = gather(&self.calls, self.push.book(), &account.key, req, limits, now);
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let (media, readiness) = prepare_media(&uuid, self.media_setup(), reports_tx, &req.body);
        facts.media = readiness;
        let mut decision = decide(&facts);
        if let (InviteDecision::Take { .. }, Some(w)) = (&decision, &woken) {
            // The INVITE claims its wake (its deadline is off). What the wake says the user
            // did is the last word: they may have answered on the lock screen since the facts
            // were read, so the policy hears it.
            facts.wake = Some(WakeMatch { answered: self.push.claim(w, now) });
            decision = decide(&facts);
        }
        let (start, timer, media) = match (decision, media) {
            (InviteDecision::Take { start, timer }, Some(media)) => (start, timer, media),
            (InviteDecision::Refuse(refusal), _) => return refuse(tx, refusal),
            // The policy takes a call only with its media ready.
            (InviteDecision::Take { .. }, None) => return refuse(tx, Refusal::NoMediaPort),
        };
        // Registered at once (this runs on the one task that reads new requests): a copy of
        // this INVITE by another path now finds the call live.
        let Some(commands) = self.calls.insert(&uuid, index, true, &from_uri) else {
            return refuse(tx, Refusal::MergedRequest);
        };
        let contact = account.route.lock().ok().and_then(|r| r.contact.clone()).and_then(|c| Uri::try_from(c.as_str()).ok());
        let (state_tx, states) = self.dialogs.new_dialog_state_channel();
        let dialog = match self.dialogs.get_or_create_server_invite(&tx, state_tx, None, contact) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "incoming INVITE without a dialog");
                self.calls.forget(&uuid);
                return refuse(tx, Refusal::NoDialog { why: e.to_string() });
            }
        };
        self.attach(&uuid, &dialog);
        if let (CallStart::AnswerReplacing, Some(old)) = (start, &replaced) {
            // Before anyone hears of the new call: a shell that answers it at once must not
            // hold the call it replaces (a hold re-INVITE racing our BYE lets the far end
            // refuse the BYE as out of order, and the old call never ends there).
            self.calls.release(old);
            self.notify_call(old, CallInput::Replaced);
        }
        let mut machine = CallMachine::incoming(Instant::now().into_std());
        let (accept_headers, session_expires) = agree_timer(&mut machine, timer);
        if let Some(input) = start.first_input() {
            machine.handle(Instant::now().into_std(), input);
        }
        let span = tracing::info_span!("call", %call_id, direction = "in");
        // The INVITE server transaction runs in its own task: it answers retransmissions and
        // hands ACK, CANCEL and our responses through the dialog.
        let mut driver = dialog.clone();
        tokio::spawn(async move { driver.handle(&mut tx).await.ok() }.instrument(span.clone()));
        let mut io = CallIo::new(uuid, call_id.clone(), index, dialog, media, accept_headers, session_expires);
        io.caller = Some(IncomingCaller { call_id, from: from_uri, display_name, account: account.key.clone() });
        tokio::spawn(self.clone().run_call(io, states, commands, machine, None, reports).instrument(span));
    }
}

/// What the hub's settings add to an INVITE's facts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) min_se: u32,
    pub(super) busy_when_answered: bool,
}

/// A new INVITE as the hub knows it: the call it is, the wake and the call it matched, and the
/// facts for the policy (media still to be judged: `Ready` until they are).
#[derive(Debug)]
pub(super) struct Gathered {
    pub(super) uuid: String,
    pub(super) woken: Option<String>,
    /// The live call its `Replaces` names.
    pub(super) replaced: Option<String>,
    pub(super) facts: InviteFacts,
}

/// Gathers what the registries know of a new INVITE for `account`, on the clock handed in.
pub(super) fn gather(calls: &CallRegistry, wakes: &PushWakes, account: &str, req: &Request, limits: Limits, now: std::time::Instant) -> Gathered {
    let call_id = req.call_id_header().map(|h| h.value().to_string()).unwrap_or_default();
    let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
    let (_, from_uri) = name_addr::split(&from);
    // A push-woken call keeps the id the push gave it, even when the PBX changed the Call-ID.
    let push_id = header(req, "X-Push-ID");
    let woken = wakes.find(account, now, &call_id, push_id.as_deref(), &from_uri);
    let uuid = woken.clone().unwrap_or_else(|| call_uuid(account, &call_id));
    let (replaced, replaces) = match header(req, "Replaces") {
        None => (None, ReplacesMatch::Absent),
        Some(value) => {
            let named = replaces::parse(&value);
            let ended = named.as_ref().map(|n| call_uuid(account, &n.call_id));
            calls.replaced(named.as_ref(), replaces::early_only(&value), ended.as_deref(), now)
        }
    };
    let facts = InviteFacts {
        already_live: calls.is_live(&uuid),
        wake: woken.as_deref().map(|w| WakeMatch { answered: wakes.answered(w) }),
        recently_ended: calls.ended(&uuid, now),
        session_timer: session_timer::negotiate_uas(header(req, "Session-Expires").as_deref(), has_option(req, "Supported", "timer"), limits.min_se),
        min_se: limits.min_se,
        replaces,
        media: MediaReadiness::Ready,
        busy_when_answered: limits.busy_when_answered,
        answered_calls: calls.answered(),
    };
    Gathered { uuid, woken, replaced, facts }
}

/// The call's RTP port and our answer to the INVITE's offer (an INVITE without one gets ours).
fn prepare_media(
    uuid: &str,
    setup: crate::engine::call_media::MediaSetup,
    reports: mpsc::UnboundedSender<MediaReport>,
    body: &[u8],
) -> (Option<CallMedia>, MediaReadiness) {
    let mut media = match CallMedia::bind(uuid, setup, reports) {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "no RTP port for an incoming call");
            return (None, MediaReadiness::NoPort);
        }
    };
    match media.take_offer(&String::from_utf8_lossy(body)) {
        Ok(()) => (Some(media), MediaReadiness::Ready),
        Err(e) => (None, MediaReadiness::OfferRefused { why: e.to_string() }),
    }
}

/// The timer the policy agreed to: the headers our 2xx carries, the interval refreshes echo,
/// and the machine told who refreshes.
fn agree_timer(machine: &mut CallMachine, timer: Option<AgreedTimer>) -> (Vec<Header>, Option<u32>) {
    let Some(t) = timer else {
        return (Vec::new(), None);
    };
    let mut headers = vec![Header::SessionExpires(t.expires.header_value().into())];
    if t.require_timer {
        headers.push(Header::Require("timer".into()));
    }
    let interval = std::time::Duration::from_secs(u64::from(t.expires.seconds));
    machine.handle(Instant::now().into_std(), CallInput::SessionTimerAgreed { interval, we_refresh: t.we_refresh });
    (headers, Some(t.expires.seconds))
}

/// Answers the INVITE with the refusal's status and header; it never rings.
fn refuse(mut tx: Transaction, refusal: Refusal) {
    let code = refusal.code();
    tracing::info!(code, ?refusal, "incoming INVITE refused");
    let headers = refusal.header().map(|(name, value)| rsipstack::sip::headers::make_header(name, value)).into_iter().collect();
    tokio::spawn(async move { tx.reply_with(rsipstack::sip::StatusCode::from(code), headers, None).await.ok() });
}

#[cfg(test)]
#[path = "incoming_tests.rs"]
mod tests;
