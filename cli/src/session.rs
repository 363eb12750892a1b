//! What every long-running command shares: config, a started `Phone`, its event stream, and
//! the signals that end or steer it (SIGINT/SIGTERM stop, SIGUSR1 = the network changed).

use crate::config_file;
use crate::events_out::JsonLines;
use ringside_core::audio::wav::WavFactory;
use ringside_core::{Phone, PhoneEvent, StaticSecrets};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc;

pub const EXIT_CONFIG: u8 = 2;
pub const EXIT_REGISTRATION: u8 = 3;
pub const EXIT_CALL: u8 = 4;

/// The CLI's audio files (design §4 `--play WAV`, `--record WAV`).
#[derive(Debug, Clone, Default)]
pub struct Audio {
    pub play: Option<std::path::PathBuf>,
    pub record: Option<std::path::PathBuf>,
}

pub struct Session {
    pub phone: Phone,
    pub events: mpsc::UnboundedReceiver<PhoneEvent>,
    sigint: Signal,
    sigterm: Signal,
    sigusr1: Signal,
}

/// What the next `Session::next` produced.
pub enum Next {
    Event(PhoneEvent),
    /// SIGINT or SIGTERM: stop.
    Stop,
}

impl Session {
    pub async fn start(config: &Path, data_dir: Option<std::path::PathBuf>) -> Result<Session, ExitCode> {
        Self::start_with_audio(config, data_dir, &Audio::default()).await
    }

    /// With `--play` / `--record` files as every call's audio.
    pub async fn start_with_audio(config: &Path, data_dir: Option<std::path::PathBuf>, audio: &Audio) -> Result<Session, ExitCode> {
        let loaded = config_file::load(config, data_dir).map_err(|sentence| fail(EXIT_CONFIG, &sentence))?;
        let devices = WavFactory::new(audio.play.clone(), audio.record.clone()).map_err(|e| fail(EXIT_CONFIG, &format!("--play: {e}")))?;
        let (listener, events) = JsonLines::new();
        let phone = Phone::start_with_audio(loaded.phone, Arc::new(StaticSecrets(loaded.passwords)), Arc::new(listener), Arc::new(devices))
            .await
            .map_err(|e| fail(EXIT_CONFIG, &e.to_string()))?;
        let watch = |kind| signal(kind).map_err(|e| fail(1, &format!("cannot watch signals: {e}")));
        Ok(Session {
            phone,
            events,
            sigint: watch(SignalKind::interrupt())?,
            sigterm: watch(SignalKind::terminate())?,
            sigusr1: watch(SignalKind::user_defined1())?,
        })
    }

    /// The next event or stop signal; network changes are handled here.
    pub async fn next(&mut self) -> Next {
        loop {
            tokio::select! {
                _ = self.sigint.recv() => return Next::Stop,
                _ = self.sigterm.recv() => return Next::Stop,
                // What a shell's NetworkMonitor reports; here a QA script's signal plays it.
                _ = self.sigusr1.recv() => {
                    if let Err(e) = self.phone.network_changed(None).await {
                        tracing::warn!(error = %e, "network change");
                    }
                }
                event = self.events.recv() => return match event { Some(e) => Next::Event(e), None => Next::Stop },
            }
        }
    }

    /// Waits for the first account to register; a fatal failure ends the command (exit 3).
    pub async fn registered(&mut self) -> Result<(), ExitCode> {
        loop {
            match self.next().await {
                Next::Event(PhoneEvent::Registered { .. }) => return Ok(()),
                Next::Event(PhoneEvent::RegistrationFailed { retry_in_ms: None, reason, .. }) => {
                    return Err(fail(EXIT_REGISTRATION, &format!("registration failed: {reason}")))
                }
                Next::Event(_) => {}
                Next::Stop => return Err(ExitCode::SUCCESS),
            }
        }
    }

    /// Unregisters, lets the last events print, and returns `code`.
    pub async fn finish(mut self, code: ExitCode) -> ExitCode {
        self.phone.shutdown(Duration::from_secs(5)).await;
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(50), self.events.recv()).await {}
        code
    }
}

pub fn fail(code: u8, sentence: &str) -> ExitCode {
    eprintln!("ringside: {sentence}");
    ExitCode::from(code)
}
