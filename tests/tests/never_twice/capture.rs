//! Captures tracing events as text, to see how a background callback ended (the callbacks
//! run in tasks the test cannot await).
//!
//! One global subscriber for the whole test binary, installed by every test before anything
//! else: thread-local subscribers (`set_default`) lose events when tests on other threads
//! register the same callsites concurrently (tracing's interest cache is global).

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

/// The events seen so far, each as `message field=value ...`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    /// The events of every thread, from the first call on (which installs the subscriber).
    pub(crate) fn global() -> Self {
        static EVENTS: OnceLock<Events> = OnceLock::new();
        EVENTS
            .get_or_init(|| {
                let events = Self::default();
                let subscriber = tracing_subscriber::registry().with(Capture(events.clone()));
                tracing::subscriber::set_global_default(subscriber)
                    .unwrap_or_else(|e| panic!("a tracing subscriber is already set: {e}"));
                events
            })
            .clone()
    }

    /// The events containing every one of `needles`.
    fn matching(&self, needles: &[&str]) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|e| needles.iter().all(|n| e.contains(n)))
            .cloned()
            .collect()
    }

    /// Waits (up to 10 s) for an event containing every one of `needles`, and returns it.
    pub(crate) async fn wait_for(&self, needles: &[&str]) -> String {
        for _ in 0..1000 {
            if let Some(event) = self.matching(needles).pop() {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no event with {needles:?}");
    }
}

struct Capture(Events);

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut text = Text(String::new());
        event.record(&mut text);
        (self.0)
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(text.0);
    }
}

struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?} ");
        } else {
            let _ = write!(self.0, "{}={value:?} ", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value} ");
        } else {
            let _ = write!(self.0, "{}={value} ", field.name());
        }
    }
}
