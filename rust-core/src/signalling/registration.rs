//! `RegistrationMachine`: when to REGISTER, with what, and what to tell the user. The same
//! policy (refresh before expiry, challenges, back-off, stop on what the user must fix) keeps
//! the MWI SUBSCRIBE alive too: both are a refreshed, authenticated binding.
//!
//! Input: `(now, RegistrationInput)` — commands, final responses, transport failures, timer expiry.
//! Output: `RegistrationAction`s (send a REGISTER, reset the flow, report an event) drained with
//! `poll_action`, and the next deadline from `poll_timeout`. No sockets, no clock of its own:
//! the engine moves bytes and timers, tests feed events on a virtual clock.

use crate::sip::digest::{CachedChallenge, Challenge, DigestCredentials};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Knobs of the policy; defaults suit a mobile business phone.
#[derive(Debug, Clone)]
pub struct RegistrationConfig {
    /// Expiry we ask for (seconds).
    pub expires: u32,
    /// First back-off after a failure; doubles per consecutive failure.
    pub backoff_base: Duration,
    /// Back-off never exceeds this (RFC 5626 §4.5 caps too, at a longer 30 min: a phone that
    /// misses calls for half an hour is broken, so we retry sooner).
    pub backoff_cap: Duration,
    /// Seed of the back-off jitter, so tests are replayable and a fleet does not retry in step.
    pub jitter_seed: u64,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        RegistrationConfig { expires: 600, backoff_base: Duration::from_secs(2), backoff_cap: Duration::from_secs(120), jitter_seed: 0x5eed }
    }
}

/// Which header carried the challenge, so the answer goes in the matching one (RFC 3261 §22.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeHeader {
    /// 401 `WWW-Authenticate` → `Authorization`
    Www,
    /// 407 `Proxy-Authenticate` → `Proxy-Authorization`
    Proxy,
}

/// A final response to our REGISTER, reduced to what the policy needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterResponse {
    pub code: u16,
    pub reason: String,
    /// Expiry granted to *our* binding (Contact `expires` param, else `Expires` header).
    pub granted_expires: Option<u32>,
    /// 423 `Min-Expires`.
    pub min_expires: Option<u32>,
    /// `Retry-After` seconds (RFC 3261 §20.33), honoured on 5xx.
    pub retry_after: Option<u32>,
    /// The raw challenge header value of a 401/407.
    pub challenge: Option<(ChallengeHeader, String)>,
    /// Our address as the server saw it (Via `received`/`rport`, RFC 3581), set only when it
    /// differs from the Contact we sent.
    pub public_addr: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationInput {
    /// Begin (or, after a stop or a fatal error, begin again) registering.
    Start,
    Response(RegisterResponse),
    /// The REGISTER could not be delivered or got no answer (Timer F, connection refused).
    TransportFailed {
        reason: String,
    },
    /// The stream flow we registered over died (keep-alive pong missed, RST): RFC 5626 §4.4.
    FlowFailed,
    /// The shell reported a network change: the old local address and flow are gone.
    NetworkChanged,
    /// Our Contact changed on the same flow (RFC 8599: a new push token): register again now.
    ContactChanged,
    /// Unregister and stop.
    Stop,
}

/// What the engine must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationAction {
    /// Send a REGISTER for `expires` seconds (0 = unregister). The engine asks
    /// [`RegistrationMachine::authorization`] for the credentials header while building it.
    SendRegister {
        expires: u32,
    },
    /// Drop the current connection so the next request opens a fresh flow.
    ResetFlow,
    /// Put this address (from Via received/rport) in the Contact from now on.
    UseContactAddress {
        addr: String,
    },
    Event(RegistrationEvent),
}

/// What the user (and the CLI's JSON lines) hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationEvent {
    Registered { expires: u32 },
    Failed { code: u16, reason: String, retry_in: Option<Duration>, fatal: bool },
    Unregistered,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    /// A REGISTER is in flight; `expires` is what it asked for.
    Registering {
        expires: u32,
    },
    Registered {
        expires: u32,
        refresh_at: Instant,
    },
    BackingOff {
        until: Instant,
    },
    /// Stopped by an error the user must fix (wrong password, unknown extension).
    Failed,
    Unregistering,
}

/// At most this many immediate re-sends (auth, 423, NAT contact) before a final answer counts
/// as a failure: a server that challenges forever must not make us loop.
const MAX_IMMEDIATE_RETRIES: u32 = 4;

pub struct RegistrationMachine {
    config: RegistrationConfig,
    state: State,
    /// Expiry we ask for; raised by 423.
    requested_expires: u32,
    failures: u32,
    immediate_retries: u32,
    challenge: Option<(ChallengeHeader, CachedChallenge)>,
    /// The cached challenge arrived in answer to this attempt (not reused from an earlier one).
    challenge_fresh: bool,
    /// The in-flight request carried credentials; `Some(true)` if from a fresh challenge.
    sent_credentials: Option<bool>,
    public_addr: Option<String>,
    jitter_state: u64,
    actions: VecDeque<RegistrationAction>,
}

