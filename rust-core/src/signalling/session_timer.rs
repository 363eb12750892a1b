//! RFC 4028 session timers: when the far end asks for them, one side refreshes the session
//! (a re-INVITE) every half interval, and the other ends a session nobody refreshed.
//!
//! Sans-IO: `negotiate_*` read the far end's `Session-Expires`/`Supported` and say what we
//! answer; `SessionTimer` takes the time of each refresh and says when to refresh or give up.

use std::time::{Duration, Instant};

/// The smallest interval we accept (RFC 4028 §4: Min-SE is at least 90 s).
pub const MIN_SE: u32 = 90;

/// `Session-Expires: 1800;refresher=uac` (compact form `x`), parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpires {
    pub seconds: u32,
    pub refresher: Option<Role>,
}

/// Which end of the INVITE that set up the session refreshes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Uac,
    Uas,
}

impl SessionExpires {
    pub fn parse(value: &str) -> Option<SessionExpires> {
        let seconds = value.split(';').next()?.trim().parse().ok()?;
        let refresher = match crate::sip::name_addr::param(value, "refresher").map(str::to_ascii_lowercase).as_deref() {
            Some("uac") => Some(Role::Uac),
            Some("uas") => Some(Role::Uas),
            _ => None,
        };
        Some(SessionExpires { seconds, refresher })
    }

    pub fn header_value(&self) -> String {
        match self.refresher {
            Some(Role::Uac) => format!("{};refresher=uac", self.seconds),
            Some(Role::Uas) => format!("{};refresher=uas", self.seconds),
            None => self.seconds.to_string(),
        }
    }
}

/// What we answer an INVITE (we are the UAS) that may ask for a session timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UasDecision {
    /// No timer asked for: nothing to add.
    None,
    /// RFC 4028 §8.1: the interval is below our Min-SE; answer 422 with `Min-SE: 90`.
    TooSmall,
    /// Answer 2xx with this `Session-Expires`, and `Require: timer` when the caller supports
    /// timers (RFC 4028 §9); run the timer.
    Run { expires: SessionExpires, require_timer: bool, timer_refresher_is_us: bool },
}

/// RFC 4028 §9. A caller that supports timers and leaves the choice open refreshes itself:
/// a phone in a pocket should send as little as it can.
pub fn negotiate_uas(session_expires: Option<&str>, caller_supports_timer: bool, min_se: u32) -> UasDecision {
    let Some(asked) = session_expires.and_then(SessionExpires::parse) else {
        return UasDecision::None;
    };
    if asked.seconds < min_se {
        return UasDecision::TooSmall;
    }
    let refresher = match (asked.refresher, caller_supports_timer) {
        (_, false) => Role::Uas,
        (Some(role), true) => role,
        (None, true) => Role::Uac,
    };
    UasDecision::Run {
        expires: SessionExpires { seconds: asked.seconds, refresher: Some(refresher) },
        require_timer: caller_supports_timer,
        timer_refresher_is_us: refresher == Role::Uas,
    }
}

/// What a 2xx to our INVITE (we are the UAC, having sent `Supported: timer`) asks of us.
/// RFC 4028 §7.2: a `Session-Expires` without `refresher` makes the UAC the refresher.
pub fn negotiate_uac(session_expires: Option<&str>, min_se: u32) -> Option<(Duration, bool)> {
    let agreed = session_expires.and_then(SessionExpires::parse)?;
    let us = agreed.refresher.unwrap_or(Role::Uac) == Role::Uac;
    Some((Duration::from_secs(u64::from(agreed.seconds.max(min_se))), us))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    /// Send a session refresh now (we are the refresher; half the interval went by).
    Refresh,
    /// Nobody refreshed in time (RFC 4028 §10): send BYE.
    Expire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    interval: Duration,
    we_refresh: bool,
    last_refresh: Instant,
    /// When we refresh next (if we are the refresher).
    next_refresh: Instant,
    /// A refresh of ours is out: don't send another; its answer (or the expiry) decides.
    refreshing: bool,
}

impl SessionTimer {
    pub fn new(now: Instant, interval: Duration, we_refresh: bool) -> Self {
        SessionTimer { interval, we_refresh, last_refresh: now, next_refresh: now + interval / 2, refreshing: false }
    }

    /// Either side refreshed the session (a 2xx to a re-INVITE or UPDATE, either way).
    pub fn refreshed(&mut self, now: Instant) {
        self.last_refresh = now;
        self.next_refresh = now + self.interval / 2;
        self.refreshing = false;
    }

    /// Our refresh failed without ending the dialog (500, a timeout…): the expiry still stands;
    /// try again halfway to it, while that leaves a few seconds.
    pub fn refresh_failed(&mut self, now: Instant) {
        self.refreshing = false;
        let left = self.expiry().saturating_duration_since(now);
        self.next_refresh = if left >= Duration::from_secs(4) { now + left / 2 } else { self.expiry() };
    }

    pub fn poll_timeout(&self) -> Instant {
        if self.we_refresh && !self.refreshing {
            self.next_refresh.min(self.expiry())
        } else {
            self.expiry()
        }
    }

