//! The shared vocabulary, the bottom layer: the words more than one layer speaks (why a call
//! ended, a media direction, codecs, the SRTP policy, call and account ids). It imports no other
//! layer of the core; every layer may import it.

pub mod end_reason;
pub mod ids;
pub mod media;

pub use end_reason::EndReason;
pub use ids::{account_key, call_uuid, push_uuid};
pub use media::{CodecKind, MediaDirection, SrtpPolicy};
