//! Media: codecs, RTP/RTCP, SRTP, RFC 4733 events, the jitter buffer, latching and call
//! quality, tied together by the sans-IO `pipeline`; `engine::media_session` moves its bytes
//! and ticks it.
#[cfg(test)]
pub(crate) mod alloc_count;
pub mod codec;
pub mod dtmf;
pub mod g711;
pub mod jitter;
pub mod latch;
pub mod pipeline;
pub mod quality;
pub mod replay_window;
pub mod resample;
pub mod rtcp_reports;
pub mod rtp_stream;
pub mod srtp;
pub mod tone;
#[cfg(any(test, feature = "testing"))]
pub mod traces;

#[cfg(test)]
mod simulated_link_tests;
