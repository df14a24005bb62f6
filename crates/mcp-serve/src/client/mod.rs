//! A client for MCP servers, speaking both eras — modern (2026-07-28, every
//! request carries `_meta`) and legacy (`initialize` handshake) — over stdio,
//! Streamable HTTP, the 2024-11-05 HTTP+SSE transport, or in memory.
//!
//! With [`Era::Auto`] the client finds the server's era as
//! `2026-07-28/basic/versioning.mdx` says: on stdio it probes with
//! `server/discover` and falls back to `initialize`; on HTTP it sends a modern
//! request and falls back to `initialize`, then to the HTTP+SSE transport. The
//! answer is cached per server (URL or command line) for the process.
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::client::{Client, ClientOptions, Era};
//!
//! /// Add two numbers.
//! #[tool]
//! fn add(a: f64, b: f64) -> f64 { a + b }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let server = Server::new("calc", "1.0.0").tool(add).into_handle()?;
//! let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
//! assert_eq!(client.era(), Era::Modern);
//! let r = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(r.content[0].as_text(), Some("5"));
//! # Ok(()) }
//! ```
//!
//! Over HTTP, with a progress callback:
//!
//! ```
//! use mcp_serve::prelude::*;
//! use mcp_serve::client::{Client, ClientOptions, RequestOptions};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! # /// Works.
//! # #[tool] async fn work(ctx: Context) -> &'static str { ctx.progress(1.0, Some(1.0), Some("done")).await; "ok" }
//! # let handle = Server::new("demo", "1.0.0").tool(work).into_handle()?;
//! # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let url = format!("http://{}/mcp", listener.local_addr()?);
//! # tokio::spawn(async move {
//! #     mcp_serve::transport::http::serve_listener(&handle, listener, Default::default(), std::future::pending()).await
//! # });
//! let client = Client::connect_http(&url, ClientOptions::default()).await?;
//! let r = client
//!     .call_tool_with("work", serde_json::json!({}),
//!         RequestOptions::default().on_progress(|p| eprintln!("{}/{:?}", p.progress, p.total)))
//!     .await?;
//! assert_eq!(r.content[0].as_text(), Some("ok"));
//! client.close().await;
//! # Ok(()) }
//! ```
//!
//! Where the code lives, for contributors:
//! - `mod.rs`: the [`Client`] handle, its shared state, and what it knows
//!   (era, server identity and capabilities).
//! - `connect`: connecting, era detection and fallback, the era cache
//!   (`cache`), the handshake, closing.
//! - `rpc`: requests out and answers back: ids, the pending map, timeouts,
//!   cancellation, the spec's retries, multi round-trip input.
//! - `envelope`: what a message carries per era and transport: `_meta`,
//!   Streamable HTTP headers, tools' `x-mcp-header` parameters (`headers`).
//! - `inbound`: the reader task: routing responses and notifications,
//!   answering the server's own requests (roots, ping, `on_input`).
//! - `api`: the typed requests (`list_tools`, `call_tool`, `read_resource`, …).
//! - `listen`: `subscriptions/listen` and [`Subscription`].
//! - `options`: [`ClientOptions`], [`RequestOptions`], [`ClientError`], [`Era`].
//! - `transport` (stdio, in memory), `http` and `sse`: moving frames;
//!   `conn_pool`: kept-alive HTTP/1.1 connections a request drives itself.

mod api;
mod cache;
mod conn_pool;
mod connect;
mod envelope;
mod headers;
mod http;
mod inbound;
mod listen;
mod options;
mod pass;
mod rpc;
pub(crate) mod sse;
mod transport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard};

use mcp_serve_core::jsonrpc::{Notification, RequestId, Response};
use mcp_serve_core::types::{Implementation, LoggingLevel, ServerCapabilities};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

pub use listen::Subscription;
pub use options::{
    ClientError, ClientOptions, Direction, Era, InputHandler, NotificationHandler, ProgressUpdate,
    RequestOptions, TrafficTap,
};
pub use transport::StdioCommand;

use self::http::HttpLink;

/// Requests waiting for their answer, by id.
pub(crate) type Pending = Arc<Mutex<HashMap<RequestId, oneshot::Sender<Result<Response, ClientError>>>>>;

/// A poisoned lock only means another thread panicked; the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where frames go.
enum Link {
    /// stdio and in-memory: a stream of frames each way.
    Pipe(mpsc::Sender<Vec<u8>>),
    /// Streamable HTTP or HTTP+SSE.
    Http(Box<HttpLink>),
}

