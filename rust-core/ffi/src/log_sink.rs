//! The shell's log sink (logcat, os_log) fed by `tracing`: a subscriber layer that formats each
//! event's message and fields and hands them over with their level and target. Installed once
//! per process (the first phone started with a sink); spans are not forwarded, only events.

use crate::enums::LogLevel;
use std::fmt::Write;
use std::sync::Arc;
use tracing_subscriber::layer::SubscriberExt;

#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String);
}

struct ToSink {
    sink: Arc<dyn LogSink>,
}

/// `message` first, then `key=value` for every other field.
#[derive(Default)]
struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let rest = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?}{rest}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ToSink {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        let mut line = Line::default();
        event.record(&mut line);
        let meta = event.metadata();
        self.sink.log(meta.level().into(), meta.target().to_string(), line.0);
    }
}

/// Sends the core's logs at `info` and above (`debug` for our own crates) to `sink`; false if
/// the process already has a subscriber.
pub(crate) fn install(sink: Arc<dyn LogSink>) -> bool {
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::INFO)
        .with_target("ringside_core", tracing::Level::DEBUG)
        .with_target("ringside_ffi", tracing::Level::DEBUG);
    let subscriber = tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(ToSink { sink }, filter));
    tracing::subscriber::set_global_default(subscriber).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Kept(Mutex<Vec<(LogLevel, String, String)>>);
    impl LogSink for Kept {
        fn log(&self, level: LogLevel, target: String, message: String) {
            self.0.lock().unwrap().push((level, target, message));
        }
    }

    #[test]
    fn an_event_reaches_the_sink_with_its_level_target_and_fields() {
        let kept = Arc::new(Kept::default());
        let subscriber = tracing_subscriber::registry().with(ToSink { sink: kept.clone() });
        tracing::subscriber::with_default(subscriber, || tracing::warn!(code = 403, "registration refused"));
        let got = kept.0.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, LogLevel::Warn);
        assert_eq!(got[0].2, "registration refused code=403");
    }
}
