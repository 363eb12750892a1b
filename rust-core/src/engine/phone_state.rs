//! What the phone is doing now, as shells show it: each account's registration state, the
//! live calls, message-waiting counts. Input: the core's events, folded by pure functions
//! (`fold_*`, tested below); output: `watch` channels, so a subscriber gets the current state
//! at once and then every change, and a slow one skips to the latest instead of queueing.

use super::events::PhoneEvent;
use crate::vocab::EndReason;
use serde::Serialize;
use std::collections::BTreeMap;
use tokio::sync::watch;

/// One account's registration, as a status line shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegistrationState {
    Unregistered,
    Registering,
    Registered { expires: u32, push: bool },
    Failed { code: u16, reason: String, retry_in_ms: Option<u64> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    Incoming,
    Outgoing,
}

/// Where a live call stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallState {
    /// Ringing here, not answered.
    Incoming,
    /// Outgoing, no answer from the far end yet.
    Dialing,
    /// The far end rings (`early_media`: its ringback or announcement plays).
    RemoteRinging {
        early_media: bool,
    },
    Active,
    Held {
        by_remote: bool,
    },
    /// The last state a call shows, once, before it leaves the list.
    Ended {
        reason: EndReason,
        sip_code: Option<u16>,
    },
}

/// One live call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallInfo {
    pub call: String,
    pub account: String,
    pub direction: CallDirection,
    pub remote: String,
    pub remote_name: Option<String>,
    pub state: CallState,
    pub muted: bool,
    pub started_ms: i64,
    pub answered_ms: Option<i64>,
}

/// Accounts by key, in the order they were added.
pub type Registrations = Vec<(String, RegistrationState)>;

/// New and old voicemail per account (RFC 3842).
pub type Mwi = BTreeMap<String, (u32, u32)>;

/// The folds' owner: one `watch` channel per kind of state.
pub struct PhoneState {
    registrations: watch::Sender<Registrations>,
    calls: watch::Sender<Vec<CallInfo>>,
    mwi: watch::Sender<Mwi>,
}

impl PhoneState {
    /// Every account starts `registering` (the tasks start at once).
    pub fn new(accounts: &[String]) -> PhoneState {
        let regs = accounts.iter().map(|a| (a.clone(), RegistrationState::Registering)).collect();
        PhoneState { registrations: watch::channel(regs).0, calls: watch::channel(Vec::new()).0, mwi: watch::channel(Mwi::new()).0 }
    }

    /// Folds one event into whichever state it changes; `now_ms` is the wall clock.
    pub fn apply(&self, event: &PhoneEvent, now_ms: i64) {
        self.registrations.send_if_modified(|r| fold_registration(r, event));
        self.calls.send_if_modified(|c| fold_calls(c, event, now_ms));
        self.mwi.send_if_modified(|m| fold_mwi(m, event));
    }

    pub fn registrations(&self) -> watch::Receiver<Registrations> {
        self.registrations.subscribe()
    }

    pub fn calls(&self) -> watch::Receiver<Vec<CallInfo>> {
        self.calls.subscribe()
    }

    pub fn mwi(&self) -> watch::Receiver<Mwi> {
        self.mwi.subscribe()
    }
}

/// Registration events set their account's state; others change nothing.
pub fn fold_registration(regs: &mut Registrations, event: &PhoneEvent) -> bool {
    let (account, state) = match event {
        PhoneEvent::Registered { account, expires, push, .. } => (account, RegistrationState::Registered { expires: *expires, push: push.unwrap_or(false) }),
        PhoneEvent::RegistrationFailed { account, code, reason, retry_in_ms } => {
            (account, RegistrationState::Failed { code: *code, reason: reason.clone(), retry_in_ms: *retry_in_ms })
        }
        PhoneEvent::Unregistered { account } => (account, RegistrationState::Unregistered),
        _ => return false,
    };
    match regs.iter_mut().find(|(k, _)| k == account) {
        Some((_, s)) if *s == state => false,
        Some((_, s)) => {
            *s = state;
            true
        }
        None => {
            regs.push((account.clone(), state));
            true
        }
    }
}

/// Call events move their call through its states; an ended call shows `Ended` once and is
/// dropped at the next change (a shell sees why it ended, then the list without it).
pub fn fold_calls(calls: &mut Vec<CallInfo>, event: &PhoneEvent, now_ms: i64) -> bool {
    let before = calls.len();
    calls.retain(|c| !matches!(c.state, CallState::Ended { .. }));
    let mut changed = calls.len() != before;
    let find = |calls: &mut Vec<CallInfo>, id: &str| calls.iter().position(|c| c.call == id);
    match event {
        PhoneEvent::Incoming { call, from, display_name, account, .. } => {
            if find(calls, call).is_none() {
                calls.push(CallInfo {
                    call: call.clone(),
                    account: account.clone(),
                    direction: CallDirection::Incoming,
                    remote: from.clone(),
                    remote_name: display_name.clone(),
                    state: CallState::Incoming,
                    muted: false,
                    started_ms: now_ms,
                    answered_ms: None,
                });
                changed = true;
            }
        }
        PhoneEvent::Calling { call, target, account, .. } => {
            if find(calls, call).is_none() {
                calls.push(CallInfo {
                    call: call.clone(),
                    account: account.clone(),
                    direction: CallDirection::Outgoing,
                    remote: target.clone(),
                    remote_name: None,
                    state: CallState::Dialing,
                    muted: false,
                    started_ms: now_ms,
                    answered_ms: None,
                });
                changed = true;
            }
        }
        PhoneEvent::Ringing { call } => changed |= set(calls, call, |c| c.state = CallState::RemoteRinging { early_media: false }),
        PhoneEvent::EarlyMedia { call } => changed |= set(calls, call, |c| c.state = CallState::RemoteRinging { early_media: true }),
        PhoneEvent::Answered { call } => {
            changed |= set(calls, call, |c| {
                c.state = CallState::Active;
                c.answered_ms.get_or_insert(now_ms);
            })
        }
        PhoneEvent::Held { call, by_remote } => changed |= set(calls, call, |c| c.state = CallState::Held { by_remote: *by_remote }),
        PhoneEvent::Resumed { call, .. } => changed |= set(calls, call, |c| c.state = CallState::Active),
        PhoneEvent::Muted { call, muted } => changed |= set(calls, call, |c| c.muted = *muted),
        PhoneEvent::CallEnded { call, reason, sip_code, .. } => {
            changed |= set(calls, call, |c| c.state = CallState::Ended { reason: *reason, sip_code: *sip_code })
        }
        _ => {}
    }
    changed
}

