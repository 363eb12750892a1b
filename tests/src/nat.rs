//! A NAT box on loopback: phones send to its inside port; it forwards each phone's datagrams to
//! the upstream server from a mapping socket of its own (a new public port per phone, as a home
//! router does) and relays whatever reaches that mapping back to the phone.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct UdpNat {
    pub inside_port: u16,
    stop: Arc<AtomicBool>,
    mappings: Arc<Mutex<HashMap<SocketAddr, u16>>>,
}

impl UdpNat {
    pub fn start(upstream: SocketAddr) -> UdpNat {
        let inside = UdpSocket::bind("127.0.0.1:0").unwrap();
        inside.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let inside_port = inside.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let mappings: Arc<Mutex<HashMap<SocketAddr, u16>>> = Arc::default();
        let (stop2, maps2) = (stop.clone(), mappings.clone());
        std::thread::spawn(move || {
            let mut outside: HashMap<SocketAddr, UdpSocket> = HashMap::new();
            let mut buf = [0u8; 65536];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((len, phone)) = inside.recv_from(&mut buf) else {
                    continue;
                };
                let mapping = outside.entry(phone).or_insert_with(|| {
                    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
                    maps2.lock().unwrap().insert(phone, sock.local_addr().unwrap().port());
                    let back = sock.try_clone().unwrap();
                    let reply_to = inside.try_clone().unwrap();
                    let stop3 = stop2.clone();
                    back.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 65536];
                        while !stop3.load(Ordering::Relaxed) {
                            if let Ok((len, _)) = back.recv_from(&mut buf) {
                                let _ = reply_to.send_to(&buf[..len], phone);
                            }
                        }
                    });
                    sock
                });
                let _ = mapping.send_to(&buf[..len], upstream);
            }
        });
        UdpNat { inside_port, stop, mappings }
    }

    /// The public port the NAT gave `phone`, once it has sent something.
    pub fn mapping_of(&self, phone: SocketAddr) -> Option<u16> {
        self.mappings.lock().unwrap().get(&phone).copied()
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
