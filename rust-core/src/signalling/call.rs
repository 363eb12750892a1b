//! `CallMachine`: one call's rules, incoming or outgoing — how it rings, is answered, ends, and
//! above all *why* it ended (design §2 end reasons), which decides what the call log says.
//!
//! Input: `(now, CallInput)` — SIP outcomes the engine observed and the user's commands.
//! Output: `CallAction`s (what to send) and `CallEvent`s, drained with `poll_action`; the next
//! deadline from `poll_timeout`. No sockets, no clock of its own.

use super::session_timer::{SessionTimer, TimerAction};
pub use crate::vocab::{EndReason, MediaDirection};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The `Reason` header of a CANCEL (RFC 3326), reduced to its SIP cause; without one, a
/// Q.850 cause 26 ("non-selected user clearing": another device of the hunt group took the
/// call, as Asterisk-based PBXs say it) is answered elsewhere too.
pub fn cancel_reason(reason_header: Option<&str>) -> EndReason {
    let cause_of = |protocol: &str| reason_header.and_then(|value| crate::sip::reason::cause(value, protocol));
    match (cause_of("SIP"), cause_of("Q.850")) {
        (Some(200), _) => EndReason::AnsweredElsewhere,
        (Some(600 | 603), _) => EndReason::DeclinedElsewhere,
        (None, Some(26)) => EndReason::AnsweredElsewhere,
        _ => EndReason::Cancelled,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallInput {
    /// Outgoing: a provisional response (180/183).
    Provisional {
        code: u16,
    },
    /// Outgoing: a provisional answer with SDP (a 183) whose media now plays: the far end's
    /// ringback or announcement (RFC 3960 §3).
    EarlyMedia,
    /// Outgoing: 2xx.
    Answered,
    /// Outgoing: a final error response.
    Rejected {
        code: u16,
    },
    /// The INVITE could not be delivered or timed out.
    TransportFailed,
    /// Incoming: the caller (or the PBX) cancelled; the CANCEL's `Reason` header value.
    RemoteCancelled {
        reason: Option<String>,
    },
    /// Incoming: the ACK for our 2xx arrived.
    AckReceived,
    /// Incoming: no ACK for our 2xx (RFC 3261 §13.3.1.4 Timer H).
    AckTimeout,
    RemoteBye,
    /// A re-INVITE or UPDATE from the far end offering this media direction (RFC 3264 §8.4:
    /// sendonly or inactive puts us on hold).
    RemoteOffer {
        direction: MediaDirection,
    },
    /// A re-INVITE or UPDATE without an offer: a session refresh (RFC 4028) that changes
    /// nothing; answered with the media as they are.
    RemoteRefresh,
    /// A session timer was agreed (RFC 4028): its interval, and whether we refresh.
    SessionTimerAgreed {
        interval: Duration,
        we_refresh: bool,
    },
    /// Our session refresh got this final response.
    SessionRefreshAnswered {
        code: u16,
    },
    /// The far end sent DTMF by SIP INFO.
    RemoteDtmf {
        digit: char,
    },
    /// Our re-INVITE for hold/resume got this final response.
    ReofferAnswered {
        code: u16,
    },
    /// User commands.
    Answer,
    /// Stop (or restart) sending our audio; the media engine reads `is_muted`.
    Mute {
        on: bool,
    },
    Hold,
    Resume,
    /// Send these DTMF digits (by SIP INFO until RFC 4733 arrives with media).
    SendDtmf {
        digits: String,
    },
    /// Blind transfer to `target` (RFC 3515 REFER; RFC 5589 §6).
    TransferBlind {
        target: String,
    },
    /// Attended transfer (RFC 5589 §7): REFER the far end to `target` with `refer_to`, which
    /// carries the `Replaces` of our call with the target.
    TransferAttended {
        target: String,
        refer_to: String,
    },
    /// The far end asks us to call `target` (RFC 3515): we are being transferred; `replaces`
    /// names the dialog the new call takes over at the target (attended transfer).
    RemoteRefer {
        target: String,
        replaces: Option<String>,
    },
    /// The call we placed for the far end's REFER reached this status.
    ReferredCallProgress {
        code: u16,
    },
    /// An INVITE with `Replaces` took this call over (RFC 3891): we leave it.
    Replaced,
    /// The far end answered our REFER (202 accepts it).
    ReferAnswered {
        code: u16,
    },
    /// A NOTIFY of the transfer's progress: the sipfrag status, and whether it is the last.
    ReferProgress {
        code: u16,
        last: bool,
    },
    /// Decline a ringing incoming call: 486 (the desk keeps ringing) or, everywhere, 603.
    Decline {
        everywhere: bool,
    },
    Hangup,
    /// Our address moved (a network change): the engine has moved the media to `ip` and our
    /// Contact to `contact`; the far end must hear of both by a re-INVITE (RFC 3261 §12.2:
    /// a target refresh; RFC 3264 §8: a new offer with the new c=/m=), one at a time, and for
    /// a call not yet up, as soon as it is.
    AddressMoved {
        contact: String,
        ip: std::net::IpAddr,
    },
    /// The phone is going away (the app quits, the account logs out). A ringing call is
    /// answered 480 (RFC 3261 §21.4.18: temporarily unavailable), which a PBX does not take
    /// for busy, so its forward-on-busy stays for a user who really is; any other call ends
    /// as on `Hangup`.
    Withdraw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    /// Incoming: send 180 Ringing.
    SendRinging,
    /// Incoming: send 200 with our answer.
    Accept,
    /// Incoming: answer the INVITE with this final error.
    Reject {
        code: u16,
    },
    /// Outgoing: CANCEL the pending INVITE.
    SendCancel,
    SendBye,
    /// Answer the far end's re-offer with this direction.
    AnswerReoffer {
        direction: MediaDirection,
    },
    /// Send a re-INVITE offering this direction (hold: sendonly; resume: sendrecv).
    SendReoffer {
        direction: MediaDirection,
    },
    /// Send a session refresh (RFC 4028): a re-INVITE offering the media as they are (which,
    /// after `AddressMoved`, are at the new address: the same request is the target refresh;
    /// its answer comes back as `SessionRefreshAnswered`).
    SendSessionRefresh {
        direction: MediaDirection,
    },
    /// Send one DTMF digit by SIP INFO (application/dtmf-relay).
    SendDtmfInfo {
        digit: char,
    },
    /// Send REFER with Refer-To: `target`.
    SendRefer {
        target: String,
    },
    /// Being transferred: place a call to `target` (with `Replaces` when attended).
    PlaceReferredCall {
        target: String,
        replaces: Option<String>,
    },
    /// Report the referred call's progress to the transferor (RFC 3515 §2.4.4 sipfrag NOTIFY).
    SendReferNotify {
        code: u16,
        last: bool,
    },
    Event(CallEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    Incoming,
    Ringing,
    /// The far end's early media plays (a PBX queue, an IVR, a ringback of its own).
    EarlyMedia,
    Answered,
    /// The call went on hold, by us (`by_remote` false) or by the far end.
    Held {
        by_remote: bool,
    },
    Resumed {
        by_remote: bool,
    },
    /// Our microphone is off (`on`) or back on.
    Muted {
        on: bool,
    },
    Dtmf {
        digit: char,
    },
    /// The far end reached the transfer target; our leg then ends.
    Transferred {
        target: String,
    },
    /// The transfer did not go through; the call goes on (held, as the user left it).
    TransferFailed {
        target: String,
        sip_code: u16,
    },
    Ended {
        reason: EndReason,
        sip_code: Option<u16>,
        duration: Option<Duration>,
    },
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
    Active {
        since: Instant,
        hold: Hold,
    },
    Ended,
}

/// Who holds an active call. Both may: the call resumes when both have let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Hold {
    local: bool,
    remote: bool,
    /// A re-INVITE of ours is pending: another waits (RFC 3261 §14.1 forbids overlap).
    reoffer_pending: bool,
}

impl Hold {
    /// What we offer for the media as they are: sendonly while we hold.
    fn offer(self) -> MediaDirection {
        if self.local {
            MediaDirection::SendOnly
        } else {
            MediaDirection::SendRecv
        }
    }
}

/// A blind transfer in progress (one at a time).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Transfer {
    target: String,
}

/// How long an outgoing call may ring before we give up as `unanswered` (the far end or the
/// PBX usually ends it first).
pub const RING_TIMEOUT: Duration = Duration::from_secs(120);

pub struct CallMachine {
    state: State,
    started: Instant,
    actions: VecDeque<CallAction>,
    ringing_reported: bool,
    early_media_reported: bool,
    /// Why a call we are cancelling ended, when not the user's hang-up (ring timeout).
    end_after_cancel: Option<EndReason>,
    transfer: Option<Transfer>,
    /// We are being transferred to this target (one REFER at a time).
    referred_to: Option<String>,
    session_timer: Option<SessionTimer>,
    muted: bool,
    /// Our address moved and the far end has not been told yet.
    move_owed: bool,
    /// A session or target refresh of ours is in flight.
    refresh_pending: bool,
}

impl CallMachine {
    /// An incoming INVITE: report it and ring.
    pub fn incoming(now: Instant) -> Self {
        let mut m = Self::new(State::Ringing, now);
        m.actions.push_back(CallAction::Event(CallEvent::Incoming));
        m.actions.push_back(CallAction::SendRinging);
        m
    }

    /// An outgoing INVITE the engine has just sent.
    pub fn outgoing(now: Instant) -> Self {
        Self::new(State::Dialing, now)
    }

    fn new(state: State, now: Instant) -> Self {
        CallMachine {
            state,
            started: now,
            actions: VecDeque::new(),
            ringing_reported: false,
            early_media_reported: false,
            end_after_cancel: None,
            transfer: None,
            referred_to: None,
            session_timer: None,
            muted: false,
            move_owed: false,
            refresh_pending: false,
        }
    }

    pub fn is_ended(&self) -> bool {
        self.state == State::Ended
    }

    /// An outgoing call still waiting for its final answer, not being cancelled: a challenge
    /// to its INVITE is answered; once we cancel, a challenge is final (RFC 3261 §9.1).
    pub fn awaits_answer(&self) -> bool {
        matches!(self.state, State::Dialing | State::Alerting)
    }

    #[cfg(test)]
    pub fn is_active(&self) -> bool {
        matches!(self.state, State::Active { .. })
    }

    /// Whether our audio is muted: the media engine sends silence (or nothing, with DTX).
    #[cfg(test)]
    pub fn is_muted(&self) -> bool {
        self.muted
    }

    pub fn poll_action(&mut self) -> Option<CallAction> {
        self.actions.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Dialing | State::Alerting => Some(self.started + RING_TIMEOUT),
            State::Active { .. } => self.session_timer.map(|t| t.poll_timeout()),
            _ => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if let State::Active { hold, .. } = self.state {
            match self.session_timer.as_mut().and_then(|t| t.handle_timeout(now)) {
                // One re-INVITE at a time (RFC 3261 §14.1): a refresh in flight serves.
                Some(TimerAction::Refresh) if self.refresh_pending || hold.reoffer_pending => {}
                Some(TimerAction::Refresh) => self.send_refresh(hold),
                Some(TimerAction::Expire) => {
                    // RFC 4028 §10: nobody refreshed; the far end is gone.
                    self.actions.push_back(CallAction::SendBye);
                    self.end(now, EndReason::Failed, Some(408));
                }
                None => {}
            }
            return;
        }
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
            (State::Ringing, Withdraw) => {
                self.actions.push_back(CallAction::Reject { code: 480 });
                self.end(now, EndReason::Unanswered, Some(480));
            }
            (_, Withdraw) => self.handle(now, Hangup),
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
            (State::Dialing | State::Alerting, EarlyMedia) => {
                self.handle(now, Provisional { code: 183 });
                if !self.early_media_reported {
                    self.early_media_reported = true;
                    self.actions.push_back(CallAction::Event(CallEvent::EarlyMedia));
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
            // Muting is the user's, on a call that is up or still being set up.
            (State::Active { .. } | State::Accepting | State::Dialing | State::Alerting, Mute { on }) if on != self.muted => {
                self.muted = on;
                self.actions.push_back(CallAction::Event(CallEvent::Muted { on }));
            }
            (_, SessionTimerAgreed { interval, we_refresh }) => self.session_timer = Some(SessionTimer::new(now, interval, we_refresh)),
            (State::Active { hold, .. }, RemoteRefresh) => {
                self.refreshed(now);
                self.actions.push_back(CallAction::AnswerReoffer { direction: hold.offer() });
            }
            (State::Active { hold, .. }, SessionRefreshAnswered { code }) => {
                self.refresh_pending = false;
                match code {
                    200..=299 => self.refreshed(now),
                    // RFC 4028 §10 and RFC 5057: the dialog is gone.
                    408 | 481 => return self.end(now, EndReason::Failed, Some(code)),
                    _ => {
                        if let Some(t) = self.session_timer.as_mut() {
                            t.refresh_failed(now);
                        }
                    }
                }
                self.send_owed_move(hold);
            }
            (State::Active { hold, .. }, AddressMoved { .. }) => {
                self.move_owed = true;
                self.send_owed_move(hold);
            }
            // Not up yet: told once it is (`activate`).
            (State::Ringing | State::Accepting | State::Dialing | State::Alerting, AddressMoved { .. }) => self.move_owed = true,
            (State::Active { since, mut hold }, input @ (RemoteOffer { .. } | Hold | Resume | ReofferAnswered { .. })) => {
                if matches!(input, RemoteOffer { .. }) || matches!(input, ReofferAnswered { code } if (200..300).contains(&code)) {
                    self.refreshed(now);
                }
                self.mid_call(&mut hold, input);
                self.state = State::Active { since, hold };
                self.send_owed_move(hold);
            }
            (State::Active { .. }, TransferBlind { target }) if self.transfer.is_none() => {
                self.transfer = Some(Transfer { target: target.clone() });
                self.actions.push_back(CallAction::SendRefer { target });
            }
            (State::Active { .. }, TransferAttended { target, refer_to }) if self.transfer.is_none() => {
                self.transfer = Some(Transfer { target });
                self.actions.push_back(CallAction::SendRefer { target: refer_to });
            }
            (State::Active { .. }, RemoteRefer { target, replaces }) if self.referred_to.is_none() => {
                self.referred_to = Some(target.clone());
                self.actions.push_back(CallAction::SendReferNotify { code: 100, last: false });
                self.actions.push_back(CallAction::PlaceReferredCall { target, replaces });
            }
            (State::Active { .. }, ReferredCallProgress { code }) if code >= 200 && self.referred_to.is_some() => {
                let target = self.referred_to.take().unwrap_or_default();
                self.actions.push_back(CallAction::SendReferNotify { code, last: true });
                if (200..300).contains(&code) {
                    // The talk goes on in the new call; this leg has done its job. The
                    // transferor would BYE it too (RFC 5589 §6): we don't leave it hanging.
                    self.actions.push_back(CallAction::Event(CallEvent::Transferred { target }));
                    self.actions.push_back(CallAction::SendBye);
                    self.end(now, EndReason::RemoteHangup, None);
                }
            }
            (State::Active { .. } | State::Accepting, Replaced) => {
                self.actions.push_back(CallAction::SendBye);
                self.end(now, EndReason::RemoteHangup, None);
            }
            (State::Active { .. }, ReferAnswered { code }) if !(200..300).contains(&code) => self.transfer_failed(code),
            // RFC 3515 §2.4.5: NOTIFYs carry the referred call's progress; the last one decides.
            (State::Active { .. }, ReferProgress { code, last }) if self.transfer.is_some() && (code >= 200 || last) => {
                if (200..300).contains(&code) {
                    let target = self.transfer.take().map(|t| t.target).unwrap_or_default();
                    self.actions.push_back(CallAction::Event(CallEvent::Transferred { target }));
                    // RFC 5589 §6: the transferor ends its leg once the target answered.
                    self.actions.push_back(CallAction::SendBye);
                    self.end(now, EndReason::LocalHangup, None);
                } else {
                    self.transfer_failed(code);
                }
            }
            (State::Active { .. }, RemoteDtmf { digit }) => self.actions.push_back(CallAction::Event(CallEvent::Dtmf { digit })),
            (State::Active { .. }, SendDtmf { digits }) => {
                // RFC 4733 digits and the INFO package's: 0-9, *, #, A-D.
                for digit in digits.chars().filter(|c| c.is_ascii_digit() || "*#ABCDabcd".contains(*c)) {
                    self.actions.push_back(CallAction::SendDtmfInfo { digit: digit.to_ascii_uppercase() });
                }
            }
            _ => {}
        }
    }

    fn transfer_failed(&mut self, sip_code: u16) {
        if let Some(t) = self.transfer.take() {
            self.actions.push_back(CallAction::Event(CallEvent::TransferFailed { target: t.target, sip_code }));
        }
    }

    /// Hold and resume, either side (RFC 3264 §8.4, RFC 6337 §5.3).
    fn mid_call(&mut self, hold: &mut Hold, input: CallInput) {
        match input {
            CallInput::RemoteOffer { direction } => {
                // Our answer keeps our own hold: a held far end offering sendrecv still gets
                // sendonly while we hold.
                let answer = if hold.local && direction == MediaDirection::SendRecv { MediaDirection::SendOnly } else { direction.answer() };
                self.actions.push_back(CallAction::AnswerReoffer { direction: answer });
                let remote = direction.is_hold();
                if remote != hold.remote {
                    hold.remote = remote;
                    let event = if remote { CallEvent::Held { by_remote: true } } else { CallEvent::Resumed { by_remote: true } };
                    self.actions.push_back(CallAction::Event(event));
                }
            }
            CallInput::Hold if !hold.local && !hold.reoffer_pending => {
                hold.local = true;
                hold.reoffer_pending = true;
                self.actions.push_back(CallAction::SendReoffer { direction: MediaDirection::SendOnly });
            }
            CallInput::Resume if hold.local && !hold.reoffer_pending => {
                hold.local = false;
                hold.reoffer_pending = true;
                self.actions.push_back(CallAction::SendReoffer { direction: MediaDirection::SendRecv });
            }
            CallInput::ReofferAnswered { code } => {
                hold.reoffer_pending = false;
                if (200..300).contains(&code) {
                    let event = if hold.local { CallEvent::Held { by_remote: false } } else { CallEvent::Resumed { by_remote: false } };
                    self.actions.push_back(CallAction::Event(event));
                } else {
                    // Refused (491 glare, 488…): the media stays as it was.
                    hold.local = !hold.local;
                }
            }
            _ => {}
        }
    }

    fn send_refresh(&mut self, hold: Hold) {
        self.refresh_pending = true;
        self.actions.push_back(CallAction::SendSessionRefresh { direction: hold.offer() });
    }

    /// Tells the far end of our new address, unless a re-INVITE of ours is in flight (its
    /// answer comes back here).
    fn send_owed_move(&mut self, hold: Hold) {
        if self.move_owed && !self.refresh_pending && !hold.reoffer_pending {
            self.move_owed = false;
            self.send_refresh(hold);
        }
    }

    /// Any completed offer/answer in either direction refreshes the session (RFC 4028 §10).
    fn refreshed(&mut self, now: Instant) {
        if let Some(t) = self.session_timer.as_mut() {
            t.refreshed(now);
        }
    }

    fn activate(&mut self, now: Instant) {
        self.refreshed(now);
        self.state = State::Active { since: now, hold: Hold::default() };
        self.actions.push_back(CallAction::Event(CallEvent::Answered));
        self.send_owed_move(Hold::default());
    }

    fn end(&mut self, now: Instant, reason: EndReason, sip_code: Option<u16>) {
        let duration = match self.state {
            State::Active { since, .. } => Some(now - since),
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
