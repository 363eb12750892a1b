//! Ringside core: SIP signalling, registration policy and the engine that runs them.
//!
//! Layers (design §1): `sip` closes rsipstack's gaps (digest, inbound checks); `signalling`
//! holds our sans-IO state machines; `engine` ties them to sockets and timers on tokio.
//!
//! The public API is what every shell (the CLI, the uniffi layer) sees (design §2): the
//! [`Phone`], its settings, events and listener, the platform seams a shell implements
//! ([`SecretStore`], [`audio::AudioDevice`]), the shared vocabulary ([`vocab`]) and the records
//! the phone and its [`library::Library`] hand back. The layers themselves stay the crate's own,
//! so they can change without breaking a shell; the crate's integration tests, the benchmarks
//! and the fuzz targets reach them through [`testing`] (feature `testing`), which no shell enables.

pub mod audio;
pub(crate) mod directory;
pub(crate) mod engine;
pub(crate) mod media;
pub(crate) mod push;
pub(crate) mod signalling;
pub(crate) mod sip;
pub(crate) mod store;
pub mod vocab;
pub(crate) mod voicemail;

pub use engine::clock;
pub use engine::events::SyncSource;
pub use engine::phone_state::{CallDirection, CallInfo, CallState, Mwi, RegistrationState, Registrations};
pub use engine::provisioning::{self, Provisioning};
pub use engine::push_wakes::TimelineStage;
pub use engine::{AccountConfig, CallWaiting, CallsConfig, MediaConfig, PhoneConfig, SipConfig};
pub use engine::{EngineError, Phone, PhoneEvent, PhoneListener, SecretKind, SecretStore, StaticSecrets};
pub use push::hint::{HintAction, IncomingCallHint};
pub use push::pn_params::PushConfig;
pub use push::wake::WakeStage;

/// Contacts, the company directory (CardDAV), visual voicemail (IMAP) and the call history: the
/// [`Library`](library::Library), its settings and the records it hands back.
pub mod library {
    pub use crate::engine::library::Library;
    pub use crate::engine::library_config::{ContactsConfig, DirectoryConfig, LibraryConfig, VoicemailConfig};
    pub use crate::store::call_log::{CallLogEntry, CallQuality, History};
    pub use crate::store::contacts::{Contact, ContactCard, ContactNumber, ContactSource, ImportReport};
    pub use crate::store::sync_state::SyncReport;
    pub use crate::store::voicemail::Voicemail;
    pub use crate::voicemail::mail::DEFAULT_MAX_AUDIO_BYTES;

    /// `number` as a person reads it: national at home (`06 12 34 56 78` in `FR`),
    /// international abroad; extensions (`1003`) and names unchanged. An unknown
    /// `default_region` reads every number as international.
    pub fn format_number(number: &str, default_region: &str) -> String {
        crate::store::numbers::display(number, crate::store::numbers::region(default_region))
    }

    /// Whether `code` names a region the number rules know (`FR`, `BE`, `US`…).
    pub fn is_region(code: &str) -> bool {
        crate::store::numbers::region(code).is_some()
    }
}

/// The layers under the public API, for the crate's integration tests, the benchmarks and the
/// fuzz targets only: a shell builds on the API above, never on these.
#[cfg(feature = "testing")]
pub mod testing {
    pub use crate::media::{codec, dtmf, g711, jitter, resample, rtp_stream, srtp, traces};
    pub use crate::push::{hint, payload, wake};
    pub use crate::sip::{digest, inbound, sdp, stream_framer};

    /// The SQLite store under the library: opened, contacts and numbers.
    pub mod store {
        pub use crate::store::{contacts, numbers, open, open_in_memory};
    }
}
