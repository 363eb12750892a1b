//! What we do with a new INVITE (no To tag) before it rings: refuse it, or take it as a call
//! that rings, is answered at once, or is declined at once. One pure function over what the
//! engine knows when the INVITE arrives; the engine gathers those facts and carries out the
//! decision. The table, first match wins:
//!
//! | facts                                                   | decision                         |
//! |---------------------------------------------------------|----------------------------------|
//! | the call it would be is live already                    | 482 Loop Detected (merged)       |
//! | not push-woken; the user hung this call up lately       | 486 Busy Here                    |
//! | not push-woken; the call ended lately for another reason| 480 Temporarily Unavailable      |
//! | `Session-Expires` below our Min-SE                      | 422 with `Min-SE`                |
//! | `Replaces` names no dialog of ours                      | 481                              |
//! | `Replaces` names an incoming call still ringing         | 481                              |
//! | `Replaces` names a dialog that has ended                | 603 Declined                     |
//! | `Replaces;early-only` names an answered call            | 486 Busy Here                    |
//! | no RTP port                                             | 503 Service Unavailable          |
//! | an offer we cannot answer                               | 488 with `Warning: 305`          |
//! | `Replaces` names a live call of ours                    | take it, answered at once        |
//! | the push that woke us was already answered by the user  | take it, answered at once        |
//! | call waiting says busy and a call is answered           | take it, declined at once (486)  |
//! | otherwise                                               | take it, ringing                 |
//!
//! Input: [`InviteFacts`]. Output: [`InviteDecision`]. No SIP text is read here: the engine
//! hands over what `sip/` parsed (the session timer as `session_timer::negotiate_uas` read it,
//! the Replaces match as the call registry found it).

use super::call::{CallInput, EndReason};
use super::session_timer::{SessionExpires, UasDecision};

/// Everything the engine knows about a new INVITE when it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteFacts {
    /// The call this INVITE would be (same account and Call-ID, or the same push-woken call)
    /// is live already: the same request reached us by another path.
    pub already_live: bool,
    /// The INVITE matches a call a push announced.
    pub wake: Option<WakeMatch>,
    /// How the call this INVITE would be ended lately, if it did.
    pub recently_ended: Option<EndReason>,
    /// The session timer as `negotiate_uas` read the INVITE against our Min-SE.
    pub session_timer: UasDecision,
    /// Our Min-SE (RFC 4028), which a 422 names.
    pub min_se: u32,
    pub replaces: ReplacesMatch,
    pub media: MediaReadiness,
    /// Call waiting answers a second call busy (`CallWaiting::Busy`).
    pub busy_when_answered: bool,
    /// How many calls are answered and not ended (held or not).
    pub answered_calls: usize,
}

/// The push-woken call an INVITE matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WakeMatch {
    /// The user answered on the lock screen before the INVITE came.
    pub answered: bool,
}

/// What an RFC 3891 `Replaces` header names, as the registry of our calls sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacesMatch {
    /// No `Replaces` header.
    Absent,
    /// It names no dialog of ours (or cannot be read).
    NoDialog,
    /// It names a dialog of ours that has ended.
    Ended,
    /// It names a live call of ours.
    Live {
        /// The call is incoming and not answered yet (an early dialog we did not initiate).
        ringing_here: bool,
        /// The call is answered (its dialog confirmed).
        answered: bool,
        /// The header carries `early-only`.
        early_only: bool,
    },
}

/// Whether the call's media are ready: its RTP port, and our answer to the INVITE's offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaReadiness {
    Ready,
    /// No RTP port could be bound.
    NoPort,
    /// The offer cannot be answered; why, for the `Warning` header.
    OfferRefused {
        why: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteDecision {
    /// Answer the INVITE with this final error; it never rings.
    Refuse(Refusal),
    /// A call: it starts as `start` says, with the session timer we agreed, if any.
    Take { start: CallStart, timer: Option<AgreedTimer> },
}

/// Why an INVITE is refused; each maps to one status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// RFC 3261 §8.2.2.2: a merged request.
    MergedRequest,
    /// The user hung up on the call screen before the INVITE came.
    HungUpAlready,
    /// The call ended lately for another reason (a stale push, a late copy of its INVITE).
    EndedLately,
    /// RFC 4028 §8.1: the interval is below our Min-SE.
    IntervalTooSmall {
        min_se: u32,
    },
    /// RFC 3891 §3: no dialog to replace (or one we may not take over).
    NoDialogToReplace,
    /// RFC 3891 §3: the dialog to replace has ended.
    ReplacedDialogEnded,
    /// RFC 3891 §3: `early-only`, and the dialog is confirmed.
    ReplacedDialogConfirmed,
    NoMediaPort,
    /// RFC 3264 §6: an offer we cannot answer.
    OfferNotAcceptable {
        why: String,
    },
    /// RFC 3261 §12.1.1: no dialog can be made of the INVITE (rsipstack's reason: no Contact
    /// to reach the caller at, say). Answered, so the caller is not left to retransmit.
    NoDialog {
        why: String,
    },
}

