//! Telemetry: every `tools/call`, `resources/read`, `prompts/get` and
//! `completion/complete` runs in an `mcp.request` [`tracing`] span (method,
//! target name, request id, protocol revision, outcome); `tracing` events a
//! handler emits can be forwarded to the client as log notifications
//! ([`ClientLogLayer`]); and with the `otel` feature the spans are exported
//! over OTLP, parented to the caller's W3C trace context from `_meta`
//! (`traceparent`, `tracestate`, `baggage`) — see the `otel` module.
//! `ClientLogLayer` needs the `telemetry` feature (on by default).
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! let subscriber = tracing_subscriber::registry().with(mcp_serve::telemetry::ClientLogLayer::new());
//! let _guard = tracing::subscriber::set_default(subscriber);
//! // Inside a handler, `tracing::info!("fetching {url}")` now also reaches
//! // the client as `notifications/message` (if it asked for that level).
//! ```

#[cfg(feature = "telemetry")]
mod client_log;
#[cfg(feature = "otel")]
pub mod otel;
mod scope;

#[cfg(feature = "telemetry")]
pub use client_log::ClientLogLayer;
pub(crate) use scope::{bridge_installed, in_handler_scope};

/// Makes the request's span a child of the caller's trace when `_meta`
/// carries W3C trace context (`traceparent`, `tracestate`, `baggage`).
/// Without the `otel` feature the context is only recorded on the span.
pub(crate) fn adopt_parent(span: &tracing::Span, meta: &crate::protocol::types::Meta) {
    #[cfg(feature = "otel")]
    otel::adopt_parent(span, meta);
    #[cfg(not(feature = "otel"))]
    let _ = (span, meta);
}
