//! Account provisioning links: the four values of a PBX's *SIP Identifiers* tab (design §3) in
//! a link an admin mails or shows as a QR code, parsed once here for both apps.
//!
//! Accepted, with the same query keys (`username`, `domain`, `proxy`, `password`,
//! `display_name`; only the first two are required):
//! - `ringside:account?username=1001&domain=pbx.example.com&proxy=pabx.axivox.com`
//! - `https://<host>/…/provision?username=…` (a path ending in `/provision`)
//!
//! A QR code holds one of the two as text. Anything else is refused with a sentence a user can
//! act on; the password is never echoed in an error.

use url::Url;

/// What a provisioning link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioning {
    pub username: String,
    pub domain: String,
    pub proxy: Option<String>,
    pub password: Option<String>,
    pub display_name: Option<String>,
}

pub fn parse(input: &str) -> Result<Provisioning, String> {
    let text = input.trim();
    let url = Url::parse(text).map_err(|_| "this is not a provisioning link (ringside:account?… or https://…/provision?…)".to_string())?;
    match url.scheme() {
        "ringside" if url.path().trim_matches('/') == "account" => {}
        "https" if url.path().trim_end_matches('/').ends_with("/provision") => {}
        "http" => return Err("provisioning links must use https: the link can carry a password".into()),
        _ => return Err("this is not a provisioning link (ringside:account?… or https://…/provision?…)".into()),
    }
    let mut p = Provisioning { username: String::new(), domain: String::new(), proxy: None, password: None, display_name: None };
    for (key, value) in url.query_pairs() {
        let value = value.trim().to_string();
        if value.is_empty() {
            continue;
        }
        match key.as_ref() {
            "username" => p.username = value,
            "domain" => p.domain = value,
            "proxy" => p.proxy = Some(value),
            "password" => p.password = Some(value),
            "display_name" => p.display_name = Some(value),
            // Unknown keys belong to newer apps: ignored, not refused.
            _ => {}
        }
    }
    if p.username.is_empty() {
        return Err("the link has no SIP username".into());
    }
    if p.domain.is_empty() {
        return Err("the link has no SIP domain".into());
    }
    if p.domain.contains(['/', '@', ' ']) {
        return Err(format!("the link's domain {:?} is not a host name", p.domain));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ringside_link_carries_the_four_values() {
        let p = parse("ringside:account?username=1001&domain=pbx.example.com&proxy=pabx.axivox.com&password=s%26cret&display_name=Alice%20Martin").unwrap();
        assert_eq!(
            p,
            Provisioning {
                username: "1001".into(),
                domain: "pbx.example.com".into(),
                proxy: Some("pabx.axivox.com".into()),
                password: Some("s&cret".into()),
                display_name: Some("Alice Martin".into()),
            }
        );
    }

    #[test]
    fn an_https_link_to_provision_is_the_same_and_the_password_is_optional() {
        let p = parse("  https://admin.example.com/ringside/provision?username=1002&domain=pbx.example.com\n").unwrap();
        assert_eq!((p.username.as_str(), p.password), ("1002", None));
    }

    #[test]
    fn other_links_and_missing_values_are_refused_in_words() {
        assert!(parse("https://example.com/login?username=1&domain=d").unwrap_err().contains("not a provisioning link"));
        assert!(parse("http://example.com/provision?username=1&domain=d").unwrap_err().contains("https"));
        assert!(parse("ringside:account?domain=pbx").unwrap_err().contains("username"));
        assert!(parse("ringside:account?username=1001").unwrap_err().contains("domain"));
        assert!(parse("hello").is_err());
        let err = parse("ringside:account?username=1001&password=topsecret").unwrap_err();
        assert!(!err.contains("topsecret"), "never echo the password");
    }
}
