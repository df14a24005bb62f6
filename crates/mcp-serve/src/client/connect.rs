//! Opening and closing a connection: choosing the transport, finding the
//! server's era (a `server/discover` probe, the `initialize` fallback, then
//! the 2024-11-05 HTTP+SSE transport), the per-server era cache, the
//! handshake and what it records about the server. Separate because it
//! runs once, before anything else, and holds the era-detection rules of
//! `basic/versioning.mdx` in one place.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::meta;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::http::{self, HttpLink};
use super::inbound::read_loop;
use super::rpc::Round;
use super::{
    Client, ClientError, ClientOptions, Era, Inner, Link, Pending, StdioCommand, cache, lock, transport,
};
use crate::server::ServerHandle;
use crate::transport::TransportError;

/// How long the stdio probe waits before deciding the server is legacy
/// (legacy servers may ignore a request before `initialize`).
const PIPE_PROBE: Duration = Duration::from_secs(5);
/// The HTTP probe's limit (HTTP servers answer unknown requests at once).
const HTTP_PROBE: Duration = Duration::from_secs(10);

impl Client {
    /// Connects to a server in this process.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("empty", "1.0.0").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// assert_eq!(client.server_info().unwrap().name, "empty");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the handshake fails.
    pub async fn connect_in_memory(
        server: &ServerHandle,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        let (out, incoming) = transport::memory(server);
        let era = options.era;
        let client = Self::build(Link::Pipe(out), incoming, Pending::default(), None, options);
        client.handshake(era, PIPE_PROBE).await?;
        Ok(client)
    }

    /// Starts a server process and talks to it over its stdin/stdout. With
    /// [`Era::Auto`] the era found is remembered for this command line.
    ///
    /// ```no_run
    /// use mcp_serve::client::{Client, ClientOptions, StdioCommand};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let cmd = StdioCommand::new("target/debug/examples/quickstart");
    /// let client = Client::connect_stdio(cmd, ClientOptions::default()).await?;
    /// println!("{} tools", client.list_tools().await?.tools.len());
    /// client.close().await; // closes stdin, then ends the process
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the process cannot start or the handshake fails.
    pub async fn connect_stdio(command: StdioCommand, options: ClientOptions) -> Result<Client, ClientError> {
        let key = format!("stdio {}", command.command_line());
        let ((out, incoming), guard) = transport::spawn(command)?;
        let client = Self::build(
            Link::Pipe(out),
            incoming,
            Pending::default(),
            Some(guard),
            options,
        );
        client.handshake_cached(&key, PIPE_PROBE).await?;
        Ok(client)
    }

    /// Connects to a Streamable HTTP endpoint (e.g. `http://127.0.0.1:8000/mcp`).
    ///
    /// - Modern: each request is its own POST with `MCP-Protocol-Version`,
    ///   `Mcp-Method`, `Mcp-Name` and the tool's `Mcp-Param-*` headers; the
    ///   answer is JSON or an SSE stream.
    /// - Legacy: `initialize` opens a session (`Mcp-Session-Id`); a GET stream
    ///   carries the server's own requests; a stream that ends early is
    ///   resumed with `Last-Event-ID` after the server's `retry`;
    ///   [`Client::close`] DELETEs the session.
    /// - [`Era::Auto`]: modern first, then `initialize`, then the 2024-11-05
    ///   HTTP+SSE transport at the same URL; the result is remembered per URL.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, Era};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// # let handle = Server::new("demo", "1.0.0").into_handle()?;
    /// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let url = format!("http://{}/mcp", listener.local_addr()?);
    /// # tokio::spawn(async move {
    /// #     mcp_serve::transport::http::serve_listener(&handle, listener, Default::default(), std::future::pending()).await
    /// # });
    /// let client = Client::connect_http(&url, ClientOptions::default().header("Authorization", "Bearer t")).await?;
    /// assert_eq!(client.era(), Era::Modern);
    /// let wrong = Client::connect_http("localhost:8000", ClientOptions::default()).await.unwrap_err();
    /// assert!(wrong.to_string().contains("http://127.0.0.1:8000/mcp"), "{wrong}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A malformed URL or header, an unreachable server, an HTTP error (the
    /// message says what to check), or a failed handshake.
    pub async fn connect_http(url: &str, options: ClientOptions) -> Result<Client, ClientError> {
        let url = http::parse_url(url)?;
        let key = format!("http {url}");
        match options.era {
            Era::Modern => Self::streamable(&url, options, Era::Modern).await,
            Era::Legacy(v) => match Self::streamable(&url, options.clone(), Era::Legacy(v)).await {
                Err(e) if sse_fallback(&e) => Self::sse_session(&url, options, v)
                    .await
                    .map_err(|sse| tried_both(e, &sse)),
                other => other,
            },
            Era::Auto => {
                if let Some(known) = cache::get(&key) {
                    let attempt = match (known.sse, known.era) {
                        (true, Era::Legacy(v)) => Self::sse_session(&url, options.clone(), v).await,
                        (_, era) => Self::streamable(&url, options.clone(), era).await,
                    };
                    match attempt {
                        Ok(c) => return Ok(c),
                        Err(e) if unreachable(&e) => return Err(e),
                        // The server changed: find out again.
                        Err(_) => cache::forget(&key),
                    }
                }
                let result = match Self::streamable(&url, options.clone(), Era::Auto).await {
                    Err(e) if sse_fallback(&e) => {
                        match Self::sse_session(&url, options, ProtocolVersion::LATEST_LEGACY).await {
                            Ok(c) => Ok(c),
                            Err(sse) => Err(tried_both(e, &sse)),
                        }
                    }
                    other => other,
                };
                if let Ok(c) = &result {
                    cache::put(
                        &key,
                        cache::Known {
                            era: c.era(),
                            sse: c.is_sse(),
                        },
                    );
                }
                result
            }
        }
    }

