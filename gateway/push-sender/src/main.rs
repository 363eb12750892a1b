//! `ringside-push`: the push gateway's sender. Kamailio (gateway/kamailio/gateway.cfg) posts a
//! wake-up per binding; this sends it to APNs or FCM. It holds push credentials only — never a
//! SIP password.
//!
//! Usage: `ringside-push --config sender.toml`. Prints `listening <addr>` on stdout when ready.

mod apns;
mod config;
mod fcm;
mod server;
mod upstream;
mod wake;

use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("usage: ringside-push --config FILE")]
    Usage,
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("the extra CA is not a PEM certificate: {0}")]
    Ca(reqwest::Error),
    #[error("building the HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
}

async fn start() -> Result<(), StartError> {
    let args: Vec<String> = std::env::args().collect();
    let path = match args.as_slice() {
        [_, flag, path] if flag == "--config" => std::path::PathBuf::from(path),
        _ => return Err(StartError::Usage),
    };
    let cfg = config::SenderConfig::load(&path)?;
    let mut builder = reqwest::Client::builder().use_rustls_tls().timeout(Duration::from_millis(cfg.timeout_ms)).pool_idle_timeout(Duration::from_secs(600));
    if let Some(ca) = &cfg.ca_file {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&config::read(ca)?).map_err(StartError::Ca)?);
    }
    let client = builder.build().map_err(StartError::Client)?;
    let apns = cfg.apns.as_ref().map(apns::Apns::new).transpose()?;
    let fcm = cfg.fcm.as_ref().map(fcm::Fcm::new).transpose()?;
    let listener = tokio::net::TcpListener::bind(cfg.listen).await.map_err(|source| StartError::Listen { addr: cfg.listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: cfg.listen, source })?;
    println!("listening {addr}");
    tracing::info!(%addr, apns = apns.is_some(), fcm = fcm.is_some(), "push sender ready");
    let sender = Arc::new(server::Sender::new(client, apns, fcm));
    server::serve(listener, sender).await.map_err(|source| StartError::Listen { addr, source })
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    if let Err(e) = start().await {
        eprintln!("ringside-push: {e}");
        std::process::exit(2);
    }
}
