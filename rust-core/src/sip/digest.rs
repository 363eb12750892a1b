//! SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): challenge parsing and
//! `Authorization` / `Proxy-Authorization` values.
//!
//! Input: the raw value of a `WWW-Authenticate` / `Proxy-Authenticate` header, the credentials,
//! the request method and URI. Output: the credentials header value.
//!
//! Why our own: rsipstack's typed challenge only knows MD5, and rejects a quoted qop list
//! (`qop="auth,auth-int"`) and `-sess` algorithms that real PBXs send. The parser here
//! accepts any auth-param list; the response is computed for MD5, SHA-256 and their `-sess`
//! variants, with a nonce-count that increments per use of the same nonce (RFC 7616 §3.4).

use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::fmt::Write as _;

/// What went wrong turning a challenge into credentials.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DigestError {
    #[error("challenge is not a Digest challenge: {scheme:?}")]
    NotDigest { scheme: String },
    #[error("digest challenge lacks the {param} parameter")]
    MissingParam { param: &'static str },
    #[error("digest algorithm {0:?} is not supported")]
    UnsupportedAlgorithm(String),
    #[error("digest challenge offers only qop {0:?}; we support auth")]
    UnsupportedQop(String),
    #[error("malformed digest challenge: {0}")]
    Malformed(&'static str),
}

/// A hash function a digest challenge may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

/// One parsed `Digest` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `-sess` variant: HA1 folds in nonce and cnonce (RFC 7616 §3.4.2).
    pub session: bool,
    /// Whether the server offered `qop=auth` (we never do auth-int: SIP bodies change in transit
    /// at B2BUAs, and no PBX we target requires it).
    pub qop_auth: bool,
    /// `stale=true`: the nonce expired but our credentials were right; retry silently.
    pub stale: bool,
    /// The algorithm token exactly as the server sent it, echoed back.
    algorithm_token: Option<String>,
}

impl Challenge {
    /// Parses a `WWW-Authenticate` / `Proxy-Authenticate` header value.
    pub fn parse(value: &str) -> Result<Self, DigestError> {
        let value = value.trim();
        let (scheme, rest) = value.split_once(|c: char| c.is_ascii_whitespace()).unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(DigestError::NotDigest { scheme: scheme.to_string() });
        }
        let params = parse_auth_params(rest)?;
        let get = |name: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());

        let realm = get("realm").ok_or(DigestError::MissingParam { param: "realm" })?;
        let nonce = get("nonce").ok_or(DigestError::MissingParam { param: "nonce" })?;
        let algorithm_token = get("algorithm");
        let (algorithm, session) = match algorithm_token.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("MD5") => (Algorithm::Md5, false),
            Some("MD5-SESS") => (Algorithm::Md5, true),
            Some("SHA-256") => (Algorithm::Sha256, false),
            Some("SHA-256-SESS") => (Algorithm::Sha256, true),
            Some(_) => return Err(DigestError::UnsupportedAlgorithm(algorithm_token.unwrap_or_default())),
        };
        // RFC 7616 §3.3: qop is a quoted, comma-separated list; SIP servers also send it bare.
        let qop_auth = match get("qop") {
            None => false,
            Some(list) => {
                let offers_auth = list.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth"));
                if !offers_auth {
                    return Err(DigestError::UnsupportedQop(list));
                }
                true
            }
        };
        let stale = get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true"));
        Ok(Challenge { realm, nonce, opaque: get("opaque"), algorithm, session, qop_auth, stale, algorithm_token })
    }
}

/// The digest inputs that identify us; the password never leaves this struct except hashed.
#[derive(Clone)]
pub struct DigestCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for DigestCredentials {
    // Secrets stay secret: a derived Debug would print the password into logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestCredentials").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// A challenge we answered and will answer again on refresh, counting nonce uses.
///
/// Keeping it lets a REGISTER refresh carry credentials up front, costing one round trip
/// instead of two while the server still accepts the nonce.
#[derive(Debug, Clone)]
pub struct CachedChallenge {
    pub challenge: Challenge,
    /// RFC 7616 §3.4: nc counts the requests sent with this nonce, starting at 1.
    nonce_count: u32,
    /// Fixed per nonce so `-sess` HA1 stays valid across uses.
    cnonce: String,
}

impl CachedChallenge {
    pub fn new(challenge: Challenge) -> Self {
        CachedChallenge { challenge, nonce_count: 0, cnonce: random_cnonce() }
    }

