//! Our TCP flows under rsipstack. Input: the address to dial. Output: an rsipstack
//! `TcpConnection` that the transport layer caches and serves like one it dialled itself,
//! except that every byte between it and the socket passes through [`pump`].
//!
//! Why: rsipstack 0.7.14's `TcpConnection` reads its socket itself, and its stream codec ends
//! the flow, unanswered, on the first message it cannot parse (a negative Content-Length, a
//! Request-URI its grammar refuses, an unknown method), where RFC 4475 asks for a 400/501/505
//! on a flow that lives on. Its halves are open types, though: here they are one end of a
//! socket pair, and the pump holds the other end and the socket. Inbound, a [`StreamGate`]
//! frames what arrives, screens each message, answers what it stops and hands on the rest;
//! outbound, it takes out the stand-in tags of RFC 2543 peers
//! (`sip::rfc2543`). All the rest stays rsipstack's: Via `received`/`rport`, the pong to a
//! ping, the idle timeout that declares a silent flow dead, and the `Closed` event that
//! carries this flow's identity.
//!
//! rsipstack's halves are typed as a tokio `TcpStream`'s, so the pair's end is made one: std
//! turns any owned socket descriptor into a `TcpStream`, and read, write and shutdown are the
//! same calls on a Unix stream socket. Nothing listens, so nothing else can reach it.

use super::stream_gate::StreamGate;
use crate::sip::rfc2543::without_stand_in_tags;
use crate::sip::stream_framer::{Frame, StreamFramer};
use rsipstack::sip::Transport;
use rsipstack::transport::stream::StreamConnectionInner;
use rsipstack::transport::tcp::TcpConnection;
use rsipstack::transport::{SipAddr, SipConnection};
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Dials `remote` and starts the pump. `cancel` is the flow's own token: cancelling it (as
/// rsipstack does when it retires the flow) ends the pump and, with it, the flow.
pub async fn dial(remote: &SipAddr, cancel: CancellationToken) -> io::Result<TcpConnection> {
    let to = remote.get_socketaddr().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
    let socket = tokio::net::TcpStream::connect(to).await?;
    // Each SIP message is one write; it should leave now, not wait for the last one's ACK.
    socket.set_nodelay(true)?;
    let local = SipAddr { r#type: Some(Transport::Tcp), addr: SipConnection::resolve_bind_address(socket.local_addr()?).into() };
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    ours.set_nonblocking(true)?;
    theirs.set_nonblocking(true)?;
    let theirs = tokio::net::TcpStream::from_std(std::net::TcpStream::from(OwnedFd::from(theirs)))?;
    let (their_read, their_write) = tokio::io::split(theirs);
    let connection = TcpConnection {
        inner: Arc::new(StreamConnectionInner::new(local.clone(), remote.clone(), their_read, their_write)),
        cancel_token: Some(cancel.clone()),
    };
    let span = tracing::info_span!("tcp_flow", local = %local, remote = %remote);
    tokio::spawn(pump(socket, tokio::net::UnixStream::from_std(ours)?, to, cancel).instrument(span));
    Ok(connection)
}

/// Moves bytes both ways until the peer closes, rsipstack closes its side (after its serve
/// loop ends: idle timeout, shutdown), either write fails, or the flow is retired. Closing our
/// end of the pair then ends rsipstack's serve loop, which reports the flow closed; the socket
/// closes with the pump.
///
/// The two ways run side by side, never one waiting on the other: rsipstack writes a ping's
/// pong from its read loop, so a pump that stopped reading rsipstack while it waited to write
/// to rsipstack would leave both waiting for good.
async fn pump(socket: tokio::net::TcpStream, pair: tokio::net::UnixStream, peer: SocketAddr, cancel: CancellationToken) {
    let (mut socket_read, socket_write) = socket.into_split();
    let (mut from_rsipstack, mut to_rsipstack) = pair.into_split();
    // One writer at a time, each writing whole frames: an answer never splits rsipstack's.
    let socket_write = tokio::sync::Mutex::new(socket_write);
    let inbound = async {
        let mut gate = StreamGate::new(peer);
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match socket_read.read(&mut buf).await {
                Ok(0) => return "closed by the peer".to_string(),
                Err(e) => return format!("read failed: {e}"),
                Ok(n) => n,
            };
            let passage = match gate.feed(&buf[..n]) {
                Ok(passage) => passage,
                Err(e) => return e.to_string(),
            };
            for answer in &passage.to_peer {
                if let Err(e) = socket_write.lock().await.write_all(answer).await {
                    return format!("write failed: {e}");
                }
            }
            if let Err(e) = to_rsipstack.write_all(&passage.to_rsipstack).await {
                return format!("handing on to rsipstack: {e}");
            }
        }
    };
    let outbound = async {
        let mut framer = StreamFramer::default();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match from_rsipstack.read(&mut buf).await {
                Ok(0) | Err(_) => return "closed by rsipstack".to_string(),
                Ok(n) => framer.push(&buf[..n]),
            }
            if let Err(why) = send(&mut framer, &socket_write).await {
                return why;
            }
        }
    };
    let ended = tokio::select! {
        _ = cancel.cancelled() => "retired".to_string(),
        why = inbound => why,
        why = outbound => why,
    };
    tracing::info!(%ended, "TCP flow ends");
    let _ = to_rsipstack.shutdown().await;
    let _ = socket_write.lock().await.shutdown().await;
}

