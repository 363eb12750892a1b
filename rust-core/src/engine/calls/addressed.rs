//! The account an incoming request is for: its Request-URI and To, and each account's AOR and
//! registered Contact, handed to the rule in `signalling::addressed_account`.

use super::CallAccount;
use crate::signalling::addressed_account::{addressed_account, AccountAddress, UriParts};
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Request, Uri};

fn parts(uri: &Uri) -> UriParts {
    UriParts {
        user: uri.auth.as_ref().map(|a| a.user.clone()).unwrap_or_default(),
        host: uri.host_with_port.host.to_string(),
        port: uri.host_with_port.port.as_ref().map(|p| p.value()),
    }
}

/// The index of the account `req` is addressed to (`None` only without accounts).
pub fn addressed_index(accounts: &[CallAccount], req: &Request) -> Option<usize> {
    let addresses: Vec<AccountAddress> = accounts
        .iter()
        .map(|a| AccountAddress {
            username: a.username.clone(),
            domain: a.domain.clone(),
            contact: a.route.lock().ok().and_then(|r| r.contact.clone()).and_then(|c| Uri::try_from(c.as_str()).ok()).map(|u| parts(&u)),
        })
        .collect();
    let to = req.to_header().ok().and_then(|t| t.typed().ok()).map(|t| parts(&t.uri));
    addressed_account(&addresses, &parts(&req.uri), to.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::calls::AccountRoute;
    use std::sync::{Arc, Mutex};

    fn account(user: &str, domain: &str) -> CallAccount {
        CallAccount {
            key: format!("{user}@{domain}"),
            username: user.into(),
            domain: domain.into(),
            display_name: None,
            auth_username: None,
            password: String::new(),
            route: Arc::new(Mutex::new(AccountRoute { destination: None, contact: Some(format!("sip:{user}@127.0.0.1:5070;transport=udp")) })),
        }
    }

    /// An INVITE as Kamailio forwards it to a registered Contact: the AOR stays in To.
    #[test]
    fn a_recorded_invite_for_1001_at_beta_is_for_the_beta_account() {
        let invite = Request::try_from(
            "INVITE sip:1001@127.0.0.1:5070;transport=udp SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKk1\r\nVia: SIP/2.0/UDP 127.0.0.1:6000;branch=z9hG4bKs1\r\nMax-Forwards: 69\r\nFrom: \"Carol\" <sip:carol@beta.test>;tag=c1\r\nTo: <sip:1001@beta.test>\r\nCall-ID: twin@test\r\nCSeq: 1 INVITE\r\nContact: <sip:carol@127.0.0.1:6000>\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        let accounts = [account("1001", "alpha.test"), account("1001", "beta.test")];
        assert_eq!(addressed_index(&accounts, &invite), Some(1));
        assert_eq!(addressed_index(&accounts[..1], &invite), Some(0), "one account takes every call");
    }
}
