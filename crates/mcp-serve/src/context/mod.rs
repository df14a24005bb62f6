//! What a handler can know about the request it serves, and the extractors
//! that hand it over by type.
//!
//! Handlers take a [`Context`] (or narrower extractors: [`State`],
//! [`RequestMeta`], [`ClientInfo`], [`HttpRequest`]) as parameters; the macros
//! recognise them by type and never expose them in the input schema.
//!
//! ```
//! use mcp_serve::prelude::*;
//!
//! /// Which client is calling?
//! #[tool]
//! async fn whoami(ctx: Context) -> String {
//!     let name = ctx.client_info().map(|c| c.name.clone()).unwrap_or_default();
//!     format!("{name} speaking MCP {}", ctx.protocol_version())
//! }
//! # let _ = Server::new("demo", "1.0.0").tool(whoami);
//! ```

mod extract;
mod interact;
mod link;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use mcp_serve_core::jsonrpc::{RequestId, encode_notification};
use mcp_serve_core::meta::{self, Meta};
use mcp_serve_core::types::{ClientCapabilities, Implementation, LoggingLevel};
use mcp_serve_core::version::ProtocolVersion;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use extract::{ClientInfo, FromContext, HttpRequest, RequestMeta, State};
pub use interact::Elicitation;
pub(crate) use link::{AskClient, RunningTask, Served};

use crate::error::McpError;

/// Typed values shared by every handler (`Server::state`).
#[derive(Default, Clone)]
pub(crate) struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| Arc::clone(v).downcast::<T>().ok())
    }
}

/// Where messages to the client go while a request runs (progress, logs).
#[derive(Clone, Debug)]
pub(crate) struct Peer(pub(crate) Option<mpsc::Sender<Vec<u8>>>);

impl Peer {
    /// Sends a notification, waiting at most a second for room: when the
    /// client is not reading (e.g. a legacy HTTP session with no GET stream)
    /// it is dropped rather than stalling the handler for ever.
    pub(crate) async fn notify(&self, frame: Vec<u8>) {
        if let Some(tx) = &self.0 {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), tx.send(frame)).await;
        }
    }

    pub(crate) async fn send(&self, frame: Vec<u8>) {
        if let Some(tx) = &self.0 {
            // A client that went away cannot be told anything; nothing to do.
            let _ = tx.send(frame).await;
        }
    }
}

/// A request's `_meta`, kept as the client sent it and parsed into a
/// [`Meta`] only when something reads it: the engine takes what it needs
/// (version, client, capabilities) straight from the raw JSON, and most
/// handlers never look at the rest.
#[derive(Clone, Default)]
pub(crate) struct LazyMeta {
    raw: Option<Arc<str>>,
    parsed: std::sync::OnceLock<Meta>,
}

