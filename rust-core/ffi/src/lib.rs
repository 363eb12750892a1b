//! Ringside's FFI: uniffi exports only (design §1 `ffi`). Each exported item wraps an engine
//! type; nothing here decides anything. Kotlin (Android, and the JVM tests through JNA) and
//! Swift (iOS) bindings are generated from this crate by `scripts/bindings`.

uniffi::setup_scaffolding!();

mod audio;
mod config;
mod error;
mod events;
mod phone;
mod records;

pub use audio::AudioBridge;
pub use config::{Account, PhoneSettings, PushToken};
pub use error::PhoneError;
pub use events::{Event, EventListener, SecretStore};
pub use phone::Phone;
pub use records::{CallLogEntry, CallQuality, HintAction, IncomingCallHint, TimelineStage};
