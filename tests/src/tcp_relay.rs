//! A TCP relay on loopback that can go silent: `freeze` keeps every existing connection open but
//! forwards nothing more on it (a NAT binding that died without a RST, a phone's socket the OS
//! froze). Connections made after the freeze work normally.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct TcpRelay {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Connections accepted before this generation forward nothing.
    frozen_below: Arc<AtomicU64>,
    generation: Arc<AtomicU64>,
}

fn pipe(mut from: TcpStream, mut to: TcpStream, my_gen: u64, frozen_below: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // Frozen: swallow the bytes, keep the socket open (no FIN, no RST).
                if my_gen >= frozen_below.load(Ordering::SeqCst) && to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

impl TcpRelay {
    pub fn start(upstream: SocketAddr) -> TcpRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let frozen_below = Arc::new(AtomicU64::new(0));
        let generation = Arc::new(AtomicU64::new(0));
        let (s, f, g) = (stop.clone(), frozen_below.clone(), generation.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((inside, _)) => {
                        let _ = inside.set_nonblocking(false);
                        let Ok(outside) = TcpStream::connect(upstream) else { continue };
                        let my_gen = g.fetch_add(1, Ordering::SeqCst);
                        let (i2, o2) = (inside.try_clone().unwrap(), outside.try_clone().unwrap());
                        let (f1, f2, s1, s2) = (f.clone(), f.clone(), s.clone(), s.clone());
                        std::thread::spawn(move || pipe(inside, outside, my_gen, f1, s1));
                        std::thread::spawn(move || pipe(o2, i2, my_gen, f2, s2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TcpRelay { port, stop, frozen_below, generation }
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
