//! Ringside's FFI: uniffi exports only (design §1 `ffi`). Each exported item wraps an engine
//! type; nothing here decides anything. Kotlin (Android, and the JVM tests through JNA) and
//! Swift (iOS) bindings are generated from this crate by `scripts/bindings`.

uniffi::setup_scaffolding!();

mod audio;
mod config;
mod enums;
mod error;
mod events;
mod library;
mod log_sink;
mod phone;
mod records;
mod settings;
mod subscription;

pub use audio::AudioBridge;
pub use config::{Account, PhoneSettings, PushToken};
pub use settings::{DirectorySettings, VoicemailSettings};
pub use enums::{
    CallDirection, CallState, Codec, ContactSource, EndReason, HintAction, LogLevel, MediaDirection, PushProvider, RegistrationState, SecretKind, SrtpPolicy,
    SyncSource, WakeStage,
};
pub use error::PhoneError;
pub use events::{CallsListener, Event, EventListener, HistoryListener, MwiListener, RegistrationListener, SecretStore, SyncReport};
pub use library::{format_number, Contact, ContactCard, ContactNumber, ImportReport, Voicemail};
pub use log_sink::LogSink;
pub use phone::{parse_provisioning, start_phone, Phone, Provisioning};
pub use records::{AccountInfo, CallInfo, CallLogEntry, History, IncomingCallHint, MediaStats, PushTimeline, TimelineStage};
pub use settings::CallSettings;
pub use subscription::Subscription;
