//! `ringside drive`: JSON-lines commands on stdin, events on stdout (design §4); for QA
//! scripts and for shells under test. Exits on `{"cmd":"quit"}` or stdin EOF, unregistering.

use crate::events_out;
use crate::session::{Next, Session};
use ringside_core::PhoneEvent;
use serde::Deserialize;
use std::process::ExitCode;
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Debug, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
enum Command {
    /// `account` (its key, `user@domain`) picks the account the call goes out from; the
    /// first account without it.
    Call {
        target: String,
        #[serde(default)]
        account: Option<String>,
    },
    Answer {
        call: String,
    },
    Hangup {
        call: String,
    },
    Decline {
        call: String,
        #[serde(default)]
        everywhere: bool,
    },
    Hold {
        call: String,
    },
    Resume {
        call: String,
    },
    /// `on` defaults to true: `{"cmd":"mute","call":…}` mutes, `"on":false` unmutes.
    Mute {
        call: String,
        #[serde(default = "yes")]
        on: bool,
    },
    Dtmf {
        call: String,
        digits: String,
    },
    /// Blind with `target`; attended with `to_call`, the consultation call to hand over to.
    Transfer {
        call: String,
        #[serde(default)]
        target: Option<String>,
        #[serde(default)]
        to_call: Option<String>,
    },
    /// A push payload as the gateway sent it (design §5, proto/push-payload.schema.json).
    Push {
        payload: serde_json::Value,
    },
    /// Play the sleeping phone: keep the binding, stop answering requests on the flow, until a
    /// push (or `{"cmd":"wake"}`) wakes the app.
    Suspend,
    Wake,
    /// Re-emits the `push_timeline` a push-woken call ended with (`error` if none).
    Timeline {
        call: String,
    },
    /// Emits the call's latest `media_stats` (live or ended).
    Stats {
        call: String,
    },
    /// Emits `call_log {entries}`: the newest `limit` calls as the database holds them.
    CallLog {
        #[serde(default = "twenty")]
        limit: u32,
    },
    /// The shell's push token changed (`prid` absent: push switched off): RFC 8599 says
    /// register again at once.
    PushToken {
        #[serde(default)]
        provider: Option<String>,
        #[serde(default)]
        prid: Option<String>,
        #[serde(default)]
        param: Option<String>,
    },
    /// The network changed (SIGUSR1 does the same without an address): the SIP socket and
    /// live calls move to `local_ip` when given, else to the address the OS routes from.
    NetworkChanged {
        #[serde(default)]
        local_ip: Option<String>,
    },
    Quit,
}

fn yes() -> bool {
    true
}

fn twenty() -> u32 {
    20
}

pub async fn drive(mut session: Session) -> ExitCode {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            next = session.next() => if let Next::Stop = next { break },
            line = lines.next_line() => match line {
                Ok(Some(line)) if line.trim().is_empty() => {}
                Ok(Some(line)) => {
                    if !run(&session, &line).await {
                        break;
                    }
                }
                _ => break, // EOF or unreadable stdin
            },
        }
    }
    session.finish(ExitCode::SUCCESS).await
}

/// Carries out one command line; false on quit.
async fn run(session: &Session, line: &str) -> bool {
    let command: Command = match serde_json::from_str(line) {
        Ok(c) => c,
        Err(e) => {
            let message = format!("bad command {line:?}: {e}");
            error(message);
            return true;
        }
    };
    let result = match command {
        Command::Quit => return false,
        // The hint comes back as the `push_hint` event, like every other event.
        Command::Push { payload } => {
            session.phone.handle_push(payload.to_string().as_bytes());
            Ok(())
        }
        Command::PushToken { provider, prid, param } => {
            let push = prid.map(|prid| ringside_core::PushConfig { provider: provider.unwrap_or_else(|| "fcm".into()), prid, param });
            session.phone.set_push(push).await;
            Ok(())
        }
        Command::Stats { call } => match session.phone.stats(&call) {
            Some(event) => {
                println!("{}", events_out::line(&event));
                Ok(())
            }
            None => Err(ringside_core::EngineError::NoSuchCall(call)),
        },
        Command::CallLog { limit } => session.phone.call_log(limit).map(|entries| println!("{}", events_out::call_log_line(&entries))),
        Command::Timeline { call } => match session.phone.push_timeline(&call) {
            Some(event) => {
                println!("{}", events_out::line(&event));
                Ok(())
            }
            None => Err(ringside_core::EngineError::NoSuchCall(call)),
        },
        Command::Suspend => {
            session.phone.set_suspended(true);
            Ok(())
        }
        Command::Wake => {
            session.phone.set_suspended(false);
            session.phone.network_changed(None).await
        }
        Command::NetworkChanged { local_ip: None } => session.phone.network_changed(None).await,
        Command::NetworkChanged { local_ip: Some(ip) } => match ip.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => session.phone.network_changed(Some(ip)).await,
            Err(_) => Err(ringside_core::EngineError::InvalidInput(format!("local_ip {ip:?} is not an IP address"))),
        },
        Command::Call { target, account: None } => session.phone.call(&target).map(|_| ()),
        Command::Call { target, account: Some(account) } => session.phone.call_from(&account, &target).map(|_| ()),
        Command::Answer { call } => session.phone.answer(&call).await,
        Command::Hangup { call } => session.phone.hangup(&call).await,
        Command::Decline { call, everywhere } => session.phone.decline(&call, everywhere).await,
        Command::Hold { call } => session.phone.hold(&call).await,
        Command::Resume { call } => session.phone.resume(&call).await,
        Command::Mute { call, on } => session.phone.mute(&call, on).await,
        Command::Dtmf { call, digits } => session.phone.send_dtmf(&call, &digits).await,
        Command::Transfer { call, target: Some(target), to_call: None } => session.phone.transfer_blind(&call, &target).await,
        Command::Transfer { call, target: None, to_call: Some(other) } => session.phone.transfer_attended(&call, &other).await,
        Command::Transfer { .. } => Err(ringside_core::EngineError::InvalidTarget("transfer takes either \"target\" (blind) or \"to_call\" (attended)".into())),
    };
    if let Err(e) = result {
        error(e.to_string());
    }
    true
}

fn error(message: String) {
    println!("{}", events_out::line(&PhoneEvent::Error { message }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_per_the_contract() {
        assert!(matches!(serde_json::from_str::<Command>(r#"{"cmd":"call","target":"1002"}"#), Ok(Command::Call { account: None, .. })));
        assert!(matches!(serde_json::from_str::<Command>(r#"{"cmd":"call","target":"1002","account":"1001@b"}"#), Ok(Command::Call { account: Some(_), .. })));
        assert!(matches!(serde_json::from_str::<Command>(r#"{"cmd":"decline","call":"x"}"#), Ok(Command::Decline { everywhere: false, .. })));
        assert!(matches!(serde_json::from_str::<Command>(r#"{"cmd":"quit"}"#), Ok(Command::Quit)));
        assert!(serde_json::from_str::<Command>(r#"{"cmd":"answer"}"#).is_err(), "answer needs a call");
    }
}