impl LazyMeta {
    /// From the raw text of a JSON object.
    pub(crate) fn from_raw(raw: &str) -> Self {
        LazyMeta {
            raw: Some(raw.into()),
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// The raw text, when the meta came from the wire and was not replaced.
    pub(crate) fn raw(&self) -> Option<&str> {
        self.raw.as_deref()
    }

    pub(crate) fn get(&self) -> &Meta {
        self.parsed.get_or_init(|| {
            // The raw text was checked to be a JSON object when it was read.
            self.raw
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_default()
        })
    }
}

impl From<Meta> for LazyMeta {
    fn from(meta: Meta) -> Self {
        LazyMeta {
            raw: None,
            parsed: std::sync::OnceLock::from(meta),
        }
    }
}

/// Everything the engine knows about one request.
pub(crate) struct RequestInfo {
    pub(crate) id: Option<RequestId>,
    pub(crate) meta: LazyMeta,
    pub(crate) version: ProtocolVersion,
    pub(crate) client_info: Option<Arc<Implementation>>,
    pub(crate) client_capabilities: Option<Arc<ClientCapabilities>>,
    pub(crate) log_level: Option<LoggingLevel>,
    pub(crate) http: Option<Arc<http::request::Parts>>,
    pub(crate) served: Arc<dyn Served>,
    pub(crate) peer: Peer,
    pub(crate) cancel: CancellationToken,
    pub(crate) interaction: Interaction,
    /// The legacy task this handler runs as, if any.
    pub(crate) task: Option<Arc<dyn RunningTask>>,
    /// When the last progress notification went out (rate limiting).
    pub(crate) last_progress: std::sync::Mutex<Option<std::time::Instant>>,
}

/// The shortest gap between two progress notifications of one request.
const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

/// How a request's handler reaches the client for input; `None` where it
/// cannot (e.g. `completion/complete`).
pub(crate) type Interaction = Option<Arc<dyn AskClient>>;

/// The peer address of the connection a request came on, in the HTTP
/// request's extensions (and so in [`Context::http`]); the HTTP transport
/// puts it there. It lives here, below the transports, so that middleware
/// can read it too.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::context::PeerAddr;
///
/// /// Where is this call from?
/// #[tool]
/// async fn from_where(ctx: Context) -> String {
///     ctx.http()
///         .and_then(|p| p.extensions.get::<PeerAddr>())
///         .map_or("not over TCP".into(), |PeerAddr(a)| a.ip().to_string())
/// }
/// # let _ = Server::new("demo", "1.0.0").tool(from_where);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// The request a handler is serving: its metadata, the client, the server's
/// state, and the way back to the client.
///
/// Cheap to clone; clones refer to the same request.
///
/// ```
/// use mcp_serve::prelude::*;
/// #[tool]
/// async fn version(ctx: Context) -> String { ctx.protocol_version().to_string() }
/// # let _ = Server::new("demo", "1.0.0").tool(version);
/// ```
#[derive(Clone)]
pub struct Context {
    pub(crate) inner: Arc<RequestInfo>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("id", &self.inner.id)
            .field("version", &self.inner.version)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// The same request, served by another server: a mounted server's
    /// handlers see their own state, catalog and handle, while progress,
    /// logging, input requests and cancellation still reach the caller.
    pub(crate) fn rooted(&self, served: Arc<dyn Served>) -> Context {
        let i = &self.inner;
        let last = *i
            .last_progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Context {
            inner: Arc::new(RequestInfo {
                id: i.id.clone(),
                meta: i.meta.clone(),
                version: i.version,
                client_info: i.client_info.clone(),
                client_capabilities: i.client_capabilities.clone(),
                log_level: i.log_level,
                http: i.http.clone(),
                served,
                peer: i.peer.clone(),
                cancel: i.cancel.clone(),
                interaction: i.interaction.clone(),
                task: i.task.clone(),
                last_progress: std::sync::Mutex::new(last),
            }),
        }
    }

    /// The JSON-RPC id of the request.
    pub fn request_id(&self) -> Option<&RequestId> {
        self.inner.id.as_ref()
    }

    /// The request's `_meta` object, as the client sent it.
    pub fn meta(&self) -> &Meta {
        self.inner.meta.get()
    }

    /// The protocol revision this request is served under.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// The client's self-reported name and version (legacy: from `initialize`;
    /// modern: from the request's `_meta`).
    pub fn client_info(&self) -> Option<&Implementation> {
        self.inner.client_info.as_deref()
    }

    /// The client's declared capabilities.
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        self.inner.client_capabilities.as_deref()
    }

    /// On HTTP, the request's method, URI, headers and extensions (where an
    /// auth layer leaves the caller's identity). `None` on stdio and in memory.
    pub fn http(&self) -> Option<&http::request::Parts> {
        self.inner.http.as_deref()
    }

    /// Who is calling, when the transport verified a credential (see
    /// [`crate::auth`]); `None` without authorization, and on stdio.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Who am I?
    /// #[tool]
    /// async fn whoami(ctx: Context) -> String {
    ///     ctx.principal().map_or("anonymous".into(), |p| p.subject.clone())
    /// }
    /// # let _ = Server::new("demo", "1.0.0").tool(whoami);
    /// ```
    pub fn principal(&self) -> Option<&crate::auth::Principal> {
        self.http()?
            .extensions
            .get::<Arc<crate::auth::Principal>>()
            .map(|p| &**p)
    }

    /// What the client declared for extension `id` (its settings object),
    /// or `None` when it did not declare it: in `_meta` for modern
    /// requests, at `initialize` for sessions.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// A chart, as an interactive view where the client supports one.
    /// #[tool]
    /// async fn chart(ctx: Context) -> String {
    ///     match ctx.client_extension("io.modelcontextprotocol/ui") {
    ///         Some(_) => "ui://charts/sales".into(),
    ///         None => "sales: 10, 12, 15".into(),
    ///     }
    /// }
    /// # let _ = Server::new("demo", "1.0.0").tool(chart);
    /// ```
    pub fn client_extension(&self, id: &str) -> Option<&serde_json::Map<String, Value>> {
        self.client_capabilities()?
            .extensions
            .as_ref()?
            .get(id)?
            .as_object()
    }

    /// The tags of the tool, prompt or resource a request of `method`
    /// names (`name` is the tool or prompt name, or the resource URI);
    /// empty when it names none or has none.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// #[tool(tags = ["admin"])]
    /// async fn purge(ctx: Context) -> String {
    ///     format!("{:?}", ctx.tags_of("tools/call", "purge"))
    /// }
    /// # let _ = Server::new("demo", "1.0.0").tool(purge);
    /// ```
    pub fn tags_of(&self, method: &str, name: &str) -> Vec<String> {
        self.inner.served.tags_of(method, name)
    }

    /// The annotations of the server's tool `name` (for middleware: whether
    /// a tool says it is idempotent).
    pub(crate) fn tool_annotations(&self, name: &str) -> Option<mcp_serve_core::types::ToolAnnotations> {
        self.inner.served.tool_annotations(name)
    }

    /// The peer address of the connection the request came on, when it
    /// came over TCP (see [`PeerAddr`]).
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    ///
    /// /// Where is this call from?
    /// #[tool]
    /// async fn from_where(ctx: Context) -> String {
    ///     ctx.peer_addr().map_or("not over TCP".into(), |a| a.ip().to_string())
    /// }
    /// # let _ = Server::new("demo", "1.0.0").tool(from_where);
    /// ```
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.http()?.extensions.get::<PeerAddr>().map(|p| p.0)
    }

