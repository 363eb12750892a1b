//! Our layer over rsipstack's SIP messages: digest authentication, raw framing, the inbound
//! gate that answers malformed requests as RFC 4475 requires, and every reading of header text.
pub mod digest;
pub mod dtmf_info;
pub mod headers;
pub mod inbound;
pub mod message_summary;
pub mod name_addr;
pub mod reason;
pub mod refer_notify;
pub mod replaces;
pub mod rfc2543;
pub mod sdp;
pub mod source_filter;
pub mod stream_framer;
pub mod wire;
