//! [`HttpOptions`]: the HTTP transport's limits and policies, and their
//! builder methods.

use std::sync::Arc;
use std::time::Duration;

use super::EventStore;
use super::security;

/// The environment variable that lists the `Host` names a server answers to
/// (comma-separated; `*` for any), when the code does not set them.
pub const ALLOWED_HOSTS_ENV: &str = "MCP_SERVE_ALLOWED_HOSTS";

/// The environment variable that lists the `Origin`s a server accepts
/// (comma-separated full origins or host names; `*` for any), when the code
/// does not set them.
pub const ALLOWED_ORIGINS_ENV: &str = "MCP_SERVE_ALLOWED_ORIGINS";

/// Limits and policies of the HTTP transport. Every limit has a default
/// meant for a server on the open internet; each is a builder method. The
/// per-call handler timeout is the server's
/// ([`Server::call_timeout`](crate::server::Server::call_timeout): 5 minutes
/// for requests over HTTP by default), since it bounds the handler whatever
/// the transport.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::transport::http::HttpOptions;
/// let o = HttpOptions::default()
///     .allowed_hosts(["mcp.example.com"])
///     .max_connections(2_000)
///     .header_read_timeout(Duration::from_secs(5));
/// assert_eq!(o.max_body_bytes, 4 * 1024 * 1024);
/// assert_eq!(o.max_connections, 2_000);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Largest accepted request body (default 4 MiB).
    pub max_body_bytes: usize,
    /// Most legacy sessions at once (default 10,000).
    pub max_sessions: usize,
    /// A legacy session unused this long is dropped (default 30 min).
    pub session_idle: Duration,
    /// Accepted `Host` values (default: loopback names); `None` accepts any.
    /// A server bound beyond loopback refuses to start until this is set
    /// (or [`ALLOWED_HOSTS_ENV`]).
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
    /// Most long-lived streams (legacy GET and `/sse` streams,
    /// `subscriptions/listen`) at once (default 1,000).
    pub max_streams: usize,
    /// Where resumable legacy SSE events are kept (default: in memory, bounded).
    pub event_store: Option<Arc<dyn EventStore>>,
    /// How long the lease a replica holds on a resumable stream whose
    /// request it runs lasts unless renewed (default 6 s, renewed every
    /// third of it): a reader on another replica that finds it expired ends
    /// the stream with an error instead of waiting forever.
    pub stream_lease: Duration,
    /// Where legacy sessions are shared with other replicas (default:
    /// nowhere; each replica knows its own). See [`SessionStore`](super::SessionStore).
    pub session_store: Option<Arc<dyn super::SessionStore>>,
    /// With a [`session_store`](HttpOptions#structfield.session_store) and
    /// a cluster bus joined ([`ServerHandle::join_bus`](crate::engine::ServerHandle::join_bus)),
    /// how long a replica serves its own copy of a legacy session without
    /// reading the store (default 1 s). Other replicas announce their
    /// changes to a session, and its end, on the bus, and a copy is read
    /// again at its next use after such a notice; this interval bounds how
    /// stale a copy can be when a notice is lost (pub/sub drops what is sent
    /// while a subscriber reconnects). Without a bus the store is read on
    /// every request; `Duration::ZERO` does that with a bus too.
    pub session_revalidate: Duration,
    /// A connection that takes longer than this to send a request's headers
    /// is closed (default 10 s): a client sending half a header cannot hold
    /// a connection.
    pub header_read_timeout: Duration,
    /// A connection with no request in flight is closed after this long
    /// (default 60 s).
    pub keep_alive_idle: Duration,
    /// Most connections at once (default 10,000); further clients wait in
    /// the listen backlog until one closes. Each needs a file descriptor:
    /// raise `ulimit -n` to match.
    pub max_connections: usize,
    /// Most connections from one peer address at once (default 1,000); more
    /// are closed at once. Behind a proxy every client shares the proxy's
    /// address: raise it or set `None` there.
    pub max_connections_per_peer: Option<usize>,
    /// Most requests being answered at once (default 1,024), long-lived
    /// streams not counted; past it a request gets 503 with `Retry-After`.
    pub max_concurrent_requests: usize,
    /// An SSE stream that has sent nothing for this long gets a comment line
    /// (default 15 s), so proxies that cut idle reads (often after 30–60 s)
    /// keep it open; `None` sends none.
    pub sse_keep_alive: Option<Duration>,
    /// On shutdown, how long calls in flight may take to finish (default
    /// 8 s, under the 10 s most platforms wait before killing).
    pub shutdown_grace: Duration,
    /// The liveness probe's path (default `/healthz`), answered 200 while the
    /// process serves; `None` serves none.
    pub health_path: Option<String>,
    /// The readiness probe's path (default `/readyz`), answered 503 while
    /// draining or when the task store is unreachable; `None` serves none.
    pub ready_path: Option<String>,
    /// The OAuth resource server: every MCP request needs a credential
    /// (default: none needed).
    #[cfg(feature = "auth")]
    pub auth: Option<Arc<crate::auth::Auth>>,
    /// Requests per caller, in all and per tool (default: unlimited).
    pub rate_limit: super::RateLimit,
    /// Serve HTTPS with this certificate and key (default: plain HTTP,
    /// e.g. behind a proxy that terminates TLS).
    #[cfg(feature = "tls")]
    pub tls: Option<super::TlsFiles>,
    /// An environment setting that cannot be used (one of the TLS
    /// certificate and key without the other, no `tls` feature, an
    /// unreadable rate limit): serving refuses to start with it.
    env_problem: Option<String>,
    /// Whether `allowed_hosts` was chosen (by a builder method or the
    /// environment) rather than left at its loopback default.
    hosts_chosen: bool,
    /// The same for `allowed_origins`.
    origins_chosen: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        let loopback: Vec<String> = security::LOOPBACK.iter().map(|s| (*s).to_owned()).collect();
        HttpOptions {
            max_body_bytes: 4 * 1024 * 1024,
            max_sessions: 10_000,
            session_idle: Duration::from_secs(30 * 60),
            session_revalidate: Duration::from_secs(1),
            allowed_hosts: Some(loopback.clone()),
            allowed_origins: Some(loopback),
            cors: true,
            legacy_sse: true,
            json_response: false,
            stateless: false,
            max_streams: 1000,
            event_store: None,
            stream_lease: Duration::from_secs(6),
            session_store: None,
            header_read_timeout: Duration::from_secs(10),
            keep_alive_idle: Duration::from_secs(60),
            max_connections: 10_000,
            max_connections_per_peer: Some(1_000),
            max_concurrent_requests: 1_024,
            sse_keep_alive: Some(Duration::from_secs(15)),
            shutdown_grace: Duration::from_secs(8),
            health_path: Some("/healthz".into()),
            ready_path: Some("/readyz".into()),
            #[cfg(feature = "auth")]
            auth: None,
            rate_limit: super::RateLimit::default(),
            #[cfg(feature = "tls")]
            tls: None,
            env_problem: None,
            hosts_chosen: false,
            origins_chosen: false,
        }
    }
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("HttpOptions");
        f.field("max_body_bytes", &self.max_body_bytes)
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
            .field("stream_lease", &self.stream_lease)
            .field("session_store", &self.session_store.as_ref().map(|_| "custom"))
            .field("session_revalidate", &self.session_revalidate)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("keep_alive_idle", &self.keep_alive_idle)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_peer", &self.max_connections_per_peer)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("sse_keep_alive", &self.sse_keep_alive)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("health_path", &self.health_path)
            .field("ready_path", &self.ready_path);
        #[cfg(feature = "tls")]
        f.field("tls", &self.tls);
        f.finish_non_exhaustive()
    }
}

