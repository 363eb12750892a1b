//! `CallMachine`: one call's rules, incoming or outgoing — how it rings, is answered, ends, and
//! above all *why* it ended (design §2 end reasons), which decides what the call log says.
//!
//! Input: `(now, CallInput)` — SIP outcomes the engine observed and the user's commands.
//! Output: `CallAction`s (what to send) and `CallEvent`s, drained with `poll_action`; the next
//! deadline from `poll_timeout`. No sockets, no clock of its own.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// Why a call ended (design §2). `AnsweredElsewhere` is never a missed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    LocalHangup,
    RemoteHangup,
    /// CANCEL with `Reason: SIP;cause=200` — the desk phone (or another device) answered.
    AnsweredElsewhere,
    /// CANCEL with cause 600/603 — declined on another device.
    DeclinedElsewhere,
    /// The caller gave up: a missed call.
    Cancelled,
    Busy,
    Declined,
    Unanswered,
    Failed,
}

/// The `Reason` header of a CANCEL (RFC 3326), reduced to its SIP cause.
pub fn cancel_reason(reason_header: Option<&str>) -> EndReason {
    let cause = reason_header.and_then(|value| {
        value.split(',').find_map(|one| {
            let one = one.trim();
            if !one.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("sip")) {
                return None;
            }
            one.split(';').find_map(|p| p.trim().strip_prefix("cause=").and_then(|c| c.trim().parse::<u16>().ok()))
        })
    });
    match cause {
        Some(200) => EndReason::AnsweredElsewhere,
        Some(600 | 603) => EndReason::DeclinedElsewhere,
        _ => EndReason::Cancelled,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallInput {
    /// Outgoing: a provisional response (180/183).
    Provisional { code: u16 },
    /// Outgoing: 2xx.
    Answered,
    /// Outgoing: a final error response.
    Rejected { code: u16 },
    /// The INVITE could not be delivered or timed out.
    TransportFailed,
    /// Incoming: the caller (or the PBX) cancelled; the CANCEL's `Reason` header value.
    RemoteCancelled { reason: Option<String> },
    /// Incoming: the ACK for our 2xx arrived.
    AckReceived,
    /// Incoming: no ACK for our 2xx (RFC 3261 §13.3.1.4 Timer H).
    AckTimeout,
    RemoteBye,
    /// User commands.
    Answer,
    /// Decline a ringing incoming call: 486 (the desk keeps ringing) or, everywhere, 603.
    Decline { everywhere: bool },
    Hangup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    /// Incoming: send 180 Ringing.
    SendRinging,
    /// Incoming: send 200 with our answer.
    Accept,
    /// Incoming: answer the INVITE with this final error.
    Reject { code: u16 },
    /// Outgoing: CANCEL the pending INVITE.
    SendCancel,
    SendBye,
    Event(CallEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    Incoming,
    Ringing,
    Answered,
    Ended { reason: EndReason, sip_code: Option<u16>, duration: Option<Duration> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Incoming and ringing here (and at the desk).
    Ringing,
    /// Incoming: 200 sent, waiting for the ACK.
    Accepting,
    /// Outgoing: INVITE sent, nothing heard but 100.
    Dialing,
    /// Outgoing: the far end rings.
    Alerting,
    /// Outgoing: the user hung up before an answer; CANCEL sent, waiting for the final.
    Cancelling,
    Active { since: Instant },
    Ended,
}

/// How long an outgoing call may ring before we give up as `unanswered` (the far end or the
/// PBX usually ends it first).
pub const RING_TIMEOUT: Duration = Duration::from_secs(120);

pub struct CallMachine {
    direction: Direction,
    state: State,
    started: Instant,
    actions: VecDeque<CallAction>,
    ringing_reported: bool,
    /// Why a call we are cancelling ended, when not the user's hang-up (ring timeout).
    end_after_cancel: Option<EndReason>,
}

impl CallMachine {
    /// An incoming INVITE: report it and ring.
    pub fn incoming(now: Instant) -> Self {
        let mut m = CallMachine { direction: Direction::Incoming, state: State::Ringing, started: now, actions: VecDeque::new(), ringing_reported: false, end_after_cancel: None };
        m.actions.push_back(CallAction::Event(CallEvent::Incoming));
        m.actions.push_back(CallAction::SendRinging);
        m
    }

    /// An outgoing INVITE the engine has just sent.
    pub fn outgoing(now: Instant) -> Self {
        CallMachine { direction: Direction::Outgoing, state: State::Dialing, started: now, actions: VecDeque::new(), ringing_reported: false, end_after_cancel: None }
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    pub fn is_ended(&self) -> bool {
        self.state == State::Ended
    }

    pub fn is_active(&self) -> bool {
        matches!(self.state, State::Active { .. })
    }

    pub fn poll_action(&mut self) -> Option<CallAction> {
        self.actions.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Dialing | State::Alerting => Some(self.started + RING_TIMEOUT),
            _ => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if matches!(self.state, State::Dialing | State::Alerting) && now >= self.started + RING_TIMEOUT {
            self.state = State::Cancelling;
            self.actions.push_back(CallAction::SendCancel);
            // The 487 that answers our CANCEL ends the call as unanswered, not hung up.
            self.end_after_cancel = Some(EndReason::Unanswered);
        }
    }

    pub fn handle(&mut self, now: Instant, input: CallInput) {
        use CallInput::*;
        match (self.state, input) {
            (State::Ended, _) => {}
            // ── incoming ──
            (State::Ringing, RemoteCancelled { reason }) => self.end(now, cancel_reason(reason.as_deref()), Some(487)),
            (State::Ringing, Answer) => {
                self.state = State::Accepting;
                self.actions.push_back(CallAction::Accept);
            }
            (State::Ringing, Decline { everywhere }) => {
                // 486 keeps the other forks (the desk phone) ringing; 603 asks the PBX to stop
                // the whole call (RFC 3261 §21.6.2).
                let code = if everywhere { 603 } else { 486 };
                self.actions.push_back(CallAction::Reject { code });
                self.end(now, EndReason::Declined, Some(code));
            }
            (State::Ringing, Hangup) => self.handle(now, Decline { everywhere: false }),
            // A CANCEL that crosses our 200 has no effect (RFC 3261 §9.2): the ACK decides.
            (State::Accepting, RemoteCancelled { .. }) => {}
            (State::Accepting, AckReceived) => self.activate(now),
            (State::Accepting, AckTimeout) => {
                self.actions.push_back(CallAction::SendBye);
                self.end(now, EndReason::Failed, Some(408));
            }
            (State::Accepting, RemoteBye) => self.end(now, EndReason::RemoteHangup, None),
            (State::Accepting, Hangup) => {
                self.actions.push_back(CallAction::SendBye);
                self.end(now, EndReason::LocalHangup, None);
            }
            // ── outgoing ──
            (State::Dialing | State::Alerting, Provisional { code }) => {
                self.state = State::Alerting;
                if (180..=183).contains(&code) && !self.ringing_reported {
                    self.ringing_reported = true;
                    self.actions.push_back(CallAction::Event(CallEvent::Ringing));
                }
            }
            (State::Dialing | State::Alerting, Answered) => self.activate(now),
            (State::Dialing | State::Alerting, Rejected { code }) => self.end(now, reject_reason(code), Some(code)),
            (State::Dialing | State::Alerting, TransportFailed) => self.end(now, EndReason::Failed, None),
            (State::Dialing | State::Alerting, Hangup) => {
                self.state = State::Cancelling;
                self.actions.push_back(CallAction::SendCancel);
            }
            (State::Cancelling, Rejected { code }) => {
                let reason = self.end_after_cancel.take().unwrap_or(EndReason::LocalHangup);
                self.end(now, reason, Some(code));
            }
            // The far end answered as our CANCEL flew: the dialog exists, so end it with BYE.
            (State::Cancelling, Answered) => {
                self.actions.push_back(CallAction::SendBye);
                let reason = self.end_after_cancel.take().unwrap_or(EndReason::LocalHangup);
                self.end(now, reason, Some(200));
            }
            (State::Cancelling, TransportFailed) => self.end(now, EndReason::LocalHangup, None),
            // ── both ──
            (State::Active { .. }, RemoteBye) => self.end(now, EndReason::RemoteHangup, None),
            (State::Active { .. }, Hangup) => {
                self.actions.push_back(CallAction::SendBye);
                self.end(now, EndReason::LocalHangup, None);
            }
            (State::Active { .. }, TransportFailed) => self.end(now, EndReason::Failed, None),
            _ => {}
        }
    }

    fn activate(&mut self, now: Instant) {
        self.state = State::Active { since: now };
        self.actions.push_back(CallAction::Event(CallEvent::Answered));
    }

    fn end(&mut self, now: Instant, reason: EndReason, sip_code: Option<u16>) {
        let duration = match self.state {
            State::Active { since } => Some(now - since),
            _ => None,
        };
        self.state = State::Ended;
        self.actions.push_back(CallAction::Event(CallEvent::Ended { reason, sip_code, duration }));
    }
}

/// An outgoing call's final error, as the user understands it.
fn reject_reason(code: u16) -> EndReason {
    match code {
        486 | 600 => EndReason::Busy,
        603 => EndReason::Declined,
        408 | 480 | 487 => EndReason::Unanswered,
        _ => EndReason::Failed,
    }
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