    /// Connects with the deprecated HTTP+SSE transport of 2024-11-05: GET the
    /// stream (e.g. `http://127.0.0.1:8000/sse`), POST to the endpoint its
    /// `endpoint` event names, read answers from the stream. Legacy era only.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions, Era};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// # let handle = Server::new("old", "1.0.0").into_handle()?;
    /// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let url = format!("http://{}/sse", listener.local_addr()?);
    /// # tokio::spawn(async move {
    /// #     mcp_serve::transport::http::serve_listener(&handle, listener, Default::default(), std::future::pending()).await
    /// # });
    /// let client = Client::connect_sse(&url, ClientOptions::default()).await?;
    /// assert!(matches!(client.era(), Era::Legacy(_)));
    /// client.ping().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Era::Modern`] (this transport cannot carry it), a malformed URL, an
    /// unreachable server, a stream without an `endpoint` event, or a failed
    /// handshake.
    pub async fn connect_sse(url: &str, options: ClientOptions) -> Result<Client, ClientError> {
        let url = http::parse_url(url)?;
        let version = match options.era {
            Era::Modern => {
                return Err(ClientError::Config(
                    "the 2024-11-05 HTTP+SSE transport carries only legacy revisions: use Era::Auto or \
                     Era::Legacy, or Client::connect_http for a modern server"
                        .into(),
                ));
            }
            Era::Legacy(v) => v,
            Era::Auto => ProtocolVersion::LATEST_LEGACY,
        };
        Self::sse_session(&url, options, version).await
    }

    async fn streamable(url: &reqwest::Url, options: ClientOptions, era: Era) -> Result<Client, ClientError> {
        let setup = http::setup(&options.headers, options.timeout, &options.root_certificates)?;
        let pending = Pending::default();
        let (link, incoming) = HttpLink::streamable(setup, url.clone());
        let probe = options.timeout.min(HTTP_PROBE);
        let client = Self::build(Link::Http(Box::new(link)), incoming, pending, None, options);
        client.handshake(era, probe).await?;
        Ok(client)
    }

    async fn sse_session(
        url: &reqwest::Url,
        options: ClientOptions,
        version: ProtocolVersion,
    ) -> Result<Client, ClientError> {
        let setup = http::setup(&options.headers, options.timeout, &options.root_certificates)?;
        let pending = Pending::default();
        let (link, incoming) = HttpLink::sse(setup, url.clone()).await?;
        let client = Self::build(Link::Http(Box::new(link)), incoming, pending, None, options);
        client.initialize(version).await?;
        Ok(client)
    }

