//! A call's media socket, read at the playout tick instead of on every datagram.
//!
//! A packet that arrives between two 20 ms ticks is not needed before the second one: the
//! jitter buffer is only read there. So the socket is never handed to the async reactor (which
//! would wake a thread for each datagram, 50 a second per direction); the driver drains it at
//! each tick, up to `BATCH` datagrams per system call, and each datagram keeps the time the
//! kernel received it (`SO_TIMESTAMPNS`), so jitter and late-packet figures are what they were
//! when every packet woke us. Sending stays one `sendto` per packet: there is one RTP packet per
//! tick, and an RTCP one every few seconds.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

/// Datagrams read per system call; a tick normally finds one or two.
pub const BATCH: usize = 8;
/// Enough for any RTP packet we accept (the pipeline refuses bigger ones unread).
const DATAGRAM: usize = 2048;
/// Most datagrams read at one tick: a flood is read at a bounded rate and the rest waits (or is
/// dropped by the kernel when its buffer fills), so it cannot starve the playout.
pub const MAX_PER_TICK: usize = 64;

pub struct MediaSocket {
    socket: UdpSocket,
    buffers: Box<[[u8; DATAGRAM]; BATCH]>,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    headers: Headers,
}

/// recvmmsg's headers, kept from one drain to the next so a drain allocates nothing.
#[cfg(any(target_os = "linux", target_os = "android"))]
struct Headers(nix::sys::socket::MultiHeaders<nix::sys::socket::SockaddrStorage>);

// SAFETY: the raw pointers inside point only into heap blocks the headers own (addresses and
// control-message buffers), and at the iovecs of the one `recvmmsg` call that sets them, which
// are gone when it returns; nothing is shared, so moving the whole to another thread is sound.
#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe impl Send for Headers {}

