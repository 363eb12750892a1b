//! A TCP relay on loopback that can go silent: `freeze` keeps every existing connection open but
//! forwards nothing more on it (a NAT binding that died without a RST, a phone's socket the OS
//! froze). Connections made after the freeze work normally. A test can also speak on the newest
//! flow as the server would (`inject`) and read what the phone sent on it (`from_phone`), and
//! keep the phone's answers to those from the real server (`swallow_responses`).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct TcpRelay {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Connections accepted before this generation forward nothing.
    frozen_below: Arc<AtomicU64>,
    generation: Arc<AtomicU64>,
    /// The phone's end of the newest connection, and every byte the phone sent on any.
    newest: Arc<Mutex<Option<Toward>>>,
    from_phone: Arc<Mutex<Vec<u8>>>,
    swallow: Arc<AtomicBool>,
}

/// Bytes on their way through one direction of a connection. While `framed` is set (a test
/// that injects), only whole messages go on, so an injected one can only come between two;
/// on the phone's side (`swallows`) its SIP responses then stop here.
pub(crate) struct Framing {
    tap: Option<Arc<Mutex<Vec<u8>>>>,
    framed: Arc<AtomicBool>,
    swallows: bool,
    pending: Vec<u8>,
}

impl Framing {
    pub(crate) fn new(tap: Option<Arc<Mutex<Vec<u8>>>>, framed: Arc<AtomicBool>, swallows: bool) -> Framing {
        Framing { tap, framed, swallows, pending: Vec::new() }
    }

    /// The bytes of `read` (with any held before) that go on now.
    pub(crate) fn forward(&mut self, read: &[u8]) -> Vec<u8> {
        if let Some(tap) = &self.tap {
            tap.lock().unwrap().extend_from_slice(read);
        }
        if !self.framed.load(Ordering::SeqCst) && self.pending.is_empty() {
            return read.to_vec();
        }
        self.pending.extend_from_slice(read);
        let mut out = Vec::new();
        loop {
            let crlfs = self.pending.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            out.extend(self.pending.drain(..crlfs));
            let Some(end) = self.pending.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) else { break };
            let head = String::from_utf8_lossy(&self.pending[..end]).to_ascii_lowercase();
            let body = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").or_else(|| l.strip_prefix("l:")))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if self.pending.len() < end + body {
                break;
            }
            let message: Vec<u8> = self.pending.drain(..end + body).collect();
            if !(self.swallows && message.starts_with(b"SIP/2.0 ")) {
                out.extend(message);
            }
        }
        out
    }
}

/// Toward the phone on one connection: the server's bytes and injected ones, queued in the
/// order they come to one writer. Bounded, so a flood of injected messages waits for the phone
/// (as a stream does) without shutting out the server's: a lock taken per write let the flood
/// take it back each time, and held a REGISTER's 200 until the flood ended. An empty write
/// ends the connection's phone side.
type Toward = std::sync::mpsc::SyncSender<Vec<u8>>;

/// The one writer toward the phone.
fn write_toward_phone(mut inside: TcpStream, queue: std::sync::mpsc::Receiver<Vec<u8>>) {
    for bytes in queue {
        if bytes.is_empty() || inside.write_all(&bytes).is_err() {
            break;
        }
    }
    let _ = inside.shutdown(Shutdown::Write);
}

/// Where a pipe's bytes go: the server's socket, or the queue toward the phone.
enum Sink {
    Server(TcpStream),
    Phone(Toward),
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> bool {
        match self {
            Sink::Server(stream) => stream.write_all(bytes).is_ok(),
            Sink::Phone(queue) => bytes.is_empty() || queue.send(bytes.to_vec()).is_ok(),
        }
    }

    fn close(&mut self) {
        match self {
            Sink::Server(stream) => drop(stream.shutdown(Shutdown::Write)),
            Sink::Phone(queue) => drop(queue.send(Vec::new())),
        }
    }
}

fn pipe(mut from: TcpStream, mut to: Sink, my_gen: u64, frozen_below: Arc<AtomicU64>, stop: Arc<AtomicBool>, mut framing: Framing) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let bytes = framing.forward(&buf[..n]);
                // Frozen: swallow the bytes, keep the socket open (no FIN, no RST).
                if my_gen >= frozen_below.load(Ordering::SeqCst) && !to.write(&bytes) {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    to.close();
}

impl TcpRelay {
    pub fn start(upstream: SocketAddr) -> TcpRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let frozen_below = Arc::new(AtomicU64::new(0));
        let generation = Arc::new(AtomicU64::new(0));
        let newest: Arc<Mutex<Option<Toward>>> = Arc::default();
        let from_phone: Arc<Mutex<Vec<u8>>> = Arc::default();
        let swallow = Arc::new(AtomicBool::new(false));
        let (s, f, g, n, tap, sw) = (stop.clone(), frozen_below.clone(), generation.clone(), newest.clone(), from_phone.clone(), swallow.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((inside, _)) => {
                        let _ = inside.set_nonblocking(false);
                        let Ok(outside) = TcpStream::connect(upstream) else { continue };
                        let my_gen = g.fetch_add(1, Ordering::SeqCst);
                        let (toward, queue) = std::sync::mpsc::sync_channel(64);
                        let writer = inside.try_clone().unwrap();
                        std::thread::spawn(move || write_toward_phone(writer, queue));
                        *n.lock().unwrap() = Some(toward.clone());
                        let o2 = outside.try_clone().unwrap();
                        let (f1, f2, s1, s2) = (f.clone(), f.clone(), s.clone(), s.clone());
                        let to_server = Framing::new(Some(tap.clone()), sw.clone(), true);
                        let to_phone = Framing::new(None, sw.clone(), false);
                        std::thread::spawn(move || pipe(inside, Sink::Server(outside), my_gen, f1, s1, to_server));
                        std::thread::spawn(move || pipe(o2, Sink::Phone(toward), my_gen, f2, s2, to_phone));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TcpRelay { port, stop, frozen_below, generation, newest, from_phone, swallow }
    }

    /// Writes `bytes` to the phone on the newest connection, as the server at its far end would.
    pub fn inject(&self, bytes: &[u8]) -> std::io::Result<()> {
        let newest = self.newest.lock().unwrap().clone();
        let toward = newest.ok_or_else(|| std::io::Error::other("no connection yet"))?;
        toward.send(bytes.to_vec()).map_err(|_| std::io::Error::other("the connection closed"))
    }

    /// Everything the phone sent on every connection so far.
    pub fn from_phone(&self) -> Vec<u8> {
        self.from_phone.lock().unwrap().clone()
    }

    /// What the phone sent past the first `offset` bytes of [`Self::from_phone`].
    pub fn from_phone_since(&self, offset: usize) -> Vec<u8> {
        self.from_phone.lock().unwrap().get(offset..).map(<[u8]>::to_vec).unwrap_or_default()
    }

    /// How many bytes the phone sent so far.
    pub fn from_phone_len(&self) -> usize {
        self.from_phone.lock().unwrap().len()
    }

    /// From now on the phone's SIP responses stop here (`from_phone` still has them): a test
    /// that injects requests as the server keeps the real server from reading answers to
    /// requests it never sent (Kamailio closes a flow over a malformed one). And the server's
    /// bytes go on as whole messages, so an injected one never lands inside one of them.
    pub fn swallow_responses(&self) {
        self.swallow.store(true, Ordering::SeqCst);
    }

    /// Every connection open now goes silent, both ways, without closing.
    pub fn freeze(&self) {
        self.frozen_below.store(self.generation.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

impl Drop for TcpRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