    /// A value registered with `Server::state`.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.inner.served.state().get::<T>()
    }

    /// Whether the client cancelled this request.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Resolves when the client cancels this request.
    ///
    /// When a request is cancelled the engine drops the handler's future, so
    /// code after an `.await` in the handler does not run; use this in work
    /// the handler hands off (a spawned task, a blocking thread), and put
    /// cleanup that must happen in a `Drop` guard.
    pub async fn cancelled(&self) {
        self.inner.cancel.cancelled().await;
    }

    /// Reports progress, when the client asked for it with a progress token
    /// (otherwise does nothing). Updates closer together than 10 ms are
    /// dropped, except the final one (`progress == total`), so a tight loop
    /// cannot flood the client.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        // A token must be a string or an integer; anything else cannot be echoed back.
        let Some(token) = self
            .inner
            .meta
            .get()
            .get(meta::PROGRESS_TOKEN)
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
        else {
            return;
        };
        {
            let now = std::time::Instant::now();
            let mut last = self
                .inner
                .last_progress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let done = total.is_some_and(|t| progress >= t);
            if !done && last.is_some_and(|l| now.duration_since(l) < PROGRESS_INTERVAL) {
                return;
            }
            *last = Some(now);
        }
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(total) = total {
            params["total"] = json!(total);
        }
        if let Some(message) = message {
            params["message"] = json!(message);
        }
        self.tag_task(&mut params);
        self.inner
            .peer
            .notify(encode_notification("notifications/progress", &params))
            .await;
    }

    /// Sends a log message to the client, if the client asked for this level
    /// (legacy: `logging/setLevel`; modern: the request's
    /// `io.modelcontextprotocol/logLevel`; nothing is sent when neither was set).
    pub async fn log(&self, level: LoggingLevel, data: impl Serialize) {
        let Some(min) = self.inner.log_level else {
            return;
        };
        if level_rank(level) < level_rank(min) {
            return;
        }
        let data = serde_json::to_value(data).unwrap_or(Value::Null);
        let mut params = json!({ "level": level, "data": data });
        self.tag_task(&mut params);
        self.inner
            .peer
            .notify(encode_notification("notifications/message", &params))
            .await;
    }

    /// Names the legacy task this handler runs as in a message's `_meta`
    /// (2025-11-25: every message related to a task carries it).
    pub(crate) fn tag_task(&self, params: &mut Value) {
        let (Some(task), Value::Object(params)) = (&self.inner.task, params) else {
            return;
        };
        if let Value::Object(m) = params.entry("_meta").or_insert_with(|| json!({})) {
            m.insert(meta::RELATED_TASK.into(), json!({ "taskId": task.id() }));
        }
    }

    /// Whether a message at `level` would reach the client.
    #[cfg(feature = "telemetry")]
    pub(crate) fn wants_log(&self, level: LoggingLevel) -> bool {
        self.inner
            .log_level
            .is_some_and(|min| level_rank(level) >= level_rank(min))
    }

    /// [`Context::log`] without waiting, for synchronous callers (the
    /// `tracing` bridge): dropped when the client is not keeping up.
    #[cfg(feature = "telemetry")]
    pub(crate) fn try_log(&self, level: LoggingLevel, logger: Option<&str>, data: Value) {
        if !self.wants_log(level) {
            return;
        }
        let mut params = json!({ "level": level, "data": data });
        if let Some(logger) = logger {
            params["logger"] = json!(logger);
        }
        self.tag_task(&mut params);
        if let Some(tx) = &self.inner.peer.0 {
            let _ = tx.try_send(encode_notification("notifications/message", &params));
        }
    }

    /// Logs at `info`.
    pub async fn info(&self, message: impl Serialize) {
        self.log(LoggingLevel::Info, message).await;
    }

    /// Logs at `warning`.
    pub async fn warning(&self, message: impl Serialize) {
        self.log(LoggingLevel::Warning, message).await;
    }

    /// Logs at `error`.
    pub async fn error(&self, message: impl Serialize) {
        self.log(LoggingLevel::Error, message).await;
    }

    /// Logs at `debug`.
    pub async fn debug(&self, message: impl Serialize) {
        self.log(LoggingLevel::Debug, message).await;
    }

    /// On legacy Streamable HTTP, ends the connection carrying this request's
    /// SSE stream without ending the request: the client reconnects with
    /// `Last-Event-ID` and receives the rest (SEP-1699 polling), so a
    /// long-running call need not hold a connection. Elsewhere it does nothing.
    pub async fn close_sse_stream(&self) {
        // An empty frame is the transports' "close this connection" control.
        self.inner.peer.send(Vec::new()).await;
    }

    /// Reads one of this server's resources, as a client would (the handler
    /// runs with this request's context).
    ///
    /// # Errors
    /// The resource does not exist, or its handler failed.
    pub async fn read_resource(
        &self,
        uri: &str,
    ) -> Result<Vec<mcp_serve_core::types::ResourceContents>, McpError> {
        self.inner.served.read_resource(uri, self.clone()).await
    }
}

/// Syslog order of levels, lowest first.
pub(crate) fn level_rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}
