//! Media: codecs, RTP/RTCP, SRTP, the jitter buffer and call quality. The jitter buffer and
//! the statistics are sans-IO; `engine::media_session` moves the bytes.
pub mod codec;
pub mod g711;
pub mod jitter;
pub mod tone;
pub mod traces;