fn set(calls: &mut [CallInfo], call: &str, change: impl FnOnce(&mut CallInfo)) -> bool {
    match calls.iter_mut().find(|c| c.call == call) {
        Some(c) => {
            let before = c.clone();
            change(c);
            *c != before
        }
        None => false,
    }
}

pub fn fold_mwi(mwi: &mut Mwi, event: &PhoneEvent) -> bool {
    match event {
        PhoneEvent::Mwi { account, new, old } => mwi.insert(account.clone(), (*new, *old)) != Some((*new, *old)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(call: &str) -> PhoneEvent {
        PhoneEvent::Incoming {
            call: call.into(),
            call_id: "c@x".into(),
            from: "sip:1002@pbx".into(),
            display_name: Some("Bob".into()),
            account: "1001@pbx".into(),
        }
    }

    #[test]
    fn a_call_moves_through_its_states_and_shows_its_end_once() {
        let mut calls = Vec::new();
        assert!(fold_calls(&mut calls, &incoming("u1"), 1000));
        assert_eq!((calls[0].state.clone(), calls[0].direction), (CallState::Incoming, CallDirection::Incoming));
        assert!(!fold_calls(&mut calls, &incoming("u1"), 1001), "a retransmitted INVITE is the same call");
        assert!(fold_calls(&mut calls, &PhoneEvent::Answered { call: "u1".into() }, 2000));
        assert_eq!((calls[0].state.clone(), calls[0].answered_ms), (CallState::Active, Some(2000)));
        assert!(fold_calls(&mut calls, &PhoneEvent::Held { call: "u1".into(), by_remote: false }, 2500));
        assert!(fold_calls(&mut calls, &PhoneEvent::Muted { call: "u1".into(), muted: true }, 2600));
        assert!(calls[0].muted);
        let end = PhoneEvent::CallEnded { call: "u1".into(), reason: EndReason::RemoteHangup, sip_code: None, duration_ms: Some(1000) };
        assert!(fold_calls(&mut calls, &end, 3000));
        assert_eq!(calls[0].state, CallState::Ended { reason: EndReason::RemoteHangup, sip_code: None });
        assert!(fold_calls(&mut calls, &PhoneEvent::Error { message: "x".into() }, 3100), "the ended call leaves at the next change");
        assert!(calls.is_empty());
    }

    #[test]
    fn an_outgoing_call_dials_then_rings_at_the_far_end() {
        let mut calls = Vec::new();
        fold_calls(&mut calls, &PhoneEvent::Calling { call: "u2".into(), target: "1002".into(), account: "1001@pbx".into(), call_id: "c2@h".into() }, 0);
        assert_eq!((calls[0].state.clone(), calls[0].direction), (CallState::Dialing, CallDirection::Outgoing));
        fold_calls(&mut calls, &PhoneEvent::Ringing { call: "u2".into() }, 10);
        assert_eq!(calls[0].state, CallState::RemoteRinging { early_media: false });
        assert!(!fold_calls(&mut calls, &PhoneEvent::Answered { call: "other".into() }, 20), "an unknown call changes nothing");
    }

    #[test]
    fn registration_events_set_their_accounts_state_and_repeat_nothing() {
        let state = PhoneState::new(&["1001@pbx".into()]);
        let mut rx = state.registrations();
        assert_eq!(rx.borrow_and_update()[0].1, RegistrationState::Registering);
        let ok = PhoneEvent::Registered { account: "1001@pbx".into(), expires: 600, contact: "sip:x".into(), push: None };
        state.apply(&ok, 0);
        assert!(rx.has_changed().unwrap());
        assert_eq!(rx.borrow_and_update()[0].1, RegistrationState::Registered { expires: 600, push: false });
        state.apply(&ok, 1);
        assert!(!rx.has_changed().unwrap(), "a refresh with the same outcome wakes nobody");
    }

    #[test]
    fn mwi_keeps_the_latest_counts_per_account() {
        let mut mwi = Mwi::new();
        assert!(fold_mwi(&mut mwi, &PhoneEvent::Mwi { account: "a".into(), new: 2, old: 1 }));
        assert!(!fold_mwi(&mut mwi, &PhoneEvent::Mwi { account: "a".into(), new: 2, old: 1 }));
        assert_eq!(mwi["a"], (2, 1));
    }
}
