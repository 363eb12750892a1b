//! `SipStack`: one rsipstack endpoint per phone — UDP listener, TCP/TLS flows dialled on demand
//! (TCP by us, see [`super::tcp_flow`]; TLS by our connector), TLS trust (system roots plus
//! `tls_ca_file`, whose certificates are also pinned: see [`super::tls_pins`]), and word of
//! flows that die. Every byte received on any of them meets our inbound gate before
//! rsipstack's parser ([`super::wire_gate`]).
//!
//! Flow death (RFC 5626 §4.4.1): we ping each stream flow with CRLFCRLF every keep-alive
//! interval; rsipstack closes a stream that receives no byte for its idle timeout, which we set
//! to interval + pong timeout. A missing pong therefore closes the flow, and the close reaches
//! the account tasks through [`SipStack::flow_closed`].
//!
//! Network change: [`SipStack::rebind_udp`] moves the UDP listener to the new local address
//! (the new socket served first, the old one taken out of the transport layer and closed).

use super::cancel_reasons::{CancelReasonInspector, CancelReasons};
use super::config::SipConfig;
use super::dns::Locator;
use super::error::EngineError;
use super::udp_listener::UdpListener;
use super::wire_gate::WireGate;
use rsipstack::sip::Transport;
use rsipstack::transaction::endpoint::{EndpointOption, TransportEventInspector};
use rsipstack::transport::transport_layer::DomainResolver;
use rsipstack::transport::{SipAddr, SipConnection, TransportEvent, TransportLayer};
use rsipstack::{transaction::Endpoint, EndpointBuilder};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub struct SipStack {
    pub endpoint: Endpoint,
    cancel: CancellationToken,
    closed_tx: broadcast::Sender<String>,
    pub config: SipConfig,
    /// CANCEL Reasons by Call-ID (rsipstack's dialogs drop them).
    pub cancel_reasons: CancelReasons,
    pinned: Pins,
    /// Screens every datagram before rsipstack parses it; kept across rebinds. Its `peers`
    /// are the hosts we send to (registrars, proxies, voicemail servers): the only ones
    /// whose out-of-dialog requests we take (see `sip::source_filter`), and the only ones
    /// its answers go to.
    gate: Arc<WireGate>,
    /// The UDP listener requests go out from (moved by [`Self::rebind_udp`]).
    udp: std::sync::Mutex<UdpListener>,
    /// The TCP flows we dialled (see [`super::tcp_flow`]), by the address they reach; one
    /// whose token is cancelled is gone. The lock makes one dial per target at a time.
    tcp_flows: tokio::sync::Mutex<std::collections::HashMap<SipAddr, rsipstack::transport::tcp::TcpConnection>>,
}

/// Account domains and the flow address each account reached its registrar by.
type Pins = Arc<std::sync::Mutex<std::collections::HashMap<String, SipAddr>>>;

/// Hears rsipstack's transport events and broadcasts closed flows by [`flow_id`]: the remote
/// address alone is not enough, every flow to the registrar shares it.
struct FlowWatcher(broadcast::Sender<String>);

/// `local->remote` of a stream flow.
pub fn flow_id(conn: &SipConnection) -> Option<String> {
    conn.get_remote_addr().map(|remote| format!("{}->{remote}", conn.get_addr()))
}

#[async_trait::async_trait]
impl TransportEventInspector for FlowWatcher {
    async fn handle(&self, event: TransportEvent) -> Option<TransportEvent> {
        if let TransportEvent::Closed(conn) = &event {
            if let Some(id) = flow_id(conn) {
                tracing::info!(flow = %id, "flow closed");
                let _ = self.0.send(id);
            }
        }
        Some(event)
    }
}

/// rsipstack asks this for the address of a host name (a proxy or an SRV target), so the DNS
/// servers the shell configured answer those lookups too.
///
/// An account's own domain resolves to the flow its registration uses (RFC 3261 §8.1.2: with
/// an outbound proxy, every request outside a dialog goes there). rsipstack sends a CANCEL
/// to its Request-URI's host, and `sip:1009@pbx.example` must not leave for the domain's own
/// address, or no address at all, when the INVITE went to the proxy.
struct LocatorResolver(Arc<Locator>, Pins);

