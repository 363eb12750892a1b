//! Locating the registrar when no proxy is configured (RFC 3263 §4): NAPTR picks the
//! transport, SRV the host and port, A/AAAA the address.
//!
//! Input: the account's domain. Output: targets in preference order. rsipstack resolves SRV
//! and A but not NAPTR, so the NAPTR step and the ordering live here; the record ordering is
//! pure (tested without DNS), the lookups go through hickory.
//!
//! Where the system has no resolver configuration (Android has no /etc/resolv.conf), the
//! shell can pass its DNS servers (`sip.dns_servers`); failing that, NAPTR and SRV are
//! skipped and the domain goes to the platform's getaddrinfo on port 5060 over UDP.

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use rsipstack::sip::Transport;
use std::net::SocketAddr;

/// One place to send requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub transport: Transport,
    pub host: String,
    pub port: u16,
}

/// A NAPTR record reduced to what RFC 3263 §4.1 orders by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naptr {
    pub order: u16,
    pub preference: u16,
    pub flags: String,
    pub service: String,
    pub replacement: String,
}

/// An SRV record (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: String,
}

/// The transports we speak, by NAPTR service (RFC 3263 §4.1); `secure` keeps only SIPS.
fn service_transport(service: &str, secure: bool) -> Option<Transport> {
    match service.to_ascii_uppercase().as_str() {
        "SIPS+D2T" => Some(Transport::Tls),
        "SIP+D2T" if !secure => Some(Transport::Tcp),
        "SIP+D2U" if !secure => Some(Transport::Udp),
        _ => None,
    }
}

/// NAPTR records we can use, best first: (transport, SRV name).
pub fn order_naptr(mut records: Vec<Naptr>, secure: bool) -> Vec<(Transport, String)> {
    records.sort_by_key(|r| (r.order, r.preference));
    records
        .into_iter()
        .filter(|r| r.flags.eq_ignore_ascii_case("s"))
        .filter_map(|r| service_transport(&r.service, secure).map(|t| (t, r.replacement.trim_end_matches('.').to_string())))
        .collect()
}

/// SRV records best first: lowest priority, then heaviest weight (RFC 2782 picks by weighted
/// chance; a phone with one registrar pair gains nothing from randomness but flapping).
pub fn order_srv(mut records: Vec<Srv>) -> Vec<Srv> {
    records.retain(|r| r.target != ".");
    records.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.weight.cmp(&a.weight)));
    records
}

/// The SRV names to try without NAPTR (RFC 3263 §4.1, last paragraph), best transport first.
fn srv_fallbacks(domain: &str, secure: bool) -> Vec<(Transport, String)> {
    let mut out = vec![(Transport::Tls, format!("_sips._tcp.{domain}"))];
    if !secure {
        out.push((Transport::Tcp, format!("_sip._tcp.{domain}")));
        out.push((Transport::Udp, format!("_sip._udp.{domain}")));
    }
    out
}

pub struct Locator {
    resolver: Option<TokioResolver>,
}

