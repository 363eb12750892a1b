//! The push wake's one owner: a push, from its hint until the call it announced rings or ends.
//!
//! In: the push envelope (`on_push`, on the shell's thread: it must not wait), the call
//! screen's answer or hang-up for a call still waking (`call_screen`), each REGISTER's outcome
//! (`registration`, fed from the event bus's named channel), the INVITE that may be a waking
//! call (`book` for the INVITE policy's facts, `claim`), and the call's ringing, answer and end
//! (`ringing`, `answered`, `finished`).
//!
//! Out: the hint (`push::hint`'s table); a fresh flow for every account (a [`FreshFlow`] on its
//! own channel: heal the flow, REGISTER at once); the wake's deadline; the call's
//! `push_timeline` and, for a wake that ends before its INVITE, its `call_ended`, through the
//! event bus; the fate of every call a push ended, in the call registry, so a late push or an
//! INVITE for it is told the same.
//!
//! The decisions are sans-IO: `push::hint` (what a push means), `push::wake` (one wake on its
//! clock), `push_wakes` (the book that finds a wake by INVITE or account). This module only ties
//! them to time, the registry and the channels.

use super::call_log_writer::CallLogWriter;
use super::calls::registry::CallRegistry;
use super::events::{PhoneEvent, PhoneListener};
use super::push_wakes::{Ended, PushWakes, TimelineStage};
use crate::push::hint::{decide, CallLookup, HintAction, IncomingCallHint, PushPolicy};
use crate::push::payload::{Parsed, PushType};
use crate::push::wake::{PushWake, WakeExpect, WakeInput, WakeStage};
use crate::vocab::{call_uuid, EndReason};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Asked of the accounts when a push says a call waits: leave suspension, heal the flow and
/// REGISTER at once (RFC 8599 §4.1.2: the gateway forks the INVITE on that REGISTER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FreshFlow;

pub(crate) struct PushFlow {
    book: PushWakes,
    calls: Arc<CallRegistry>,
    /// Events about calls (through caller ID, to the bus).
    events: Arc<dyn PhoneListener>,
    /// The bus itself: the hint goes out without a contacts lookup on the shell's thread.
    bus: Arc<dyn PhoneListener>,
    call_log: Option<Arc<CallLogWriter>>,
    fresh_flows: mpsc::UnboundedSender<FreshFlow>,
    accounts: Vec<String>,
    /// How long a woken call waits for its INVITE.
    deadline: Duration,
    runtime: tokio::runtime::Handle,
}

/// What a push flow is made of.
pub(crate) struct PushFlowSetup {
    pub events: Arc<dyn PhoneListener>,
    pub bus: Arc<dyn PhoneListener>,
    pub call_log: Option<Arc<CallLogWriter>>,
    pub fresh_flows: mpsc::UnboundedSender<FreshFlow>,
    pub accounts: Vec<String>,
    pub deadline: Duration,
}

impl PushFlow {
    pub(crate) fn new(setup: PushFlowSetup, calls: Arc<CallRegistry>) -> Arc<PushFlow> {
        let PushFlowSetup { events, bus, call_log, fresh_flows, accounts, deadline } = setup;
        Arc::new(PushFlow {
            book: PushWakes::default(),
            calls,
            events,
            bus,
            call_log,
            fresh_flows,
            accounts,
            deadline,
            runtime: tokio::runtime::Handle::current(),
        })
    }

    /// The book, for the INVITE policy's facts (which waking call an INVITE is).
    pub(crate) fn book(&self) -> &PushWakes {
        &self.book
    }

    /// A push arrived: its hint, decided at once (iOS must report the call before the PushKit
    /// callback returns), and what it sets going.
    pub(crate) fn on_push(self: &Arc<Self>, envelope: &[u8], now_ms: u64) -> IncomingCallHint {
        let pushed_at = Instant::now();
        let parsed = crate::push::payload::parse(envelope);
        // The call log's writer queues in memory: storage is always there to take the push.
        let hint = decide(envelope, &parsed, now_ms, &self.accounts, true, self.as_ref(), PushPolicy::default());
        let mut started = false;
        match &hint.action {
            HintAction::Ring => started = self.start(&hint, pushed_at),
            // A cancel push for a call still waking: it ends now, with the gateway's reason.
            // (Any other push that ends, a garbled duplicate say, leaves the waking call be.)
            HintAction::End { reason, .. } => {
                if matches!(&parsed, Parsed::Ok(p) if p.kind == PushType::Cancel) {
                    self.call_screen(&hint.call, WakeInput::Cancelled { reason: *reason });
                }
            }
            HintAction::AlreadyRinging => {}
        }
        // The shell hears the decision as an event too (a listener that shows every push); the
        // call log learns of it here, not from the bus, since only here is it known whether
        // the push was readable. A readable push for a call that was never waking (the caller
        // gave up, the desk answered before we woke) ends here: logged ended, so a missed call
        // shows as missed, and remembered, so the hint and every later event agree.
        let announced = PhoneEvent::from_hint(&hint);
        self.bus.on_event(announced.clone());
        // The flow is refreshed only once the hint is announced: the call's INVITE can follow
        // the REGISTER within a millisecond, and the shell must hear the push before its call.
        if started {
            // Recorded first: the account task may send the REGISTER and hear its 200 before
            // this thread runs again, and the timeline must not say registered before sent.
            self.book.record(&hint.call, Instant::now(), WakeStage::RegisterSent);
            // Unbounded: the shell's thread never waits on it.
            let _ = self.fresh_flows.send(FreshFlow);
        }
        let woke = self.book.kept(&hint.call).is_some() || self.book.is_waiting(&hint.call);
        if let Parsed::Ok(_) = &parsed {
            let ended_here = match (&hint.action, woke) {
                (HintAction::End { reason, .. }, false) => Some(*reason),
                _ => None,
            };
            if let Some(reason) = ended_here {
                self.calls.remember_ended(&hint.call, reason, Instant::now());
            }
            if let Some(log) = &self.call_log {
                log.record(&announced);
                if let Some(reason) = ended_here {
                    log.record(&PhoneEvent::CallEnded { call: hint.call.clone(), reason, sip_code: None, duration_ms: None });
                }
            }
        }
        hint
    }

