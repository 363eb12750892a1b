//! Push-woken calls: the payload the gateway sends (proto/push-payload.schema.json), the
//! decision `handle_push` takes at once on the calling thread, and RFC 8599 contact parameters.
pub mod hint;
pub mod payload;
pub mod pn_params;
pub mod wake;