/// Splits a comma-separated list; `*` alone means any (`None`).
fn env_list(value: &str) -> Option<Vec<String>> {
    let items: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if items.iter().any(|s| s == "*") {
        None
    } else {
        Some(items)
    }
}

impl HttpOptions {
    /// Largest accepted request body; larger ones get 413.
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().max_body_bytes(64 * 1024);
    /// assert_eq!(o.max_body_bytes, 65_536);
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Keeps resumable legacy SSE events in `store` (e.g. one shared by replicas).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_serve::transport::http::{HttpOptions, InMemoryEventStore};
    /// let _ = HttpOptions::default().event_store(Arc::new(InMemoryEventStore::default()));
    /// ```
    #[must_use]
    pub fn event_store(mut self, store: Arc<dyn EventStore>) -> Self {
        self.event_store = Some(store);
        self
    }

    /// How long a running stream's lease lasts unless renewed (see
    /// [`HttpOptions::stream_lease`](HttpOptions#structfield.stream_lease)):
    /// shorter detects a dead replica sooner, at more store writes.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().stream_lease(Duration::from_secs(3));
    /// assert_eq!(o.stream_lease, Duration::from_secs(3));
    /// ```
    #[must_use]
    pub fn stream_lease(mut self, lease: Duration) -> Self {
        self.stream_lease = lease;
        self
    }

