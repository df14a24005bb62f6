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
mod request;
mod respond;
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

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use mcp_serve_core::jsonrpc::{self, ErrorObject, Incoming, Kind};
use tokio::sync::mpsc;

pub use body::McpBody;
pub use events::{EventStore, InMemoryEventStore, StoredEvent, StreamRead};
pub use options::HttpOptions;

use self::legacy_sse::{legacy_sse_open, legacy_sse_post};
use self::request::{accepts_json_sse, decode_mirrored, header_str, mirrored_value, read_body};
use self::respond::{
    accepted, json_error, json_response, plain, rejection_status, respond_later, respond_resumable,
};
use self::session::Sessions;
use self::session_routes::{delete, get};
use super::TransportError;
use crate::engine::ServerHandle;
use crate::engine::{Connection, Inbound, MirroredHeaders, Reply};

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

fn cors_headers(origin: Option<HeaderValue>, resp: &mut Response<McpBody>) {
    let Some(origin) = origin else {
        return;
    };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("mcp-session-id, mcp-protocol-version, www-authenticate"),
    );
}

async fn handle<B>(shared: Arc<Shared>, req: Request<B>) -> Response<McpBody>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    if let Err((status, msg)) = security::single_host_and_origin(&parts.headers) {
        return plain(status, msg);
    }
    if let Err(msg) = security::check(
        &parts.headers,
        shared.options.allowed_hosts.as_deref(),
        shared.options.allowed_origins.as_deref(),
    ) {
        return plain(StatusCode::FORBIDDEN, &msg);
    }
    // Only the Origin is needed once the request is consumed (for CORS).
    let origin = if shared.options.cors {
        parts.headers.get(header::ORIGIN).cloned()
    } else {
        None
    };
    let path = parts.uri.path();
    let sse_open = shared.options.legacy_sse && path.ends_with("/sse") && parts.method == Method::GET;
    let sse_post = shared.options.legacy_sse && path.ends_with("/messages") && parts.method == Method::POST;
    let mut resp = if sse_open {
        legacy_sse_open(&shared, &parts)
    } else if sse_post {
        legacy_sse_post(&shared, parts, body).await
    } else {
        match parts.method {
            Method::POST => post(&shared, parts, body).await,
            Method::GET => get(&shared, &parts),
            Method::DELETE => delete(&shared, &parts),
            Method::OPTIONS if shared.options.cors => preflight(),
            _ => {
                let mut r = plain(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "use POST (or GET/DELETE with a legacy session)",
                );
                r.headers_mut().insert(
                    header::ALLOW,
                    HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
                );
                r
            }
        }
    };
    cors_headers(origin, &mut resp);
    resp
}

fn preflight() -> Response<McpBody> {
    let mut r = Response::new(McpBody::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id",
        ),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    r
}

