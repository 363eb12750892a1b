//! `ringside`: the terminal shell over Ringside's core, for demos and QA scripts (design §4).
//! Exit codes: 0 success, 2 bad config or arguments, 3 registration failed, 4 call failed.

mod config_file;
mod demo;
mod events_out;

use clap::{Parser, Subcommand};
use ringside_core::engine::{Phone, PhoneEvent, StaticSecrets};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
    Register,
    /// The main job: local PBX, desk phone and Ringside on one extension.
    Demo,
}

const EXIT_CONFIG: u8 = 2;
const EXIT_REGISTRATION: u8 = 3;

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
            Command::Register => register(cli.config, cli.data_dir).await,
            Command::Demo => demo::run().await,
        }
    })
}

async fn register(config: PathBuf, data_dir: Option<PathBuf>) -> ExitCode {
    let loaded = match config_file::load(&config, data_dir) {
        Ok(l) => l,
        Err(sentence) => {
            eprintln!("ringside: {sentence}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let (listener, mut events) = events_out::JsonLines::new();
    let phone = match Phone::start(loaded.phone, Arc::new(StaticSecrets(loaded.passwords)), Arc::new(listener)).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ringside: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut sigterm = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ringside: cannot watch SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut sigusr1 = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ringside: cannot watch SIGUSR1: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break ExitCode::SUCCESS,
            // What a shell's NetworkMonitor reports; here a QA script's signal plays it.
            _ = sigusr1.recv() => phone.network_changed().await,
            _ = sigterm.recv() => break ExitCode::SUCCESS,
            event = events.recv() => match event {
                // A failure without a retry is one the user must fix (password, extension).
                Some(PhoneEvent::RegistrationFailed { retry_in_ms: None, reason, .. }) => {
                    eprintln!("ringside: registration failed: {reason}");
                    break ExitCode::from(EXIT_REGISTRATION);
                }
                Some(_) => {}
                None => break ExitCode::FAILURE,
            },
        }
    };
    phone.shutdown(Duration::from_secs(5)).await;
    // Let the listener print the last events before the process ends.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(50), events.recv()).await {}
    code
}
