//! A subscription handle: the shell holds it while it listens; `cancel()` or dropping it stops
//! the delivery (Kotlin `awaitClose { it.cancel() }`, Swift `onTermination`).

use std::sync::Mutex;

#[derive(uniffi::Object)]
pub struct Subscription {
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Subscription {
    /// `None`: the phone was shut down, so there is nothing to deliver.
    pub(crate) fn new(task: Option<tokio::task::JoinHandle<()>>) -> Subscription {
        Subscription { task: Mutex::new(task) }
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the delivery: once a call into the listener that is under way returns, it hears
    /// nothing more.
    pub fn cancel(&self) {
        if let Some(task) = self.task.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
