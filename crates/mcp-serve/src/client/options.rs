//! How a client connects, what it answers, and what one request may carry.

use std::sync::Arc;
use std::time::Duration;

use mcp_serve_core::jsonrpc::{ErrorObject, Notification};
use mcp_serve_core::types::{ClientCapabilities, Implementation, Root, RootsCapability};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::transport::TransportError;

/// Which protocol era the client speaks.
///
/// ```
/// use mcp_serve::client::{ClientOptions, Era};
/// use mcp_serve::protocol::version::ProtocolVersion;
/// let legacy = ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_06_18));
/// assert_eq!(legacy.era, Era::Legacy(ProtocolVersion::V2025_06_18));
/// assert_eq!(ClientOptions::default().era, Era::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// Detect it as `basic/versioning.mdx` says (a modern request first, then
    /// `initialize`, then on HTTP the 2024-11-05 HTTP+SSE transport), and
    /// remember the answer for the rest of the process.
    Auto,
    /// Stateless 2026-07-28 requests with `_meta`.
    Modern,
    /// The `initialize` handshake at this revision.
    Legacy(ProtocolVersion),
}

/// Answers the server's requests for input (elicitation, sampling, roots):
/// the method and params in, the result out. The same handler serves legacy
/// server→client requests and modern multi round-trip retries.
///
/// ```
/// use mcp_serve::client::ClientOptions;
/// use serde_json::json;
/// let options = ClientOptions::default().on_input(|method, _params| async move {
///     match method.as_str() {
///         "elicitation/create" => Ok(json!({"action": "decline"})),
///         other => Err(mcp_serve::protocol::jsonrpc::ErrorObject::method_not_found(other)),
///     }
/// });
/// assert!(options.input.is_some());
/// ```
pub type InputHandler = Arc<
    dyn Fn(String, Value) -> futures::future::BoxFuture<'static, Result<Value, ErrorObject>> + Send + Sync,
>;

/// Which way a frame went, for [`ClientOptions::on_traffic`].
///
/// ```
/// use mcp_serve::client::Direction;
/// assert_ne!(Direction::Sent, Direction::Received);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server.
    Sent,
    /// From the server to the client.
    Received,
}

/// Sees every JSON-RPC frame the client sends or receives (see
/// [`ClientOptions::on_traffic`]).
///
/// ```
/// use std::sync::Arc;
/// use mcp_serve::client::{Direction, TrafficTap};
/// let tap: TrafficTap = Arc::new(|dir: Direction, frame: &[u8]| {
///     let _ = (dir, frame.len());
/// });
/// # let _ = tap;
/// ```
pub type TrafficTap = Arc<dyn Fn(Direction, &[u8]) + Send + Sync>;

/// Sees every notification the server sends (see
/// [`ClientOptions::on_notification`]).
///
/// ```
/// use std::sync::Arc;
/// use mcp_serve::client::NotificationHandler;
/// let log: NotificationHandler = Arc::new(|n| eprintln!("{}", n.method));
/// # let _ = log;
/// ```
pub type NotificationHandler = Arc<dyn Fn(Notification) + Send + Sync>;

/// How the client introduces itself, what it answers and how long it waits.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::client::{ClientOptions, Era};
/// let options = ClientOptions::default()
///     .era(Era::Modern)
///     .timeout(Duration::from_secs(5))
///     .header("Authorization", "Bearer secret");
/// assert_eq!(options.headers, vec![("Authorization".to_owned(), "Bearer secret".to_owned())]);
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    /// Era selection.
    pub era: Era,
    /// The client's name and version.
    pub info: Implementation,
    /// The client's capabilities.
    pub capabilities: ClientCapabilities,
    /// How long a request may take (each round of a multi round-trip request
    /// has this long; see [`RequestOptions::timeout`] to change it per call).
    pub timeout: Duration,
    /// Answers the server's input requests; without one they are refused.
    pub input: Option<InputHandler>,
    /// Sees every frame in both directions (message logs, inspectors).
    pub traffic: Option<TrafficTap>,
    /// Extra HTTP headers sent with every HTTP request (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// The roots `roots/list` answers with (see [`ClientOptions::roots`]).
    pub roots: Option<Vec<Root>>,
    /// Called with every notification the server sends.
    pub notification: Option<NotificationHandler>,
    /// Certificate authorities (PEM) trusted for `https://` servers, in
    /// addition to the system's (see [`ClientOptions::root_certificate_pem`]).
    pub root_certificates: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("era", &self.era)
            .field("info", &self.info)
            .field("capabilities", &self.capabilities)
            .field("timeout", &self.timeout)
            .field("input", &self.input.as_ref().map(|_| "handler"))
            .field("traffic", &self.traffic.as_ref().map(|_| "tap"))
            // Header values are often credentials.
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            )
            .field("roots", &self.roots)
            .field("notification", &self.notification.as_ref().map(|_| "handler"))
            .field("root_certificates", &self.root_certificates.len())
            .finish()
    }
}

