//! Which of our accounts an incoming request (INVITE, message-summary NOTIFY) is for.
//!
//! Input: each account's AOR (user, domain) and registered Contact, the request's Request-URI
//! and To URI, as `UriParts`. Output: the account's index. Pure; first match wins:
//!
//! 1. To is an account's AOR (user and domain): the PBX names whom it calls there;
//! 2. the Request-URI is an account's AOR (a PBX that did not rewrite it to a Contact);
//! 3. the Request-URI is exactly one account's registered Contact (user, host, port);
//! 4. To's domain is exactly one account's domain (a call to a queue or group number);
//! 5. the Request-URI's user is exactly one account's username;
//! 6. otherwise the first account.
//!
//! Why: the same extension on two PBXs (1001@a and 1001@b) is common; matching by username
//! alone answered every call on the first account and logged it against the wrong one.

/// The parts of a SIP URI the rules compare (user, host; port when it has one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UriParts {
    pub user: String,
    pub host: String,
    pub port: Option<u16>,
}

/// One account as the rules see it.
#[derive(Debug, Clone)]
pub struct AccountAddress {
    pub username: String,
    pub domain: String,
    /// The Contact the registrar accepted for it, once registered.
    pub contact: Option<UriParts>,
}

impl AccountAddress {
    fn is_aor(&self, uri: &UriParts) -> bool {
        uri.user == self.username && uri.host.eq_ignore_ascii_case(&self.domain)
    }
}

/// The index of the account the request is addressed to; `None` only without accounts.
pub fn addressed_account(accounts: &[AccountAddress], request_uri: &UriParts, to: Option<&UriParts>) -> Option<usize> {
    if accounts.is_empty() {
        return None;
    }
    let only = |pred: &dyn Fn(&AccountAddress) -> bool| {
        let mut hits = accounts.iter().enumerate().filter(|(_, a)| pred(a)).map(|(i, _)| i);
        match (hits.next(), hits.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    let same_contact = |a: &AccountAddress| {
        a.contact.as_ref().is_some_and(|c| {
            c.user == request_uri.user && c.host.eq_ignore_ascii_case(&request_uri.host) && c.port.unwrap_or(5060) == request_uri.port.unwrap_or(5060)
        })
    };
    to.and_then(|to| accounts.iter().position(|a| a.is_aor(to)))
        .or_else(|| accounts.iter().position(|a| a.is_aor(request_uri)))
        .or_else(|| only(&same_contact))
        .or_else(|| to.and_then(|to| only(&|a: &AccountAddress| a.domain.eq_ignore_ascii_case(&to.host))))
        .or_else(|| only(&|a: &AccountAddress| a.username == request_uri.user))
        .or(Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(user: &str, host: &str, port: Option<u16>) -> UriParts {
        UriParts { user: user.into(), host: host.into(), port }
    }

    /// 1001 on two PBXs, both registered from the same local port.
    fn twins() -> Vec<AccountAddress> {
        let contact = Some(uri("1001", "127.0.0.1", Some(5070)));
        vec![
            AccountAddress { username: "1001".into(), domain: "alpha.test".into(), contact: contact.clone() },
            AccountAddress { username: "1001".into(), domain: "beta.test".into(), contact },
        ]
    }

    #[test]
    fn the_same_username_on_two_domains_is_told_apart_by_the_to_domain() {
        let ruri = uri("1001", "127.0.0.1", Some(5070));
        assert_eq!(addressed_account(&twins(), &ruri, Some(&uri("1001", "beta.test", None))), Some(1));
        assert_eq!(addressed_account(&twins(), &ruri, Some(&uri("1001", "ALPHA.test", None))), Some(0));
    }

    #[test]
    fn an_unrewritten_request_uri_names_the_account() {
        let to = uri("600", "elsewhere.test", None);
        assert_eq!(addressed_account(&twins(), &uri("1001", "beta.test", None), Some(&to)), Some(1));
    }

    #[test]
    fn a_call_to_a_group_number_goes_to_the_account_of_its_domain() {
        let ruri = uri("1001", "127.0.0.1", Some(5070));
        assert_eq!(addressed_account(&twins(), &ruri, Some(&uri("600", "beta.test", None))), Some(1));
    }

    #[test]
    fn the_registered_contact_names_the_account_when_to_does_not() {
        let mut accounts = twins();
        accounts[1].username = "2002".into();
        accounts[1].contact = Some(uri("2002", "127.0.0.1", Some(5070)));
        let to = uri("queue", "elsewhere.test", None);
        assert_eq!(addressed_account(&accounts, &uri("2002", "127.0.0.1", Some(5070)), Some(&to)), Some(1));
        assert_eq!(addressed_account(&accounts, &uri("2002", "10.0.0.9", None), None), Some(1), "then the username alone, when only one has it");
    }

    #[test]
    fn nothing_matching_falls_back_to_the_first_account_and_none_without_accounts() {
        assert_eq!(addressed_account(&twins(), &uri("1001", "10.0.0.9", None), None), Some(0), "ambiguous username: the first");
        assert_eq!(addressed_account(&[], &uri("1001", "h", None), None), None);
    }
}