async fn post<B>(shared: &Arc<Shared>, parts: http::request::Parts, body: B) -> Response<McpBody>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let content_type = header_str(&parts.headers, header::CONTENT_TYPE).unwrap_or_default();
    if !content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/json")
    {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json: the body is one JSON-RPC message",
        );
    }
    // Compressed bodies are not decoded; say so rather than fail to parse them.
    if let Some(encoding) = parts
        .headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()))
        .find(|e| !e.trim().eq_ignore_ascii_case("identity"))
    {
        let mut r = plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Content-Encoding {encoding:?} is not supported: send the JSON body uncompressed"),
        );
        r.headers_mut()
            .insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        return r;
    }
    let bytes = match read_body(shared, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (accepts_json, accepts_event_stream) = accepts_json_sse(&parts.headers);
    if parts.headers.contains_key(header::ACCEPT) && !accepts_json {
        return plain(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must include application/json (and text/event-stream for streamed responses)",
        );
    }
    let session_id = header_str(&parts.headers, names::SESSION).map(str::to_owned);
    let accepts_sse = !shared.options.json_response && accepts_event_stream;
    let mirrored = MirroredHeaders {
        protocol_version: mirrored_value(&parts.headers, &names::PROTOCOL_VERSION),
        method: mirrored_value(&parts.headers, &names::METHOD),
        name: mirrored_value(&parts.headers, &names::NAME).and_then(|v| decode_mirrored(&v)),
        params: parts
            .headers
            .keys()
            .filter_map(|k| {
                let name = k.as_str().strip_prefix("mcp-param-")?;
                Some((name.to_owned(), mirrored_value(&parts.headers, k)?))
            })
            .collect(),
    };
    // A modern client's request (even a stray `initialize`) is served statelessly.
    let modern_header = mirrored
        .protocol_version
        .as_deref()
        .and_then(|v| v.parse::<mcp_serve_core::version::ProtocolVersion>().ok())
        .is_some_and(|v| v.is_modern())
        && !shared.server.legacy_only();
    let parts = Arc::new(parts);

    // Route on the envelope: which connection serves this frame?
    let parsed = match jsonrpc::parse(&bytes) {
        Ok(p) => p,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, None, &e),
    };
    let (kind, method) = match &parsed {
        Incoming::Single(m) => match m.validate() {
            Ok(k) => (Some(k), m.method().map(str::to_owned)),
            Err(e) => return json_error(StatusCode::BAD_REQUEST, m.id().as_ref(), &e),
        },
        Incoming::Batch(_) => (None, None),
    };

    // Whether the body declares a modern revision in `_meta`: read only where
    // the routing needs it (not for a modern request without a session).
    let legacy_only = shared.server.legacy_only();
    let body_is_modern = (session_id.is_some() || (shared.options.stateless && !modern_header))
        && !legacy_only
        && has_modern_meta(&parsed);
    if session_id.is_some() && modern_header && !body_is_modern {
        return json_error(
            StatusCode::BAD_REQUEST,
            parsed_id(&parsed).as_ref(),
            &ErrorObject::new(
                mcp_serve_core::error::code::HEADER_MISMATCH,
                "Header mismatch: MCP-Protocol-Version names a 2026-07-28 request but the body is a legacy session request; send the session's negotiated revision in the header",
            ),
        );
    }
    // A modern request is served statelessly even when it names a session:
    // the session header means nothing in 2026-07-28, and the mirrored
    // headers must be checked against its body like any other's.
    let session_id = session_id.filter(|_| !modern_header && !body_is_modern);
    let (conn, session, modern) = if let Some(id) = &session_id {
        match shared.sessions.get(id) {
            Some(s) => {
                // Legacy clients send the negotiated revision on every request after initialize.
                // (Repeated lines are combined, so they are refused below.)
                if let Some(v) = mirrored.protocol_version.as_deref() {
                    let known = v
                        .parse::<mcp_serve_core::version::ProtocolVersion>()
                        .is_ok_and(|v| v.is_legacy());
                    // Any revision we speak is accepted (clients differ in what they send
                    // after negotiation); unknown ones are refused, as the spec says.
                    if !known {
                        return plain(
                            StatusCode::BAD_REQUEST,
                            &format!(
                                "unsupported MCP-Protocol-Version {v:?} for this session: send a revision this server supports (2025-11-25, 2025-06-18, 2025-03-26 or 2024-11-05)"
                            ),
                        );
                    }
                }
                (s.conn.clone(), Some(s), false)
            }
            None => {
                return plain(
                    StatusCode::NOT_FOUND,
                    "unknown or expired session (Mcp-Session-Id): start a new one with initialize",
                );
            }
        }
    } else if shared.options.stateless && !modern_header && !body_is_modern {
        // Stateless legacy serving: a fresh connection per request.
        let conn = shared.server.connect_detached();
        if method.as_deref() != Some("initialize") {
            let version = mirrored
                .protocol_version
                .as_deref()
                .and_then(|v| v.parse::<mcp_serve_core::version::ProtocolVersion>().ok())
                .filter(|v| v.is_legacy())
                .unwrap_or(mcp_serve_core::version::ProtocolVersion::V2025_03_26);
            conn.assume_legacy(version);
        }
        (conn, None, false)
    } else if method.as_deref() == Some("initialize") && !modern_header {
        let (tx, rx) = mpsc::channel(256);
        let conn = shared.server.connect(Some(tx));
        match shared.sessions.insert(conn.clone(), rx) {
            Ok(s) => (conn, Some(s), false),
            Err(session::Full(max)) => {
                return plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("the server already has {max} sessions open; try again later"),
                );
            }
        }
    } else {
        (shared.stateless.clone(), None, true)
    };

    if modern && method.as_deref() == Some("subscriptions/listen") && !accepts_sse {
        return if shared.options.json_response {
            plain(
                StatusCode::NOT_IMPLEMENTED,
                "this server answers in JSON only (HttpOptions::json_response), which cannot carry subscriptions/listen streams",
            )
        } else {
            plain(
                StatusCode::NOT_ACCEPTABLE,
                "subscriptions/listen answers with an event stream: send Accept: text/event-stream",
            )
        };
    }

    // Notifications and responses: accept and answer 202. Modern HTTP has no
    // client notifications (closing a response cancels it), and the shared
    // stateless connection must not let one client cancel another's request.
    if matches!(kind, Some(Kind::Notification | Kind::Response)) && modern {
        return accepted();
    }
    if matches!(kind, Some(Kind::Notification | Kind::Response)) {
        let via = Inbound {
            http: Some(Arc::clone(&parts)),
            ..Default::default()
        };
        if let Incoming::Single(m) = &parsed {
            if let Reply::Rejected { bytes, code } = conn.handle_raw(m, &via) {
                return json_response(bytes, rejection_status(code, modern));
            }
        }
        return accepted();
    }

    // A batch of notifications and responses (2025-03-26) is accepted with
    // 202 and no body, like a single one.
    if let Incoming::Batch(items) = &parsed {
        let answers_nothing = items.iter().all(|item| {
            item.as_ref()
                .is_ok_and(|m| matches!(m.validate(), Ok(Kind::Notification | Kind::Response)))
        });
        if answers_nothing {
            let via = Inbound {
                http: Some(Arc::clone(&parts)),
                ..Default::default()
            };
            return match conn.handle_inbound(&bytes, &via).resolve().await {
                // The batch itself was refused (batches belong to 2025-03-26 only).
                Some(refusal) => json_response(refusal, StatusCode::BAD_REQUEST),
                None => accepted(),
            };
        }
    }

    let (tx, rx) = mpsc::channel::<Vec<u8>>(64);
    let via = Inbound {
        http: Some(Arc::clone(&parts)),
        stream: accepts_sse.then_some(tx),
        mirrored: modern.then_some(mirrored),
        shared_connection: modern,
    };
    let reply = match (&parsed, kind) {
        (Incoming::Single(m), Some(kind)) => conn.handle_valid(m, kind, &via),
        (Incoming::Single(m), None) => conn.handle_raw(m, &via),
        (Incoming::Batch(_), _) => conn.handle_inbound(&bytes, &via),
    };
    drop(via);
    let mut resp = match reply {
        Reply::None => accepted(),
        Reply::Now(bytes) => json_response(bytes, StatusCode::OK),
        Reply::Rejected { bytes, code } => json_response(bytes, rejection_status(code, modern)),
        Reply::Later(fut) => match &session {
            Some(s) if accepts_sse => respond_resumable(shared, Arc::clone(s), fut, rx).await,
            _ => respond_later(fut, rx, modern, accepts_sse).await,
        },
    };
    if let Some(s) = session {
        if method.as_deref() == Some("initialize") {
            if s.conn.legacy_version().is_some() {
                if let Ok(v) = HeaderValue::from_str(&s.id) {
                    resp.headers_mut().insert(SESSION_HEADER, v);
                }
            } else {
                // The handshake failed: the session never started.
                shared.sessions.remove(&s.id);
            }
        }
    }
    resp
}

/// The id of a single message, when it is readable (for error replies).
fn parsed_id(parsed: &Incoming<'_>) -> Option<jsonrpc::RequestId> {
    match parsed {
        Incoming::Single(m) => m.id(),
        Incoming::Batch(_) => None,
    }
}

/// Whether a parsed message's `_meta` names a protocol version (a modern request).
fn has_modern_meta(parsed: &Incoming<'_>) -> bool {
    let Incoming::Single(m) = parsed else { return false };
    // Most legacy requests do not even mention the key: skip the parse.
    if !m
        .params()
        .is_some_and(|p| p.get().contains(mcp_serve_core::meta::PROTOCOL_VERSION))
    {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "_meta", default)]
        meta: Option<std::collections::HashMap<String, serde::de::IgnoredAny>>,
    }
    m.params()
        .and_then(|p| serde_json::from_str::<Probe>(p.get()).ok())
        .and_then(|p| p.meta)
        .is_some_and(|meta| meta.contains_key(mcp_serve_core::meta::PROTOCOL_VERSION))
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
