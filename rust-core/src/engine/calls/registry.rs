//! `CallRegistry`: the calls of the phone as the hub sees them from outside their tasks, under
//! one lock, never held across an await.
//!
//! - live calls by UUID: the command channel of each call's task, its account, direction, far
//!   end, its dialog's ids (an attended transfer's `Replaces` names them), and whether it is
//!   answered and held (call waiting reads that);
//! - calls that ended lately, by UUID, with why (a late push or INVITE for one is answered
//!   from it), for two minutes;
//! - calls placed for a far end's REFER (new call → the call that asked).
//!
//! Input: inserts, the calls' events, lookups, on the clock the caller hands in. No sockets.

use crate::signalling::call::{CallEvent, CallInput, EndReason};
use crate::signalling::invite_policy::ReplacesMatch;
use crate::sip::replaces::ReplacesId;
use rsipstack::dialog::DialogId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long an ended call is remembered: it covers any push a gateway may still deliver.
pub(crate) const REMEMBER_ENDED: Duration = Duration::from_secs(120);

/// A call's dialog ids as they are now (an outgoing call learns its remote tag with the answer).
pub(crate) type DialogIds = Box<dyn Fn() -> DialogId + Send + Sync>;

struct LiveCall {
    commands: mpsc::Sender<CallInput>,
    account: usize,
    incoming: bool,
    dialog: Option<DialogIds>,
    /// The far end's URI (the callee we dialled, or the caller's From).
    remote_uri: String,
    /// Answered and not ended: whether we hold it.
    answered: Option<bool>,
}

#[derive(Default)]
struct Book {
    live: HashMap<String, LiveCall>,
    ended: HashMap<String, (EndReason, Instant)>,
    referrals: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct CallRegistry {
    book: Mutex<Book>,
}

impl CallRegistry {
    fn with<R: Default>(&self, f: impl FnOnce(&mut Book) -> R) -> R {
        self.book.lock().map(|mut b| f(&mut b)).unwrap_or_default()
    }

    /// A new call and the channel its task reads commands from; `None` if `uuid` is live.
    pub(crate) fn insert(&self, uuid: &str, account: usize, incoming: bool, remote_uri: &str) -> Option<mpsc::Receiver<CallInput>> {
        self.with(|b| {
            if b.live.contains_key(uuid) {
                return None;
            }
            let (commands, rx) = mpsc::channel(8);
            b.live.insert(uuid.to_string(), LiveCall { commands, account, incoming, dialog: None, remote_uri: remote_uri.to_string(), answered: None });
            Some(rx)
        })
    }

    /// The call's dialog (again, when an authenticated INVITE replaced the first).
    pub(crate) fn attach(&self, uuid: &str, dialog: DialogIds) {
        self.with(|b| b.live.get_mut(uuid).map(|c| c.dialog = Some(dialog)));
    }

    pub(crate) fn forget(&self, uuid: &str) {
        self.with(|b| b.live.remove(uuid).map(drop));
    }

    pub(crate) fn is_live(&self, uuid: &str) -> bool {
        self.with(|b| b.live.contains_key(uuid))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.book.lock().map(|b| b.live.is_empty()).unwrap_or(true)
    }

    pub(crate) fn live(&self) -> Vec<String> {
        self.with(|b| b.live.keys().cloned().collect())
    }

    /// Where a call's commands go, and its account.
    pub(crate) fn commands(&self, uuid: &str) -> Option<(mpsc::Sender<CallInput>, usize)> {
        self.with(|b| b.live.get(uuid).map(|c| (c.commands.clone(), c.account)))
    }

    /// A call's dialog ids now, and its far end.
    pub(crate) fn dialog(&self, uuid: &str) -> Option<(DialogId, String)> {
        self.with(|b| b.live.get(uuid).and_then(|c| Some((c.dialog.as_ref()?(), c.remote_uri.clone()))))
    }

    /// The live call whose dialog an RFC 3891 `Replaces` names (its to-tag is ours), and what
    /// the INVITE policy needs to know of it; `Ended` when the account's call of that Call-ID
    /// (`ended_uuid`) ended lately.
    pub(crate) fn replaced(&self, named: Option<&ReplacesId>, early_only: bool, ended_uuid: Option<&str>, now: Instant) -> (Option<String>, ReplacesMatch) {
        let Some(named) = named else {
            return (None, ReplacesMatch::NoDialog);
        };
        let found = self.with(|b| {
            b.live.iter().find_map(|(uuid, c)| {
                let id = c.dialog.as_ref()?();
                let same = id.call_id == named.call_id && id.local_tag == named.to_tag && id.remote_tag == named.from_tag;
                same.then(|| (uuid.clone(), c.incoming && c.answered.is_none(), c.answered.is_some()))
            })
        });
        match found {
            Some((uuid, ringing_here, answered)) => (Some(uuid), ReplacesMatch::Live { ringing_here, answered, early_only }),
            None if ended_uuid.is_some_and(|u| self.ended(u, now).is_some()) => (None, ReplacesMatch::Ended),
            None => (None, ReplacesMatch::NoDialog),
        }
    }

    /// Call waiting's view of a call event: answered, held or resumed by us, ended.
    pub(crate) fn track(&self, uuid: &str, event: &CallEvent) {
        let held = match event {
            CallEvent::Answered | CallEvent::Resumed { by_remote: false } => Some(false),
            CallEvent::Held { by_remote: false } => Some(true),
            CallEvent::Ended { .. } => None,
            _ => return,
        };
        self.with(|b| b.live.get_mut(uuid).map(|c| c.answered = held));
    }

    /// A call no longer counts as answered (one being replaced: nothing may hold it now).
    pub(crate) fn release(&self, uuid: &str) {
        self.with(|b| b.live.get_mut(uuid).map(|c| c.answered = None));
    }

    /// How many calls are answered and not ended.
    pub(crate) fn answered(&self) -> usize {
        self.with(|b| b.live.values().filter(|c| c.answered.is_some()).count())
    }

    /// The answered calls, other than `except`, that we do not hold.
    pub(crate) fn unheld_except(&self, except: &str) -> Vec<String> {
        self.with(|b| b.live.iter().filter(|(u, c)| u.as_str() != except && c.answered == Some(false)).map(|(u, _)| u.clone()).collect())
    }

    pub(crate) fn remember_ended(&self, uuid: &str, reason: EndReason, now: Instant) {
        self.with(|b| {
            b.ended.retain(|_, (_, at)| now.saturating_duration_since(*at) < REMEMBER_ENDED);
            b.ended.insert(uuid.to_string(), (reason, now));
        });
    }

    /// Why `uuid` ended, if it did in the last two minutes.
    pub(crate) fn ended(&self, uuid: &str, now: Instant) -> Option<EndReason> {
        self.with(|b| b.ended.get(uuid).filter(|(_, at)| now.saturating_duration_since(*at) < REMEMBER_ENDED).map(|(r, _)| *r))
    }

    /// `new` was placed because `original`'s far end REFERred us.
    pub(crate) fn referred(&self, new: &str, original: &str) {
        self.with(|b| b.referrals.insert(new.to_string(), original.to_string()).map(drop));
    }

    /// The call that asked for `uuid`, once: its transferor hears how it went.
    pub(crate) fn take_referral(&self, uuid: &str) -> Option<String> {
        self.with(|b| b.referrals.remove(uuid))
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
