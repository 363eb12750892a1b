//! The SIP UDP listener, movable to a new local address when the network changes. Input: the
//! address to bind. Output: the rsipstack connection the transport layer serves, and a close
//! that really frees the old port.
//!
//! Why a socket of our own under rsipstack's `UdpConnection`: every message rsipstack reads
//! carries a clone of the connection, and dialogs and transactions keep those clones for as
//! long as they live, so dropping the listener would leave the old socket open (and bound)
//! until the last call of the old network ends. Here the OS socket sits behind a slot that
//! [`ClosableUdpSocket::close`] empties: once the serve loop's read is cancelled the socket
//! is gone, and stale clones get an error instead of sending from an address we left.
//!
//! The same seam sees every datagram before rsipstack's parser does: our gate answers the
//! requests that parser would drop unread (RFC 4475: a SIP/7.0 request gets its 505, an
//! unknown method its 501, a malformed start line its 400); see [`WireGate`]. And every
//! datagram rsipstack sends loses the stand-in From tags an RFC 2543 peer's requests were given
//! on the way in (`sip::rfc2543`).

use super::wire_gate::{Judged, WireGate};
use crate::sip::rfc2543::without_stand_in_tags;
use rsipstack::platform::net::UdpSocket as PlatformUdpSocket;
use rsipstack::sip::Transport;
use rsipstack::transport::udp::{UdpConnection, UdpInner};
use rsipstack::transport::SipAddr;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio_util::sync::CancellationToken;

/// A tokio UDP socket that can be closed while others still hold the handle.
pub struct ClosableUdpSocket {
    socket: RwLock<Option<Arc<tokio::net::UdpSocket>>>,
    local: SocketAddr,
    gate: Arc<WireGate>,
}

impl ClosableUdpSocket {
    fn current(&self) -> std::io::Result<Arc<tokio::net::UdpSocket>> {
        self.socket
            .read()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotConnected, format!("UDP socket {} was closed (network change)", self.local)))
    }

    /// Drops our handle: the OS socket closes when the read in flight (if any) ends.
    pub fn close(&self) {
        if let Ok(mut slot) = self.socket.write() {
            slot.take();
        }
    }
}

#[async_trait::async_trait]
impl PlatformUdpSocket for ClosableUdpSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        let socket = self.current()?;
        loop {
            let (len, from) = socket.recv_from(buf).await?;
            match self.gate.judge_datagram(&buf[..len], from) {
                Judged::Pass => return Ok((len, from)),
                Judged::Rewrite(bytes) if bytes.len() <= buf.len() => {
                    buf[..bytes.len()].copy_from_slice(&bytes);
                    return Ok((bytes.len(), from));
                }
                Judged::Rewrite(_) => return Ok((len, from)),
                Judged::Stop(answer) if !answer.is_empty() => {
                    // The answer is best effort, as a retransmission would be: a failed send
                    // must not end the read loop.
                    let _ = socket.send_to(&answer, from).await;
                }
                Judged::Stop(_) => {}
            }
        }
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        let socket = self.current()?;
        match without_stand_in_tags(buf) {
            Some(stripped) => socket.send_to(&stripped, addr).await.map(|_| buf.len()).map_err(Into::into),
            None => Ok(socket.send_to(buf, addr).await?),
        }
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// One bound listener: the connection rsipstack serves, the token that ends its serve loop,
/// and the socket to close.
pub struct UdpListener {
    pub connection: UdpConnection,
    cancel: CancellationToken,
    socket: Arc<ClosableUdpSocket>,
}

impl UdpListener {
    /// Binds `local` (port 0: any free port); `cancel` ends the serve loop; `gate` screens
    /// every datagram before rsipstack reads it.
    pub async fn bind(local: SocketAddr, cancel: CancellationToken, gate: Arc<WireGate>) -> std::io::Result<UdpListener> {
        let std_socket = std::net::UdpSocket::bind(local)?;
        std_socket.set_nonblocking(true)?;
        let socket = tokio::net::UdpSocket::from_std(std_socket)?;
        let bound = socket.local_addr()?;
        let socket = Arc::new(ClosableUdpSocket { socket: RwLock::new(Some(Arc::new(socket))), local: bound, gate });
        let addr = SipAddr { r#type: Some(Transport::Udp), addr: bound.into() };
        let connection = UdpConnection::attach(UdpInner { conn: socket.clone(), addr }, None, Some(cancel.clone())).await;
        Ok(UdpListener { connection, cancel, socket })
    }

    pub fn local(&self) -> SocketAddr {
        self.socket.local
    }

    /// Ends the serve loop and frees the port.
    pub fn close(&self) {
        self.cancel.cancel();
        self.socket.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_closed_listener_frees_its_port_even_while_clones_of_its_connection_live() {
        let listener = UdpListener::bind("127.0.0.1:0".parse().unwrap(), CancellationToken::new(), Arc::default()).await.unwrap();
        let port = listener.local();
        let stale = listener.connection.clone();
        listener.close();
        std::net::UdpSocket::bind(port).expect("the port is free again");
        let to = SipAddr { r#type: Some(Transport::Udp), addr: port.into() };
        let err = stale.send_raw(b"\r\n\r\n", &to).await.expect_err("a stale clone cannot send");
        assert!(err.to_string().contains("closed"), "{err}");
    }

    const SIP_7: &[u8] = b"INVITE sip:1001@pbx SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@pbx>;tag=1\r\nTo: <sip:1001@pbx>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n";

    #[tokio::test]
    async fn a_request_rsipstack_cannot_read_is_answered_on_the_socket_and_never_handed_on() {
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        peer.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let gate = WireGate::new(Arc::new(std::sync::Mutex::new(vec!["127.0.0.1".parse().unwrap()])));
        let listener = UdpListener::bind("127.0.0.1:0".parse().unwrap(), CancellationToken::new(), gate).await.unwrap();
        peer.send_to(SIP_7, listener.local()).unwrap();
        peer.send_to(b"\r\n\r\n", listener.local()).unwrap();
        let mut buf = [0u8; 2048];
        let (len, _) = tokio::time::timeout(std::time::Duration::from_secs(5), listener.socket.recv_from(&mut buf)).await.unwrap().unwrap();
        assert_eq!(&buf[..len], b"\r\n\r\n", "only the keep-alive reaches rsipstack");
        let (len, _) = peer.recv_from(&mut buf).unwrap();
        assert!(buf[..len].starts_with(b"SIP/2.0 505 "));
    }
}