    /// Starts waiting (bounded) for the INVITE of a call a push announced; false for a call
    /// already waking (a duplicate push).
    fn start(self: &Arc<Self>, hint: &IncomingCallHint, pushed_at: Instant) -> bool {
        let account = hint.account.clone().or_else(|| self.accounts.first().cloned()).unwrap_or_default();
        let expect = WakeExpect { call_id: hint.call_id.clone(), push_id: hint.push_id.clone(), caller: hint.caller.clone() };
        let mut wake = PushWake::new(pushed_at, self.deadline, expect);
        wake.record(Instant::now(), WakeStage::HintReturned);
        if !self.book.start(&hint.call, &account, wake) {
            return false;
        }
        let flow = self.clone();
        let call = hint.call.clone();
        // on_push runs on the shell's thread: the deadline runs on the core's runtime.
        self.runtime.spawn(async move {
            while let Some(at) = flow.book.deadline(&call) {
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                if let Some(ended) = flow.book.timeout(&call, Instant::now()) {
                    flow.ended(ended);
                    break;
                }
            }
        });
        true
    }

    /// The call screen (answer, hang up) or a cancel push, for a call still waking; false when
    /// `call` is not waking.
    pub(crate) fn call_screen(&self, call: &str, input: WakeInput) -> bool {
        if !self.book.is_waiting(call) {
            return false;
        }
        if let Some(ended) = self.book.input(call, Instant::now(), input) {
            self.ended(ended);
        }
        true
    }

    /// A REGISTER outcome of `account`, for the calls waking on it.
    pub(crate) fn registration(&self, account: &str, input: WakeInput) {
        for ended in self.book.registration(account, Instant::now(), input) {
            self.ended(ended);
        }
    }

    /// The INVITE of waking `call` arrived: whether the user already answered it.
    pub(crate) fn claim(&self, call: &str, now: Instant) -> bool {
        self.book.claim(call, now)
    }

    /// A push-woken call rings (the INVITE became a call).
    pub(crate) fn ringing(&self, call: &str) {
        self.book.record(call, Instant::now(), WakeStage::Ringing);
    }

    pub(crate) fn answered(&self, call: &str) {
        self.book.record(call, Instant::now(), WakeStage::Answered);
    }

    /// A call ended: a push-woken one's complete timeline goes out and is kept.
    pub(crate) fn finished(&self, call: &str) {
        if let Some(stages) = self.book.finish(call, Instant::now()) {
            self.book.keep(call, &stages, None);
            self.events.on_event(PhoneEvent::PushTimeline { call: call.to_string(), stages, diagnostic: None });
        }
    }

    /// The timeline of a push-woken call: the one it ended with, or, while it still wakes or
    /// rings, the stages so far.
    pub(crate) fn timeline(&self, call: &str) -> Option<(Vec<TimelineStage>, Option<String>)> {
        self.book.kept(call).or_else(|| self.book.live(call).map(|s| (s, None)))
    }

    /// A waking call ended before its INVITE: reported as any call's end, with its timeline.
    fn ended(&self, (call, end, stages): Ended) {
        tracing::info!(%call, reason = ?end.reason, diagnostic = ?end.diagnostic, "push-woken call ended before its INVITE");
        self.calls.remember_ended(&call, end.reason, Instant::now());
        self.book.keep(&call, &stages, end.diagnostic.as_deref());
        self.events.on_event(PhoneEvent::PushTimeline { call: call.clone(), stages, diagnostic: end.diagnostic });
        self.events.on_event(PhoneEvent::CallEnded { call, reason: end.reason, sip_code: None, duration_ms: None });
    }
}

impl CallLookup for PushFlow {
    fn is_live(&self, account: &str, call_id: &str) -> bool {
        let uuid = call_uuid(account, call_id);
        self.calls.is_live(&uuid) || self.book.is_waiting(&uuid)
    }

    fn is_waking(&self, account: &str, call_id: &str) -> bool {
        self.book.is_waiting(&call_uuid(account, call_id))
    }

    fn ended(&self, account: &str, call_id: &str) -> Option<EndReason> {
        self.calls.ended(&call_uuid(account, call_id), Instant::now())
    }
}

#[cfg(test)]
#[path = "push_flow_tests.rs"]
mod tests;
