//! A stand-in for APNs and FCM on loopback, for the push gateway's tests: HTTP/2 over TLS like
//! the real services, and strict about what they demand — the ES256 provider token (APNs), the
//! RS256 service-account assertion and the access token it buys (FCM), the VoIP headers, and a
//! payload that matches proto/push-payload.schema.json. What it accepts, it hands to the test
//! (which plays the phone's OS and passes the payload to the app); what it refuses, it records.

use crate::certs::TestPki;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// One push the cloud accepted.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub service: &'static str,
    pub token: String,
    /// The APNs body, or the FCM message's `data` map: what the app receives.
    pub payload: Value,
    pub at: Instant,
}

/// What the cloud checks requests against (the public halves of the sender's keys).
#[derive(Clone)]
pub struct CloudKeys {
    pub apns_public_pem: Vec<u8>,
    pub team_id: String,
    pub key_id: String,
    pub apns_topic: String,
    pub fcm_public_pem: Vec<u8>,
    pub client_email: String,
    /// The token endpoint's URL as the assertion's `aud` must name it (set by `start`).
    pub token_uri: String,
}

struct State {
    keys: CloudKeys,
    schema: jsonschema::Validator,
    delivered: mpsc::Sender<Delivered>,
    problems: Mutex<Vec<String>>,
    dead: Mutex<HashSet<String>>,
    access_tokens: Mutex<HashSet<String>>,
    token_fetches: Mutex<u32>,
}

pub struct PushCloud {
    pub port: u16,
    state: Arc<State>,
    /// Behind a lock so a bench's consumer thread can take pushes while others hold the cloud.
    delivered: Mutex<mpsc::Receiver<Delivered>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn schema() -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto/push-payload.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("proto schema")).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