#[async_trait::async_trait]
impl DomainResolver for LocatorResolver {
    async fn resolve(&self, target: &SipAddr) -> rsipstack::Result<SipAddr> {
        let rsipstack::sip::Host::Domain(domain) = &target.addr.host else {
            return Ok(target.clone());
        };
        if let Some(pinned) = self.1.lock().ok().and_then(|p| p.get(&domain.to_string().to_ascii_lowercase()).cloned()) {
            return Ok(pinned);
        }
        let default_port = if target.r#type == Some(Transport::Tls) { 5061 } else { 5060 };
        let port = target.addr.port.as_ref().map(|p| p.value()).unwrap_or(default_port);
        match self.0.address(&domain.to_string(), port).await {
            Some(addr) => Ok(SipAddr { r#type: target.r#type, addr: addr.into() }),
            None => Err(rsipstack::Error::DnsResolutionError(format!("{domain}: no address"))),
        }
    }
}

impl SipStack {
    /// Binds the UDP listener on `bind_ip` and starts the endpoint.
    pub async fn start(config: &SipConfig, bind_ip: IpAddr, locator: Arc<Locator>) -> Result<Arc<Self>, EngineError> {
        // One process-wide rustls provider; the first TLS flow panics without it (rustls 0.23).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cancel = CancellationToken::new();
        let pinned = Pins::default();
        let transport_layer = TransportLayer::new_with_domain_resolver(cancel.clone(), Box::new(LocatorResolver(locator, pinned.clone())));
        let gate = WireGate::new(Default::default());
        let udp = UdpListener::bind(SocketAddr::new(bind_ip, config.local_port), cancel.child_token(), gate.clone())
            .await
            .map_err(|e| EngineError::Transport(format!("binding UDP {bind_ip}:{}: {e}", config.local_port)))?;
        transport_layer.add_transport(SipConnection::Udp(udp.connection.clone()));
        // Every TLS flow is dialled by our connector; rsipstack hands it this PEM per flow.
        super::tls_connector::install();
        transport_layer
            .set_tls_config(rsipstack::transport::tls::TlsConfig { ca_certs: Some(pinned_pem(config.tls_ca_file.as_deref())?), ..Default::default() });
        transport_layer.set_stream_idle_timeout(config.keepalive(true) + Duration::from_secs(config.pong_timeout_secs.max(1)));

        let (closed_tx, _) = broadcast::channel(64);
        let cancel_reasons = CancelReasons::default();
        let option = EndpointOption {
            t1: Duration::from_millis(config.timer_t1_ms),
            t1x64: Duration::from_millis(config.timer_t1_ms * 64),
            // Our Call-IDs say who made them, not rsipstack's default domain suffix.
            callid_suffix: Some("ringside".into()),
            ..Default::default()
        };
        let endpoint = EndpointBuilder::new()
            .with_user_agent(&config.user_agent)
            .with_transport_layer(transport_layer)
            .with_cancel_token(cancel.clone())
            .with_option(option)
            .with_transport_inspector(Box::new(FlowWatcher(closed_tx.clone())))
            .with_inspector(Box::new(CancelReasonInspector(cancel_reasons.clone())))
            .build();
        let inner = endpoint.inner.clone();
        tokio::spawn(async move {
            if let Err(e) = inner.serve().await {
                tracing::error!(error = %e, "SIP endpoint stopped");
            }
        });
        Ok(Arc::new(SipStack {
            endpoint,
            cancel,
            closed_tx,
            config: config.clone(),
            cancel_reasons,
            pinned,
            gate,
            udp: std::sync::Mutex::new(udp),
            tcp_flows: Default::default(),
        }))
    }

    /// The address the UDP listener is bound to.
    pub fn udp_local(&self) -> Option<SocketAddr> {
        self.udp.lock().ok().map(|u| u.local())
    }

    /// Moves the UDP listener to `ip` (the configured port, or any free one): the new socket
    /// is served before the old one goes, so no request finds no listener; then the old one
    /// leaves the transport layer and is closed (its port freed, its stale handles dead).
    /// A UDP flow looked up from now on is the new socket.
    pub async fn rebind_udp(&self, ip: IpAddr) -> Result<SocketAddr, EngineError> {
        let local = SocketAddr::new(ip, self.config.local_port);
        let new = UdpListener::bind(local, self.cancel.child_token(), self.gate.clone())
            .await
            .map_err(|e| EngineError::Transport(format!("binding UDP {local}: {e}")))?;
        let bound = new.local();
        let layer = &self.endpoint.inner.transport_layer;
        let connection = SipConnection::Udp(new.connection.clone());
        layer.add_transport(connection.clone());
        // The endpoint serves only the listeners it started with; this one is served now.
        layer.inner.serve_connection(connection);
        let old = match self.udp.lock() {
            Ok(mut slot) => Some(std::mem::replace(&mut *slot, new)),
            Err(_) => None,
        };
        if let Some(old) = old {
            layer.del_transport(old.connection.get_addr());
            old.close();
            tracing::info!(from = %old.local(), to = %bound, "UDP listener moved");
        }
        Ok(bound)
    }

    /// From now on `domain` resolves to `flow`: the address an account reaches its registrar
    /// (or outbound proxy) by.
    pub fn pin_domain(&self, domain: &str, flow: SipAddr) {
        if let Ok(mut pins) = self.pinned.lock() {
            pins.insert(domain.to_ascii_lowercase(), flow);
        }
    }

    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Subscribes to the [`flow_id`]s of flows that closed.
    pub fn flow_closed(&self) -> broadcast::Receiver<String> {
        self.closed_tx.subscribe()
    }

    /// The flow to `target` — the UDP listener, or a TCP/TLS connection dialled now or reused —
    /// and the address `target` resolved to. Requests must go to that address: rsipstack
    /// cannot send a UDP datagram to a host name.
    pub async fn flow_to(&self, target: &SipAddr) -> Result<(SipConnection, SipAddr), EngineError> {
        let lookup = async {
            match target.r#type {
                Some(Transport::Tcp) => self.tcp_flow_to(target).await,
                _ => self.endpoint.inner.transport_layer.lookup(target, None).await,
            }
        };
        match tokio::time::timeout(Duration::from_secs(10), lookup).await {
            Ok(Ok(found)) => {
                if let (rsipstack::sip::Host::IpAddr(ip), Ok(mut peers)) = (&found.1.addr.host, self.gate.peers.lock()) {
                    if !peers.contains(ip) {
                        peers.push(*ip);
                    }
                }
                Ok(found)
            }
            // Our TLS connector's words (`Error::Error`) go out without rsipstack's prefix.
            Ok(Err(rsipstack::Error::Error(why))) => Err(EngineError::Transport(format!("connecting to {target}: {why}"))),
            Ok(Err(e)) => Err(EngineError::Transport(format!("connecting to {target}: {e}"))),
            Err(_) => Err(EngineError::Transport(format!("connecting to {target}: timed out"))),
        }
    }

    /// A TCP flow of ours to `target` (see [`super::tcp_flow`]): the live one, or one dialled
    /// now and handed to the transport layer, which caches and serves it as its own. Anything
    /// rsipstack looks up for the same address later (a CANCEL, an in-dialog request) finds it.
    async fn tcp_flow_to(&self, target: &SipAddr) -> rsipstack::Result<(SipConnection, SipAddr)> {
        let layer = &self.endpoint.inner.transport_layer;
        let resolved = match &target.addr.host {
            rsipstack::sip::Host::Domain(_) => layer.inner.domain_resolver.resolve(target).await?,
            _ => target.clone(),
        };
        // A domain pinned to a flow of another transport is that flow's to serve.
        if resolved.r#type != Some(Transport::Tcp) {
            return layer.lookup(target, None).await;
        }
        let mut flows = self.tcp_flows.lock().await;
        flows.retain(|_, flow| !flow.cancel_token.as_ref().is_some_and(|t| t.is_cancelled()));
        if let Some(flow) = flows.get(&resolved) {
            return Ok((SipConnection::Tcp(flow.clone()), resolved));
        }
        let flow = super::tcp_flow::dial(&resolved, self.cancel.child_token())
            .await
            .map_err(|e| rsipstack::Error::Error(format!("TCP connect to {resolved}: {e}")))?;
        layer.add_connection(SipConnection::Tcp(flow.clone()));
        flows.insert(resolved.clone(), flow.clone());
        Ok((SipConnection::Tcp(flow), resolved))
    }