impl ClientOptions {
    /// Speaks `era` (see [`Era`]).
    ///
    /// ```
    /// use mcp_serve::client::{ClientOptions, Era};
    /// assert_eq!(ClientOptions::default().era(Era::Modern).era, Era::Modern);
    /// ```
    #[must_use]
    pub fn era(mut self, era: Era) -> Self {
        self.era = era;
        self
    }

    /// Waits at most `timeout` for each request.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::client::ClientOptions;
    /// let o = ClientOptions::default().timeout(Duration::from_secs(3));
    /// assert_eq!(o.timeout, Duration::from_secs(3));
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Answers input requests with `handler` (see [`InputHandler`]).
    ///
    /// ```
    /// use mcp_serve::client::ClientOptions;
    /// use serde_json::json;
    /// let o = ClientOptions::default()
    ///     .on_input(|_method, _params| async { Ok(json!({"action": "cancel"})) });
    /// assert!(o.input.is_some());
    /// ```
    #[must_use]
    pub fn on_input<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(String, Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, ErrorObject>> + Send + 'static,
    {
        self.input = Some(Arc::new(move |m, p| Box::pin(handler(m, p))));
        self
    }

    /// Calls `tap` with every JSON-RPC frame sent or received, in order per
    /// direction. Keep it quick: it runs on the transport's path.
    ///
    /// ```
    /// use mcp_serve::client::{ClientOptions, Direction};
    /// let options = ClientOptions::default().on_traffic(|dir, frame| {
    ///     let arrow = if dir == Direction::Sent { "->" } else { "<-" };
    ///     eprintln!("{arrow} {}", String::from_utf8_lossy(frame));
    /// });
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn on_traffic<F>(mut self, tap: F) -> Self
    where
        F: Fn(Direction, &[u8]) + Send + Sync + 'static,
    {
        self.traffic = Some(Arc::new(tap));
        self
    }

    /// Calls `handler` with every notification the server sends (progress,
    /// log messages, list changes…), in order. They also still reach
    /// [`Client::notifications`](super::Client::notifications). Keep it quick:
    /// it runs on the client's reading path.
    ///
    /// ```
    /// use mcp_serve::client::ClientOptions;
    /// let options = ClientOptions::default().on_notification(|n| {
    ///     if n.method == "notifications/message" {
    ///         eprintln!("server log: {:?}", n.params);
    ///     }
    /// });
    /// assert!(options.notification.is_some());
    /// ```
    #[must_use]
    pub fn on_notification<F>(mut self, handler: F) -> Self
    where
        F: Fn(Notification) + Send + Sync + 'static,
    {
        self.notification = Some(Arc::new(handler));
        self
    }

    /// Adds an HTTP header to every HTTP request (ignored by stdio and
    /// in-memory connections). A header the protocol sets itself
    /// (`Content-Type`, `Accept`, `MCP-Protocol-Version`, …) is overridden.
    ///
    /// ```
    /// use mcp_serve::client::ClientOptions;
    /// let o = ClientOptions::default().header("Authorization", "Bearer t0k3n");
    /// assert_eq!(o.headers.len(), 1);
    /// ```
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM
    /// certificates) for `https://` servers, besides the system's: for a
    /// private CA or a self-signed test certificate. A bundle that is not
    /// PEM fails the connection, saying so.
    ///
    /// ```
    /// use mcp_serve::client::ClientOptions;
    /// # let ca_pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
    /// let o = ClientOptions::default().root_certificate_pem(ca_pem);
    /// assert_eq!(o.root_certificates.len(), 1);
    /// ```
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Offers `roots` to the server: declares the `roots` capability and
    /// answers `roots/list` (legacy request or modern input request) with
    /// them. Other input requests still go to [`ClientOptions::on_input`].
    ///
    /// ```
    /// use mcp_serve::client::ClientOptions;
    /// use mcp_serve::protocol::types::Root;
    /// let o = ClientOptions::default().roots(vec![Root::new("file:///home/me/project").with_name("project")]);
    /// assert!(o.capabilities.roots.is_some());
    /// ```
    #[must_use]
    pub fn roots(mut self, roots: Vec<Root>) -> Self {
        self.capabilities
            .roots
            .get_or_insert_with(RootsCapability::default);
        self.roots = Some(roots);
        self
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            era: Era::Auto,
            info: Implementation::new("mcp-serve-client", env!("CARGO_PKG_VERSION")),
            capabilities: ClientCapabilities::default(),
            timeout: Duration::from_secs(30),
            input: None,
            traffic: None,
            headers: Vec::new(),
            roots: None,
            notification: None,
            root_certificates: Vec::new(),
        }
    }
}

