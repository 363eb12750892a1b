//! A NAT box on loopback: phones send to its inside port; it forwards each phone's datagrams to
//! the upstream server from a mapping socket of its own (a new public port per phone, as a home
//! router does) and relays whatever reaches that mapping back to the phone. A test can hold
//! the requests of one method on their way to the phone (`hold`), to force an order the wire
//! alone does not promise, and let them through later (`release`). Like a mobile carrier's
//! NAT, it can close a mapping that carried nothing from the phone for a while (`start_idle`).

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct UdpNat {
    pub inside_port: u16,
    stop: Arc<AtomicBool>,
    mappings: Arc<Mutex<HashMap<SocketAddr, u16>>>,
    held: Arc<Mutex<Held>>,
    keepalives: Arc<std::sync::atomic::AtomicUsize>,
}

/// Datagrams toward a phone that start with `method` wait here while it is set.
#[derive(Default)]
struct Held {
    method: Option<String>,
    queue: Vec<(Vec<u8>, SocketAddr)>,
    reply_to: Option<UdpSocket>,
}

impl UdpNat {
    pub fn start(upstream: SocketAddr) -> UdpNat {
        Self::start_idle(upstream, None)
    }

    /// As [`Self::start`], closing a mapping `idle` after the phone last sent through it.
    pub fn start_idle(upstream: SocketAddr, idle: Option<Duration>) -> UdpNat {
        let inside = UdpSocket::bind("127.0.0.1:0").unwrap();
        inside.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let inside_port = inside.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let mappings: Arc<Mutex<HashMap<SocketAddr, u16>>> = Arc::default();
        let held: Arc<Mutex<Held>> = Arc::default();
        held.lock().unwrap().reply_to = Some(inside.try_clone().unwrap());
        let keepalives: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let (stop2, maps2, held2, keepalives2) = (stop.clone(), mappings.clone(), held.clone(), keepalives.clone());
        std::thread::spawn(move || {
            // Each mapping: its socket, when the phone last sent, and its relay thread's stop flag.
            let mut outside: HashMap<SocketAddr, (UdpSocket, Instant, Arc<AtomicBool>)> = HashMap::new();
            let mut buf = [0u8; 65536];
            while !stop2.load(Ordering::Relaxed) {
                if let Some(idle) = idle {
                    outside.retain(|phone, (_, last, closed)| {
                        let keep = last.elapsed() < idle;
                        if !keep {
                            closed.store(true, Ordering::Relaxed);
                            maps2.lock().unwrap().remove(phone);
                        }
                        keep
                    });
                }
                let Ok((len, phone)) = inside.recv_from(&mut buf) else {
                    continue;
                };
                if buf[..len].iter().all(|b| *b == b'\r' || *b == b'\n') {
                    keepalives2.fetch_add(1, Ordering::Relaxed);
                }
                let mapping = outside.entry(phone).or_insert_with(|| {
                    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
                    maps2.lock().unwrap().insert(phone, sock.local_addr().unwrap().port());
                    let back = sock.try_clone().unwrap();
                    let reply_to = inside.try_clone().unwrap();
                    let closed = Arc::new(AtomicBool::new(false));
                    let (stop3, closed3) = (stop2.clone(), closed.clone());
                    let held3 = held2.clone();
                    back.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 65536];
                        while !stop3.load(Ordering::Relaxed) && !closed3.load(Ordering::Relaxed) {
                            if let Ok((len, _)) = back.recv_from(&mut buf) {
                                let mut held = held3.lock().unwrap();
                                if held.method.as_ref().is_some_and(|m| buf[..len].starts_with(m.as_bytes())) {
                                    held.queue.push((buf[..len].to_vec(), phone));
                                } else {
                                    let _ = reply_to.send_to(&buf[..len], phone);
                                }
                            }
                        }
                    });
                    (sock, Instant::now(), closed)
                });
                mapping.1 = Instant::now();
                let _ = mapping.0.send_to(&buf[..len], upstream);
            }
        });
        UdpNat { inside_port, stop, mappings, held, keepalives }
    }

    /// How many keep-alive datagrams (CR and LF only) the phones sent through the box.
    pub fn keepalives(&self) -> usize {
        self.keepalives.load(Ordering::Relaxed)
    }

    /// From now on, requests of `method` (`INVITE`) toward the phones wait in the box,
    /// retransmissions included, until [`UdpNat::release`].
    pub fn hold(&self, method: &str) {
        self.held.lock().unwrap().method = Some(format!("{method} "));
    }

    /// How many datagrams wait.
    pub fn held(&self) -> usize {
        self.held.lock().unwrap().queue.len()
    }

    /// Delivers what was held, in order, and stops holding.
    pub fn release(&self) {
        let mut held = self.held.lock().unwrap();
        held.method = None;
        let queue = std::mem::take(&mut held.queue);
        if let Some(sock) = &held.reply_to {
            for (datagram, phone) in queue {
                let _ = sock.send_to(&datagram, phone);
            }
        }
    }

    /// The public port the NAT gave `phone`, once it has sent something.
    pub fn mapping_of(&self, phone: SocketAddr) -> Option<u16> {
        self.mappings.lock().unwrap().get(&phone).copied()
    }

    /// The phones' addresses (inside the NAT) that hold an open mapping.
    pub fn phones(&self) -> Vec<SocketAddr> {
        self.mappings.lock().unwrap().keys().copied().collect()
    }

    pub fn public_ports(&self) -> Vec<u16> {
        self.mappings.lock().unwrap().values().copied().collect()
    }
}

impl Drop for UdpNat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