impl Locator {
    /// Uses `nameservers` if given, else the system configuration; without either, only the
    /// platform's address lookup remains.
    pub fn new(nameservers: &[SocketAddr]) -> Locator {
        let resolver = if nameservers.is_empty() {
            match TokioResolver::builder_tokio().and_then(|b| b.build()) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, "no system DNS configuration: NAPTR/SRV disabled, A/AAAA through the platform");
                    None
                }
            }
        } else {
            let mut config = ResolverConfig::from_parts(None, vec![], vec![]);
            for server in nameservers {
                let mut udp = ConnectionConfig::udp();
                udp.port = server.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = server.port();
                config.add_name_server(NameServerConfig::new(server.ip(), true, vec![udp, tcp]));
            }
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default()).build().ok()
        };
        Locator { resolver }
    }

    /// RFC 3263 §4: the targets for `domain`, best first. Never empty for a syntactically
    /// valid domain: the last resort is the domain itself on the default port.
    pub async fn locate(&self, domain: &str, secure: bool) -> Vec<Target> {
        let default =
            Target { transport: if secure { Transport::Tls } else { Transport::Udp }, host: domain.to_string(), port: if secure { 5061 } else { 5060 } };
        let Some(resolver) = &self.resolver else {
            return vec![default];
        };
        let naptr = self.naptr(resolver, domain).await;
        let mut candidates = order_naptr(naptr, secure);
        if candidates.is_empty() {
            candidates = srv_fallbacks(domain, secure);
        }
        let mut targets = Vec::new();
        for (transport, name) in candidates {
            for srv in order_srv(self.srv(resolver, &name).await) {
                targets.push(Target { transport, host: srv.target.trim_end_matches('.').to_string(), port: srv.port });
            }
        }
        if targets.is_empty() {
            targets.push(default);
        }
        tracing::debug!(%domain, ?targets, "located");
        targets
    }

    /// A/AAAA of `host` through the same resolver (so configured DNS servers apply), else the
    /// platform's getaddrinfo.
    pub async fn address(&self, host: &str, port: u16) -> Option<SocketAddr> {
        if let Some(resolver) = &self.resolver {
            if let Ok(ips) = resolver.lookup_ip(host).await {
                if let Some(ip) = ips.iter().next() {
                    return Some(SocketAddr::new(ip, port));
                }
            }
        }
        tokio::net::lookup_host((host, port)).await.ok()?.next()
    }

    async fn naptr(&self, resolver: &TokioResolver, domain: &str) -> Vec<Naptr> {
        records(resolver, domain, RecordType::NAPTR, |data| match data {
            RData::NAPTR(n) => Some(Naptr {
                order: n.order,
                preference: n.preference,
                flags: String::from_utf8_lossy(&n.flags).to_string(),
                service: String::from_utf8_lossy(&n.services).to_string(),
                replacement: n.replacement.to_string(),
            }),
            _ => None,
        })
        .await
    }

    async fn srv(&self, resolver: &TokioResolver, name: &str) -> Vec<Srv> {
        records(resolver, name, RecordType::SRV, |data| match data {
            RData::SRV(s) => Some(Srv { priority: s.priority, weight: s.weight, port: s.port, target: s.target.to_string() }),
            _ => None,
        })
        .await
    }
}

/// The answers of one query, reduced by `pick`; a failed lookup is simply no records (RFC 3263
/// falls through to the next step).
async fn records<T>(resolver: &TokioResolver, name: &str, kind: RecordType, pick: impl Fn(&RData) -> Option<T>) -> Vec<T> {
    match resolver.lookup(name, kind).await {
        Ok(lookup) => lookup.answers().iter().filter_map(|r| pick(&r.data)).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naptr(order: u16, pref: u16, service: &str, to: &str) -> Naptr {
        Naptr { order, preference: pref, flags: "s".into(), service: service.into(), replacement: to.into() }
    }

    #[test]
    fn rfc3263_4_1_naptr_order_then_preference_and_supported_services_only() {
        let got = order_naptr(
            vec![
                naptr(20, 10, "SIP+D2U", "_sip._udp.example.com."),
                naptr(10, 50, "SIP+D2T", "_sip._tcp.example.com."),
                naptr(10, 10, "SIPS+D2T", "_sips._tcp.example.com."),
                naptr(5, 10, "SIP+D2S", "_sip._sctp.example.com."),
            ],
            false,
        );
        assert_eq!(
            got,
            vec![
                (Transport::Tls, "_sips._tcp.example.com".to_string()),
                (Transport::Tcp, "_sip._tcp.example.com".to_string()),
                (Transport::Udp, "_sip._udp.example.com".to_string()),
            ]
        );
        assert_eq!(order_naptr(vec![naptr(1, 1, "SIP+D2U", "x")], true), vec![], "sips: URIs need TLS");
    }

    #[test]
    fn srv_by_priority_then_weight_and_dot_target_means_none() {
        let got = order_srv(vec![
            Srv { priority: 20, weight: 0, port: 5060, target: "backup.".into() },
            Srv { priority: 10, weight: 10, port: 5060, target: "b.".into() },
            Srv { priority: 10, weight: 60, port: 5062, target: "a.".into() },
            Srv { priority: 0, weight: 0, port: 0, target: ".".into() },
        ]);
        let names: Vec<&str> = got.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(names, ["a.", "b.", "backup."]);
    }

    #[test]
    fn without_naptr_srv_names_are_tried_tls_first() {
        let names: Vec<String> = srv_fallbacks("pbx.test", false).into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["_sips._tcp.pbx.test", "_sip._tcp.pbx.test", "_sip._udp.pbx.test"]);
    }

    #[tokio::test]
    async fn no_resolver_falls_back_to_the_domain_on_the_default_port() {
        let locator = Locator { resolver: None };
        assert_eq!(locator.locate("pbx.test", false).await, vec![Target { transport: Transport::Udp, host: "pbx.test".into(), port: 5060 }]);
        assert_eq!(locator.address("127.0.0.1", 5070).await, Some("127.0.0.1:5070".parse().unwrap()));
    }
}