    fn build(
        link: Link,
        incoming: mpsc::Receiver<Vec<u8>>,
        pending: Pending,
        child: Option<transport::ChildGuard>,
        options: ClientOptions,
    ) -> Client {
        let (notify_tx, notify_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            link,
            pending: Arc::clone(&pending),
            next_id: AtomicI64::new(1),
            next_token: AtomicU64::new(1),
            identity: (
                serde_json::to_value(&options.capabilities).unwrap_or_default(),
                serde_json::to_value(&options.info).unwrap_or_default(),
            ),
            options,
            era: Mutex::new(Era::Modern),
            facts: Mutex::default(),
            log_level: Mutex::new(None),
            progress: Mutex::default(),
            tool_headers: Mutex::default(),
            notify_tx,
            notifications: Mutex::new(Some(notify_rx)),
            delivered: AtomicU64::new(0),
            child,
            closed: AtomicBool::new(false),
            reader_ended: AtomicBool::new(false),
            listeners: Mutex::default(),
            listen_lock: tokio::sync::Mutex::new(()),
        });
        // The reader holds the client weakly: dropping the last `Client` ends
        // the connection instead of the reader keeping it alive.
        tokio::spawn(read_loop(Arc::downgrade(&inner), pending, incoming));
        Client { inner }
    }

    /// The handshake, trying a remembered era first.
    async fn handshake_cached(&self, key: &str, probe: Duration) -> Result<(), ClientError> {
        if self.inner.options.era != Era::Auto {
            return self.handshake(self.inner.options.era, probe).await;
        }
        if let Some(known) = cache::get(key) {
            match self.handshake(known.era, probe).await {
                Ok(()) => return Ok(()),
                Err(e) if unreachable(&e) => return Err(e),
                Err(_) => cache::forget(key),
            }
        }
        self.handshake(Era::Auto, probe).await?;
        cache::put(
            key,
            cache::Known {
                era: self.era(),
                sse: false,
            },
        );
        Ok(())
    }

    async fn handshake(&self, era: Era, probe: Duration) -> Result<(), ClientError> {
        match era {
            Era::Modern => self.handshake_modern().await,
            Era::Legacy(v) => self.initialize(v).await,
            Era::Auto => self.probe(probe).await,
        }
    }

    /// The modern handshake: `server/discover`, which must be answered with
    /// a `DiscoverResult`.
    async fn handshake_modern(&self) -> Result<(), ClientError> {
        self.inner.set_era(Era::Modern);
        let round = Round {
            timeout: self.inner.options.timeout,
            cancel: None,
            progress: None,
            quiet: true,
        };
        let d = match self.request_retrying("server/discover", None, &round).await {
            Ok(d) => d,
            // Not a modern refusal: the server is legacy (or not MCP).
            Err(ClientError::Rpc(e)) if !is_modern_error(&e) => {
                return Err(ClientError::Protocol(format!(
                    "the server does not speak the modern era: it answered server/discover with \
                     \"{e}\"; connect with Era::Auto (or Era::Legacy)"
                )));
            }
            Err(e) => return Err(e),
        };
        if !is_discover(&d) {
            return Err(ClientError::Protocol(format!(
                "the server answered server/discover with something that is not a DiscoverResult \
                 ({d}): it does not speak the modern era (try Era::Auto)"
            )));
        }
        self.inner.record_discover(&d);
        Ok(())
    }

    /// Modern or legacy? A modern request first; a recognised modern answer
    /// (a `DiscoverResult`, or a modern error) means modern; anything else
    /// means legacy (`basic/versioning.mdx`, "Backward Compatibility") —
    /// unless the probe timed out and `initialize` is then refused with a
    /// modern error: a slow modern server, asked again (any transport).
    async fn probe(&self, limit: Duration) -> Result<(), ClientError> {
        self.inner.set_era(Era::Modern);
        let round = Round {
            timeout: limit,
            cancel: None,
            progress: None,
            quiet: true,
        };
        match self.request_retrying("server/discover", None, &round).await {
            Ok(d) if is_discover(&d) => {
                self.inner.record_discover(&d);
                Ok(())
            }
            Err(ClientError::Rpc(e)) if e.code == code::UNSUPPORTED_PROTOCOL_VERSION => {
                // A modern server without our revision: a legacy one it lists will do.
                match best_legacy(&e) {
                    Some(v) => self.initialize(v).await,
                    None => Err(ClientError::Rpc(e)),
                }
            }
            Err(ClientError::Rpc(e)) if is_modern_error(&e) => Err(ClientError::Rpc(e)),
            Err(e) if unreachable(&e) => Err(e),
            probed => {
                let timed_out = matches!(probed, Err(ClientError::Timeout(_)));
                match self.initialize(ProtocolVersion::LATEST_LEGACY).await {
                    // A modern server slow to start (a busy machine) answers
                    // the probe after we gave up on it, and then holds this
                    // connection to the modern era, refusing `initialize`:
                    // it is modern after all, so ask it again.
                    Err(ClientError::Rpc(e)) if timed_out && is_modern_error(&e) => {
                        self.handshake_modern().await
                    }
                    initialized => initialized,
                }
            }
        }
    }

    pub(super) async fn initialize(&self, version: ProtocolVersion) -> Result<(), ClientError> {
        self.inner.set_era(Era::Legacy(version));
        let params = json!({
            "protocolVersion": version,
            "capabilities": self.inner.options.capabilities,
            "clientInfo": self.inner.options.info,
        });
        let round = Round {
            timeout: self.inner.options.timeout,
            cancel: None,
            progress: None,
            quiet: true,
        };
        let r = self.request_once("initialize", Some(params), &round).await?;
        let Some(chosen) = r.get("protocolVersion").and_then(Value::as_str) else {
            return Err(ClientError::Protocol(format!(
                "the server answered initialize without a protocolVersion ({r}): is it an MCP server?"
            )));
        };
        let negotiated = chosen
            .parse::<ProtocolVersion>()
            .ok()
            .filter(|v| v.is_legacy())
            .ok_or_else(|| {
                ClientError::Protocol(format!(
                    "the server chose protocol revision {chosen:?}, which this client does not speak after \
                     initialize (it speaks 2025-11-25, 2025-06-18, 2025-03-26 and 2024-11-05)"
                ))
            })?;
        self.inner.set_era(Era::Legacy(negotiated));
        self.inner.record_init(&r, negotiated);
        self.notify("notifications/initialized", None).await?;
        if let Link::Http(link) = &self.inner.link {
            link.start_legacy(negotiated.as_str()).await;
        }
        Ok(())
    }

    /// Ends the connection: a legacy HTTP session is DELETEd, a stdio server's
    /// stdin is closed (then the process is killed if it lingers), streams are
    /// dropped. Waiting requests fail; later ones fail at once. Dropping the
    /// last clone does the same, without waiting.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// client.close().await;
    /// assert!(client.list_tools().await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn close(&self) {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        for (_, waiter) in lock(&self.inner.pending).drain() {
            let _ = waiter.send(Err(TransportError::Closed.into()));
        }
        if let Link::Http(link) = &self.inner.link {
            link.close().await;
        }
        if let Some(child) = &self.inner.child {
            child.shutdown().await;
        }
    }

    /// Whether the connection is over: closed here, or nothing more can
    /// arrive from the server (its process or stream ended). For the
    /// gateway's watch on its targets.
    pub(crate) fn gone(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire) || self.inner.reader_ended.load(Ordering::Acquire)
    }

    fn is_sse(&self) -> bool {
        matches!(&self.inner.link, Link::Http(l) if l.is_sse())
    }
}

