//! The phones of the gateway scale bench, on UDP: a woken phone (registers its push binding
//! afresh, as Ringside does when a push wakes it, then declines the INVITE the gateway relays)
//! and a desk phone (registered once, declines every call after ringing). A few hundred lines
//! of plain SIP rather than sipp, because a sipp scenario cannot start a REGISTER on a push
//! nor take an INVITE with another Call-ID than the REGISTER's.
//! Inputs: the gateway's responses and requests on the phone's own socket. Outputs: when the
//! INVITE arrived (the ring), or why none did.

use md5::{Digest, Md5};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A phone's account on the gateway and where the gateway is.
#[derive(Clone, Debug)]
pub struct PhoneAccount {
    pub user: String,
    pub password: String,
    pub domain: String,
    /// The gateway's one address (the balancer).
    pub gateway: SocketAddr,
    /// RFC 8599 Contact parameters (`;pn-provider=…`), empty for a desk.
    pub pn_params: String,
}

/// The phone's `+sip.instance` (RFC 5626 §4.1), the same every time it registers, as Ringside
/// persists it: the registrar replaces the sleeping binding with the woken one.
fn instance(user: &str) -> u64 {
    user.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)) & 0xffff_ffff_ffff
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A header's value (full names only: Kamailio writes them so).
pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A parameter of a Digest challenge (`nonce="…"`).
fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let at = challenge.find(&format!("{name}="))? + name.len() + 1;
    let rest = &challenge[at..];
    Some(match rest.strip_prefix('"') {
        Some(q) => q[..q.find('"')?].to_string(),
        None => rest.split([',', ' ']).next()?.to_string(),
    })
}

/// Where a response to `request` goes: its top Via's sent-by (RFC 3261 §18.2.2), which names
/// the gateway node that sent it; the balancer in between would pin it to another node.
fn via_target(request: &str, from: SocketAddr) -> SocketAddr {
    let sent_by = header(request, "Via").and_then(|v| v.split_whitespace().nth(1)).map(|s| s.split(';').next().unwrap_or(s));
    let Some(sent_by) = sent_by else { return from };
    let with_port = if sent_by.contains(':') { sent_by.to_string() } else { format!("{sent_by}:5060") };
    with_port.parse().unwrap_or(from)
}