    /// RFC 4028 §10: the session ends at the interval minus the smaller of 32 s and a third.
    fn expiry(&self) -> Instant {
        self.last_refresh + self.interval - (self.interval / 3).min(Duration::from_secs(32))
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Option<TimerAction> {
        if now >= self.expiry() {
            return Some(TimerAction::Expire);
        }
        if self.we_refresh && !self.refreshing && now >= self.next_refresh {
            self.refreshing = true;
            return Some(TimerAction::Refresh);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_session_expires_with_and_without_refresher() {
        assert_eq!(SessionExpires::parse("1800;refresher=uac"), Some(SessionExpires { seconds: 1800, refresher: Some(Role::Uac) }));
        assert_eq!(SessionExpires::parse(" 90 ; Refresher = UAS"), Some(SessionExpires { seconds: 90, refresher: Some(Role::Uas) }));
        assert_eq!(SessionExpires::parse("600"), Some(SessionExpires { seconds: 600, refresher: None }));
        assert_eq!(SessionExpires::parse("soon"), None);
        assert_eq!(SessionExpires::parse("600;refresher=uac").unwrap().header_value(), "600;refresher=uac");
    }

    #[test]
    fn rfc4028_9_uas_lets_a_timer_capable_caller_refresh() {
        assert_eq!(negotiate_uas(None, true, MIN_SE), UasDecision::None);
        assert_eq!(negotiate_uas(Some("60"), true, MIN_SE), UasDecision::TooSmall);
        assert_eq!(
            negotiate_uas(Some("1800"), true, MIN_SE),
            UasDecision::Run { expires: SessionExpires { seconds: 1800, refresher: Some(Role::Uac) }, require_timer: true, timer_refresher_is_us: false }
        );
        // The caller chose us.
        assert_eq!(
            negotiate_uas(Some("120;refresher=uas"), true, MIN_SE),
            UasDecision::Run { expires: SessionExpires { seconds: 120, refresher: Some(Role::Uas) }, require_timer: true, timer_refresher_is_us: true }
        );
        // A proxy inserted Session-Expires for a caller that cannot refresh: we must.
        assert_eq!(
            negotiate_uas(Some("1800"), false, MIN_SE),
            UasDecision::Run { expires: SessionExpires { seconds: 1800, refresher: Some(Role::Uas) }, require_timer: false, timer_refresher_is_us: true }
        );
    }

    #[test]
    fn rfc4028_7_2_uac_refreshes_unless_the_answer_names_the_uas() {
        assert_eq!(negotiate_uac(None, MIN_SE), None);
        assert_eq!(negotiate_uac(Some("1800"), MIN_SE), Some((Duration::from_secs(1800), true)));
        assert_eq!(negotiate_uac(Some("1800;refresher=uas"), MIN_SE), Some((Duration::from_secs(1800), false)));
        assert_eq!(negotiate_uac(Some("300;refresher=uac"), MIN_SE), Some((Duration::from_secs(300), true)));
    }

    #[test]
    fn the_refresher_refreshes_at_half_the_interval_once() {
        let t0 = Instant::now();
        let mut timer = SessionTimer::new(t0, Duration::from_secs(120), true);
        assert_eq!(timer.poll_timeout(), t0 + Duration::from_secs(60));
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(59)), None);
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(60)), Some(TimerAction::Refresh));
        // While our refresh is out, the next deadline is the expiry, not another refresh.
        assert_eq!(timer.poll_timeout(), t0 + Duration::from_secs(88));
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(61)), None);
        timer.refreshed(t0 + Duration::from_secs(61));
        assert_eq!(timer.poll_timeout(), t0 + Duration::from_secs(121));
    }

    #[test]
    fn rfc4028_10_an_unrefreshed_session_expires_before_the_interval_ends() {
        let t0 = Instant::now();
        let mut timer = SessionTimer::new(t0, Duration::from_secs(1800), false);
        // 1800 − min(32, 600) = 1768 s.
        assert_eq!(timer.poll_timeout(), t0 + Duration::from_secs(1768));
        timer.refreshed(t0 + Duration::from_secs(900));
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(1768)), None);
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(2668)), Some(TimerAction::Expire));
        // A short interval loses a third, not 32 s: 90 − 30.
        let short = SessionTimer::new(t0, Duration::from_secs(90), false);
        assert_eq!(short.poll_timeout(), t0 + Duration::from_secs(60));
    }

    #[test]
    fn a_failed_refresh_leaves_the_expiry_standing() {
        let t0 = Instant::now();
        let mut timer = SessionTimer::new(t0, Duration::from_secs(120), true);
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(60)), Some(TimerAction::Refresh));
        timer.refresh_failed(t0 + Duration::from_secs(60));
        // Halfway to the expiry at 88 s.
        assert_eq!(timer.poll_timeout(), t0 + Duration::from_secs(74));
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(74)), Some(TimerAction::Refresh));
        timer.refresh_failed(t0 + Duration::from_secs(86));
        assert_eq!(timer.poll_timeout(), t0 + Duration::from_secs(88), "no retry in the last seconds");
        assert_eq!(timer.handle_timeout(t0 + Duration::from_secs(88)), Some(TimerAction::Expire));
    }
}
