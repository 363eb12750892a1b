//! Our layer over rsipstack's SIP messages: digest authentication and inbound message checks.
pub mod digest;
