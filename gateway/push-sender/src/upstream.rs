//! What APNs and FCM share: the HTTP client, a cached bearer token, and how a refusal reads.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{service} is not configured on this sender")]
    NotConfigured { service: &'static str },
    #[error("{service} unreachable: {source}")]
    Http { service: &'static str, source: reqwest::Error },
    /// The service answered and refused: e.g. APNs 410 Unregistered, FCM 404 UNREGISTERED
    /// (the token is dead: the binding should go), 403 (our credentials).
    #[error("{service} refused the push: {status} {reason}")]
    Refused { service: &'static str, status: u16, reason: String },
    #[error("signing the {service} token: {reason}")]
    Signing { service: &'static str, reason: String },
}

/// A bearer token reused until shortly before it expires. The lock is held while refreshing, so
/// a burst of pushes fetches one token, not one each.
#[derive(Default)]
pub struct CachedToken {
    slot: Mutex<Option<(String, Instant)>>,
}

impl CachedToken {
    pub async fn get<F, Fut>(&self, refresh: F) -> Result<String, SendError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(String, Duration), SendError>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((token, until)) = slot.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let (token, valid_for) = refresh().await?;
        *slot = Some((token.clone(), Instant::now() + valid_for));
        Ok(token)
    }
}

/// The service's own words for a refusal (`{"reason": "BadDeviceToken"}` from APNs,
/// `{"error": {"status": "UNREGISTERED", …}}` from FCM), or the body's start.
pub fn refusal_reason(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v.get("reason")
        .and_then(|r| r.as_str())
        .or_else(|| v.pointer("/error/status").and_then(|r| r.as_str()))
        .map(str::to_string)
        .unwrap_or_else(|| body.chars().take(120).collect())
}

/// Sends a push request: 200 is delivered, anything else a refusal in the service's words.
pub async fn deliver(service: &'static str, request: reqwest::RequestBuilder) -> Result<(), SendError> {
    let response = request.send().await.map_err(|source| SendError::Http { service, source })?;
    let status = response.status().as_u16();
    if status == 200 {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    Err(SendError::Refused { service, status, reason: refusal_reason(&text) })
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_in_the_services_own_words() {
        assert_eq!(refusal_reason(r#"{"reason":"BadDeviceToken"}"#), "BadDeviceToken");
        assert_eq!(refusal_reason(r#"{"error":{"code":404,"status":"UNREGISTERED"}}"#), "UNREGISTERED");
        assert_eq!(refusal_reason("gateway timeout"), "gateway timeout");
    }

    #[tokio::test]
    async fn a_token_is_fetched_once_while_valid() {
        let cache = CachedToken::default();
        let n = std::sync::atomic::AtomicU32::new(0);
        for _ in 0..3 {
            let t = cache
                .get(|| async {
                    n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(("tok".to_string(), Duration::from_secs(60)))
                })
                .await
                .unwrap();
            assert_eq!(t, "tok");
        }
        assert_eq!(n.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