    /// The hosts of every flow [`Self::flow_to`] found: where our out-of-dialog requests may
    /// come from.
    pub fn trusted_peers(&self) -> Vec<IpAddr> {
        self.gate.peers.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Forgets a stream flow so the next request dials a fresh one.
    pub async fn drop_flow(&self, conn: &SipConnection) {
        if conn.is_reliable() {
            self.endpoint.inner.transport_layer.remove_connection(conn);
            let _ = conn.close().await;
        }
    }

    /// Keep-alive on the flow to `destination`. Streams: RFC 5626 §4.4.1 CRLF ping, whose pong
    /// rsipstack's idle timeout waits for. UDP: a bare CRLFCRLF datagram, so the NAT binding
    /// our contact lives on stays open between REGISTER refreshes (mobile NATs drop idle UDP
    /// mappings within a minute). RFC 5626 §4.4.2 asks for STUN on UDP, but registrars answer
    /// STUN only with a STUN module, and its answer would reach the SIP parser; every
    /// registrar we know of drops a datagram this short unread, and the NAT is refreshed either way.
    pub async fn ping(&self, conn: &SipConnection, destination: &SipAddr) -> Result<(), EngineError> {
        use rsipstack::transport::stream::StreamConnection;
        let result = match conn {
            SipConnection::Tcp(t) => t.send_raw(b"\r\n\r\n").await,
            SipConnection::Tls(t) => t.send_raw(b"\r\n\r\n").await,
            SipConnection::Udp(u) => u.send_raw(b"\r\n\r\n", destination).await,
            _ => Ok(()),
        };
        result.map_err(|e| EngineError::Transport(format!("keep-alive ping: {e}")))
    }

    pub fn shutdown(&self) {
        self.cancel.cancel();
    }
}

impl Drop for SipStack {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The transport name of a target, as the Contact's `transport` parameter spells it.
pub fn transport_name(target: &SipAddr) -> &'static str {
    match target.r#type {
        Some(Transport::Tcp) => "tcp",
        Some(Transport::Tls) => "tls",
        _ => "udp",
    }
}

