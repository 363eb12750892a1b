//! APNs provider API: HTTP/2, token (ES256 JWT) authentication, VoIP pushes.
//! Apple's rules: the JWT carries `iss` = team id and `iat`, header `kid`; it must be refreshed
//! between 20 and 60 minutes (we use 50); a VoIP push says `apns-push-type: voip`, its topic is
//! the bundle id + `.voip`, priority 10, and expiration 0 (a call push is useless later).

use crate::config::{read, ApnsConfig, ConfigError};
use crate::upstream::{deliver, unix_now, CachedToken, SendError};
use crate::wake::WakeRequest;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value};
use std::time::Duration;

const SERVICE: &str = "APNs";
const TOKEN_LIFETIME: Duration = Duration::from_secs(50 * 60);

pub struct Apns {
    endpoint: String,
    team_id: String,
    key_id: String,
    key: EncodingKey,
    token: CachedToken,
}

impl Apns {
    pub fn new(config: &ApnsConfig) -> Result<Self, ConfigError> {
        let pem = read(&config.key_file)?;
        let key =
            EncodingKey::from_ec_pem(&pem).map_err(|e| ConfigError::Key { what: "the APNs key", path: config.key_file.clone(), reason: e.to_string() })?;
        Ok(Apns {
            endpoint: config.endpoint.trim_end_matches('/').into(),
            team_id: config.team_id.clone(),
            key_id: config.key_id.clone(),
            key,
            token: CachedToken::default(),
        })
    }

    fn provider_token(&self) -> Result<String, SendError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let claims = serde_json::json!({ "iss": self.team_id, "iat": unix_now() });
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| SendError::Signing { service: SERVICE, reason: e.to_string() })
    }

    /// RFC 8599 §9.1: an APNs `pn-param` is `<team id>.<topic>`; the topic is the bundle id,
    /// to which VoIP pushes add `.voip` when the app did not already.
    pub fn topic(param: &str) -> String {
        let topic = param.split_once('.').map(|(_, t)| t).unwrap_or(param);
        if topic.ends_with(".voip") {
            topic.to_string()
        } else {
            format!("{topic}.voip")
        }
    }

    pub async fn send(&self, client: &reqwest::Client, req: &WakeRequest, payload: Map<String, Value>) -> Result<(), SendError> {
        let token = self.token.get(|| async { self.provider_token().map(|t| (t, TOKEN_LIFETIME)) }).await?;
        let mut body = payload;
        // A VoIP push needs no alert; `aps` stays for the shape Apple documents.
        body.insert("aps".into(), serde_json::json!({}));
        let url = format!("{}/3/device/{}", self.endpoint, req.prid);
        let request = client
            .post(url)
            .bearer_auth(token)
            .header("apns-push-type", "voip")
            .header("apns-topic", Self::topic(&req.param))
            .header("apns-priority", "10")
            .header("apns-expiration", "0")
            .json(&body);
        deliver(SERVICE, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_topic_is_the_bundle_id_for_voip() {
        assert_eq!(Apns::topic("ABCDE12345.com.example.ringside"), "com.example.ringside.voip");
        assert_eq!(Apns::topic("ABCDE12345.com.example.ringside.voip"), "com.example.ringside.voip");
    }
}