/// A final response to `request`, echoing its Vias, From, To (with our tag), Call-ID and CSeq.
fn reply(request: &str, status: &str) -> String {
    let mut out = format!("SIP/2.0 {status}\r\n");
    for line in request.lines() {
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("Via") || name.eq_ignore_ascii_case("From") || name.eq_ignore_ascii_case("Call-ID") || name.eq_ignore_ascii_case("CSeq") {
            out.push_str(line.trim_end());
            out.push_str("\r\n");
        } else if name.eq_ignore_ascii_case("To") {
            out.push_str(line.trim_end());
            if !line.contains("tag=") {
                out.push_str(";tag=phone");
            }
            out.push_str("\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

pub struct Phone {
    sock: UdpSocket,
    account: PhoneAccount,
    call_id: String,
    cseq: u32,
}

impl Phone {
    pub fn new(account: PhoneAccount) -> std::io::Result<Phone> {
        // Any address: requests reach it through the balancer on loopback, responses go to the
        // node named in the Via, on the bridge.
        let sock = UdpSocket::bind("0.0.0.0:0")?;
        sock.set_read_timeout(Some(Duration::from_millis(100)))?;
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Ok(Phone { sock, call_id: format!("reg-{}-{n}@scale", account.user), account, cseq: 0 })
    }

    fn register_request(&mut self, authorization: Option<String>) -> String {
        self.cseq += 1;
        let a = &self.account;
        let local = format!("127.0.0.1:{}", self.sock.local_addr().unwrap().port());
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        format!(
            "REGISTER sip:{d} SIP/2.0\r\nVia: SIP/2.0/UDP {local};rport;branch=z9hG4bKw{n}\r\nMax-Forwards: 70\r\nFrom: <sip:{u}@{d}>;tag=w{n}\r\nTo: <sip:{u}@{d}>\r\nCall-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{u}@{local}{pn}>;+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-{inst:012x}>\";reg-id=1\r\n{auth}Expires: 600\r\nContent-Length: 0\r\n\r\n",
            d = a.domain,
            u = a.user,
            cid = self.call_id,
            cseq = self.cseq,
            pn = a.pn_params,
            auth = authorization.map(|h| format!("Authorization: {h}\r\n")).unwrap_or_default(),
            inst = instance(&a.user),
        )
    }

    fn authorization(&self, challenge: &str) -> Result<String, String> {
        let a = &self.account;
        let realm = challenge_param(challenge, "realm").ok_or("challenge without realm")?;
        let nonce = challenge_param(challenge, "nonce").ok_or("challenge without nonce")?;
        let uri = format!("sip:{}", a.domain);
        let ha1 = md5_hex(&format!("{}:{realm}:{}", a.user, a.password));
        let ha2 = md5_hex(&format!("REGISTER:{uri}"));
        let cnonce = format!("{:08x}", NEXT.fetch_add(1, Ordering::Relaxed));
        // RFC 2617 §3.2.2.1, qop=auth (what the gateway asks for).
        let response = md5_hex(&format!("{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}"));
        Ok(format!(
            "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"{cnonce}\"",
            a.user
        ))
    }

    fn send(&self, msg: &str, to: SocketAddr) {
        let _ = self.sock.send_to(msg.as_bytes(), to);
    }

    /// REGISTER (answering the challenge), retransmitted as RFC 3261 §17.1.2 says, until
    /// 200 or `limit`. An INVITE that overtakes the 200 is kept for the caller.
    pub fn register(&mut self, limit: Duration) -> Result<Option<(String, SocketAddr)>, String> {
        let start = Instant::now();
        let mut request = self.register_request(None);
        let mut sent = Instant::now();
        let mut interval = Duration::from_millis(500);
        self.send(&request, self.account.gateway);
        let mut early_invite = None;
        while start.elapsed() < limit {
            let mut buf = [0u8; 8192];
            let got = match self.sock.recv_from(&mut buf) {
                Ok((len, from)) => Some((String::from_utf8_lossy(&buf[..len]).into_owned(), from)),
                Err(_) => None,
            };
            let Some((msg, from)) = got else {
                if sent.elapsed() >= interval {
                    self.send(&request, self.account.gateway);
                    sent = Instant::now();
                    interval = (interval * 2).min(Duration::from_secs(4));
                }
                continue;
            };
            if msg.starts_with("INVITE ") {
                early_invite = Some((msg, from));
                continue;
            }
            let cseq_ok = header(&msg, "CSeq").is_some_and(|c| c.starts_with(&format!("{} ", self.cseq)));
            if !cseq_ok {
                continue;
            }
            if msg.starts_with("SIP/2.0 401") {
                let challenge = header(&msg, "WWW-Authenticate").ok_or("401 without a challenge")?.to_string();
                request = self.register_request(Some(self.authorization(&challenge)?));
                self.send(&request, self.account.gateway);
                sent = Instant::now();
                interval = Duration::from_millis(500);
            } else if msg.starts_with("SIP/2.0 200") {
                return Ok(early_invite);
            } else if msg.starts_with("SIP/2.0 1") {
                continue;
            } else {
                return Err(format!("REGISTER refused: {}", msg.lines().next().unwrap_or("")));
            }
        }
        Err("no answer to REGISTER".into())
    }

    /// Waits up to `limit` for an INVITE; answers it `status` (after `ringing` 180 if set) and
    /// any retransmission of it for a moment after. Returns when the INVITE arrived.
    pub fn decline_next_invite(&self, first: Option<(String, SocketAddr)>, limit: Duration, status: &str, ringing: bool) -> Option<(Instant, String)> {
        let start = Instant::now();
        let mut pending = first.map(|(m, from)| (m, from, Instant::now()));
        while pending.is_none() && start.elapsed() < limit {
            let mut buf = [0u8; 8192];
            if let Ok((len, from)) = self.sock.recv_from(&mut buf) {
                let msg = String::from_utf8_lossy(&buf[..len]).into_owned();
                if msg.starts_with("INVITE ") {
                    pending = Some((msg, from, Instant::now()));
                }
            }
        }
        let (invite, from, at) = pending?;
        let to = via_target(&invite, from);
        if ringing {
            self.send(&reply(&invite, "180 Ringing"), to);
        }
        self.send(&reply(&invite, status), to);
        let call_id = header(&invite, "Call-ID").unwrap_or("").to_string();
        Some((at, call_id))
    }

    /// A desk: declines (after ringing) every INVITE until `stop`.
    pub fn serve_desk(&self, stop: &AtomicBool, answered: &AtomicU64) {
        let mut last: Option<String> = None;
        while !stop.load(Ordering::Relaxed) {
            let mut buf = [0u8; 8192];
            let Ok((len, from)) = self.sock.recv_from(&mut buf) else { continue };
            let msg = String::from_utf8_lossy(&buf[..len]).into_owned();
            if !msg.starts_with("INVITE ") {
                continue;
            }
            let branch = header(&msg, "Via").unwrap_or("").to_string();
            let to = via_target(&msg, from);
            self.send(&reply(&msg, "180 Ringing"), to);
            self.send(&reply(&msg, "486 Busy Here"), to);
            if last.as_deref() != Some(branch.as_str()) {
                answered.fetch_add(1, Ordering::Relaxed);
                last = Some(branch);
            }
        }
    }
}

/// A desk phone registered now, serving calls on its own thread until `stop`.
pub fn start_desk(account: PhoneAccount, stop: Arc<AtomicBool>, answered: Arc<AtomicU64>) -> Result<std::thread::JoinHandle<()>, String> {
    let mut phone = Phone::new(account).map_err(|e| e.to_string())?;
    phone.register(Duration::from_secs(10))?;
    Ok(std::thread::spawn(move || phone.serve_desk(&stop, &answered)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_response_matches_rfc_2617_example() {
        // RFC 2617 §3.5's example, with the method and URI of its GET.
        let ha1 = md5_hex("Mufasa:testrealm@host.com:Circle Of Life");
        let ha2 = md5_hex("GET:/dir/index.html");
        let r = md5_hex(&format!("{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"));
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn responses_go_to_the_top_via_not_the_balancer() {
        let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let invite = "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKx\r\nVia: SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKy\r\n\r\n";
        assert_eq!(via_target(invite, from), "10.0.0.3:5060".parse().unwrap());
        assert_eq!(via_target("INVITE sip:a@b SIP/2.0\r\n\r\n", from), from);
    }

    #[test]
    fn challenge_params_quoted_and_bare() {
        let c = "Digest realm=\"pbx.test\", nonce=\"abc\", qop=\"auth\", stale=false";
        assert_eq!(challenge_param(c, "realm").as_deref(), Some("pbx.test"));
        assert_eq!(challenge_param(c, "nonce").as_deref(), Some("abc"));
        assert_eq!(challenge_param(c, "stale").as_deref(), Some("false"));
    }
}
