//! Our layer over rsipstack's SIP messages: digest authentication, raw framing and the
//! inbound gate that answers malformed requests as RFC 4475 requires.
pub mod digest;
pub mod inbound;
pub mod message_summary;
pub mod sdp;
pub mod wire;
