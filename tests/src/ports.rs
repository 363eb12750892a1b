//! Free ports on loopback, free for UDP and TCP at once (SIP listens on both).
//!
//! Handed out from 20000–32767, below the kernel's ephemeral range (32768–60999 on Linux), so
//! the ports that programs under test bind as `:0` (ringside, RTP sockets, TCP flows) never
//! take one we handed out before its owner bound it.

use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU16, Ordering};

const LOW: u16 = 20000;
const HIGH: u16 = 32700;

/// Walks a per-process window of the range so parallel test binaries do not race for the
/// same port between probing and binding.
static NEXT: AtomicU16 = AtomicU16::new(0);

/// Whether `port` can be bound on 127.0.0.1 for both TCP and UDP right now.
pub fn is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok() && UdpSocket::bind(("127.0.0.1", port)).is_ok()
}

/// `n` consecutive free ports; returns the first. sipp binds RTP, RTCP and video ports
/// upward from its media port, so it needs a block.
pub fn free_port_block(n: u16) -> u16 {
    if NEXT.load(Ordering::Relaxed) == 0 {
        let base = LOW + (std::process::id() % 80) as u16 * 150;
        let _ = NEXT.compare_exchange(0, base, Ordering::Relaxed, Ordering::Relaxed);
    }
    for _ in 0..4000 {
        let mut port = NEXT.fetch_add(n, Ordering::Relaxed);
        if !(LOW..HIGH - n).contains(&port) {
            NEXT.store(LOW + n, Ordering::Relaxed);
            port = LOW;
        }
        if (port..port + n).all(is_free) {
            return port;
        }
    }
    panic!("no {n} free ports on 127.0.0.1 after 4000 tries");
}

pub fn free_port() -> u16 {
    free_port_block(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_stay_below_the_ephemeral_range_and_do_not_repeat() {
        let a = free_port();
        let b = free_port_block(4);
        let c = free_port();
        assert!([a, b, c].iter().all(|p| (LOW..HIGH).contains(p)));
        assert!(c >= b + 4 || c < b, "a block is never handed out again piecemeal");
        assert_ne!(a, c);
    }
}
