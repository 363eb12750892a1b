//! Our signalling rules above rsipstack: event-and-time state machines, no sockets.
pub mod addressed_account;
pub mod call;
pub mod early_media;
pub(crate) mod invite_policy;
pub mod registration;
pub mod request_auth;
pub mod session_timer;
