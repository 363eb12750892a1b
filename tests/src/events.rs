//! What in-process tests of the core need to watch it: a listener that keeps every event, and
//! a small runtime to drive its async calls from a plain test.

use ringside_core::{PhoneEvent, PhoneListener};
use std::sync::Mutex;

/// Keeps every event the core reports, in order.
#[derive(Default)]
pub struct Events(pub Mutex<Vec<PhoneEvent>>);

impl Events {
    pub fn all(&self) -> Vec<PhoneEvent> {
        self.0.lock().unwrap().clone()
    }
}

impl PhoneListener for Events {
    fn on_event(&self, e: PhoneEvent) {
        self.0.lock().unwrap().push(e);
    }
}

/// A current-thread tokio runtime with timers and I/O.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}
