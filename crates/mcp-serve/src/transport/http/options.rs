//! [`HttpOptions`]: the HTTP transport's limits and policies, and their
//! builder methods.

use std::sync::Arc;
use std::time::Duration;

use super::EventStore;
use super::security;

/// Limits and policies of the HTTP transport.
///
/// ```
/// use mcp_serve::transport::http::HttpOptions;
/// let o = HttpOptions::default().allowed_origins(["https://app.example"]).max_sessions(500);
/// assert_eq!(o.max_body_bytes, 4 * 1024 * 1024);
/// ```
#[derive(Clone)]
pub struct HttpOptions {
    /// Largest accepted request body (default 4 MiB).
    pub max_body_bytes: usize,
    /// Most legacy sessions at once (default 10,000).
    pub max_sessions: usize,
    /// A legacy session unused this long is dropped (default 30 min).
    pub session_idle: Duration,
    /// Accepted `Host` values (default: loopback names); `None` accepts any.
    pub allowed_hosts: Option<Vec<String>>,
    /// Accepted `Origin` values (full origins or bare host names; default:
    /// loopback names); `None` accepts any.
    pub allowed_origins: Option<Vec<String>>,
    /// Answer CORS preflights and add CORS headers for allowed origins.
    pub cors: bool,
    /// Serve the 2024-11-05 HTTP+SSE endpoints (`…/sse`, `…/messages`).
    pub legacy_sse: bool,
    /// Answer with JSON only, never SSE (notifications sent while a call runs
    /// are then dropped).
    pub json_response: bool,
    /// Serve legacy clients without sessions: `initialize` mints no
    /// `Mcp-Session-Id`, every request stands alone (at the revision in its
    /// `MCP-Protocol-Version` header, 2025-03-26 when absent), and GET/DELETE
    /// are refused. For servers that keep no per-client state.
    pub stateless: bool,
    /// Most long-lived streams (legacy GET and `/sse` streams) at once (default 1,000).
    pub max_streams: usize,
    /// Where resumable legacy SSE events are kept (default: in memory, bounded).
    pub event_store: Option<Arc<dyn EventStore>>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        let loopback: Vec<String> = security::LOOPBACK.iter().map(|s| (*s).to_owned()).collect();
        HttpOptions {
            max_body_bytes: 4 * 1024 * 1024,
            max_sessions: 10_000,
            session_idle: Duration::from_secs(30 * 60),
            allowed_hosts: Some(loopback.clone()),
            allowed_origins: Some(loopback),
            cors: true,
            legacy_sse: true,
            json_response: false,
            stateless: false,
            max_streams: 1000,
            event_store: None,
        }
    }
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_sessions", &self.max_sessions)
            .field("session_idle", &self.session_idle)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("allowed_origins", &self.allowed_origins)
            .field("cors", &self.cors)
            .field("legacy_sse", &self.legacy_sse)
            .field("json_response", &self.json_response)
            .field("stateless", &self.stateless)
            .field("max_streams", &self.max_streams)
            .field("event_store", &self.event_store.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl HttpOptions {
    /// Keeps resumable legacy SSE events in `store` (e.g. one shared by replicas).
    #[must_use]
    pub fn event_store(mut self, store: Arc<dyn EventStore>) -> Self {
        self.event_store = Some(store);
        self
    }

    /// Answers with JSON only (see [`HttpOptions::json_response`]).
    #[must_use]
    pub fn json_response(mut self) -> Self {
        self.json_response = true;
        self
    }

    /// Serves legacy clients without sessions (see [`HttpOptions::stateless`]).
    #[must_use]
    pub fn stateless(mut self) -> Self {
        self.stateless = true;
        self
    }

    /// Caps long-lived streams (legacy GET and `/sse`).
    #[must_use]
    pub fn max_streams(mut self, n: usize) -> Self {
        self.max_streams = n;
        self
    }

    /// Accepts these `Origin`s (full origins like `https://app.example`, or host names).
    #[must_use]
    pub fn allowed_origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// Accepts these `Host` names.
    #[must_use]
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Accepts any `Host` and `Origin` (behind a proxy that checks them).
    #[must_use]
    pub fn allow_any_host(mut self) -> Self {
        self.allowed_hosts = None;
        self.allowed_origins = None;
        self
    }

    /// Caps the number of legacy sessions.
    #[must_use]
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// Drops legacy sessions idle this long.
    #[must_use]
    pub fn session_idle(mut self, d: Duration) -> Self {
        self.session_idle = d;
        self
    }
}
