//! `PinningConnector`: dials every TLS flow rsipstack opens (through its `platform::tls` seam,
//! the only place its client verifier can be chosen), handshaking with tokio-rustls and our
//! [`PinningVerifier`]. Input: the target address, the name to verify and the PEM of
//! `tls_ca_file` (rsipstack hands over its `TlsConfig::ca_certs`); output: an open stream, or
//! an error that names the certificate problem. The stream's bytes pass our inbound gate
//! first, as a TCP flow's do (see [`Flow`]).

use super::stream_gate::StreamGate;
use super::tls_pins::{describe, PinningVerifier};
use crate::sip::rfc2543::without_stand_in_tags;
use rsipstack::platform::tls::{TlsClientConfig, TlsConnector, TlsStream};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

pub struct PinningConnector;

/// Registers the connector for the process (rsipstack keeps one, leaked once).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| rsipstack::platform::tls::set_client_connector(Arc::new(PinningConnector)));
}

/// The platform's trust anchors, read once: the store is the same for every flow. Certificates
/// rustls cannot use are left out one by one, so one odd system certificate does not disable TLS.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The certificates of a PEM file; an empty list when it holds none.
pub fn pem_certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem).filter_map(Result::ok).collect()
}

fn client_config(extra_pem: &[u8]) -> Result<rustls::ClientConfig, String> {
    let pins = pem_certificates(extra_pem);
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(system_roots().iter().cloned());
    roots.add_parsable_certificates(pins.clone());
    let verifier = PinningVerifier::new(roots, pins)?;
    Ok(rustls::ClientConfig::builder().dangerous().with_custom_certificate_verifier(Arc::new(verifier)).with_no_client_auth())
}

#[async_trait::async_trait]
impl TlsConnector for PinningConnector {
    async fn connect(&self, config: &TlsClientConfig, addr: SocketAddr) -> rsipstack::Result<Box<dyn TlsStream>> {
        let host = config.server_name.clone();
        let client = client_config(config.root_certs.as_deref().unwrap_or_default()).map_err(rsipstack::Error::Error)?;
        let name = ServerName::try_from(host.clone()).map_err(|_| rsipstack::Error::Error(format!("{host:?} is not a host name for TLS")))?;
        let tcp = TcpStream::connect(addr).await?;
        let local = tcp.local_addr()?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(client)).connect(name, tcp).await.map_err(|e| {
            let words = match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                Some(tls_error) => describe(tls_error, &host),
                None => format!("TLS handshake with {host} failed: {e}"),
            };
            tracing::warn!(%addr, reason = %words, "TLS flow refused");
            rsipstack::Error::Error(words)
        })?;
        let (read, write) = tokio::io::split(tls);
        Ok(Box::new(Flow { read: Mutex::new(read), write: Mutex::new(write), local, gate: std::sync::Mutex::new(StreamGate::new(addr)) }))
    }
}

/// An open TLS flow; reads and writes lock separately, so a pending read never blocks a send.
/// One TLS flow: rsipstack reads and writes it only through [`TlsStream`], so it is also our
/// byte seam. What it reads meets our [`StreamGate`] before rsipstack's codec (which ends the
/// flow over a message it cannot parse); what rsipstack writes loses the stand-in tags of RFC
/// 2543 peers (`sip::rfc2543`).
struct Flow {
    read: Mutex<ReadHalf<Tls>>,
    write: Mutex<WriteHalf<Tls>>,
    local: SocketAddr,
    gate: std::sync::Mutex<StreamGate>,
}

#[async_trait::async_trait]
impl TlsStream for Flow {
    async fn recv(&self) -> rsipstack::Result<Vec<u8>> {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = self.read.lock().await.read(&mut buf).await?;
            if n == 0 {
                return Ok(Vec::new());
            }
            // A panic elsewhere cannot leave the framer half-written: it is only ever fed here.
            let passage =
                self.gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).feed(&buf[..n]).map_err(|e| rsipstack::Error::Error(e.to_string()))?;
            if !passage.to_peer.is_empty() {
                let mut write = self.write.lock().await;
                for answer in &passage.to_peer {
                    write.write_all(answer).await?;
                }
                write.flush().await?;
            }
            // Nothing whole for rsipstack yet (half a message, or only what the gate stopped):
            // an empty read would tell it the flow closed.
            if !passage.to_rsipstack.is_empty() {
                return Ok(passage.to_rsipstack);
            }
        }
    }

    async fn send_all(&self, data: Vec<u8>) -> rsipstack::Result<()> {
        let data = without_stand_in_tags(&data).unwrap_or(data);
        let mut write = self.write.lock().await;
        write.write_all(&data).await?;
        write.flush().await?;
        Ok(())
    }

    async fn shutdown(&self) -> rsipstack::Result<()> {
        self.write.lock().await.shutdown().await?;
        Ok(())
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.local)
    }
}
