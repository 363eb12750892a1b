//! Free ports on loopback, free for UDP and TCP at once (SIP listens on both).

use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU16, Ordering};

/// Walks a per-process window of the port space so parallel tests do not race for the same
/// port between probing and binding.
static NEXT: AtomicU16 = AtomicU16::new(0);

pub fn free_port() -> u16 {
    if NEXT.load(Ordering::Relaxed) == 0 {
        let base = 20000 + (std::process::id() % 200) as u16 * 150;
        let _ = NEXT.compare_exchange(0, base, Ordering::Relaxed, Ordering::Relaxed);
    }
    for _ in 0..2000 {
        let mut port = NEXT.fetch_add(1, Ordering::Relaxed);
        if port < 20000 || port > 60000 {
            NEXT.store(20000, Ordering::Relaxed);
            port = 20000;
        }
        let tcp = TcpListener::bind(("127.0.0.1", port));
        let udp = UdpSocket::bind(("127.0.0.1", port));
        if tcp.is_ok() && udp.is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 after 2000 tries");
}
