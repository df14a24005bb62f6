//! The endpoint as a service: [`McpService`] (the `tower::Service` every
//! request enters by), the state its handlers share, the cap on long-lived
//! streams, and [`serve`] with its graceful shutdown on signals.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use tokio_util::sync::CancellationToken;

use super::body::StreamClass;
use super::events;
use super::options::HttpOptions;
use super::respond::plain;
use super::routing::handle;
use super::session::Sessions;
use super::{InMemoryEventStore, McpBody};
use crate::engine::{Connection, ServerHandle};
use crate::transport::TransportError;

/// What every request handler shares: the server, the options and the
/// legacy state.
pub(super) struct Shared {
    pub(super) server: ServerHandle,
    pub(super) options: HttpOptions,
    pub(super) sessions: Arc<Sessions>,
    /// Serves modern (stateless) requests; it never holds legacy state.
    pub(super) stateless: Connection,
    pub(super) streams: events::Streams,
    /// Long-lived streams open now.
    open_streams: Arc<std::sync::atomic::AtomicUsize>,
    /// Requests being answered now (long-lived streams excluded).
    requests: Arc<tokio::sync::Semaphore>,
    /// Cancelled when the server starts shutting down.
    pub(super) draining: CancellationToken,
    /// The rate limits' buckets, when there are limits.
    pub(super) limiters: Option<Arc<super::rate_limit::Limiters>>,
    /// Served at the root of its own listener: paths other than the MCP
    /// endpoints and the probes get 404.
    at_root: bool,
}

/// The MCP endpoint as a `tower::Service`.
#[derive(Clone)]
pub struct McpService {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for McpService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpService")
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl McpService {
    /// The endpoint for a server. Needs a Tokio runtime (it starts the
    /// session reaper).
    pub fn new(server: &ServerHandle, options: HttpOptions) -> Self {
        #[cfg_attr(not(feature = "auth"), allow(unused_mut))]
        let mut options = options.with_env();
        if let Some(problem) = options.env_problem() {
            // Mounted by the caller's own server: nothing to refuse to start.
            tracing::error!("{problem}; the setting is not applied");
        }
        #[cfg(feature = "auth")]
        if options.auth.is_none() {
            options.auth = server.auth().cloned().map(Arc::new);
        }
        let store = options
            .event_store
            .clone()
            .unwrap_or_else(|| Arc::new(InMemoryEventStore::default()));
        let draining = CancellationToken::new();
        let streams = events::Streams::new(store, options.stream_lease, draining.clone());
        let sessions = Sessions::new(
            options.max_sessions,
            options.session_idle,
            streams.clone(),
            options.session_store.clone(),
            options.session_revalidate,
        );
        // Subscribed from the start: notices sent before are lost.
        sessions.link(server);
        let options_requests = options.max_concurrent_requests;
        McpService {
            shared: Arc::new(Shared {
                stateless: server.connect_detached(),
                server: server.clone(),
                sessions,
                streams,
                open_streams: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
                requests: Arc::new(tokio::sync::Semaphore::new(options_requests)),
                draining,
                limiters: super::rate_limit::Limiters::new(&options.rate_limit),
                at_root: false,
                options,
            }),
        }
    }

    /// Starts shutting down: readiness goes down (503), new long-lived
    /// streams are refused, open ones end at once (legacy streams with
    /// `retry:`, `subscriptions/listen` with its completion result). Calls
    /// in flight go on. [`serve_listener`](super::serve_listener) calls it on
    /// shutdown; call it yourself when the service is mounted elsewhere.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let handle = Server::new("demo", "1.0.0").into_handle()?;
    /// let service = handle.http_service(Default::default());
    /// service.drain();
    /// assert!(service.is_draining());
    /// # Ok(()) }
    /// ```
    pub fn drain(&self) {
        let shared = &self.shared;
        shared.draining.cancel();
        shared.stateless.finish_subscriptions();
        shared.sessions.for_each(|s| s.conn.finish_subscriptions());
    }

    /// Waits until the requests whose handlers run detached here (legacy
    /// resumable streams) have ended, at most until `deadline`.
    pub(super) async fn handlers_done(&self, deadline: tokio::time::Instant) {
        self.shared.streams.handlers_done(deadline).await;
    }

    /// Whether [`McpService::drain`] was called.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let handle = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle()?;
    /// assert!(!handle.http_service(Default::default()).is_draining());
    /// # Ok(()) }
    /// ```
    pub fn is_draining(&self) -> bool {
        self.shared.draining.is_cancelled()
    }

    /// The service for a listener of its own, where it owns every path.
    pub(super) fn at_root(mut self) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.at_root = true;
        }
        self
    }

    pub(super) fn limits(&self) -> super::accept::Limits {
        super::accept::Limits {
            header_timeout: self.shared.options.header_read_timeout,
            idle: self.shared.options.keep_alive_idle,
        }
    }

    pub(super) fn drain_token(&self) -> CancellationToken {
        self.shared.draining.clone()
    }

    /// The number of live legacy sessions.
    pub fn session_count(&self) -> usize {
        self.shared.sessions.len()
    }
}

