//! `tracing` events inside a handler → `notifications/message` to the client
//! that made the request.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use mcp_serve_core::types::LoggingLevel;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer};

use super::scope::{CURRENT, INSTALLED};

/// A [`tracing_subscriber`] layer that sends the `tracing` events a handler
/// emits to the client that made the request, as `notifications/message`
/// (logger = the event's target), honouring the level the client asked for.
/// Events outside handlers, and mcp-serve's own, are left to your other layers.
///
/// ```
/// use mcp_serve::prelude::*;
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// /// Fetch a page.
/// #[tool]
/// async fn fetch(url: String) -> String {
///     tracing::info!(%url, "fetching");      // reaches the client too
///     format!("fetched {url}")
/// }
///
/// let subscriber = tracing_subscriber::registry().with(mcp_serve::telemetry::ClientLogLayer::new());
/// let _guard = tracing::subscriber::set_default(subscriber);
/// # let _ = Server::new("demo", "1.0.0").tool(fetch);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ClientLogLayer {
    _private: (),
}

impl ClientLogLayer {
    /// The layer; add it to your subscriber.
    pub fn new() -> Self {
        INSTALLED.store(true, Ordering::Relaxed);
        ClientLogLayer { _private: () }
    }
}

impl Default for ClientLogLayer {
    fn default() -> Self {
        Self::new()
    }
}

fn level_of(level: &Level) -> LoggingLevel {
    match *level {
        Level::ERROR => LoggingLevel::Error,
        Level::WARN => LoggingLevel::Warning,
        Level::INFO => LoggingLevel::Info,
        _ => LoggingLevel::Debug,
    }
}

/// Collects an event's fields: `message` as text, the rest as JSON.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    rest: Map<String, Value>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        if field.name() == "message" {
            self.message = Some(s);
        } else {
            self.rest.insert(field.name().to_owned(), Value::String(s));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            self.rest
                .insert(field.name().to_owned(), Value::String(value.to_owned()));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.rest.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.rest.insert(field.name().to_owned(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.rest.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest.insert(field.name().to_owned(), value.into());
    }
}

impl<S: Subscriber> Layer<S> for ClientLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        let meta = event.metadata();
        // Our own diagnostics stay server-side (and cannot loop).
        if meta.target().starts_with("mcp_serve") {
            return;
        }
        let _ = CURRENT.try_with(|cx| {
            let level = level_of(meta.level());
            if !cx.wants_log(level) {
                return;
            }
            let mut fields = Fields::default();
            event.record(&mut fields);
            // A plain message stays a string; fields make it an object.
            let data = match (fields.message, fields.rest.is_empty()) {
                (Some(m), true) => Value::String(m),
                (m, _) => {
                    let mut obj = fields.rest;
                    if let Some(m) = m {
                        obj.insert("message".into(), Value::String(m));
                    }
                    Value::Object(obj)
                }
            };
            cx.try_log(level, Some(meta.target()), data);
        });
    }
}
