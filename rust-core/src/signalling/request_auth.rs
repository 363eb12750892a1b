//! `RequestAuth`: answers the digest challenges (401/407) to one outgoing request and its
//! retries (an INVITE, a BYE, a REFER, a re-INVITE) with our RFC 7616 digest (`sip::digest`).
//!
//! Input: a challenge response's status code and its `WWW-Authenticate` /
//! `Proxy-Authenticate` values, and the method and Request-URI of the request to retry.
//! Output: the credentials headers for the retry, or why we give up (the final SIP code and a
//! reason to log). No I/O, no clock.
//!
//! Why our own: rsipstack's client answers only MD5 with a bare `qop=auth`; a PBX that
//! challenges an INVITE with SHA-256, `-sess` or a quoted qop list (`qop="auth,auth-int"`)
//! made its answer fail, and the call ended `failed` without a code or a log line.
//!
//! Rules, in order:
//! | challenge                                           | outcome                          |
//! |-----------------------------------------------------|----------------------------------|
//! | no Digest challenge we can answer (scheme, alg, qop)| give up with the code, and why   |
//! | a realm not answered yet in this chain              | answer it (a second proxy, §22.3)|
//! | a realm answered before, `stale=true`, < 2 times    | answer with the new nonce        |
//! | a realm answered before, otherwise                  | give up: wrong credentials       |
//!
//! 401 is answered in `Authorization`, 407 in `Proxy-Authorization` (RFC 3261 §22.2, §22.3);
//! every realm answered so far goes on each retry (RFC 3261 §22.3: each proxy checks its own).
//! Of several challenges in one response, the strongest hash wins (RFC 8760 §2.4: SHA-256
//! before MD5). The nonce count runs per nonce (RFC 7616 §3.4), so the same cached challenge
//! also serves later requests of the dialog up front (`authorize`).

use super::registration::ChallengeHeader;
use crate::sip::digest::{Algorithm, CachedChallenge, Challenge, DigestCredentials};

/// How many times in a row one realm may say `stale=true` before we stop: a server that
/// always does would otherwise loop the request forever.
const MAX_STALE_RETRIES: u8 = 2;

/// What to do with a challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Resend the request with these credentials headers (header, value), one per realm.
    Retry(Vec<(ChallengeHeader, String)>),
    /// The challenge is the final answer: `code` is the call's SIP code, `reason` is for the log.
    GiveUp { code: u16, reason: String },
}

/// One realm's challenge, as answered.
#[derive(Debug)]
struct Answered {
    header: ChallengeHeader,
    cached: CachedChallenge,
    stale_retries: u8,
}

/// The challenges of one request chain.
#[derive(Debug)]
pub struct RequestAuth {
    creds: DigestCredentials,
    realms: Vec<Answered>,
}

impl RequestAuth {
    pub fn new(creds: DigestCredentials) -> Self {
        RequestAuth { creds, realms: Vec::new() }
    }

    /// A 401 or 407 to `method uri`, with the values of its challenge headers (the header that
    /// matches the code, RFC 3261 §22.3; any other code gives up).
    pub fn challenged(&mut self, code: u16, challenges: &[&str], method: &str, uri: &str) -> AuthOutcome {
        let header = match code {
            401 => ChallengeHeader::Www,
            407 => ChallengeHeader::Proxy,
            _ => return AuthOutcome::GiveUp { code, reason: format!("{code} is not a challenge") },
        };
        let challenge = match strongest(challenges) {
            Ok(c) => c,
            Err(reason) => return AuthOutcome::GiveUp { code, reason },
        };
        match self.realms.iter_mut().find(|a| a.cached.challenge.realm == challenge.realm) {
            Some(known) if challenge.stale && known.stale_retries < MAX_STALE_RETRIES => {
                // RFC 7616 §3.3: our credentials were right; only the nonce expired.
                known.stale_retries += 1;
                known.header = header;
                known.cached = CachedChallenge::new(challenge);
            }
            Some(known) if challenge.stale => {
                return AuthOutcome::GiveUp {
                    code,
                    reason: format!("realm {:?} keeps saying the nonce is stale ({} times)", known.cached.challenge.realm, known.stale_retries + 1),
                };
            }
            Some(known) => {
                return AuthOutcome::GiveUp {
                    code,
                    reason: format!("credentials refused for realm {:?}: check the SIP username and password", known.cached.challenge.realm),
                };
            }
            None => self.realms.push(Answered { header, cached: CachedChallenge::new(challenge), stale_retries: 0 }),
        }
        AuthOutcome::Retry(self.authorize(method, uri))
    }

    /// The credentials for one more request of the chain (`method uri`), one header per realm
    /// answered so far, each advancing its nonce count; empty before any challenge.
    pub fn authorize(&mut self, method: &str, uri: &str) -> Vec<(ChallengeHeader, String)> {
        let creds = &self.creds;
        self.realms.iter_mut().map(|a| (a.header, a.cached.authorize(creds, method, uri))).collect()
    }
}

/// The challenge we answer among a response's: the strongest hash we support; when none
/// parses, the first one's error says why.
fn strongest(challenges: &[&str]) -> Result<Challenge, String> {
    let mut first_error = None;
    let mut best: Option<Challenge> = None;
    for raw in challenges {
        match Challenge::parse(raw) {
            Ok(c) => {
                let better = best.as_ref().is_none_or(|b| b.algorithm == Algorithm::Md5 && c.algorithm == Algorithm::Sha256);
                if better {
                    best = Some(c);
                }
            }
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    best.ok_or_else(|| first_error.unwrap_or_else(|| "no challenge header".into()))
}

#[cfg(test)]
#[path = "request_auth_tests.rs"]
mod tests;
