//! FCM HTTP v1: an OAuth 2.0 access token from a service account (RFC 7523 JWT bearer grant,
//! RS256), then a high-priority data message (Android only starts a call's foreground service
//! from a high-priority message; every data value must be a string).

use crate::config::{read, ConfigError, FcmConfig};
use crate::upstream::{deliver, refusal_reason, unix_now, CachedToken, SendError};
use crate::wake::WakeRequest;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;

const SERVICE: &str = "FCM";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

#[derive(Deserialize)]
struct ServiceAccount {
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
    token_uri: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default = "default_expires_in")]
    expires_in: u64,
}

fn default_expires_in() -> u64 {
    3600
}

pub struct Fcm {
    endpoint: String,
    client_email: String,
    key_id: Option<String>,
    token_uri: String,
    key: EncodingKey,
    token: CachedToken,
}

impl Fcm {
    pub fn new(config: &FcmConfig) -> Result<Self, ConfigError> {
        let path = &config.service_account_file;
        let bad = |reason: String| ConfigError::Key { what: "the FCM service account", path: path.clone(), reason };
        let sa: ServiceAccount = serde_json::from_slice(&read(path)?).map_err(|e| bad(e.to_string()))?;
        let key = EncodingKey::from_rsa_pem(sa.private_key.as_bytes()).map_err(|e| bad(e.to_string()))?;
        Ok(Fcm {
            endpoint: config.endpoint.trim_end_matches('/').into(),
            client_email: sa.client_email,
            key_id: sa.private_key_id,
            token_uri: config.token_uri.clone().unwrap_or(sa.token_uri),
            key,
            token: CachedToken::default(),
        })
    }

    fn assertion(&self) -> Result<String, SendError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key_id.clone();
        let now = unix_now();
        let claims = serde_json::json!({ "iss": self.client_email, "scope": SCOPE, "aud": self.token_uri, "iat": now, "exp": now + 3600 });
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| SendError::Signing { service: SERVICE, reason: e.to_string() })
    }

    async fn access_token(&self, client: &reqwest::Client) -> Result<String, SendError> {
        self.token
            .get(|| async {
                let assertion = self.assertion()?;
                let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())];
                let response = client.post(&self.token_uri).form(&form).send().await.map_err(|source| SendError::Http { service: SERVICE, source })?;
                let status = response.status().as_u16();
                let text = response.text().await.map_err(|source| SendError::Http { service: SERVICE, source })?;
                if status != 200 {
                    return Err(SendError::Refused { service: SERVICE, status, reason: format!("token: {}", refusal_reason(&text)) });
                }
                let token: TokenResponse =
                    serde_json::from_str(&text).map_err(|e| SendError::Refused { service: SERVICE, status, reason: format!("token response: {e}") })?;
                // Renew a minute early: a token that expires in flight fails the push.
                Ok((token.access_token, Duration::from_secs(token.expires_in.saturating_sub(60).max(1))))
            })
            .await
    }

    /// The v1 message: every data value a string (FCM refuses numbers in `data`).
    pub fn message(req: &WakeRequest, payload: Map<String, Value>) -> Value {
        let data: Map<String, Value> = payload
            .into_iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, Value::String(s))
            })
            .collect();
        serde_json::json!({ "message": { "token": req.prid, "data": data, "android": { "priority": "HIGH", "ttl": "30s" } } })
    }

    pub async fn send(&self, client: &reqwest::Client, req: &WakeRequest, payload: Map<String, Value>) -> Result<(), SendError> {
        let token = self.access_token(client).await?;
        let url = format!("{}/v1/projects/{}/messages:send", self.endpoint, req.param);
        deliver(SERVICE, client.post(url).bearer_auth(token).json(&Self::message(req, payload))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_values_are_all_strings_and_the_message_is_high_priority() {
        let req = WakeRequest::parse(br#"{"provider":"fcm","prid":"tok","param":"proj","type":"call","call-id":"c","from-uri":"sip:a@b","to-uri":"sip:c@d"}"#)
            .unwrap();
        let m = Fcm::message(&req, req.payload(1_700_000_000_000));
        assert_eq!(m["message"]["data"]["send-time"], "1700000000000");
        assert_eq!(m["message"]["token"], "tok");
        assert_eq!(m["message"]["android"]["priority"], "HIGH");
    }
}
