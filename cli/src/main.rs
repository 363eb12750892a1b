//! `ringside`: the terminal shell over Ringside's core, for demos and QA scripts (design §4).
//! Exit codes: 0 success, 2 bad config or arguments, 3 registration failed, 4 call failed.

mod calls_cli;
mod config_file;
mod demo;
mod drive;
mod events_out;
mod library_cli;
mod session;

use clap::{Parser, Subcommand};
use ringside_core::PhoneEvent;
use session::{fail, Next, Session, EXIT_CONFIG, EXIT_REGISTRATION};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "ringside", version, about = "Ringside softphone: terminal shell")]
struct Cli {
    /// TOML config file.
    #[arg(long, global = true, default_value = "ringside.toml")]
    config: PathBuf,
    /// Where the core keeps its state.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Log level on stderr (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Stay registered; on SIGINT/SIGTERM unregister and exit 0; SIGUSR1 = the network changed.
    Register {
        /// Play the sleeping phone: once registered, keep the binding but answer nothing on
        /// the flow (push-gateway tests; a SIGUSR1 still re-registers).
        #[arg(long)]
        suspended: bool,
    },
    /// Place a call (after registering); exit 0 if answered, 4 if not.
    Call {
        /// An extension of the account's PBX, or a SIP URI.
        target: String,
        /// Hang up this many seconds after the answer.
        #[arg(long)]
        hangup_after: Option<f64>,
        /// Send these DTMF digits (0-9, *, #, A-D) once the call is answered.
        #[arg(long)]
        dtmf: Option<String>,
        #[command(flatten)]
        audio: AudioArgs,
    },
    /// Stay registered and handle incoming calls as told.
    Listen {
        /// Answer this many seconds after the call starts ringing here.
        #[arg(long)]
        answer_after: Option<f64>,
        /// Hang up this many seconds after answering.
        #[arg(long)]
        hangup_after: Option<f64>,
        /// Decline every call: 486 (the desk keeps ringing) or 603 (decline everywhere).
        #[arg(long, value_parser = ["486", "603"])]
        decline: Option<String>,
        /// Exit after this many calls have ended.
        #[arg(long)]
        calls: Option<u32>,
        #[command(flatten)]
        audio: AudioArgs,
    },
    /// JSON-lines commands on stdin, events on stdout; exits on {"cmd":"quit"} or EOF.
    Drive {
        #[command(flatten)]
        audio: AudioArgs,
    },
    /// The main job: local PBX, desk phone and Ringside on one extension.
    Demo,
    /// The address book and the company directory (no SIP registration).
    Contacts {
        #[command(subcommand)]
        command: library_cli::Contacts,
    },
    /// The call history as stored, newest first.
    History {
        /// Only missed calls.
        #[arg(long)]
        missed: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Visual voicemail from the voicemail mailbox (IMAP).
    Voicemail {
        #[command(subcommand)]
        command: library_cli::Voicemail,
    },
}

/// A call's audio from and to files (any WAV in; 48 kHz mono 16-bit out).
#[derive(clap::Args, Debug, Default)]
struct AudioArgs {
    /// Play this WAV file into the call (once, then silence).
    #[arg(long, value_name = "WAV")]
    play: Option<PathBuf>,
    /// Record what the call hears to this WAV file (a second call gets `-2` appended).
    #[arg(long, value_name = "WAV")]
    record: Option<PathBuf>,
}

impl AudioArgs {
    fn files(&self) -> session::Audio {
        session::Audio { play: self.play.clone(), record: self.record.clone() }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_CONFIG);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour only for people: logs piped to files and tests stay plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "warn".into()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ringside: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Register { suspended } => register(cli.config, cli.data_dir, suspended).await,
            Command::Demo => demo::run().await,
            Command::Contacts { command } => library_cli::contacts(&cli.config, cli.data_dir, command).await,
            Command::History { missed, limit } => library_cli::history(&cli.config, cli.data_dir, missed, limit).await,
            Command::Voicemail { command } => library_cli::voicemail(&cli.config, cli.data_dir, command).await,
            Command::Drive { audio } => match Session::start_with_audio(&cli.config, cli.data_dir, &audio.files()).await {
                Ok(session) => drive::drive(session).await,
                Err(code) => code,
            },
            Command::Call { target, hangup_after, dtmf, audio } => match Session::start_with_audio(&cli.config, cli.data_dir, &audio.files()).await {
                Ok(session) => calls_cli::call(session, target, hangup_after, dtmf).await,
                Err(code) => code,
            },
            Command::Listen { answer_after, hangup_after, decline, calls, audio } => {
                match Session::start_with_audio(&cli.config, cli.data_dir, &audio.files()).await {
                    Ok(session) => {
                        let decline = decline.and_then(|d| d.parse().ok());
                        calls_cli::listen(session, calls_cli::ListenOptions { answer_after, hangup_after, decline, calls }).await
                    }
                    Err(code) => code,
                }
            }
        }
    })
}

async fn register(config: PathBuf, data_dir: Option<PathBuf>, suspended: bool) -> ExitCode {
    let mut session = match Session::start(&config, data_dir).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let code = loop {
        match session.next().await {
            Next::Stop => break ExitCode::SUCCESS,
            // A failure without a retry is one the user must fix (password, extension).
            Next::Event(PhoneEvent::RegistrationFailed { retry_in_ms: None, reason, .. }) => {
                break fail(EXIT_REGISTRATION, &format!("registration failed: {reason}"));
            }
            // The sleeping phone: registered once, then silent on its flow.
            Next::Event(PhoneEvent::Registered { .. }) if suspended => session.phone.set_suspended(true),
            Next::Event(_) => {}
        }
    };
    session.finish(code).await
}
