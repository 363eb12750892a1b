//! Carries the user's voicemail changes to the mailbox at once: marking a message heard sets
//! `\Seen` on the server, deleting it expunges it there, without waiting for the next sync.
//! Input: a kick from the library after each change is committed; output: IMAP commands (the
//! push step of [`super::voicemail_sync`]), retried with back-off while the server is away.
//!
//! The queue is the database itself: a change is stored as pending (`heard_dirty`, `deleted`)
//! before anything is sent, and only the server's answer clears it. So an offline phone, a
//! failed push or a killed process loses nothing: the next push, or the next sync, sends it.
//! One task per library, started on the first kick; it holds the library weakly and ends
//! with it.

use super::library_state::Shared;
use super::voicemail_sync;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;

/// The first retry after a failed push; each next one waits twice as long, up to [`LAST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);

/// Asks for a push of whatever is pending (a no-op without `[voicemail]` or a tokio runtime).
pub(super) fn kick(shared: &Arc<Shared>) {
    if shared.config.voicemail.is_none() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    let push = &shared.voicemail_push;
    push.started.get_or_init(|| {
        runtime.spawn(run(Arc::downgrade(shared), push.kick.clone()));
    });
    push.kick.notify_one();
}

async fn run(shared: Weak<Shared>, kick: Arc<Notify>) {
    loop {
        kick.notified().await;
        let mut wait = FIRST_RETRY;
        loop {
            let Some(library) = shared.upgrade() else { return };
            let outcome = {
                // Never alongside a sync: both read and clear the same pending rows.
                let _one = library.voicemail_sync.lock().await;
                voicemail_sync::push(&library).await
            };
            drop(library);
            match outcome {
                Ok(report) => {
                    tracing::debug!(removed = report.removed, "voicemail changes pushed");
                    break;
                }
                Err(e) => {
                    tracing::info!(error = %e, retry_in_ms = wait.as_millis() as u64, "voicemail changes kept here until the server takes them");
                    // A new change (or the library closing) tries again at once.
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = kick.notified() => {}
                    }
                    wait = (wait * 2).min(LAST_RETRY);
                }
            }
        }
    }
}
