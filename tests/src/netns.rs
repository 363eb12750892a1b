//! A private network on this machine for peers that must look like separate hosts: a bridge in
//! the root namespace (the host's leg, `host_ip`) and one network namespace per node, each
//! with a veth into the bridge and an address of its own. Names carry the PID and a counter,
//! so parallel runs never share one; everything is deleted on drop, failure included.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Lan {
    pub bridge: String,
    /// The root namespace's address on the bridge (where the bench's own peers listen).
    pub host_ip: String,
    pub nodes: Vec<Node>,
}

pub struct Node {
    pub netns: String,
    pub ip: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

impl Lan {
    /// A bridge and `nodes` namespaces on a /24 of 10.250.0.0/16 picked from the PID.
    pub fn create(nodes: usize) -> Result<Lan, String> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}{}", std::process::id() % 100_000, n);
        let net = format!("10.250.{}", (std::process::id() + n) % 250);
        let mut lan = Lan { bridge: format!("rsb{tag}"), host_ip: format!("{net}.1"), nodes: Vec::new() };
        ip(&["link", "add", &lan.bridge, "type", "bridge"])?;
        ip(&["addr", "add", &format!("{}/24", lan.host_ip), "dev", &lan.bridge])?;
        ip(&["link", "set", &lan.bridge, "up"])?;
        for i in 0..nodes {
            let node = Node { netns: format!("rsn{tag}x{i}"), ip: format!("{net}.{}", i + 2) };
            let (outer, inner) = (format!("rsh{tag}x{i}"), format!("rsi{tag}x{i}"));
            ip(&["netns", "add", &node.netns])?;
            let ns = node.netns.clone();
            lan.nodes.push(node);
            ip(&["link", "add", &outer, "type", "veth", "peer", "name", &inner])?;
            ip(&["link", "set", &inner, "netns", &ns])?;
            ip(&["link", "set", &outer, "master", &lan.bridge, "up"])?;
            ip(&["-n", &ns, "addr", "add", &format!("{}/24", lan.nodes[i].ip), "dev", &inner])?;
            ip(&["-n", &ns, "link", "set", &inner, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(lan)
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // Deleting a namespace deletes its end of the veth, and with it the other end.
        for node in &self.nodes {
            let _ = ip(&["netns", "del", &node.netns]);
        }
        let _ = ip(&["link", "del", &self.bridge]);
    }
}
