//! Middleware: code around every MCP request, on every transport (stdio,
//! HTTP, in memory) and in both protocol eras.
//!
//! A middleware is a tower [`Layer`](tower_layer::Layer) over the MCP
//! request service: a [`tower_service::Service`] taking an [`McpRequest`]
//! (the method, its parameters, the request's
//! [`Context`](crate::context::Context)) and answering the method's result
//! as JSON, or an error. So tower's own layers (timeouts, concurrency
//! limits, load shedding) apply as they are. For most needs the typed hooks
//! of [`Middleware`] are simpler: implement `on_call_tool`, `on_list_tools`
//! and so on.
//!
//! Layers run in the order they were added: the first added is the
//! outermost, seeing the request first and the result last. A server with
//! no middleware runs none of this.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
//!
//! /// Logs every tool call and how long it took.
//! struct CallLog;
//!
//! impl Middleware for CallLog {
//!     async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
//!         let name = req.name().unwrap_or_default().to_owned();
//!         let started = std::time::Instant::now();
//!         let out = next.run(req).await;
//!         tracing::info!(tool = %name, elapsed = ?started.elapsed(), ok = out.is_ok());
//!         out
//!     }
//! }
//!
//! #[tool]
//! fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! let server = Server::new("demo", "1.0.0")
//!     .middleware(CallLog)
//!     .layer(tower::limit::ConcurrencyLimitLayer::new(64))
//!     .tool(add);
//! ```
//!
//! What goes through the chain: every request the engine serves
//! (`initialize`, `server/discover`, lists, calls, reads, prompts,
//! completions, subscriptions, tasks, `logging/setLevel`, `ping`), with the
//! result as the client receives it (in the modern era with `resultType`,
//! cache hints and the server's identity). `subscriptions/listen` streams
//! and requests the engine refuses before dispatch (malformed, wrong era,
//! unknown method) do not.

mod hooks;
mod next;
mod request;
mod select;

mod audit;
mod cache;
mod common;
mod errors;
mod logging;
mod rate_limit;
mod retry;
mod size_limit;
mod timing;
mod visibility;

pub use hooks::{Hooked, Middleware, MiddlewareLayer};
pub use next::{BoxError, Next, into_mcp_error};
pub use request::McpRequest;
pub use select::{Only, Select};

pub use audit::{Audit, AuditRecord, AuditSink, JsonLinesAudit, TracingAudit};
pub use cache::Cache;
pub use errors::ErrorMasking;
pub use logging::Logging;
pub use rate_limit::{RATE_LIMITED, RateLimit};
pub use retry::Retry;
pub use size_limit::SizeLimit;
#[cfg(feature = "otel")]
pub use timing::OPERATION_DURATION;
pub use timing::{LatencyStats, OTHER_TOOLS, Timing, TimingSnapshot};
pub use visibility::{Component, ComponentKind, Visibility};

pub(crate) use next::{Chain, run};
pub(crate) use request::Continuation;

/// What a request service answers: the method's result as JSON, or the
/// error the client receives.
pub type McpResult = Result<serde_json::Value, crate::error::McpError>;

/// A layer, type-erased: wraps the rest of the chain.
pub(crate) type LayerFn = Box<dyn Fn(Next) -> Next + Send + Sync>;

/// Says, per request method, whether a layer would pass the request on
/// untouched right now.
pub(crate) type Bypass = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A layer of the server's chain, and when it may be skipped.
pub(crate) struct Layer {
    pub(crate) wrap: LayerFn,
    /// `None`: the layer sees every request.
    pub(crate) bypass: Option<Bypass>,
}

/// Erases a tower layer over [`Next`].
pub(crate) fn erase<L>(layer: L) -> LayerFn
where
    L: tower_layer::Layer<Next> + Send + Sync + 'static,
    L::Service: tower_service::Service<McpRequest, Response = serde_json::Value> + Clone + Send + 'static,
    <L::Service as tower_service::Service<McpRequest>>::Error: Into<BoxError>,
    <L::Service as tower_service::Service<McpRequest>>::Future: Send + 'static,
{
    Box::new(move |next| Next::new(layer.layer(next)))
}
