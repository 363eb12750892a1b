//! The HTTP endpoint Kamailio calls: `POST /push` with one binding's wake-up. It answers at
//! once (202) and sends in the background, so a slow APNs never holds a Kamailio worker and
//! the desk phone's branch is never delayed by a push.

use crate::apns::Apns;
use crate::fcm::Fcm;
use crate::upstream::SendError;
use crate::wake::WakeRequest;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// RFC 8599 §5.1.1 asks for one push per binding per call: a repeat inside this window is
/// answered but not sent (a forking proxy can reach the same binding twice).
const BUCKET_WINDOW: Duration = Duration::from_secs(120);

pub struct Sender {
    pub client: reqwest::Client,
    pub apns: Option<Apns>,
    pub fcm: Option<Fcm>,
    sent: Mutex<HashMap<String, Instant>>,
}

impl Sender {
    pub fn new(client: reqwest::Client, apns: Option<Apns>, fcm: Option<Fcm>) -> Self {
        Sender { client, apns, fcm, sent: Mutex::new(HashMap::new()) }
    }

    /// True the first time a bucket is seen inside the window.
    fn first_in_bucket(&self, bucket: String) -> bool {
        let Ok(mut sent) = self.sent.lock() else { return true };
        let now = Instant::now();
        sent.retain(|_, at| now.duration_since(*at) < BUCKET_WINDOW);
        sent.insert(bucket, now).is_none()
    }

    pub async fn send(&self, req: &WakeRequest) -> Result<(), SendError> {
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        let payload = req.payload(now_ms);
        match req.provider.as_str() {
            "apns" => self.apns.as_ref().ok_or(SendError::NotConfigured { service: "APNs" })?.send(&self.client, req, payload).await,
            _ => self.fcm.as_ref().ok_or(SendError::NotConfigured { service: "FCM" })?.send(&self.client, req, payload).await,
        }
    }
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    r
}

pub async fn handle(sender: Arc<Sender>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/health") => Ok(reply(StatusCode::OK, serde_json::json!({"ok": true}))),
        (&Method::POST, "/push") => {
            let body = request.into_body().collect().await?.to_bytes();
            let req = match WakeRequest::parse(&body) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "refused a wake-up request");
                    return Ok(reply(StatusCode::BAD_REQUEST, serde_json::json!({"error": e.to_string()})));
                }
            };
            if !sender.first_in_bucket(req.bucket()) {
                tracing::info!(kind = %req.kind, call_id = ?req.call_id, prid = %req.prid_for_log(), "duplicate wake-up: already pushed");
                return Ok(reply(StatusCode::OK, serde_json::json!({"duplicate": true})));
            }
            let span = tracing::info_span!("push", kind = %req.kind, provider = %req.provider, call_id = ?req.call_id, prid = %req.prid_for_log());
            tokio::spawn(
                async move {
                    let started = Instant::now();
                    match sender.send(&req).await {
                        Ok(()) => tracing::info!(ms = started.elapsed().as_millis() as u64, "pushed"),
                        Err(e) => tracing::warn!(error = %e, "push failed"),
                    }
                }
                .instrument(span),
            );
            Ok(reply(StatusCode::ACCEPTED, serde_json::json!({"queued": true})))
        }
        _ => Ok(reply(StatusCode::NOT_FOUND, serde_json::json!({"error": "POST /push or GET /health"}))),
    }
}

/// Serves until the process ends; one task per connection.
pub async fn serve(listener: tokio::net::TcpListener, sender: Arc<Sender>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let sender = sender.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(sender.clone(), req));
            if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_is_pushed_once_in_its_window() {
        let s = Sender::new(reqwest::Client::new(), None, None);
        assert!(s.first_in_bucket("call|tok|c1".into()));
        assert!(!s.first_in_bucket("call|tok|c1".into()));
        assert!(s.first_in_bucket("cancel|tok|c1".into()));
    }
}
