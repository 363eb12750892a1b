//! Which requests outside a dialog the phone takes: those from a peer it sends to itself (its
//! registrars, outbound proxies, voicemail servers). Input: where the request came from and
//! the hosts we reach; output: [`Admission`].
//!
//! A phone registered from the open internet gets INVITEs and NOTIFYs sent straight to its
//! contact by SIP scanners (sipvicious and kin) and spoofers; a PBX never sends that way. So
//! a datagram whose source (the top Via as our transport stamped it, RFC 3261 §18.2.1:
//! `received` when the sent-by host differs from the packet's source) is none of those hosts
//! is ignored, unanswered: a scanner learns nothing, and nothing rings. A host, not a port:
//! PBXs and SBCs often send from another socket than the one we register to. Stream flows
//! are all ones we dialled to such a peer (we listen on UDP only), so they are trusted.
//! In-dialog requests are not judged here: the dialog they name decides (481 otherwise).

use std::net::IpAddr;

/// Where a request arrived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// On a TCP/TLS flow we opened.
    OwnFlow,
    /// A datagram from this address (`None`: its Via could not be read).
    Datagram(Option<IpAddr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admit,
    /// Drop it without an answer; `why` is for the log.
    Ignore {
        why: &'static str,
    },
}

/// Decides on an out-of-dialog request from `source`, given the hosts we send to.
pub fn admit(source: Source, trusted: &[IpAddr]) -> Admission {
    match source {
        Source::OwnFlow => Admission::Admit,
        Source::Datagram(None) => Admission::Ignore { why: "its source cannot be read" },
        Source::Datagram(Some(_)) if trusted.is_empty() => Admission::Ignore { why: "no registrar is known yet" },
        Source::Datagram(Some(ip)) if trusted.iter().any(|t| same_host(*t, ip)) => Admission::Admit,
        Source::Datagram(Some(_)) => Admission::Ignore { why: "not from a registrar, proxy or voicemail server of ours" },
    }
}

/// An IPv4 peer may reach a dual-stack socket as `::ffff:a.b.c.d`.
fn same_host(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

/// The source host of a request from its top Via value (`SIP/2.0/UDP host:port;params`):
/// `received` if present, else the sent-by host. `None` for a name or garbage: our transport
/// stamps `received` whenever the sent-by is not the packet's source address.
pub fn via_source(via: &str) -> Option<IpAddr> {
    let first = super::wire::split_unquoted(via, ',').into_iter().next()?.trim();
    let mut parts = super::wire::split_unquoted(first, ';').into_iter();
    let sent_by = parts.next()?.split_whitespace().nth(1)?;
    for param in parts {
        if let Some((name, value)) = param.split_once('=') {
            if name.trim().eq_ignore_ascii_case("received") {
                return parse_host(value.trim());
            }
        }
    }
    // host, host:port, [v6], [v6]:port
    let host = match sent_by.strip_prefix('[') {
        Some(rest) => rest.split(']').next()?,
        None => sent_by.rsplit_once(':').map(|(h, _)| h).unwrap_or(sent_by),
    };
    parse_host(host)
}

fn parse_host(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_datagram_from_the_registrar_host_is_admitted_whatever_its_port() {
        let via = "SIP/2.0/UDP 203.0.113.5:5080;branch=z9hG4bK1;rport=5080";
        assert_eq!(admit(Source::Datagram(via_source(via)), &[ip("203.0.113.5")]), Admission::Admit);
    }

    #[test]
    fn a_scanner_sending_straight_to_our_contact_is_ignored() {
        let via = "SIP/2.0/UDP 198.51.100.66:5070;branch=z9hG4bK-scan";
        assert!(matches!(admit(Source::Datagram(via_source(via)), &[ip("203.0.113.5")]), Admission::Ignore { .. }));
    }

    #[test]
    fn rfc3261_18_2_1_received_says_where_a_spoofed_via_really_came_from() {
        let via = "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK1;received=198.51.100.66";
        assert_eq!(via_source(via), Some(ip("198.51.100.66")));
        assert!(matches!(admit(Source::Datagram(via_source(via)), &[ip("203.0.113.5")]), Admission::Ignore { .. }));
    }

    #[test]
    fn nothing_is_admitted_from_a_datagram_before_any_registrar_is_known() {
        assert!(matches!(admit(Source::Datagram(Some(ip("203.0.113.5"))), &[]), Admission::Ignore { .. }));
    }

    #[test]
    fn our_own_stream_flows_are_trusted() {
        assert_eq!(admit(Source::OwnFlow, &[]), Admission::Admit);
    }

    #[test]
    fn via_hosts_in_every_spelling() {
        assert_eq!(via_source("SIP/2.0/UDP 10.0.0.1"), Some(ip("10.0.0.1")));
        assert_eq!(via_source("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1"), Some(ip("2001:db8::1")));
        assert_eq!(via_source("SIP/2.0/UDP pbx.example.com:5060;branch=z9hG4bK1;received=[2001:db8::2]"), Some(ip("2001:db8::2")));
        assert_eq!(via_source("SIP/2.0/UDP 10.0.0.1:5060 ; RECEIVED = 10.0.0.9 , SIP/2.0/UDP 10.0.0.7"), Some(ip("10.0.0.9")));
        assert_eq!(via_source("SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1"), None, "a name without received");
        for garbage in ["", "SIP/2.0/UDP", ";;;", "SIP/2.0/UDP [::1", "SIP/2.0/UDP 1.2.3.4;received"] {
            let _ = via_source(garbage);
        }
    }

    #[test]
    fn an_ipv4_peer_seen_on_a_dual_stack_socket_is_the_same_host() {
        assert_eq!(admit(Source::Datagram(Some(ip("::ffff:203.0.113.5"))), &[ip("203.0.113.5")]), Admission::Admit);
    }
}
