//! Streamable HTTP, for both eras, plus the deprecated HTTP+SSE transport of
//! 2024-11-05, on hyper.
//!
//! - Modern (2026-07-28): one POST per request, no sessions; the mirrored
//!   headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) must match
//!   the body (`HeaderMismatch`, 400); version, capability and malformed
//!   `_meta` errors are 400, an unknown method 404.
//! - Legacy (2025-03-26 … 2025-11-25): `initialize` opens a session
//!   (`Mcp-Session-Id`); GET opens the session's stream for server-initiated
//!   messages; DELETE ends it; unknown sessions get 404.
//! - HTTP+SSE (2024-11-05): `GET …/sse` opens a session whose `endpoint`
//!   event names `…/messages?sessionId=…`, where the client POSTs.
//!
//! A call's response is JSON unless the handler sends a notification
//! (progress, log) before finishing and the client accepts
//! `text/event-stream`: then the response switches to SSE. Closing an SSE
//! stream cancels the handler.
//!
//! [`McpService`] is a `tower::Service`, mountable in axum with
//! `Router::new().nest_service("/mcp", service)`.
//!
//! ```no_run
//! use mcp_serve::prelude::*;
//! # #[tokio::main] async fn main() -> anyhow::Result<()> {
//! let handle = Server::new("demo", "1.0.0").into_handle()?;
//! mcp_serve::transport::http::serve(&handle, "127.0.0.1:8000".parse()?, Default::default()).await?;
//! # Ok(()) }
//! ```

// Early-return helpers hand back a ready response as their error; boxing it
// would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

mod body;
mod events;
mod legacy_sse;
mod options;
mod post;
mod request;
mod respond;
mod routing;
mod security;
mod session;
mod session_routes;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response, StatusCode};

pub use body::McpBody;
pub use events::{EventStore, InMemoryEventStore, StoredEvent, StreamRead};
pub use options::HttpOptions;

use self::respond::plain;
use self::routing::handle;
use self::session::Sessions;
use super::TransportError;
use crate::engine::{Connection, ServerHandle};

/// The session header of legacy Streamable HTTP.
pub const SESSION_HEADER: &str = "mcp-session-id";

struct Shared {
    server: ServerHandle,
    options: HttpOptions,
    sessions: Arc<Sessions>,
    /// Serves modern (stateless) requests; it never holds legacy state.
    stateless: Connection,
    streams: events::Streams,
    /// Long-lived streams open now.
    open_streams: Arc<std::sync::atomic::AtomicUsize>,
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
        let store = options
            .event_store
            .clone()
            .unwrap_or_else(|| Arc::new(InMemoryEventStore::default()));
        let streams = events::Streams::new(store);
        let sessions = Sessions::new(options.max_sessions, options.session_idle, streams.clone());
        McpService {
            shared: Arc::new(Shared {
                stateless: server.connect_detached(),
                server: server.clone(),
                options,
                sessions,
                streams,
                open_streams: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            }),
        }
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
        Box::pin(async move { Ok(handle(shared, req).await) })
    }
}

/// Header names known in advance: looking a `&str` up parses it every time.
mod names {
    use http::HeaderName;
    pub(super) const SESSION: HeaderName = HeaderName::from_static(super::SESSION_HEADER);
    pub(super) const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
    pub(super) const METHOD: HeaderName = HeaderName::from_static("mcp-method");
    pub(super) const NAME: HeaderName = HeaderName::from_static("mcp-name");
    pub(super) const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");
}

/// A held place among the long-lived streams; released on drop.
struct StreamSlot(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

fn acquire_stream(shared: &Shared) -> Result<StreamSlot, Response<McpBody>> {
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
/// 2024-11-05 endpoints at `/sse` and `/messages`. Stops on Ctrl-C (or
/// SIGTERM), letting in-flight requests finish for up to 10 s.
///
/// # Errors
/// When the address cannot be bound.
pub async fn serve(
    handle: &ServerHandle,
    addr: SocketAddr,
    options: HttpOptions,
) -> Result<(), TransportError> {
    serve_with_shutdown(handle, addr, options, shutdown_signal()).await
}

async fn shutdown_signal() {
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
}

/// Like [`serve`], stopping when `shutdown` resolves.
///
/// # Errors
/// When the address cannot be bound.
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
    serve_listener(handle, listener, options, shutdown).await
}

/// Serves on an already bound listener (e.g. port 0 in tests).
///
/// # Errors
/// When accepting connections fails.
pub async fn serve_listener(
    handle: &ServerHandle,
    listener: tokio::net::TcpListener,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), TransportError> {
    let service = McpService::new(handle, options);
    let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving MCP over HTTP at /mcp (legacy HTTP+SSE at /sse)");
    }
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small JSON responses must not wait for Nagle.
        let _ = stream.set_nodelay(true);
        let svc = service.clone();
        let hyper_svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            let mut svc = svc.clone();
            async move {
                if !matches!(req.uri().path(), "/mcp" | "/mcp/" | "/sse" | "/messages") {
                    return Ok::<_, Infallible>(plain(
                        StatusCode::NOT_FOUND,
                        "not an MCP endpoint: use /mcp (or /sse for the 2024-11-05 transport)",
                    ));
                }
                tower_service::Service::call(&mut svc, req).await
            }
        });
        let conn = builder.serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(stream), hyper_svc);
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}