/// One `notifications/progress` for a request made with
/// [`RequestOptions::on_progress`].
///
/// ```
/// use mcp_serve::client::ProgressUpdate;
/// let p = ProgressUpdate { progress: 1.0, total: Some(4.0), message: None };
/// assert_eq!(p.total.map(|t| p.progress / t), Some(0.25));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressUpdate {
    /// Work done so far (increases with every update).
    pub progress: f64,
    /// The total, when the server knows it.
    pub total: Option<f64>,
    /// What is happening, for people.
    pub message: Option<String>,
}

/// What one request may carry besides its params: its own timeout, a
/// progress callback, a cancellation token.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::client::RequestOptions;
/// use tokio_util::sync::CancellationToken;
/// let stop = CancellationToken::new();
/// let o = RequestOptions::default()
///     .timeout(Duration::from_secs(120))
///     .on_progress(|p| eprintln!("{:.0}%", 100.0 * p.progress / p.total.unwrap_or(1.0)))
///     .cancel(stop.clone());
/// assert!(o.on_progress.is_some() && o.cancel.is_some());
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    /// How long each round trip may take; [`ClientOptions::timeout`] when `None`.
    pub timeout: Option<Duration>,
    /// Called with every progress notification for this request (a progress
    /// token is added to its `_meta`).
    #[allow(clippy::type_complexity)]
    pub on_progress: Option<Arc<dyn Fn(ProgressUpdate) + Send + Sync>>,
    /// Cancels the request when cancelled: `notifications/cancelled` on stdio
    /// and legacy sessions; on modern HTTP the request's stream is closed,
    /// which is the cancellation there. The call returns
    /// [`ClientError::Cancelled`].
    pub cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("on_progress", &self.on_progress.as_ref().map(|_| "callback"))
            .field("cancel", &self.cancel)
            .finish()
    }
}

impl RequestOptions {
    /// Waits at most `timeout` for this request.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::client::RequestOptions;
    /// assert_eq!(RequestOptions::default().timeout(Duration::from_secs(1)).timeout, Some(Duration::from_secs(1)));
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Calls `callback` with the request's progress updates.
    ///
    /// ```
    /// use mcp_serve::client::RequestOptions;
    /// let o = RequestOptions::default().on_progress(|p| println!("{} done", p.progress));
    /// assert!(o.on_progress.is_some());
    /// ```
    #[must_use]
    pub fn on_progress<F>(mut self, callback: F) -> Self
    where
        F: Fn(ProgressUpdate) + Send + Sync + 'static,
    {
        self.on_progress = Some(Arc::new(callback));
        self
    }

    /// Cancels the request when `token` is cancelled.
    ///
    /// ```
    /// use mcp_serve::client::RequestOptions;
    /// use tokio_util::sync::CancellationToken;
    /// let token = CancellationToken::new();
    /// let o = RequestOptions::default().cancel(token.clone());
    /// token.cancel();
    /// assert!(o.cancel.unwrap().is_cancelled());
    /// ```
    #[must_use]
    pub fn cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

/// A request (or a connection) that failed.
///
/// ```
/// use mcp_serve::client::ClientError;
/// use mcp_serve::protocol::jsonrpc::ErrorObject;
/// let e = ClientError::Rpc(ErrorObject::method_not_found("nope"));
/// assert_eq!(e.rpc().map(|e| e.code), Some(-32601));
/// assert!(ClientError::Cancelled.rpc().is_none());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    #[error("the server returned an error: {0}")]
    Rpc(ErrorObject),
    /// The transport failed (could not connect, the connection or process ended).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// No answer in time.
    #[error(
        "no response to `{0}` within the timeout (raise it with ClientOptions::timeout or RequestOptions::timeout)"
    )]
    Timeout(String),
    /// The answer did not have the expected shape.
    #[error("the server's response to `{method}` could not be read: {source}")]
    Decode {
        /// The method.
        method: String,
        /// Why.
        source: serde_json::Error,
    },
    /// The request was cancelled through [`RequestOptions::cancel`].
    #[error("the request was cancelled")]
    Cancelled,
    /// An HTTP request failed with this status and no JSON-RPC answer.
    #[error("the server answered HTTP {status}: {message}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// What the server said, and what to do about it.
        message: String,
    },
    /// The server answered, but not in MCP.
    #[error("{0}")]
    Protocol(String),
    /// The client was set up wrongly (a malformed URL or header, an era the
    /// transport cannot carry).
    #[error("{0}")]
    Config(String),
}

impl ClientError {
    /// The JSON-RPC error, if the server sent one.
    ///
    /// ```
    /// use mcp_serve::client::ClientError;
    /// assert!(ClientError::Timeout("tools/call".into()).rpc().is_none());
    /// ```
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc(e) => Some(e),
            _ => None,
        }
    }
}
