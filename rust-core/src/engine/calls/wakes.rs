//! The push-wake glue on the hub: a push starts a wake and its deadline; the call screen, a
//! cancel push and REGISTER outcomes feed it; a wake that ends before its INVITE is reported as
//! the call's end. The book of wakes is `PushWakes`; the machine of each is `PushWake`.

use super::CallHub;
use crate::engine::events::PhoneEvent;
use crate::vocab::call_uuid;
use std::sync::Arc;
use tokio::time::Instant;

impl CallHub {
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
    pub(crate) fn wake_ended(&self, (call, end, stages): crate::engine::push_wakes::Ended) {
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
}

impl crate::push::hint::CallLookup for CallHub {
    fn is_live(&self, account: &str, call_id: &str) -> bool {
        let uuid = call_uuid(account, call_id);
        self.calls.is_live(&uuid) || self.wakes.is_waiting(&uuid)
    }

    fn is_waking(&self, account: &str, call_id: &str) -> bool {
        self.wakes.is_waiting(&call_uuid(account, call_id))
    }

    fn ended(&self, account: &str, call_id: &str) -> Option<crate::signalling::call::EndReason> {
        self.calls.ended(&call_uuid(account, call_id), std::time::Instant::now())
    }
}
