//! A relay on loopback that ends the phone's TLS flow (with the testbed PKI's certificate for
//! 127.0.0.1) and carries it on to the server over plain TCP. As with `TcpRelay`, a test can
//! speak on the newest flow as the server would (`inject`), read what the phone sent on it
//! (`from_phone`), and keep the phone's answers from the real server (`swallow_responses`).

use crate::certs::TestPki;
use crate::tcp_relay::Framing;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedSender;

pub struct TlsRelay {
    pub port: u16,
    /// Toward the phone on the newest flow: the server's bytes and injected ones, in order.
    newest: Arc<Mutex<Option<UnboundedSender<Vec<u8>>>>>,
    from_phone: Arc<Mutex<Vec<u8>>>,
    swallow: Arc<AtomicBool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsRelay {
    pub fn start(upstream: SocketAddr, pki: &TestPki) -> TlsRelay {
        use rustls::pki_types::pem::PemObject;
        let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_file_iter(&pki.server_cert).expect("cert").map(|c| c.expect("cert")).collect();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&pki.server_key).expect("key");
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("tls config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        let (newest, from_phone, swallow) =
            (Arc::<Mutex<Option<UnboundedSender<Vec<u8>>>>>::default(), Arc::<Mutex<Vec<u8>>>::default(), Arc::new(AtomicBool::new(false)));
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (n, tap, sw) = (newest.clone(), from_phone.clone(), swallow.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        Ok((tcp, _)) = listener.accept() => {
                            tokio::spawn(relay(acceptor.clone(), tcp, upstream, n.clone(), tap.clone(), sw.clone()));
                        }
                    }
                }
            });
        });
        TlsRelay { port, newest, from_phone, swallow, stop: Some(stop_tx), thread: Some(thread) }
    }

    /// Writes `bytes` to the phone on the newest flow, as the server at its far end would.
    pub fn inject(&self, bytes: &[u8]) -> std::io::Result<()> {
        let newest = self.newest.lock().unwrap().clone();
        let toward = newest.ok_or_else(|| std::io::Error::other("no connection yet"))?;
        toward.send(bytes.to_vec()).map_err(|_| std::io::Error::other("the flow closed"))
    }

    /// Everything the phone sent on every flow so far.
    pub fn from_phone(&self) -> Vec<u8> {
        self.from_phone.lock().unwrap().clone()
    }

    /// As `TcpRelay::swallow_responses`: the phone's responses stay here, the server's bytes go
    /// on as whole messages.
    pub fn swallow_responses(&self) {
        self.swallow.store(true, Ordering::SeqCst);
    }
}

/// One flow: TLS from the phone, TCP to the server, until either side closes.
async fn relay(
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    upstream: SocketAddr,
    newest: Arc<Mutex<Option<UnboundedSender<Vec<u8>>>>>,
    tap: Arc<Mutex<Vec<u8>>>,
    swallow: Arc<AtomicBool>,
) {
    let Ok(tls) = acceptor.accept(tcp).await else { return };
    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else { return };
    let (mut phone_read, mut phone_write) = tokio::io::split(tls);
    let (mut server_read, mut server_write) = server.into_split();
    let (toward_phone, mut queued) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    *newest.lock().unwrap() = Some(toward_phone.clone());
    // One writer toward the phone: whole messages from the server and injected ones.
    tokio::spawn(async move {
        while let Some(bytes) = queued.recv().await {
            if phone_write.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = phone_write.shutdown().await;
    });
    let mut to_phone = Framing::new(None, swallow.clone(), false);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = server_read.read(&mut buf).await {
            if toward_phone.send(to_phone.forward(&buf[..n])).is_err() {
                break;
            }
        }
    });
    let mut to_server = Framing::new(Some(tap), swallow, true);
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n @ 1..) = phone_read.read(&mut buf).await {
        if server_write.write_all(&to_server.forward(&buf[..n])).await.is_err() {
            break;
        }
    }
    let _ = server_write.shutdown().await;
}

impl Drop for TlsRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
