//! The one place the engine's events go out: every part of the engine reports into the bus,
//! and the bus hands each event on, in this order, to
//!
//! 1. the phone's state (`PhoneState`: registrations, live calls, MWI — what subscriptions read);
//! 2. the call log's writer (a channel send; push hints excepted: `Phone::handle_push` records
//!    those itself, since only it knows whether the push was readable);
//! 3. the shell's listener;
//! 4. the push flow, on its own channel: a REGISTER's outcome decides calls waking by push.
//!
//! The registration's own event reaches the shell before any call it ends reports.

use super::call_log_writer::CallLogWriter;
use super::events::{PhoneEvent, PhoneListener};
use super::phone_state::PhoneState;
use crate::push::wake::WakeInput;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A REGISTER outcome for the calls waking on `account`.
pub type WakeOutcome = (String, WakeInput);

pub struct EventBus {
    state: Arc<PhoneState>,
    call_log: Option<Arc<CallLogWriter>>,
    shell: Arc<dyn PhoneListener>,
    wake_outcomes: mpsc::UnboundedSender<WakeOutcome>,
}

impl EventBus {
    pub fn new(
        state: Arc<PhoneState>,
        call_log: Option<Arc<CallLogWriter>>,
        shell: Arc<dyn PhoneListener>,
    ) -> (Arc<EventBus>, mpsc::UnboundedReceiver<WakeOutcome>) {
        let (wake_outcomes, rx) = mpsc::unbounded_channel();
        (Arc::new(EventBus { state, call_log, shell, wake_outcomes }), rx)
    }

    pub fn state(&self) -> &Arc<PhoneState> {
        &self.state
    }
}

impl PhoneListener for EventBus {
    fn on_event(&self, event: PhoneEvent) {
        self.state.apply(&event, super::clock::wall_ms());
        let outcome = match &event {
            PhoneEvent::Registered { account, .. } => Some((account.clone(), WakeInput::Registered)),
            PhoneEvent::RegistrationFailed { account, code, reason, .. } => {
                Some((account.clone(), WakeInput::RegisterFailed { reason: format!("{code} {reason}") }))
            }
            _ => None,
        };
        if let (Some(log), false) = (&self.call_log, matches!(event, PhoneEvent::PushHint { .. })) {
            log.record(&event);
        }
        self.shell.on_event(event);
        if let Some(outcome) = outcome {
            let _ = self.wake_outcomes.send(outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Seen(Mutex<Vec<PhoneEvent>>);
    impl PhoneListener for Seen {
        fn on_event(&self, event: PhoneEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    #[test]
    fn a_register_outcome_reaches_the_shell_the_state_and_the_push_flow() {
        let seen = Arc::new(Seen::default());
        let state = Arc::new(PhoneState::new(&["1001@pbx".into()]));
        let (bus, mut outcomes) = EventBus::new(state.clone(), None, seen.clone());
        bus.on_event(PhoneEvent::RegistrationFailed { account: "1001@pbx".into(), code: 403, reason: "Forbidden".into(), retry_in_ms: None });
        assert_eq!(seen.0.lock().unwrap().len(), 1);
        assert!(matches!(state.registrations().borrow()[0].1, super::super::phone_state::RegistrationState::Failed { code: 403, .. }));
        let (account, input) = outcomes.try_recv().unwrap();
        assert_eq!((account.as_str(), input), ("1001@pbx", WakeInput::RegisterFailed { reason: "403 Forbidden".into() }));
        bus.on_event(PhoneEvent::Answered { call: "u".into() });
        assert!(outcomes.try_recv().is_err(), "only REGISTER outcomes go to the push flow");
    }
}