/// Writes every whole frame rsipstack sent to the socket, without stand-in tags.
async fn send(framer: &mut StreamFramer, socket: &tokio::sync::Mutex<impl AsyncWrite + Unpin>) -> Result<(), String> {
    loop {
        let frame = match framer.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("rsipstack sent {e}")),
        };
        let bytes = match frame {
            Frame::Ping => b"\r\n\r\n".to_vec(),
            Frame::Pong => b"\r\n".to_vec(),
            Frame::Message(message) => without_stand_in_tags(&message).unwrap_or(message),
            // rsipstack always writes a Content-Length; were it not to, its bytes go as written.
            Frame::Unframed { head, .. } => head,
        };
        socket.lock().await.write_all(&bytes).await.map_err(|e| format!("write failed: {e}"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsipstack::transport::stream::StreamConnection;
    use rsipstack::transport::TransportEvent;
    use std::time::Duration;

    const OPTIONS: &[u8] = b"OPTIONS sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP pbx.test;branch=z9hG4bKok\r\nFrom: <sip:pbx@127.0.0.1>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: ok\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    const SIP_7: &[u8] = b"OPTIONS sip:1001@127.0.0.1 SIP/7.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK7\r\nFrom: <sip:pbx@127.0.0.1>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: v7\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    const NEGATIVE: &[u8] = b"OPTIONS sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKneg\r\nFrom: <sip:pbx@127.0.0.1>;tag=1\r\nTo: <sip:1001@127.0.0.1>\r\nCall-ID: neg\r\nCSeq: 1 OPTIONS\r\nContent-Length: -5\r\n\r\nbody of unknown length\r\n";

    async fn read_until(socket: &mut tokio::net::TcpStream, needle: &str) -> String {
        let mut heard = Vec::new();
        let mut buf = [0u8; 4096];
        let wait = async {
            while !String::from_utf8_lossy(&heard).contains(needle) {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the flow closed: {}", String::from_utf8_lossy(&heard));
                heard.extend_from_slice(&buf[..n]);
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait).await.unwrap_or_else(|_| panic!("no {needle:?} in {:?}", String::from_utf8_lossy(&heard)));
        String::from_utf8_lossy(&heard).to_string()
    }

    /// A flow dialled to a listener of ours, served by rsipstack's own serve loop: what that
    /// loop hands on arrives on `events`.
    async fn served_flow_idle(
        idle: Duration,
    ) -> (TcpConnection, tokio::net::TcpStream, tokio::sync::mpsc::UnboundedReceiver<TransportEvent>, CancellationToken) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let remote = SipAddr { r#type: Some(Transport::Tcp), addr: listener.local_addr().unwrap().into() };
        let cancel = CancellationToken::new();
        let connection = dial(&remote, cancel.clone()).await.unwrap();
        let (pbx, _) = listener.accept().await.unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let served = connection.clone();
        // As rsipstack's transport layer does: serve until the loop ends, then close.
        tokio::spawn(async move {
            let _ = served.serve_loop(tx, idle).await;
            let _ = served.close().await;
        });
        (connection, pbx, rx, cancel)
    }

    async fn served_flow() -> (TcpConnection, tokio::net::TcpStream, tokio::sync::mpsc::UnboundedReceiver<TransportEvent>, CancellationToken) {
        served_flow_idle(Duration::from_secs(30)).await
    }

    async fn next_incoming(events: &mut tokio::sync::mpsc::UnboundedReceiver<TransportEvent>) -> rsipstack::sip::SipMessage {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(TransportEvent::Incoming(msg, _, _))) => msg,
            other => panic!("expected a message, got {:?}", other.map(|e| e.map(|_| "another event"))),
        }
    }

    #[tokio::test]
    async fn broken_requests_are_answered_on_the_flow_and_the_good_ones_still_reach_rsipstack() {
        let (_connection, mut pbx, mut events, _cancel) = served_flow().await;
        pbx.write_all(SIP_7).await.unwrap();
        assert!(read_until(&mut pbx, "z9hG4bK7").await.starts_with("SIP/2.0 505 "));
        pbx.write_all(NEGATIVE).await.unwrap();
        let answer = read_until(&mut pbx, "z9hG4bKneg").await;
        assert!(answer.starts_with("SIP/2.0 400 "), "{answer}");
        // The flow lives on past both, and rsipstack reads the next request with its received.
        pbx.write_all(OPTIONS).await.unwrap();
        let rsipstack::sip::SipMessage::Request(request) = next_incoming(&mut events).await else { panic!("a request") };
        assert_eq!(request.method, rsipstack::sip::Method::Options);
        assert!(request.to_string().contains("received=127.0.0.1"), "{request}");
    }

    #[tokio::test]
    async fn a_ping_gets_rsipstacks_pong_and_our_writes_go_straight_to_the_socket() {
        let (connection, mut pbx, _events, _cancel) = served_flow().await;
        pbx.write_all(b"\r\n\r\n").await.unwrap();
        assert_eq!(read_until(&mut pbx, "\r\n").await, "\r\n");
        connection.send_raw(b"\r\n\r\n").await.unwrap();
        assert_eq!(read_until(&mut pbx, "\r\n\r\n").await, "\r\n\r\n");
    }

    #[tokio::test]
    async fn what_rsipstack_sends_leaves_whole_and_without_stand_in_tags() {
        let (connection, mut pbx, _events, _cancel) = served_flow().await;
        let ringing = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP pbx.test;branch=z9hG4bK2543\r\nFrom: <sip:a@b>;tag=rs2543-0123456789abcdef\r\nTo: <sip:c@d>;tag=x\r\nContent-Length: 0\r\n\r\n";
        connection.send_raw(ringing.as_bytes()).await.unwrap();
        let heard = read_until(&mut pbx, "\r\n\r\n").await;
        assert_eq!(heard, ringing.replace(";tag=rs2543-0123456789abcdef", ""));
    }

    #[tokio::test]
    async fn pings_pouring_in_while_their_pongs_pour_out_never_wedge_the_flow() {
        // rsipstack writes each pong from its read loop: were the pump to wait on rsipstack's
        // read while rsipstack waits on the pump's, both would stop for good.
        let (_connection, pbx, mut events, _cancel) = served_flow().await;
        let (mut pbx_read, mut pbx_write) = pbx.into_split();
        const PINGS: usize = 250_000;
        let pinger = tokio::spawn(async move {
            let burst = b"\r\n\r\n".repeat(1000);
            for _ in 0..PINGS / 1000 {
                pbx_write.write_all(&burst).await.unwrap();
            }
            pbx_write
        });
        let mut heard = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        // A ping cut in two by the reads is two pongs to rsipstack's codec (and ours), and gets
        // no answer: a peer writes each ping whole, this test writes them back to back.
        let all_pongs = async {
            while heard < PINGS * 2 * 99 / 100 {
                let n = pbx_read.read(&mut buf).await.unwrap();
                assert!(n > 0, "the flow closed after {heard} octets of pongs");
                heard += n;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), all_pongs).await.unwrap_or_else(|_| panic!("wedged after {heard} of {} octets of pongs", PINGS * 2));
        let mut pbx_write = tokio::time::timeout(Duration::from_secs(5), pinger).await.expect("every ping was read").unwrap();
        // And the flow still carries a request to rsipstack.
        pbx_write.write_all(OPTIONS).await.unwrap();
        let rsipstack::sip::SipMessage::Request(request) = next_incoming(&mut events).await else { panic!("a request") };
        assert_eq!(request.method, rsipstack::sip::Method::Options);
    }

    #[tokio::test]
    async fn a_flow_busy_with_requests_the_gate_stops_is_not_idle_to_rsipstack() {
        let (_connection, mut pbx, mut events, _cancel) = served_flow_idle(Duration::from_millis(300)).await;
        for _ in 0..8 {
            pbx.write_all(SIP_7).await.unwrap();
            read_until(&mut pbx, "z9hG4bK7").await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            matches!(events.try_recv(), Err(tokio::sync::mpsc::error::TryRecvError::Empty)),
            "800 ms of stopped requests, and rsipstack's 300 ms idle timeout never ended the flow"
        );
        // Silence does end it.
        assert!(tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("the idle timeout ended the flow").is_none());
    }

    #[tokio::test]
    async fn the_flow_ends_for_rsipstack_when_the_peer_closes_or_the_flow_is_retired() {
        let (_connection, pbx, mut events, _cancel) = served_flow().await;
        drop(pbx);
        // rsipstack's serve loop returns once the pump closes the pair: no more events.
        let ended = tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("the serve loop ended");
        assert!(ended.is_none(), "nothing was handed on");

        let (_connection, mut pbx, mut events, cancel) = served_flow().await;
        cancel.cancel();
        assert!(tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("the serve loop ended").is_none());
        // rsipstack closes the socket after its serve loop: the peer reads the end.
        let mut buf = [0u8; 16];
        assert_eq!(tokio::time::timeout(Duration::from_secs(5), pbx.read(&mut buf)).await.unwrap().unwrap_or(0), 0);
    }
}
