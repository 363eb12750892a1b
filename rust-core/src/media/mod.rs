//! Media: codecs, RTP/RTCP, SRTP, RFC 4733 events, the jitter buffer and call quality. The
//! jitter buffer and the statistics are sans-IO; `engine::media_session` moves the bytes.
pub mod codec;
pub mod dtmf;
pub mod g711;
pub mod jitter;
pub mod quality;
pub mod rtp_stream;
pub mod srtp;
pub mod tone;
pub mod traces;

#[cfg(test)]
mod simulated_link_tests;
