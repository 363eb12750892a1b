//! The engine: tokio tasks that move bytes and timers for our state machines, over rsipstack's
//! transports and transactions. Its `Phone` is the public Rust API every shell drives.
mod account;
pub mod call_log_writer;
mod call_media;
pub mod calls;
pub mod cancel_reasons;
pub mod clock;
pub mod config;
mod directory_sync;
pub mod dns;
pub mod error;
pub mod event_bus;
pub mod events;
mod incoming;
pub mod instance;
pub mod library;
pub mod library_config;
mod library_state;
pub mod media_session;
mod mwi;
pub mod phone;
pub mod phone_state;
pub mod provisioning;
pub mod register_request;
pub mod secrets;
pub mod sip_stack;
pub mod store_writer;
mod tls_connector;
mod tls_pins;
mod voicemail_push;
mod voicemail_sync;

pub use config::{AccountConfig, CallWaiting, CallsConfig, MediaConfig, PhoneConfig, SipConfig};
pub use error::EngineError;
pub use events::{PhoneEvent, PhoneListener};
pub use phone::Phone;
pub use secrets::{SecretKind, SecretStore, StaticSecrets};
pub mod push_wakes;