impl<B> tower_service::Service<Request<B>> for McpService
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<McpBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<McpBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let path = req.uri().path();
            if let Some(r) = super::probes::answer(&shared, path).await {
                return Ok(r);
            }
            #[cfg(feature = "auth")]
            if let Some(auth) = &shared.options.auth {
                if let Some(r) =
                    super::authorize::metadata(auth, req.headers(), path, shared.options.serves_tls())
                {
                    return Ok(r);
                }
            }
            if shared.at_root && !matches!(path, "/mcp" | "/mcp/" | "/sse" | "/messages") {
                return Ok(plain(
                    StatusCode::NOT_FOUND,
                    "not an MCP endpoint: use /mcp (or /sse for the 2024-11-05 transport)",
                ));
            }
            // Past the cap, shed load at once rather than queue without bound.
            let Ok(permit) = Arc::clone(&shared.requests).try_acquire_owned() else {
                let mut r = plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!(
                        "the server is answering {} requests already; retry shortly",
                        shared.options.max_concurrent_requests
                    ),
                );
                r.headers_mut()
                    .insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
                return Ok(r);
            };
            let mut resp = handle(Arc::clone(&shared), req).await;
            let body = resp.body_mut();
            // A long-lived stream is capped as a stream, not as a request.
            if body.class() == StreamClass::Call {
                body.hold_permit(permit);
            } else {
                drop(permit);
            }
            body.arm(shared.options.sse_keep_alive, &shared.draining);
            Ok(resp)
        })
    }
}

/// A held place among the long-lived streams; released on drop.
pub(super) struct StreamSlot(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

pub(super) fn acquire_stream(shared: &Shared) -> Result<StreamSlot, Response<McpBody>> {
    if shared.draining.is_cancelled() {
        let mut r = plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down; reconnect (to another replica)",
        );
        r.headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
        return Err(r);
    }
    let max = shared.options.max_streams;
    let open = &shared.open_streams;
    if open.fetch_add(1, std::sync::atomic::Ordering::AcqRel) >= max {
        open.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        return Err(plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the server already has {max} streams open; try again later"),
        ));
    }
    Ok(StreamSlot(Arc::clone(open)))
}

/// Serves `handle` over HTTP at `addr`: the MCP endpoint at `/mcp`, the
/// 2024-11-05 endpoints at `/sse` and `/messages`, the probes at `/healthz`
/// and `/readyz`. Stops on Ctrl-C (or SIGTERM) as [`serve_listener`](super::serve_listener) does.
///
/// ```no_run
/// use mcp_serve::prelude::*;
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let handle = Server::new("demo", "1.0.0").into_handle()?;
/// mcp_serve::transport::http::serve(&handle, "127.0.0.1:8000".parse()?, Default::default()).await?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// When the address cannot be bound, or is beyond loopback with no `Host`
/// policy.
pub async fn serve(
    handle: &ServerHandle,
    addr: SocketAddr,
    options: HttpOptions,
) -> Result<(), TransportError> {
    serve_with_shutdown(handle, addr, options, shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM (what platforms send to stop a container).
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down: draining connections");
}

/// Like [`serve`], stopping when `shutdown` resolves.
///
/// ```no_run
/// use mcp_serve::prelude::*;
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let handle = Server::new("demo", "1.0.0").into_handle()?;
/// let stop = tokio::time::sleep(std::time::Duration::from_secs(60));
/// mcp_serve::transport::http::serve_with_shutdown(&handle, "127.0.0.1:8000".parse()?, Default::default(), stop)
///     .await?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// When the address cannot be bound, or is beyond loopback with no `Host`
/// policy.
pub async fn serve_with_shutdown(
    handle: &ServerHandle,
    addr: SocketAddr,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), TransportError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        TransportError::Io(std::io::Error::new(
            e.kind(),
            format!("could not listen on {addr}: {e} (is another server using this port?)"),
        ))
    })?;
    super::accept::serve_listener(handle, listener, options, shutdown).await
}