impl Inner {
    pub(super) fn record_discover(&self, d: &Value) {
        let mut facts = lock(&self.facts);
        facts.info = d
            .get("_meta")
            .and_then(|m| m.get(meta::SERVER_INFO))
            .or_else(|| d.get("serverInfo"))
            .cloned();
        facts.capabilities = d
            .get("capabilities")
            .and_then(|c| serde_json::from_value(c.clone()).ok());
        facts.instructions = d.get("instructions").and_then(Value::as_str).map(str::to_owned);
        facts.discover = Some(d.clone());
    }

    fn record_init(&self, r: &Value, version: ProtocolVersion) {
        let mut facts = lock(&self.facts);
        facts.info = r.get("serverInfo").cloned();
        facts.capabilities = r
            .get("capabilities")
            .and_then(|c| serde_json::from_value(c.clone()).ok());
        facts.instructions = r.get("instructions").and_then(Value::as_str).map(str::to_owned);
        let mut discover = json!({
            "supportedVersions": [version.as_str()],
            "capabilities": r.get("capabilities").cloned().unwrap_or_else(|| json!({})),
        });
        if let Some(i) = &facts.instructions {
            discover["instructions"] = json!(i);
        }
        if let Some(info) = &facts.info {
            discover["_meta"] = json!({ meta::SERVER_INFO: info });
        }
        facts.discover = Some(discover);
    }
}

