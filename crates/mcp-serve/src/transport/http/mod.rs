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
//!
//! Where the code lives, for contributors:
//! - `mod.rs`: the re-exports, [`SESSION_HEADER`] and the header names
//!   known in advance (`names`).
//! - `options`: [`HttpOptions`] and its builder methods.
//! - `service`: [`McpService`] (the `tower::Service`), the state its
//!   handlers share, the cap on long-lived streams, [`serve`] and its
//!   graceful shutdown on signals.
//! - `routing`: Host/Origin checks, method and path dispatch, CORS.
//! - `request`: reading a request: `Accept` negotiation, header values
//!   (mirrored headers included), the size-limited body.
//! - `post`: POST, for both eras: which connection serves a message (a
//!   legacy session, a stateless one, the shared modern one), including the
//!   `subscriptions/listen` checks.
//! - `session_routes`: legacy GET (the session's stream, resumable) and
//!   DELETE, by `Mcp-Session-Id`.
//! - `legacy_sse`: the 2024-11-05 HTTP+SSE endpoints (`/sse`, `/messages`).
//! - `respond`: JSON vs SSE responses, the HTTP status of an answer or a
//!   rejection, error responses.
//! - `session`: the legacy session store and its idle reaper.
//! - `events`: resumable SSE event logs ([`EventStore`]).
//! - `body`: response bodies ([`McpBody`]) and SSE streams.
//! - `security`: the Host and Origin rules.
//! - `tls`: TLS termination ([`TlsTermination`], feature `tls`): PEM
//!   loading, the handshake, certificate reload.

// Early-return helpers hand back a ready response as their error; boxing it
// would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

mod accept;
#[cfg(feature = "auth")]
mod authorize;
mod body;
mod events;
mod legacy_sse;
mod options;
mod post;
mod probes;
mod rate_limit;
mod request;
mod respond;
mod routing;
mod security;
mod service;
mod session;
mod session_bus;
mod session_routes;
mod session_store;
#[cfg(feature = "tls")]
mod tls;

pub use accept::serve_listener;
pub use body::McpBody;
pub use events::{EventStore, GET_STREAM, InMemoryEventStore, StoredEvent, StreamRead};
pub use options::{ALLOWED_HOSTS_ENV, ALLOWED_ORIGINS_ENV, HttpOptions};
pub use rate_limit::{PeerAddr, RATE_LIMIT_ENV, RateLimit};
pub use service::{McpService, serve, serve_with_shutdown};
pub use session_store::{InMemorySessionStore, SessionStore, StoreError, StoreFuture, StoredSession};
#[cfg(feature = "tls")]
pub use tls::{TLS_CERT_ENV, TLS_KEY_ENV, TlsError, TlsFiles, TlsTermination};

/// The session header of legacy Streamable HTTP.
pub const SESSION_HEADER: &str = "mcp-session-id";

/// Header names known in advance: looking a `&str` up parses it every time.
mod names {
    use http::HeaderName;
    pub(super) const SESSION: HeaderName = HeaderName::from_static(super::SESSION_HEADER);
    pub(super) const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
    pub(super) const METHOD: HeaderName = HeaderName::from_static("mcp-method");
    pub(super) const NAME: HeaderName = HeaderName::from_static("mcp-name");
    pub(super) const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");
}