impl Refusal {
    pub fn code(&self) -> u16 {
        match self {
            Refusal::MergedRequest => 482,
            Refusal::HungUpAlready | Refusal::ReplacedDialogConfirmed => 486,
            Refusal::EndedLately => 480,
            Refusal::IntervalTooSmall { .. } => 422,
            Refusal::NoDialogToReplace => 481,
            Refusal::ReplacedDialogEnded => 603,
            Refusal::NoMediaPort => 503,
            Refusal::OfferNotAcceptable { .. } => 488,
            Refusal::NoDialog { .. } => 400,
        }
    }

    /// The header the refusal must carry, as name and value.
    pub fn header(&self) -> Option<(&'static str, String)> {
        match self {
            // RFC 4028 §8.1: the 422 names the smallest interval we take.
            Refusal::IntervalTooSmall { min_se } => Some(("Min-SE", min_se.to_string())),
            // RFC 3261 §20.43: 305 "Incompatible media format".
            Refusal::OfferNotAcceptable { why } => Some(("Warning", format!("305 ringside \"{}\"", why.replace('"', "'")))),
            // RFC 3261 §20.43: 399 "Miscellaneous warning", saying what the request lacks.
            Refusal::NoDialog { why } => Some(("Warning", format!("399 ringside \"{}\"", why.replace('"', "'")))),
            _ => None,
        }
    }
}

/// How a call we take starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStart {
    Ring,
    /// RFC 3891: it takes over a call of ours (we are an attended transfer's target).
    AnswerReplacing,
    /// RFC 8599 wake, answered before its INVITE: the user already said yes.
    AnswerWoken,
    /// RFC 3261 §21.4.7: 486, so the PBX tries the desk or voicemail; the call is still
    /// reported, so the log shows it.
    DeclineBusy,
}

impl CallStart {
    /// What the call machine hears first, after it reports the call.
    pub fn first_input(self) -> Option<CallInput> {
        match self {
            CallStart::Ring => None,
            CallStart::AnswerReplacing | CallStart::AnswerWoken => Some(CallInput::Answer),
            CallStart::DeclineBusy => Some(CallInput::Decline { everywhere: false }),
        }
    }
}

/// The RFC 4028 timer our 2xx agrees to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgreedTimer {
    pub expires: SessionExpires,
    /// The 2xx carries `Require: timer` (the caller supports timers, RFC 4028 §9).
    pub require_timer: bool,
    pub we_refresh: bool,
}

/// The decision for one new INVITE.
pub fn decide(facts: &InviteFacts) -> InviteDecision {
    use InviteDecision::Refuse;
    // RFC 3261 §8.2.2.2 is part of header inspection (§8.2.2), before anything the request
    // asks for is looked at: the first copy already has its answer coming.
    if facts.already_live {
        return Refuse(Refusal::MergedRequest);
    }
    // A woken call's hang-up ends its wake; an INVITE that still matches a wake is a new one.
    match facts.recently_ended.filter(|_| facts.wake.is_none()) {
        // Busy here, so the desk keeps ringing.
        Some(EndReason::LocalHangup) => return Refuse(Refusal::HungUpAlready),
        // RFC 3261 §21.4.18: not here now. Never 486: a PBX's forward-on-busy must not fire
        // for a call the user never refused.
        Some(_) => return Refuse(Refusal::EndedLately),
        None => {}
    }
    let timer = match facts.session_timer {
        UasDecision::TooSmall => return Refuse(Refusal::IntervalTooSmall { min_se: facts.min_se }),
        UasDecision::Run { expires, require_timer, timer_refresher_is_us } => Some(AgreedTimer { expires, require_timer, we_refresh: timer_refresher_is_us }),
        UasDecision::None => None,
    };
    let replacing = match facts.replaces {
        ReplacesMatch::Absent => false,
        ReplacesMatch::NoDialog => return Refuse(Refusal::NoDialogToReplace),
        // RFC 3891 §3: an early dialog we did not initiate is left alone.
        ReplacesMatch::Live { ringing_here: true, .. } => return Refuse(Refusal::NoDialogToReplace),
        ReplacesMatch::Ended => return Refuse(Refusal::ReplacedDialogEnded),
        ReplacesMatch::Live { answered: true, early_only: true, .. } => return Refuse(Refusal::ReplacedDialogConfirmed),
        ReplacesMatch::Live { .. } => true,
    };
    match &facts.media {
        MediaReadiness::NoPort => return Refuse(Refusal::NoMediaPort),
        MediaReadiness::OfferRefused { why } => return Refuse(Refusal::OfferNotAcceptable { why: why.clone() }),
        MediaReadiness::Ready => {}
    }
    let start = if replacing {
        CallStart::AnswerReplacing
    } else if facts.wake.is_some_and(|w| w.answered) {
        CallStart::AnswerWoken
    } else if facts.busy_when_answered && facts.answered_calls > 0 {
        CallStart::DeclineBusy
    } else {
        CallStart::Ring
    };
    InviteDecision::Take { start, timer }
}

#[cfg(test)]
#[path = "invite_policy_tests.rs"]
mod tests;