impl PushCloud {
    /// Listens on a free port now; the URL's host is `127.0.0.1` (the PKI's certificate name).
    pub fn start(pki: &TestPki, mut keys: CloudKeys) -> PushCloud {
        use rustls::pki_types::pem::PemObject;
        let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_file_iter(&pki.server_cert).expect("cert").map(|c| c.expect("cert")).collect();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&pki.server_key).expect("key");
        let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("tls config");
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        keys.token_uri = format!("https://127.0.0.1:{port}/token");
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(State {
            keys,
            schema: schema(),
            delivered: tx,
            problems: Mutex::new(Vec::new()),
            dead: Mutex::new(HashSet::new()),
            access_tokens: Mutex::new(HashSet::new()),
            token_fetches: Mutex::new(0),
        });
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        Ok((tcp, _)) = listener.accept() => {
                            let acceptor = acceptor.clone();
                            let state = shared.clone();
                            tokio::spawn(async move {
                                let Ok(tls) = acceptor.accept(tcp).await else { return };
                                let service = hyper::service::service_fn(move |req| handle(state.clone(), req));
                                let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        PushCloud { port, state, delivered: Mutex::new(rx), stop: Some(stop_tx), thread: Some(thread) }
    }

    pub fn token_uri(&self) -> String {
        self.state.keys.token_uri.clone()
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The next accepted push, waiting at most `limit`.
    pub fn next(&self, limit: Duration) -> Option<Delivered> {
        self.delivered.lock().unwrap().recv_timeout(limit).ok()
    }

    /// Pushes accepted within `limit` (for "nothing more was pushed" checks).
    pub fn drain(&self, limit: Duration) -> Vec<Delivered> {
        let end = Instant::now() + limit;
        let mut out = Vec::new();
        while let Some(d) = self.next(end.saturating_duration_since(Instant::now())) {
            out.push(d);
        }
        out
    }

    /// Requests refused, and why: a test expects none.
    pub fn problems(&self) -> Vec<String> {
        self.state.problems.lock().unwrap().clone()
    }

    /// The service will answer that this device token is gone (APNs 410, FCM 404).
    pub fn kill_token(&self, token: &str) {
        self.state.dead.lock().unwrap().insert(token.to_string());
    }

    /// How many OAuth access tokens FCM issued (one should serve many pushes).
    pub fn token_fetches(&self) -> u32 {
        *self.state.token_fetches.lock().unwrap()
    }
}

impl Drop for PushCloud {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(status: u16, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    r
}

fn header(req: &Request<Incoming>, name: &str) -> String {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn bearer(req: &Request<Incoming>) -> String {
    let h = header(req, "authorization");
    h.strip_prefix("bearer ").or_else(|| h.strip_prefix("Bearer ")).unwrap_or("").to_string()
}

fn verify_jwt(token: &str, alg: Algorithm, public_pem: &[u8]) -> Result<(jsonwebtoken::Header, Value), String> {
    let key = match alg {
        Algorithm::ES256 => DecodingKey::from_ec_pem(public_pem),
        _ => DecodingKey::from_rsa_pem(public_pem),
    }
    .map_err(|e| format!("public key: {e}"))?;
    let mut v = Validation::new(alg);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    v.validate_aud = false;
    let data = jsonwebtoken::decode::<Value>(token, &key, &v).map_err(|e| format!("JWT rejected: {e}"))?;
    Ok((data.header, data.claims))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let path = req.uri().path().to_string();
    let outcome = if let Some(token) = path.strip_prefix("/3/device/") {
        apns(&state, req, token.to_string()).await?
    } else if path == "/token" {
        oauth(&state, req).await?
    } else if path.starts_with("/v1/projects/") && path.ends_with("/messages:send") {
        fcm(&state, req).await?
    } else {
        Err((404, format!("no such endpoint {path}")))
    };
    Ok(match outcome {
        Ok(body) => respond(200, body),
        Err((status, why)) => {
            if status != 410 && status != 404 || !why.starts_with("dead token") {
                state.problems.lock().unwrap().push(why.clone());
            }
            let body = if status == 410 {
                json!({"reason": "Unregistered"})
            } else {
                json!({"error": {"code": status, "status": if status == 404 { "UNREGISTERED" } else { "INVALID_ARGUMENT" }, "message": why}})
            };
            respond(status, body)
        }
    })
}

type Outcome = Result<Value, (u16, String)>;

async fn apns(state: &State, req: Request<Incoming>, token: String) -> Result<Outcome, hyper::Error> {
    let k = &state.keys;
    let checks = (|| {
        let (head, claims) = verify_jwt(&bearer(&req), Algorithm::ES256, &k.apns_public_pem).map_err(|e| (403, format!("APNs: {e}")))?;
        if head.kid.as_deref() != Some(k.key_id.as_str()) || claims["iss"] != k.team_id.as_str() {
            return Err((403, format!("APNs: token for kid {:?} iss {}", head.kid, claims["iss"])));
        }
        if (now_secs() - claims["iat"].as_i64().unwrap_or(0)).abs() > 3600 {
            return Err((403, "APNs: ExpiredProviderToken".to_string()));
        }
        for (name, want) in [("apns-push-type", "voip"), ("apns-topic", k.apns_topic.as_str()), ("apns-priority", "10")] {
            if header(&req, name) != want {
                return Err((400, format!("APNs: {name} is {:?}, not {want}", header(&req, name))));
            }
        }
        Ok(())
    })();
    let body = req.into_body().collect().await?.to_bytes();
    if let Err(e) = checks {
        return Ok(Err(e));
    }
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Ok(accept(state, "apns", token, payload))
}

fn accept(state: &State, service: &'static str, token: String, payload: Value) -> Outcome {
    if let Some(e) = state.schema.iter_errors(&payload).next() {
        return Err((400, format!("{service}: payload against the proto schema: {e} in {payload}")));
    }
    if state.dead.lock().unwrap().contains(&token) {
        return Err((if service == "apns" { 410 } else { 404 }, format!("dead token {token}")));
    }
    let _ = state.delivered.send(Delivered { service, token, payload, at: Instant::now() });
    Ok(json!({}))
}

async fn oauth(state: &State, req: Request<Incoming>) -> Result<Outcome, hyper::Error> {
    let body = req.into_body().collect().await?.to_bytes();
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return Ok(Err((400, format!("FCM token: grant_type {:?}", get("grant_type")))));
    }
    let k = &state.keys;
    let (_, claims) = match verify_jwt(&get("assertion"), Algorithm::RS256, &k.fcm_public_pem) {
        Ok(v) => v,
        Err(e) => return Ok(Err((400, format!("FCM token: {e}")))),
    };
    if claims["iss"] != k.client_email.as_str()
        || claims["aud"] != k.token_uri.as_str()
        || !claims["scope"].as_str().unwrap_or("").contains("firebase.messaging")
    {
        return Ok(Err((400, format!("FCM token: claims {claims}"))));
    }
    let mut n = state.token_fetches.lock().unwrap();
    *n += 1;
    let access = format!("fake-access-{n}");
    state.access_tokens.lock().unwrap().insert(access.clone());
    Ok(Ok(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})))
}

async fn fcm(state: &State, req: Request<Incoming>) -> Result<Outcome, hyper::Error> {
    let authorized = state.access_tokens.lock().unwrap().contains(&bearer(&req));
    let body = req.into_body().collect().await?.to_bytes();
    if !authorized {
        return Ok(Err((401, "FCM: no valid access token".into())));
    }
    let msg: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let m = &msg["message"];
    if m["android"]["priority"] != "HIGH" {
        return Ok(Err((400, format!("FCM: not a high-priority message: {msg}"))));
    }
    let data = m["data"].clone();
    if !data.as_object().is_some_and(|d| d.values().all(Value::is_string)) {
        return Ok(Err((400, format!("FCM: data values must all be strings: {data}"))));
    }
    Ok(accept(state, "fcm", m["token"].as_str().unwrap_or("").to_string(), data))
}
