//! A new INVITE (no To tag): the account and call it is, the refusals it may get (a call the
//! user already hung up on, a session interval too small, a Replaces naming no dialog, an
//! offer we cannot answer, a merged request), then the call's task.

use super::call_task::CallIo;
use super::CallHub;
use crate::engine::call_media::CallMedia;
use crate::engine::config::CallWaiting;
use crate::engine::events::PhoneEvent;
use crate::signalling::call::{CallInput, CallMachine};
use crate::signalling::session_timer::{self, UasDecision};
use crate::sip::headers::{has_option, header};
use crate::sip::name_addr;
use crate::vocab::call_uuid;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Uri};
use rsipstack::transaction::transaction::Transaction;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

impl CallHub {
    /// A new INVITE (no To tag): one call per account and Call-ID.
    pub fn incoming_invite(self: &Arc<Self>, mut tx: Transaction) {
        let req = &tx.original;
        let Some(account) = super::addressed::addressed_index(&self.accounts, req).and_then(|i| self.accounts.get(i)) else {
            return;
        };
        let call_id = req.call_id_header().map(|h| h.value().to_string()).unwrap_or_default();
        let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
        let (display_name, from_uri) = name_addr::split(&from);
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
}
