//! Arbitrary bytes as a received SIP message: our inbound gate (datagram and stream framing),
//! rsipstack's parser as the live receive path calls it, and the digest challenge parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ringside_core::testing::inbound::classify(data, true);
    let _ = ringside_core::testing::inbound::classify(data, false);
    let _ = rsipstack::sip::parser::parse_message(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ringside_core::testing::digest::Challenge::parse(text);
    }
});
