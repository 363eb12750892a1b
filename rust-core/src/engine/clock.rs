//! The engine's two clocks in one place: the wall clock in ms (what events, the call log and the
//! shells show) and a sleep until an optional deadline (a machine with no timer waits forever).

use tokio::time::Instant;

/// Milliseconds since 1970; 0 if the clock is before it.
pub fn wall_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Sleeps until `deadline`; with none, never wakes (for `select!` arms of a machine's
/// `poll_timeout`).
pub async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