impl MediaSocket {
    pub fn new(socket: UdpSocket) -> io::Result<MediaSocket> {
        socket.set_nonblocking(true)?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let headers = {
            use nix::sys::socket::{setsockopt, sockopt::ReceiveTimestampns, MultiHeaders};
            // Without kernel times the batch still works; arrivals are then stamped at the drain.
            if let Err(e) = setsockopt(&socket, ReceiveTimestampns, &true) {
                tracing::debug!(error = %e, "no kernel receive times on the media socket");
            }
            Headers(MultiHeaders::preallocate(BATCH, Some(nix::cmsg_space!(nix::sys::time::TimeSpec))))
        };
        Ok(MediaSocket {
            socket,
            buffers: Box::new([[0; DATAGRAM]; BATCH]),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            headers,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sends one datagram now. A full send buffer drops it, as the network would: a voice
    /// packet late by a tick is worth nothing.
    pub fn send_to(&self, bytes: &[u8], to: SocketAddr) {
        if let Err(e) = self.socket.send_to(bytes, to) {
            if e.kind() != io::ErrorKind::WouldBlock {
                tracing::trace!(error = %e, %to, "media datagram not sent");
            }
        }
    }

    /// Hands every datagram waiting on the socket (at most `MAX_PER_TICK`) to `each`, with when
    /// it arrived and from where, oldest first. `now` is the tick's time. Returns how many.
    pub fn drain(&mut self, now: Instant, mut each: impl FnMut(Instant, SocketAddr, &[u8])) -> usize {
        let (mut total, mut errors) = (0, 0);
        while total < MAX_PER_TICK {
            let mut got = [Got { slot: 0, len: 0, from: SocketAddr::from(([0, 0, 0, 0], 0)), at: now }; BATCH];
            let n = match self.read_batch(now, &mut got) {
                Ok(n) => n,
                // An ICMP error (the far end's port closed) is reported once, ahead of the
                // datagrams queued behind it: read on, a few times at most.
                Err(()) if errors < 4 => {
                    errors += 1;
                    continue;
                }
                Err(()) => break,
            };
            for g in &got[..n] {
                each(g.at, g.from, &self.buffers[g.slot][..g.len]);
            }
            total += n;
            if n < BATCH {
                break;
            }
        }
        total
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn read_batch(&mut self, now: Instant, got: &mut [Got; BATCH]) -> Result<usize, ()> {
        use nix::sys::socket::{recvmmsg, ControlMessageOwned, MsgFlags};
        use std::io::IoSliceMut;
        use std::os::fd::AsRawFd;
        let wall_now = std::time::SystemTime::now();
        let mut iovs = self.buffers.each_mut().map(|b| [IoSliceMut::new(b)]);
        let results = match recvmmsg(self.socket.as_raw_fd(), &mut self.headers.0, iovs.iter_mut(), MsgFlags::MSG_DONTWAIT, None) {
            Ok(r) => r,
            Err(nix::errno::Errno::EAGAIN) => return Ok(0),
            Err(e) => {
                tracing::trace!(error = %e, "media socket read");
                return Err(());
            }
        };
        let mut n = 0;
        for (slot, msg) in results.enumerate() {
            let Some(from) = msg.address.as_ref().and_then(socket_addr) else { continue };
            let mut at = now;
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    if let ControlMessageOwned::ScmTimestampns(ts) = c {
                        at = arrival(now, wall_now, ts.tv_sec(), ts.tv_nsec());
                    }
                }
            }
            got[n] = Got { slot, len: msg.bytes.min(DATAGRAM), from, at };
            n += 1;
        }
        Ok(n)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn read_batch(&mut self, now: Instant, got: &mut [Got; BATCH]) -> Result<usize, ()> {
        // No recvmmsg here (Apple): one read per datagram, stamped at the drain.
        let mut n = 0;
        while n < BATCH {
            match self.socket.recv_from(&mut self.buffers[n]) {
                Ok((len, from)) => {
                    got[n] = Got { slot: n, len, from, at: now };
                    n += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) if n == 0 => return Err(()),
                Err(_) => break,
            }
        }
        Ok(n)
    }
}

/// One datagram of a batch: where in the buffers it is, and what the kernel said of it.
#[derive(Clone, Copy)]
struct Got {
    slot: usize,
    len: usize,
    from: SocketAddr,
    at: Instant,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn socket_addr(s: &nix::sys::socket::SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = s.as_sockaddr_in() {
        return Some(SocketAddr::V4(std::net::SocketAddrV4::from(*v4)));
    }
    s.as_sockaddr_in6().map(|v6| SocketAddr::V6(std::net::SocketAddrV6::from(*v6)))
}

/// The monotonic instant of a kernel receive time given on the wall clock: as long before the
/// tick as the wall clock says it was. A time in the future (a clock step) counts as now.
fn arrival(now: Instant, wall_now: std::time::SystemTime, sec: i64, nsec: i64) -> Instant {
    let Ok(since_epoch) = wall_now.duration_since(std::time::UNIX_EPOCH) else { return now };
    let Some(stamp) = u64::try_from(sec).ok().map(|s| std::time::Duration::new(s, nsec.clamp(0, 999_999_999) as u32)) else { return now };
    // A stamp older than a second is a clock step, not a queue: trust the drain time.
    match since_epoch.checked_sub(stamp) {
        Some(age) if age <= std::time::Duration::from_secs(1) => now.checked_sub(age).unwrap_or(now),
        _ => now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn pair() -> (MediaSocket, UdpSocket) {
        let ours = UdpSocket::bind("127.0.0.1:0").unwrap();
        let theirs = UdpSocket::bind("127.0.0.1:0").unwrap();
        theirs.connect(ours.local_addr().unwrap()).unwrap();
        (MediaSocket::new(ours).unwrap(), theirs)
    }

    /// Reads until `want` datagrams came or a second passed: loopback delivery is not instant.
    fn drain_all(socket: &mut MediaSocket, want: usize) -> Vec<(Instant, SocketAddr, Vec<u8>)> {
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(1);
        while got.len() < want && Instant::now() < deadline {
            socket.drain(Instant::now(), |at, from, bytes| got.push((at, from, bytes.to_vec())));
            std::thread::sleep(Duration::from_millis(1));
        }
        got
    }

    #[test]
    fn a_drain_reads_every_waiting_datagram_in_order_with_when_it_arrived() {
        let (mut ours, theirs) = pair();
        let sent_at = Instant::now();
        for i in 0..(BATCH as u8 * 2 + 3) {
            theirs.send(&[i; 100]).unwrap();
        }
        std::thread::sleep(Duration::from_millis(30));
        let drained_at = Instant::now();
        let mut got = Vec::new();
        let n = ours.drain(drained_at, |at, from, bytes| got.push((at, from, bytes.to_vec())));
        assert_eq!(n, BATCH * 2 + 3, "more than one batch in one drain");
        for (i, (at, from, bytes)) in got.iter().enumerate() {
            assert_eq!(bytes, &vec![i as u8; 100]);
            assert_eq!(*from, theirs.local_addr().unwrap());
            // The kernel's time, not the drain's: they were queued 30 ms before it.
            assert!(
                *at >= sent_at - Duration::from_millis(5) && *at + Duration::from_millis(20) < drained_at,
                "arrival {:?} after send, drained {:?} after",
                *at - sent_at.min(*at),
                drained_at - sent_at
            );
        }
        assert_eq!(ours.drain(Instant::now(), |_, _, _| panic!("nothing left")), 0);
    }

    #[test]
    fn a_flood_is_read_a_bounded_amount_per_tick_and_the_rest_waits() {
        let (mut ours, theirs) = pair();
        for _ in 0..MAX_PER_TICK * 2 {
            theirs.send(&[7; 40]).unwrap();
        }
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(ours.drain(Instant::now(), |_, _, _| {}), MAX_PER_TICK);
        assert_eq!(drain_all(&mut ours, MAX_PER_TICK).len(), MAX_PER_TICK, "the rest on later ticks");
    }

    #[test]
    fn a_datagram_bigger_than_a_buffer_is_cut_not_overrun() {
        let (mut ours, theirs) = pair();
        theirs.send(&[1; DATAGRAM + 500]).unwrap();
        theirs.send(&[2; 10]).unwrap();
        let got = drain_all(&mut ours, 2);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].2.len(), DATAGRAM);
        assert_eq!(got[1].2, vec![2; 10], "the next one is whole");
    }

    #[test]
    fn sending_to_nowhere_is_not_an_error_the_call_sees() {
        let (ours, _theirs) = pair();
        let nowhere = UdpSocket::bind("127.0.0.1:0").unwrap();
        let gone = nowhere.local_addr().unwrap();
        drop(nowhere);
        ours.send_to(&[0; 10], gone);
        std::thread::sleep(Duration::from_millis(10));
        let mut ours = ours;
        _theirs.send(&[3; 10]).unwrap();
        // The ICMP unreachable that comes back is not a datagram, and does not hide the next one.
        let got = drain_all(&mut ours, 1);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].2, vec![3; 10]);
    }

    #[test]
    fn a_kernel_time_becomes_the_same_age_on_the_monotonic_clock() {
        let (now, wall) = (Instant::now(), SystemTime::now());
        let since = wall.duration_since(std::time::UNIX_EPOCH).unwrap();
        let stamp = since - Duration::from_millis(15);
        let at = arrival(now, wall, stamp.as_secs() as i64, stamp.subsec_nanos() as i64);
        assert_eq!(now - at, Duration::from_millis(15));
        // A stamp ahead of the wall clock, or from long ago (a clock step): the drain's time.
        let ahead = since + Duration::from_millis(15);
        assert_eq!(arrival(now, wall, ahead.as_secs() as i64, ahead.subsec_nanos() as i64), now);
        assert_eq!(arrival(now, wall, 5, 0), now);
        assert_eq!(arrival(now, wall, -1, 0), now);
    }
}
