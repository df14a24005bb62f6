//! The endpoint as a service: [`McpService`] (the `tower::Service` every
//! request enters by), the state its handlers share, the cap on long-lived
//! streams, and [`serve`] with its graceful shutdown on signals.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response, StatusCode};

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

/// A held place among the long-lived streams; released on drop.
pub(super) struct StreamSlot(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

pub(super) fn acquire_stream(shared: &Shared) -> Result<StreamSlot, Response<McpBody>> {
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
