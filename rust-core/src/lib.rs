//! Ringside core: SIP signalling, registration policy and the engine that runs them.
//!
//! Layers (design §1): `sip` closes rsipstack's gaps (digest, inbound checks); `signalling`
//! holds our sans-IO state machines; `engine` ties them to sockets and timers on tokio.
pub mod audio;
pub mod directory;
pub mod engine;
pub mod media;
pub mod push;
pub mod signalling;
pub mod sip;
pub mod store;
pub mod vocab;
pub mod voicemail;
