//! What a process has bound, read from `/proc`: the local addresses of its UDP sockets (IPv4),
//! so a test can tell that a socket was really closed, not just forgotten.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};

/// The local addresses of the UDP sockets `pid` holds open now.
pub fn udp_bound_by(pid: u32) -> Vec<SocketAddr> {
    let inodes: HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|link| link.to_string_lossy().strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')).map(str::to_string))
        .collect();
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/udp")).unwrap_or_default();
    table.lines().skip(1).filter_map(|line| parse_line(line, &inodes)).collect()
}

/// One row of `/proc/net/udp` (`sl local rem st tx:rx tr:tm retrnsmt uid timeout inode …`),
/// if its inode is one of `inodes`.
fn parse_line(line: &str, inodes: &HashSet<String>) -> Option<SocketAddr> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if !inodes.contains(*fields.get(9)?) {
        return None;
    }
    let (ip, port) = fields.get(1)?.split_once(':')?;
    // The kernel prints the address's bytes as one host-order word.
    let ip = Ipv4Addr::from(u32::from_str_radix(ip, 16).ok()?.to_ne_bytes());
    Some(SocketAddr::new(ip.into(), u16::from_str_radix(port, 16).ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn our_own_socket_is_listed_with_its_address() {
        let sock = std::net::UdpSocket::bind("127.0.0.2:0").unwrap();
        let bound = super::udp_bound_by(std::process::id());
        assert!(bound.contains(&sock.local_addr().unwrap()), "{bound:?}");
        drop(sock);
    }
}