/// The PEM of `tls_ca_file` (empty without one): trust anchors and pins for TLS flows. A file
/// that cannot be read or holds no certificate is a configuration error, said at start.
fn pinned_pem(path: Option<&std::path::Path>) -> Result<Vec<u8>, EngineError> {
    let Some(path) = path else { return Ok(Vec::new()) };
    let bad = |reason: String| EngineError::Config { field: "sip.tls_ca_file", reason };
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    if super::tls_connector::pem_certificates(&pem).is_empty() {
        return Err(bad(format!("{} holds no PEM certificate", path.display())));
    }
    Ok(pem)
}

/// The local address the OS would use to reach `target` (no packet is sent).
pub fn route_ip(target: SocketAddr) -> IpAddr {
    let unspecified: SocketAddr = if target.is_ipv6() { "[::]:0".parse().unwrap_or(target) } else { SocketAddr::from(([0, 0, 0, 0], 0)) };
    std::net::UdpSocket::bind(unspecified).and_then(|s| s.connect(target).and_then(|_| s.local_addr())).map(|a| a.ip()).unwrap_or(unspecified.ip())
}

/// Sends a client transaction and waits for its final response. rsipstack's timers retransmit
/// and end it (Timer F); `bound` only guards against a transaction that never ends.
pub(crate) async fn final_response(tx: &mut rsipstack::transaction::transaction::Transaction, bound: Duration) -> Result<rsipstack::sip::Response, String> {
    tx.send().await.map_err(|e| e.to_string())?;
    let wait = async {
        while let Some(msg) = tx.receive().await {
            if let rsipstack::sip::SipMessage::Response(resp) = msg {
                if u16::from(resp.status_code.clone()) >= 200 {
                    return Some(resp);
                }
            }
        }
        None
    };
    match tokio::time::timeout(bound, wait).await {
        Ok(Some(resp)) => Ok(resp),
        Ok(None) => Err("transaction ended without a final response".into()),
        Err(_) => Err(format!("no final response within {bound:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn recv_text(socket: &tokio::net::UdpSocket) -> (String, SocketAddr) {
        let mut buf = [0u8; 2048];
        let (n, from) = tokio::time::timeout(Duration::from_secs(5), socket.recv_from(&mut buf)).await.expect("a datagram").unwrap();
        (String::from_utf8_lossy(&buf[..n]).to_string(), from)
    }

    #[tokio::test]
    async fn rebinding_udp_sends_from_the_new_address_answers_there_and_frees_the_old_port() {
        let stack = SipStack::start(&SipConfig::default(), IpAddr::from([127, 0, 0, 1]), Arc::new(Locator::new(&[]))).await.unwrap();
        let old = stack.udp_local().unwrap();
        let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = SipAddr { r#type: Some(Transport::Udp), addr: peer.local_addr().unwrap().into() };

        let new = stack.rebind_udp(IpAddr::from([127, 0, 0, 2])).await.unwrap();
        assert_eq!(new.ip(), IpAddr::from([127, 0, 0, 2]));
        std::net::UdpSocket::bind(old).expect("the old port is free: the socket is closed, not just forgotten");

        // A UDP flow looked up now is the new socket: what it sends comes from the new address.
        let (flow, destination) = stack.flow_to(&target).await.unwrap();
        assert_eq!(flow.get_addr().addr.to_string(), new.to_string());
        stack.ping(&flow, &destination).await.unwrap();
        let (_, from) = recv_text(&peer).await;
        assert_eq!(from, new);
        // And the new socket is served: rsipstack answers a CRLF keep-alive ping on it.
        peer.send_to(b"\r\n\r\n", new).await.unwrap();
        let (pong, _) = recv_text(&peer).await;
        assert_eq!(pong, "\r\n");
        // Via (for every request we build without a flow) names the new address too.
        let via = stack.endpoint.inner.get_via(None, None).unwrap();
        assert!(via.to_string().contains(&new.to_string()), "{via}");
        stack.shutdown();
    }
}
