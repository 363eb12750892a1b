//! Our signalling rules above rsipstack: event-and-time state machines, no sockets.
pub mod call;
pub mod registration;
pub mod session_timer;
