//! A layer-4 UDP load balancer in front of SIP servers, as a cloud NLB or IPVS with keepalived
//! is in a deployment: one address for clients; each client flow (its address and port) is
//! pinned to one healthy backend by a hash of its address, and relayed from a mapping socket of its own
//! (source NAT: backends see the mapping, and whatever reaches the mapping goes back to the
//! client, as through a full-cone NAT). A health check sends OPTIONS to every backend; one
//! that misses `MISSES` in a row is down: its flows move to a healthy backend and it gets no
//! new ones until it answers again.
//! Inputs: datagrams from clients and backends. Outputs: the same datagrams, relayed; the time
//! each backend was seen to go down.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

const CHECK_EVERY: Duration = Duration::from_millis(200);
const MISSES: u32 = 2;
/// A mapping that carried nothing for this long is closed (longer than any bench phase).
const IDLE: Duration = Duration::from_secs(120);

struct Backend {
    addr: SocketAddr,
    up: AtomicBool,
    down_at: Mutex<Option<Instant>>,
}

struct Flow {
    socket: Arc<UdpSocket>,
    backend: usize,
    last: Instant,
}

pub struct UdpBalancer {
    /// The one address clients send to.
    pub addr: SocketAddr,
    backends: Arc<Vec<Backend>>,
    flows: Arc<AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl UdpBalancer {
    /// Listens on `listen` (port 0: any); mapping sockets bind to `outside_ip`, the address the
    /// backends can reach; `domain` is what the health check's OPTIONS names.
    pub fn start(listen: SocketAddr, outside_ip: std::net::IpAddr, backends: &[SocketAddr], domain: &str) -> UdpBalancer {
        let inside = std::net::UdpSocket::bind(listen).expect("balancer address");
        inside.set_nonblocking(true).unwrap();
        let addr = inside.local_addr().unwrap();
        let backends: Arc<Vec<Backend>> =
            Arc::new(backends.iter().map(|a| Backend { addr: *a, up: AtomicBool::new(true), down_at: Mutex::new(None) }).collect());
        let flows = Arc::new(AtomicUsize::new(0));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (b, f, domain) = (backends.clone(), flows.clone(), domain.to_string());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let inside = Arc::new(UdpSocket::from_std(inside).unwrap());
                tokio::spawn(health_check(b.clone(), outside_ip, domain));
                tokio::select! {
                    _ = stop_rx => {}
                    _ = relay(inside, b, f, outside_ip) => {}
                }
            });
        });
        UdpBalancer { addr, backends, flows, stop: Some(stop_tx), thread: Some(thread) }
    }

    /// When the health check last saw backend `i` go down (None while it is up).
    pub fn down_at(&self, i: usize) -> Option<Instant> {
        *self.backends[i].down_at.lock().unwrap()
    }

    pub fn is_up(&self, i: usize) -> bool {
        self.backends[i].up.load(Ordering::Relaxed)
    }

    /// Client flows opened so far.
    pub fn flows(&self) -> usize {
        self.flows.load(Ordering::Relaxed)
    }
}

impl Drop for UdpBalancer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The backend for a flow: a hash of the client's address and port (as an NLB hashes the
/// 5-tuple), else the next healthy one.
fn pick(backends: &[Backend], client: SocketAddr) -> Option<usize> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    client.hash(&mut h);
    let first = (h.finish() % backends.len() as u64) as usize;
    (0..backends.len()).map(|i| (first + i) % backends.len()).find(|&i| backends[i].up.load(Ordering::Relaxed))
}

async fn relay(inside: Arc<UdpSocket>, backends: Arc<Vec<Backend>>, opened: Arc<AtomicUsize>, outside_ip: std::net::IpAddr) {
    let mut flows: HashMap<SocketAddr, Flow> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    let mut last_sweep = Instant::now();
    loop {
        let Ok((len, client)) = inside.recv_from(&mut buf).await else { continue };
        if last_sweep.elapsed() > Duration::from_secs(5) {
            flows.retain(|_, f| f.last.elapsed() < IDLE);
            last_sweep = Instant::now();
        }
        if let Some(flow) = flows.get_mut(&client) {
            // A flow pinned to a backend that went down moves, as an NLB reroutes it.
            if !backends[flow.backend].up.load(Ordering::Relaxed) {
                if let Some(b) = pick(&backends, client) {
                    flow.backend = b;
                }
            }
        } else {
            let Some(b) = pick(&backends, client) else { continue };
            let Ok(socket) = UdpSocket::bind((outside_ip, 0)).await else { continue };
            let socket = Arc::new(socket);
            opened.fetch_add(1, Ordering::Relaxed);
            let (back, to_client) = (socket.clone(), inside.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                // Ends with the idle sweep: the last Arc of the socket is this task's.
                while let Ok(Ok((len, _))) = tokio::time::timeout(IDLE, back.recv_from(&mut buf)).await {
                    let _ = to_client.send_to(&buf[..len], client).await;
                }
            });
            flows.insert(client, Flow { socket, backend: b, last: Instant::now() });
        }
        let flow = flows.get_mut(&client).unwrap();
        flow.last = Instant::now();
        let _ = flow.socket.send_to(&buf[..len], backends[flow.backend].addr).await;
    }
}

async fn health_check(backends: Arc<Vec<Backend>>, outside_ip: std::net::IpAddr, domain: String) {
    let Ok(sock) = UdpSocket::bind((outside_ip, 0)).await else { return };
    let local = sock.local_addr().unwrap();
    let mut misses = vec![0u32; backends.len()];
    let mut n = 0u64;
    loop {
        for (i, b) in backends.iter().enumerate() {
            n += 1;
            let msg = format!(
                "OPTIONS sip:{domain} SIP/2.0\r\nVia: SIP/2.0/UDP {local};rport;branch=z9hG4bKhc{n}\r\nMax-Forwards: 70\r\nFrom: <sip:health@{domain}>;tag=hc\r\nTo: <sip:{domain}>\r\nCall-ID: hc{n}@balancer\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n"
            );
            let _ = sock.send_to(msg.as_bytes(), b.addr).await;
            let mut buf = [0u8; 2048];
            let want = format!("CSeq: {n} OPTIONS");
            let answered = tokio::time::timeout(CHECK_EVERY, async {
                loop {
                    if let Ok((len, _)) = sock.recv_from(&mut buf).await {
                        if String::from_utf8_lossy(&buf[..len]).contains(&want) {
                            return;
                        }
                    }
                }
            })
            .await
            .is_ok();
            if answered {
                misses[i] = 0;
                if !b.up.swap(true, Ordering::Relaxed) {
                    *b.down_at.lock().unwrap() = None;
                }
            } else {
                misses[i] += 1;
                if misses[i] >= MISSES && b.up.swap(false, Ordering::Relaxed) {
                    *b.down_at.lock().unwrap() = Some(Instant::now());
                }
            }
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}