pub(super) fn is_discover(v: &Value) -> bool {
    v.get("supportedVersions").is_some_and(Value::is_array)
}

/// The revisions an `UnsupportedProtocolVersionError` lists.
pub(super) fn supported(e: &ErrorObject) -> Vec<String> {
    e.data
        .as_ref()
        .and_then(|d| d.get("supported"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The newest legacy revision both sides speak.
fn best_legacy(e: &ErrorObject) -> Option<ProtocolVersion> {
    supported(e)
        .iter()
        .filter_map(|v| v.parse::<ProtocolVersion>().ok())
        .filter(|v| v.is_legacy())
        .max()
}

/// The errors only a modern server sends.
fn is_modern_error(e: &ErrorObject) -> bool {
    matches!(
        e.code,
        code::UNSUPPORTED_PROTOCOL_VERSION | code::HEADER_MISMATCH | code::MISSING_REQUIRED_CLIENT_CAPABILITY
    )
}

/// Errors no other era or transport would fix.
fn unreachable(e: &ClientError) -> bool {
    matches!(e, ClientError::Transport(_) | ClientError::Config(_))
}

/// Errors after which the 2024-11-05 HTTP+SSE transport is worth a try: an
/// HTTP 400/404/405 or an error that is not a modern one.
fn sse_fallback(e: &ClientError) -> bool {
    match e {
        ClientError::Http { status, .. } => matches!(status, 400 | 404 | 405),
        ClientError::Rpc(e) => !is_modern_error(e),
        _ => false,
    }
}

/// The Streamable HTTP error, noting that HTTP+SSE failed too.
fn tried_both(first: ClientError, sse: &ClientError) -> ClientError {
    match first {
        ClientError::Http { status, message } => {
            let also = match sse {
                ClientError::Http { status: s, .. } => {
                    format!("a GET for the older HTTP+SSE transport got HTTP {s} too")
                }
                other => format!("the older HTTP+SSE transport was tried too: {other}"),
            };
            ClientError::Http {
                status,
                message: format!("{message} ({also})"),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A modern stdio server that reads nothing for its first `delay` (a
    /// slow start), answers in order, and holds the connection to the
    /// modern era once it has answered `server/discover`.
    fn slow_modern_server(delay: Duration) -> (mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>) {
        let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(16);
        let (in_tx, in_rx) = mpsc::channel::<Vec<u8>>(16);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let mut modern = false;
            while let Some(frame) = out_rx.recv().await {
                let msg: Value = serde_json::from_slice(&frame).unwrap();
                let Some(id) = msg.get("id").cloned() else {
                    continue;
                };
                let answer = match msg["method"].as_str() {
                    Some("server/discover") => {
                        modern = true;
                        json!({"jsonrpc": "2.0", "id": id, "result": {
                            "supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
                            "serverInfo": {"name": "slow", "version": "1"}}})
                    }
                    Some("initialize") if modern => json!({"jsonrpc": "2.0", "id": id, "error": {
                        "code": code::UNSUPPORTED_PROTOCOL_VERSION,
                        "message": "connection is serving the 2026-07-28 protocol",
                        "data": {"supported": ["2026-07-28"], "requested": "2025-11-25"}}}),
                    _ => json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "no"}}),
                };
                if in_tx.send(answer.to_string().into_bytes()).await.is_err() {
                    break;
                }
            }
        });
        (out_tx, in_rx)
    }

    #[tokio::test(start_paused = true)]
    async fn a_modern_server_that_answers_the_probe_late_is_still_modern() {
        let (out, incoming) = slow_modern_server(PIPE_PROBE + Duration::from_secs(1));
        let client = Client::build(
            Link::Pipe(out),
            incoming,
            Pending::default(),
            None,
            ClientOptions::default(),
        );
        client.handshake(Era::Auto, PIPE_PROBE).await.unwrap();
        assert_eq!(client.era(), Era::Modern);
        assert_eq!(client.server_info().unwrap().name, "slow");
    }
}