/// What the server said about itself.
#[derive(Default)]
struct Facts {
    info: Option<Value>,
    capabilities: Option<ServerCapabilities>,
    instructions: Option<String>,
    /// The `server/discover` result, or one made from `initialize`'s.
    discover: Option<Value>,
}

type ProgressFn = Arc<dyn Fn(ProgressUpdate) + Send + Sync>;

/// A connected client. Cheap to clone; the connection ends when the last
/// clone is dropped (or at [`Client::close`]).
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::client::{Client, ClientOptions};
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// let server = Server::new("s", "1").into_handle()?;
/// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
/// let other = client.clone(); // the same connection
/// drop(client);
/// assert!(other.list_tools().await.is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    link: Link,
    pending: Pending,
    next_id: AtomicI64,
    next_token: AtomicU64,
    options: ClientOptions,
    /// `options.capabilities` and `options.info` as JSON, made once: every
    /// modern request carries them.
    identity: (Value, Value),
    era: Mutex<Era>,
    facts: Mutex<Facts>,
    log_level: Mutex<Option<LoggingLevel>>,
    progress: Mutex<HashMap<String, ProgressFn>>,
    tool_headers: Mutex<HashMap<String, Vec<headers::ParamHeader>>>,
    notify_tx: mpsc::UnboundedSender<Notification>,
    notifications: Mutex<Option<mpsc::UnboundedReceiver<Notification>>>,
    /// Notifications delivered so far: a response resolved after a
    /// notification was delivered sees it counted (one reader, in order).
    delivered: AtomicU64,
    child: Option<transport::ChildGuard>,
    closed: AtomicBool,
    /// Nothing more can arrive from the server (its process or stream ended).
    reader_ended: AtomicBool,
    /// Open `subscriptions/listen` streams.
    listeners: Mutex<listen::Listeners>,
    /// Serialises opening subscriptions (see `Client::listen`).
    listen_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("era", &self.era())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The era in use.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, Era};
    /// use mcp_serve::protocol::version::ProtocolVersion;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let options = ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_06_18));
    /// let client = Client::connect_in_memory(&server, options).await?;
    /// assert_eq!(client.era(), Era::Legacy(ProtocolVersion::V2025_06_18));
    /// # Ok(()) }
    /// ```
    pub fn era(&self) -> Era {
        self.inner.era()
    }

    /// The protocol revision in use: 2026-07-28 in the modern era, the
    /// negotiated one in the legacy era.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// use mcp_serve::protocol::version::ProtocolVersion;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert_eq!(client.protocol_version(), ProtocolVersion::V2026_07_28);
    /// # Ok(()) }
    /// ```
    pub fn protocol_version(&self) -> ProtocolVersion {
        match self.era() {
            Era::Legacy(v) => v,
            _ => ProtocolVersion::LATEST,
        }
    }

    /// The server's self-reported identity.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("weather", "2.1.0").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert_eq!(client.server_info().unwrap().version, "2.1.0");
    /// # Ok(()) }
    /// ```
    pub fn server_info(&self) -> Option<Implementation> {
        let v = lock(&self.inner.facts).info.clone();
        v.and_then(|v| serde_json::from_value(v).ok())
    }

    /// What the server can do, from its `initialize` or `server/discover` answer.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tool] fn t() -> &'static str { "" }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").tool(t).into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert!(client.server_capabilities().unwrap().tools.is_some());
    /// # Ok(()) }
    /// ```
    pub fn server_capabilities(&self) -> Option<ServerCapabilities> {
        lock(&self.inner.facts).capabilities.clone()
    }

    /// How the server says to use it, for the model.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").instructions("Call `add` for sums.").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert_eq!(client.instructions().as_deref(), Some("Call `add` for sums."));
    /// # Ok(()) }
    /// ```
    pub fn instructions(&self) -> Option<String> {
        lock(&self.inner.facts).instructions.clone()
    }
}

impl Inner {
    fn era(&self) -> Era {
        *lock(&self.era)
    }

    fn set_era(&self, era: Era) {
        *lock(&self.era) = era;
    }

    fn streamable_modern(&self) -> bool {
        matches!(&self.link, Link::Http(l) if !l.is_sse()) && self.era() == Era::Modern
    }
}