impl RegistrationMachine {
    pub fn new(config: RegistrationConfig) -> Self {
        let requested_expires = config.expires;
        let jitter_state = config.jitter_seed | 1;
        RegistrationMachine {
            config,
            state: State::Idle,
            requested_expires,
            failures: 0,
            immediate_retries: 0,
            challenge: None,
            challenge_fresh: false,
            sent_credentials: None,
            public_addr: None,
            jitter_state,
            actions: VecDeque::new(),
        }
    }

    pub fn is_registered(&self) -> bool {
        matches!(self.state, State::Registered { .. })
    }

    /// Whether the machine has nothing more to do (unregistered or stopped by a fatal error).
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle | State::Failed)
    }

    pub fn poll_action(&mut self) -> Option<RegistrationAction> {
        self.actions.pop_front()
    }

    /// The next instant at which [`Self::handle_timeout`] must run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Registered { refresh_at, .. } => Some(refresh_at),
            State::BackingOff { until } => Some(until),
            _ => None,
        }
    }

    /// The credentials header for the REGISTER being built, from the cached challenge.
    /// Reusing it is what lets a refresh cost one round trip instead of two.
    pub fn authorization(&mut self, creds: &DigestCredentials, request_uri: &str) -> Option<(ChallengeHeader, String)> {
        self.authorization_for("REGISTER", creds, request_uri)
    }

    /// As [`Self::authorization`], for a request of another method (SUBSCRIBE).
    pub fn authorization_for(&mut self, method: &str, creds: &DigestCredentials, request_uri: &str) -> Option<(ChallengeHeader, String)> {
        let (header, cached) = self.challenge.as_mut()?;
        self.sent_credentials = Some(self.challenge_fresh);
        Some((*header, cached.authorize(creds, method, request_uri)))
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Registered { refresh_at, .. } if now >= refresh_at => self.new_attempt(),
            State::BackingOff { until } if now >= until => self.new_attempt(),
            _ => {}
        }
    }

    /// A REGISTER that starts a new attempt (refresh, retry, start): cached credentials go
    /// with it, but are no longer "fresh" (the server may have forgotten that nonce).
    fn new_attempt(&mut self) {
        self.challenge_fresh = false;
        self.send(self.requested_expires);
    }

    pub fn handle(&mut self, now: Instant, input: RegistrationInput) {
        match input {
            RegistrationInput::Start => {
                if matches!(self.state, State::Idle | State::Failed | State::BackingOff { .. }) {
                    self.failures = 0;
                    self.new_attempt();
                }
            }
            RegistrationInput::Stop => self.stop(),
            RegistrationInput::ContactChanged => {
                if matches!(self.state, State::Idle | State::Failed | State::Unregistering) {
                    return;
                }
                // The registrar must learn the new Contact before the next call: not at the
                // refresh, now, with the cached credentials (no new challenge round trip).
                self.new_attempt();
            }
            RegistrationInput::NetworkChanged | RegistrationInput::FlowFailed => {
                if matches!(self.state, State::Idle | State::Failed | State::Unregistering) {
                    return;
                }
                // The old binding points at an address or flow that no longer exists: register
                // again at once on a fresh flow, without waiting out a back-off.
                self.failures = 0;
                self.public_addr = None;
                self.actions.push_back(RegistrationAction::ResetFlow);
                self.new_attempt();
            }
            RegistrationInput::TransportFailed { reason } => match self.state {
                State::Unregistering => self.finish_unregister(),
                State::Registering { .. } => self.back_off(now, 408, reason, None),
                _ => {}
            },
            RegistrationInput::Response(resp) => self.on_response(now, resp),
        }
    }

    fn stop(&mut self) {
        match self.state {
            State::Registered { .. } | State::Registering { .. } | State::BackingOff { .. } => {
                self.state = State::Unregistering;
                self.actions.push_back(RegistrationAction::SendRegister { expires: 0 });
            }
            State::Idle | State::Failed => {
                self.state = State::Idle;
                self.actions.push_back(RegistrationAction::Event(RegistrationEvent::Unregistered));
            }
            State::Unregistering => {}
        }
    }

    fn finish_unregister(&mut self) {
        // The cached nonce stays: a later Start may still reuse it.
        self.state = State::Idle;
        self.actions.push_back(RegistrationAction::Event(RegistrationEvent::Unregistered));
    }

    fn send(&mut self, expires: u32) {
        self.state = State::Registering { expires };
        self.sent_credentials = None;
        self.actions.push_back(RegistrationAction::SendRegister { expires });
    }

    fn on_response(&mut self, now: Instant, resp: RegisterResponse) {
        let unregistering = self.state == State::Unregistering;
        let expires_sent = match self.state {
            State::Registering { expires } => expires,
            State::Unregistering => 0,
            _ => return, // a stray or late response: nothing is in flight
        };
        match resp.code {
            200..=299 if unregistering => self.finish_unregister(),
            200..=299 => self.on_success(now, resp),
            401 | 407 => self.on_challenge(resp, expires_sent),
            423 => match resp.min_expires {
                // RFC 3261 §10.2.8: retry with at least Min-Expires.
                Some(min) if min > self.requested_expires && self.immediate_retries < MAX_IMMEDIATE_RETRIES => {
                    self.immediate_retries += 1;
                    self.requested_expires = min;
                    self.send(min);
                }
                _ => self.back_off(now, 423, resp.reason, None),
            },
            _ if unregistering => self.finish_unregister(),
            // Wrong extension or forbidden: retrying cannot help, the user must act. A server
            // that does not do the method or event (405, 489, 501) will not start to.
            403 | 404 | 405 | 489 | 501 => self.fail_fatal(resp.code, resp.reason),
            600..=699 => self.fail_fatal(resp.code, resp.reason),
            code => self.back_off(now, code, resp.reason, resp.retry_after),
        }
    }

    fn on_success(&mut self, now: Instant, resp: RegisterResponse) {
        // RFC 3581: the server saw us at another address than our Contact, which is therefore
        // unreachable from it (NAT). Register again with the discovered address.
        if let Some(addr) = resp.public_addr.clone() {
            if self.immediate_retries < MAX_IMMEDIATE_RETRIES {
                self.immediate_retries += 1;
                self.public_addr = Some(addr.clone());
                self.actions.push_back(RegistrationAction::UseContactAddress { addr });
                self.send(self.requested_expires);
                return;
            }
        }
        let expires = resp.granted_expires.unwrap_or(self.requested_expires);
        self.failures = 0;
        self.immediate_retries = 0;
        self.state = State::Registered { expires, refresh_at: now + refresh_delay(expires) };
        self.actions.push_back(RegistrationAction::Event(RegistrationEvent::Registered { expires }));
    }

    fn on_challenge(&mut self, resp: RegisterResponse, expires_sent: u32) {
        let unregistering = self.state == State::Unregistering;
        let Some((header, raw)) = resp.challenge.clone() else {
            return self.fail_fatal(resp.code, format!("{} without a challenge", resp.code));
        };
        let challenge = match Challenge::parse(&raw) {
            Ok(c) => c,
            Err(e) => return self.fail_fatal(resp.code, e.to_string()),
        };
        // Refused credentials answering a challenge from this very attempt, and not `stale`:
        // the username or password is wrong, and asking again would only lock the account.
        // Credentials from a reused nonce prove nothing (the server may have restarted).
        let wrong_credentials = self.sent_credentials == Some(true) && !challenge.stale;
        if wrong_credentials || self.immediate_retries >= MAX_IMMEDIATE_RETRIES {
            self.challenge = None;
            if unregistering {
                return self.finish_unregister();
            }
            return self.fail_fatal(resp.code, "authentication failed: check the SIP username and password".into());
        }
        self.immediate_retries += 1;
        self.challenge = Some((header, CachedChallenge::new(challenge)));
        self.challenge_fresh = true;
        if unregistering {
            self.sent_credentials = None;
            self.actions.push_back(RegistrationAction::SendRegister { expires: 0 });
        } else {
            self.send(expires_sent);
        }
    }

    fn fail_fatal(&mut self, code: u16, reason: String) {
        self.state = State::Failed;
        self.immediate_retries = 0;
        self.actions.push_back(RegistrationAction::Event(RegistrationEvent::Failed { code, reason, retry_in: None, fatal: true }));
    }

    fn back_off(&mut self, now: Instant, code: u16, reason: String, retry_after: Option<u32>) {
        self.failures = self.failures.saturating_add(1);
        self.immediate_retries = 0;
        let delay = match retry_after {
            // RFC 3261 §21.5.4: the server says when; believe it, up to an hour.
            Some(secs) => Duration::from_secs(u64::from(secs).min(3600)),
            None => self.backoff_delay(),
        };
        self.state = State::BackingOff { until: now + delay };
        self.actions.push_back(RegistrationAction::Event(RegistrationEvent::Failed { code, reason, retry_in: Some(delay), fatal: false }));
    }

    /// Capped exponential back-off with 50–100 % jitter (RFC 5626 §4.5 shape).
    fn backoff_delay(&mut self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(16);
        let full = self.config.backoff_base.saturating_mul(1u32 << exp).min(self.config.backoff_cap);
        // xorshift64: deterministic from the seed, different per account.
        self.jitter_state ^= self.jitter_state << 13;
        self.jitter_state ^= self.jitter_state >> 7;
        self.jitter_state ^= self.jitter_state << 17;
        let fraction = 0.5 + (self.jitter_state % 1000) as f64 / 2000.0;
        full.mul_f64(fraction)
    }
}

/// When to refresh a binding granted for `expires` seconds: at 85 %, but leave at least a
/// whole non-INVITE transaction timeout (Timer F, 32 s) of margin on long bindings.
pub fn refresh_delay(expires: u32) -> Duration {
    let expires = u64::from(expires);
    let secs = if expires > 64 { (expires * 85 / 100).min(expires - 32) } else { expires / 2 };
    Duration::from_secs(secs.max(1))
}

#[cfg(test)]
#[path = "registration_tests.rs"]
mod tests;
