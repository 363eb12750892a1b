//! Push payloads as an OS hands them to the app (proto/push-payload.schema.json): the reader,
//! the decision `handle_push` takes, and the wake machine's INVITE matching. A push is input
//! from the network like any other: nothing may panic, every payload yields a hint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ringside_core::testing::hint::{decide, CallLookup, PushPolicy};
use ringside_core::testing::payload::parse;
use ringside_core::testing::wake::{PushWake, WakeExpect, WakeInput};
use ringside_core::vocab::EndReason;
use std::time::{Duration, Instant};

struct Lookup;

impl CallLookup for Lookup {
    fn is_live(&self, _account: &str, call_id: &str) -> bool {
        call_id.len() % 3 == 0
    }
    fn ended(&self, _account: &str, call_id: &str) -> Option<EndReason> {
        (call_id.len() % 5 == 0).then_some(EndReason::AnsweredElsewhere)
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    let accounts = vec!["1001@pbx.example".to_string()];
    let hint = decide(data, &parsed, 1_795_300_000_000, &accounts, data.len() % 7 != 0, &Lookup, PushPolicy::default());
    assert!(!hint.call.is_empty(), "every push names a call");
    let t0 = Instant::now();
    let mut wake = PushWake::new(t0, Duration::from_secs(20), WakeExpect { call_id: hint.call_id.clone(), push_id: hint.push_id.clone(), caller: hint.caller.clone() });
    let text = String::from_utf8_lossy(data);
    let _ = wake.matches(t0, &text, Some(&text), &text);
    wake.handle(t0, WakeInput::Answer);
    let _ = wake.handle_timeout(t0 + Duration::from_secs(21));
});