    /// Builds the credentials value for one request, advancing the nonce count.
    pub fn authorize(&mut self, creds: &DigestCredentials, method: &str, uri: &str) -> String {
        self.nonce_count += 1;
        answer(&self.challenge, creds, method, uri, &self.cnonce, self.nonce_count)
    }

    #[cfg(test)]
    pub fn nonce_count(&self) -> u32 {
        self.nonce_count
    }
}

fn random_cnonce() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn hash(alg: Algorithm, data: &str) -> String {
    match alg {
        Algorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
        Algorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
    }
}

/// Computes the credentials header value (RFC 7616 §3.4.1 response, §3.4 parameters).
pub fn answer(ch: &Challenge, creds: &DigestCredentials, method: &str, uri: &str, cnonce: &str, nc: u32) -> String {
    let alg = ch.algorithm;
    let mut ha1 = hash(alg, &format!("{}:{}:{}", creds.username, ch.realm, creds.password));
    if ch.session {
        ha1 = hash(alg, &format!("{ha1}:{}:{cnonce}", ch.nonce));
    }
    let ha2 = hash(alg, &format!("{method}:{uri}"));
    let nc_text = format!("{nc:08x}");
    let response =
        if ch.qop_auth { hash(alg, &format!("{ha1}:{}:{nc_text}:{cnonce}:auth:{ha2}", ch.nonce)) } else { hash(alg, &format!("{ha1}:{}:{ha2}", ch.nonce)) };
    let mut out = String::with_capacity(256);
    let _ = write!(
        out,
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{}\"",
        quote_escape(&creds.username),
        quote_escape(&ch.realm),
        quote_escape(&ch.nonce),
        uri,
        response
    );
    if let Some(token) = &ch.algorithm_token {
        let _ = write!(out, ", algorithm={token}");
    }
    if let Some(opaque) = &ch.opaque {
        let _ = write!(out, ", opaque=\"{}\"", quote_escape(opaque));
    }
    if ch.qop_auth {
        let _ = write!(out, ", qop=auth, nc={nc_text}, cnonce=\"{cnonce}\"");
    }
    out
}

fn quote_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Parses `name=value, name="quoted, value"` lists (RFC 7235 §2.1 auth-param).
fn parse_auth_params(input: &str) -> Result<Vec<(String, String)>, DigestError> {
    let mut out = Vec::new();
    let bytes = input.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i] == b',' || bytes[i].is_ascii_whitespace()) {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let name_start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b',' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = input[name_start..i].to_string();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            return Err(DigestError::Malformed("auth-param without '='"));
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let value = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let mut value = String::new();
            let mut closed = false;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' if i + 1 < bytes.len() => {
                        value.push(bytes[i + 1] as char);
                        i += 2;
                    }
                    b'"' => {
                        i += 1;
                        closed = true;
                        break;
                    }
                    _ => {
                        // Copy the whole UTF-8 character, not one byte of it.
                        let ch = input[i..].chars().next().unwrap_or('\u{fffd}');
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            if !closed {
                return Err(DigestError::Malformed("unterminated quoted string"));
            }
            value
        } else {
            let start = i;
            while i < bytes.len() && bytes[i] != b',' && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            input[start..i].to_string()
        };
        if name.is_empty() {
            return Err(DigestError::Malformed("empty auth-param name"));
        }
        out.push((name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mufasa() -> DigestCredentials {
        DigestCredentials { username: "Mufasa".into(), password: "Circle of Life".into() }
    }

    const RFC7616_CHALLENGE: &str = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
        algorithm=ALG, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
        opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    #[test]
    fn rfc7616_section_3_9_1_sha256_vector() {
        let ch = Challenge::parse(&RFC7616_CHALLENGE.replace("ALG", "SHA-256")).unwrap();
        assert_eq!(ch.algorithm, Algorithm::Sha256);
        assert!(ch.qop_auth, "quoted qop list with auth-int must still offer auth");
        let v = answer(&ch, &mufasa(), "GET", "/dir/index.html", RFC7616_CNONCE, 1);
        assert!(v.contains("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""), "{v}");
        assert!(v.contains("nc=00000001") && v.contains("algorithm=SHA-256"), "{v}");
    }

    #[test]
    fn rfc7616_section_3_9_1_md5_vector() {
        let ch = Challenge::parse(&RFC7616_CHALLENGE.replace("ALG", "MD5")).unwrap();
        let v = answer(&ch, &mufasa(), "GET", "/dir/index.html", RFC7616_CNONCE, 1);
        assert!(v.contains("response=\"8ca523f5e9506fed4657c9700eebdbec\""), "{v}");
    }

    #[test]
    fn rfc2617_without_qop_uses_legacy_response() {
        // RFC 2617 §3.5 example, computed without qop as RFC 2069 clients do.
        let ch = Challenge::parse("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"").unwrap();
        assert!(!ch.qop_auth);
        let v = answer(&ch, &mufasa(), "GET", "/dir/index.html", "x", 1);
        let ha1 = hash(Algorithm::Md5, "Mufasa:testrealm@host.com:Circle of Life");
        let ha2 = hash(Algorithm::Md5, "GET:/dir/index.html");
        let expected = hash(Algorithm::Md5, &format!("{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:{ha2}"));
        assert!(v.contains(&expected));
        assert!(!v.contains("qop=") && !v.contains("algorithm="));
    }

    #[test]
    fn sess_variant_folds_nonce_and_cnonce_into_ha1() {
        let ch = Challenge::parse("Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=SHA-256-sess").unwrap();
        assert!(ch.session);
        let v = answer(&ch, &mufasa(), "REGISTER", "sip:r", "c", 1);
        let ha1 = hash(Algorithm::Sha256, &format!("{}:n:c", hash(Algorithm::Sha256, "Mufasa:r:Circle of Life")));
        let ha2 = hash(Algorithm::Sha256, "REGISTER:sip:r");
        let expected = hash(Algorithm::Sha256, &format!("{ha1}:n:00000001:c:auth:{ha2}"));
        assert!(v.contains(&expected), "{v}");
        assert!(v.contains("algorithm=SHA-256-sess"));
    }

    #[test]
    fn cached_challenge_increments_nonce_count_per_use() {
        let ch = Challenge::parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth\"").unwrap();
        let mut cached = CachedChallenge::new(ch);
        let first = cached.authorize(&mufasa(), "REGISTER", "sip:r");
        let second = cached.authorize(&mufasa(), "REGISTER", "sip:r");
        assert!(first.contains("nc=00000001") && second.contains("nc=00000002"));
        assert_eq!(cached.nonce_count(), 2);
    }

    #[test]
    fn stale_and_scheme_and_errors() {
        assert!(Challenge::parse("Digest realm=\"r\", nonce=\"n\", stale=TRUE").unwrap().stale);
        assert!(matches!(Challenge::parse("Basic realm=\"r\""), Err(DigestError::NotDigest { .. })));
        assert_eq!(Challenge::parse("Digest nonce=\"n\""), Err(DigestError::MissingParam { param: "realm" }));
        assert!(matches!(Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"), Err(DigestError::UnsupportedAlgorithm(_))));
        assert!(matches!(Challenge::parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""), Err(DigestError::UnsupportedQop(_))));
        assert!(matches!(Challenge::parse("Digest realm=\"r, nonce=\"n\""), Err(DigestError::Malformed(_))));
    }

    #[test]
    fn password_never_in_debug_output() {
        let shown = format!("{:?}", mufasa());
        assert!(!shown.contains("Circle"));
    }
}
