//! `ringside call` and `ringside listen` (design §4).

use crate::session::{fail, Next, Session, EXIT_CALL};
use ringside_core::clock::sleep_until;
use ringside_core::vocab::EndReason;
use ringside_core::PhoneEvent;
use std::process::ExitCode;
use std::time::Duration;
use tokio::time::Instant;

/// Timers the commands set on calls: (when, call, what).
#[derive(Default)]
struct Plan(Vec<(Instant, String, Step)>);

#[derive(Clone, Copy)]
enum Step {
    Answer,
    Hangup,
}

impl Plan {
    fn at(&mut self, after: f64, call: &str, step: Step) {
        self.0.push((Instant::now() + Duration::from_secs_f64(after.max(0.0)), call.to_string(), step));
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.0.iter().map(|(t, ..)| *t).min()
    }

    fn due(&mut self) -> Vec<(String, Step)> {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = self.0.drain(..).partition(|(t, ..)| *t <= now);
        self.0 = later;
        due.into_iter().map(|(_, c, s)| (c, s)).collect()
    }

    fn forget(&mut self, call: &str) {
        self.0.retain(|(_, c, _)| c != call);
    }
}

async fn run_step(session: &Session, call: &str, step: Step) {
    let result = match step {
        Step::Answer => session.phone.answer(call).await,
        Step::Hangup => session.phone.hangup(call).await,
    };
    if let Err(e) = result {
        tracing::warn!(%call, error = %e, "step not applied");
    }
}

/// Places one call; exit 0 if it was answered, 4 if it never was.
pub async fn call(mut session: Session, target: String, hangup_after: Option<f64>, dtmf: Option<String>) -> ExitCode {
    if let Err(code) = session.registered().await {
        return session.finish(code).await;
    }
    let call = match session.phone.call(&target) {
        Ok(call) => call,
        Err(e) => return session.finish(fail(EXIT_CALL, &format!("call to {target} failed: {e}"))).await,
    };
    let mut plan = Plan::default();
    let mut answered = false;
    let code = loop {
        tokio::select! {
            next = session.next() => match next {
                Next::Stop => {
                    run_step(&session, &call, Step::Hangup).await;
                    plan.forget(&call);
                }
                Next::Event(PhoneEvent::Answered { call: c }) if c == call => {
                    answered = true;
                    if let Some(digits) = &dtmf {
                        if let Err(e) = session.phone.send_dtmf(&call, digits).await {
                            tracing::warn!(error = %e, "DTMF not sent");
                        }
                    }
                    if let Some(s) = hangup_after {
                        plan.at(s, &call, Step::Hangup);
                    }
                }
                Next::Event(PhoneEvent::CallEnded { call: c, reason, .. }) if c == call => {
                    break if answered || reason == EndReason::LocalHangup { ExitCode::SUCCESS } else { ExitCode::from(EXIT_CALL) };
                }
                Next::Event(_) => {}
            },
            _ = sleep_until(plan.next_deadline()) => {
                for (c, step) in plan.due() {
                    run_step(&session, &c, step).await;
                }
            }
        }
    };
    session.finish(code).await
}

pub struct ListenOptions {
    pub answer_after: Option<f64>,
    pub hangup_after: Option<f64>,
    /// 486 (only here) or 603 (everywhere).
    pub decline: Option<u16>,
    pub calls: Option<u32>,
}

/// Stays registered and handles incoming calls as told, until `calls` have ended or a signal.
pub async fn listen(mut session: Session, options: ListenOptions) -> ExitCode {
    if let Err(code) = session.registered().await {
        return session.finish(code).await;
    }
    let mut plan = Plan::default();
    let mut ended = 0u32;
    loop {
        tokio::select! {
            next = session.next() => match next {
                Next::Stop => break,
                Next::Event(PhoneEvent::Incoming { call, .. }) => {
                    if let Some(code) = options.decline {
                        if let Err(e) = session.phone.decline(&call, code == 603).await {
                            tracing::warn!(error = %e, "decline not applied");
                        }
                    } else if let Some(s) = options.answer_after {
                        // tokio's timers tick in milliseconds: a step due now runs now.
                        if s <= 0.0 {
                            run_step(&session, &call, Step::Answer).await;
                        } else {
                            plan.at(s, &call, Step::Answer);
                        }
                    }
                }
                Next::Event(PhoneEvent::Answered { call }) => {
                    if let Some(s) = options.hangup_after {
                        plan.at(s, &call, Step::Hangup);
                    }
                }
                Next::Event(PhoneEvent::CallEnded { call, .. }) => {
                    plan.forget(&call);
                    ended += 1;
                    if options.calls.is_some_and(|n| ended >= n) {
                        break;
                    }
                }
                Next::Event(_) => {}
            },
            _ = sleep_until(plan.next_deadline()) => {
                for (c, step) in plan.due() {
                    run_step(&session, &c, step).await;
                }
            }
        }
    }
    session.finish(ExitCode::SUCCESS).await
}