    /// Shares legacy sessions with other replicas through `store`: a request
    /// naming a session this replica does not hold restores it from there
    /// (see [`SessionStore`](super::SessionStore)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_serve::transport::http::{HttpOptions, InMemorySessionStore};
    /// let o = HttpOptions::default().session_store(Arc::new(InMemorySessionStore::default()));
    /// assert!(o.session_store.is_some());
    /// ```
    #[must_use]
    pub fn session_store(mut self, store: Arc<dyn super::SessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// Serves a replica's own copy of a shared legacy session for up to `d`
    /// after it last read it from the store (see
    /// [`HttpOptions::session_revalidate`](HttpOptions#structfield.session_revalidate)):
    /// longer saves store reads, shorter bounds how stale a copy can be
    /// when a bus notice is lost.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().session_revalidate(Duration::from_millis(500));
    /// assert_eq!(o.session_revalidate, Duration::from_millis(500));
    /// ```
    #[must_use]
    pub fn session_revalidate(mut self, d: Duration) -> Self {
        self.session_revalidate = d;
        self
    }

    /// Answers with JSON only (see [`HttpOptions::json_response`]).
    ///
    /// ```
    /// assert!(mcp_serve::transport::http::HttpOptions::default().json_response().json_response);
    /// ```
    #[must_use]
    pub fn json_response(mut self) -> Self {
        self.json_response = true;
        self
    }

    /// Serves legacy clients without sessions (see [`HttpOptions::stateless`]).
    ///
    /// ```
    /// assert!(mcp_serve::transport::http::HttpOptions::default().stateless().stateless);
    /// ```
    #[must_use]
    pub fn stateless(mut self) -> Self {
        self.stateless = true;
        self
    }

    /// Caps long-lived streams (legacy GET, `/sse`, `subscriptions/listen`).
    ///
    /// ```
    /// assert_eq!(mcp_serve::transport::http::HttpOptions::default().max_streams(10).max_streams, 10);
    /// ```
    #[must_use]
    pub fn max_streams(mut self, n: usize) -> Self {
        self.max_streams = n;
        self
    }

    /// Accepts these `Origin`s (full origins like `https://app.example`, or host names).
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().allowed_origins(["https://app.example"]);
    /// assert_eq!(o.allowed_origins.unwrap(), ["https://app.example"]);
    /// ```
    #[must_use]
    pub fn allowed_origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self.origins_chosen = true;
        self
    }

    /// Accepts these `Host` names (any port). Required for a server bound
    /// beyond loopback: the names clients reach it by.
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().allowed_hosts(["mcp.example.com"]);
    /// assert_eq!(o.allowed_hosts.unwrap(), ["mcp.example.com"]);
    /// ```
    #[must_use]
    pub fn allowed_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self.hosts_chosen = true;
        self
    }

    /// Accepts any `Host` and `Origin`: for a server behind a proxy that
    /// checks them.
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().allow_any_host();
    /// assert!(o.allowed_hosts.is_none() && o.allowed_origins.is_none());
    /// ```
    #[must_use]
    pub fn allow_any_host(mut self) -> Self {
        self.allowed_hosts = None;
        self.allowed_origins = None;
        self.hosts_chosen = true;
        self.origins_chosen = true;
        self
    }

    /// Caps the number of legacy sessions.
    ///
    /// ```
    /// assert_eq!(mcp_serve::transport::http::HttpOptions::default().max_sessions(5).max_sessions, 5);
    /// ```
    #[must_use]
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// Drops legacy sessions idle this long.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().session_idle(Duration::from_secs(60));
    /// assert_eq!(o.session_idle, Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn session_idle(mut self, d: Duration) -> Self {
        self.session_idle = d;
        self
    }

    /// Closes connections that take longer than `d` to send a request's headers.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().header_read_timeout(Duration::from_secs(5));
    /// assert_eq!(o.header_read_timeout, Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Closes connections with no request in flight for `d`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().keep_alive_idle(Duration::from_secs(30));
    /// assert_eq!(o.keep_alive_idle, Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn keep_alive_idle(mut self, d: Duration) -> Self {
        self.keep_alive_idle = d;
        self
    }

    /// Caps the connections open at once.
    ///
    /// ```
    /// assert_eq!(mcp_serve::transport::http::HttpOptions::default().max_connections(64).max_connections, 64);
    /// ```
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Caps the connections from one peer address (`None`: no cap).
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().max_connections_per_peer(None);
    /// assert_eq!(o.max_connections_per_peer, None);
    /// ```
    #[must_use]
    pub fn max_connections_per_peer(mut self, n: Option<usize>) -> Self {
        self.max_connections_per_peer = n;
        self
    }

    /// Caps the requests being answered at once.
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().max_concurrent_requests(100);
    /// assert_eq!(o.max_concurrent_requests, 100);
    /// ```
    #[must_use]
    pub fn max_concurrent_requests(mut self, n: usize) -> Self {
        self.max_concurrent_requests = n.max(1);
        self
    }

    /// Sends an SSE comment on streams idle this long (`None`: never).
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().sse_keep_alive(Some(Duration::from_secs(20)));
    /// assert_eq!(o.sse_keep_alive, Some(Duration::from_secs(20)));
    /// ```
    #[must_use]
    pub fn sse_keep_alive(mut self, every: Option<Duration>) -> Self {
        self.sse_keep_alive = every;
        self
    }

    /// How long calls in flight may take to finish on shutdown.
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = mcp_serve::transport::http::HttpOptions::default().shutdown_grace(Duration::from_secs(4));
    /// assert_eq!(o.shutdown_grace, Duration::from_secs(4));
    /// ```
    #[must_use]
    pub fn shutdown_grace(mut self, d: Duration) -> Self {
        self.shutdown_grace = d;
        self
    }

    /// Serves the liveness and readiness probes at these paths (`None`:
    /// not served).
    ///
    /// ```
    /// let o = mcp_serve::transport::http::HttpOptions::default().probes(Some("/livez"), None);
    /// assert_eq!(o.health_path.as_deref(), Some("/livez"));
    /// assert_eq!(o.ready_path, None);
    /// ```
    #[must_use]
    pub fn probes(mut self, health: Option<&str>, ready: Option<&str>) -> Self {
        self.health_path = health.map(str::to_owned);
        self.ready_path = ready.map(str::to_owned);
        self
    }

    /// Requires a credential on every MCP request, verified as `auth` says
    /// (see [`crate::auth`]).
    ///
    /// ```
    /// use mcp_serve::auth::{ApiKeys, Auth, Principal};
    /// use mcp_serve::transport::http::HttpOptions;
    /// let auth = Auth::new("http://localhost:8000/mcp").verifier(ApiKeys::new().key("k", Principal::new("me")));
    /// assert!(HttpOptions::default().auth(auth).auth.is_some());
    /// ```
    #[cfg(feature = "auth")]
    #[must_use]
    pub fn auth(mut self, auth: crate::auth::Auth) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Limits the requests of each caller (the subject of its credential,
    /// else its address): past it, 429 with `Retry-After`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::transport::http::{HttpOptions, RateLimit};
    /// let _ = HttpOptions::default().rate_limit(RateLimit::per_caller(60, Duration::from_secs(60)));
    /// ```
    #[must_use]
    pub fn rate_limit(mut self, limits: super::RateLimit) -> Self {
        self.rate_limit = limits;
        self
    }

    /// Serves HTTPS: TLS with the PEM certificate chain at `cert_path`
    /// and the private key at `key_path`, reloaded on SIGHUP and when the
    /// files change (see [`TlsFiles`](super::TlsFiles)). Without it,
    /// [`TLS_CERT_ENV`](super::TLS_CERT_ENV) and
    /// [`TLS_KEY_ENV`](super::TLS_KEY_ENV) can set them.
    ///
    /// ```
    /// use mcp_serve::transport::http::HttpOptions;
    /// let o = HttpOptions::default().tls("/etc/mcp/fullchain.pem", "/etc/mcp/privkey.pem");
    /// assert_eq!(o.tls.unwrap().key_path.to_str(), Some("/etc/mcp/privkey.pem"));
    /// ```
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn tls(
        self,
        cert_path: impl Into<std::path::PathBuf>,
        key_path: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls_files(super::TlsFiles::new(cert_path, key_path))
    }

    /// Serves HTTPS with `files` (see [`HttpOptions::tls`]), e.g. to change
    /// how often they are checked for changes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::transport::http::{HttpOptions, TlsFiles};
    /// let files = TlsFiles::new("cert.pem", "key.pem").poll_interval(Some(Duration::from_secs(60)));
    /// assert!(HttpOptions::default().tls_files(files).tls.is_some());
    /// ```
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn tls_files(mut self, files: super::TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// Whether connections are served over TLS here.
    pub(crate) fn serves_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }

    /// A TLS setting from the environment that cannot be used.
    pub(crate) fn env_problem(&self) -> Option<&str> {
        self.env_problem.as_deref()
    }

    /// Fills in what the code left at its defaults from the environment:
    /// [`ALLOWED_HOSTS_ENV`], [`ALLOWED_ORIGINS_ENV`],
    /// [`RATE_LIMIT_ENV`](super::RATE_LIMIT_ENV) and the TLS files
    /// (`MCP_SERVE_TLS_CERT`, `MCP_SERVE_TLS_KEY`). A value that cannot be
    /// used is kept in `env_problem`, for the server to refuse to start.
    pub(crate) fn with_env(mut self) -> Self {
        if self.rate_limit.is_unset() {
            if let Ok(v) = std::env::var(super::RATE_LIMIT_ENV) {
                match v.parse() {
                    Ok(limits) => self.rate_limit = limits,
                    Err(e) => self.env_problem = Some(format!("{}: {e}", super::RATE_LIMIT_ENV)),
                }
            }
        }
        #[cfg(feature = "tls")]
        if self.tls.is_none() {
            match super::TlsFiles::from_env() {
                Ok(files) => self.tls = files,
                Err(e) => self.env_problem = Some(e.to_string()),
            }
        }
        #[cfg(not(feature = "tls"))]
        if std::env::var_os("MCP_SERVE_TLS_CERT").is_some() || std::env::var_os("MCP_SERVE_TLS_KEY").is_some()
        {
            self.env_problem = Some(
                "MCP_SERVE_TLS_CERT / MCP_SERVE_TLS_KEY ask for HTTPS, but this server was built without \
                 mcp-serve's `tls` feature: enable it in Cargo.toml, or unset them and terminate TLS in a proxy"
                    .into(),
            );
        }
        if !self.hosts_chosen {
            if let Ok(v) = std::env::var(ALLOWED_HOSTS_ENV) {
                self.allowed_hosts = env_list(&v);
                self.hosts_chosen = true;
            }
        }
        if !self.origins_chosen {
            if let Ok(v) = std::env::var(ALLOWED_ORIGINS_ENV) {
                self.allowed_origins = env_list(&v);
                self.origins_chosen = true;
            }
        }
        self
    }

    /// Whether the `Host` policy was chosen rather than left at loopback.
    pub(crate) fn hosts_chosen(&self) -> bool {
        self.hosts_chosen
            || self.allowed_hosts.as_ref().is_none_or(|h| {
                h.len() != security::LOOPBACK.len() || h.iter().zip(security::LOOPBACK).any(|(a, b)| a != b)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::env_list;

    #[test]
    fn environment_lists() {
        assert_eq!(
            env_list("a.example, b.example ,"),
            Some(vec!["a.example".into(), "b.example".into()])
        );
        assert_eq!(env_list("*"), None);
        assert_eq!(env_list("a.example,*"), None);
    }
}
