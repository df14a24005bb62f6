//! The client's HTTP transports: Streamable HTTP in both eras, and the
//! deprecated 2024-11-05 HTTP+SSE transport.
//!
//! A request's POST runs in the caller's own future: a JSON answer, or a
//! failure that has no JSON-RPC answer (a refused connection, a 404 page, a
//! stream that ended early), comes back from it directly. Frames on streams
//! (SSE events of POST responses, the legacy GET stream) go into the same
//! channel stdio frames go into, so one reader routes them all.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use mcp_serve_core::jsonrpc::{RequestId, Response};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::conn_pool::{ConnPool, PoolError, ReplyBody};
use super::lock;
use super::options::ClientError;
use super::sse::{Event, Parser};
use crate::transport::TransportError;

/// The session header of legacy Streamable HTTP.
const SESSION: &str = "mcp-session-id";
/// Reconnection delay when the server named none.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// How long connecting waits for the legacy session's GET stream to be answered.
const STREAM_OPEN_WAIT: Duration = Duration::from_secs(2);
/// Reconnections in a row that brought nothing before a stream is given up.
const MAX_EMPTY_RESUMES: u32 = 10;
/// How long a handed-on call's notification waits for room in the caller's stream.
const NOTE_WAIT: Duration = Duration::from_secs(1);
/// Largest JSON body read.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// What the client calls itself.
const USER_AGENT: &str = concat!("mcp-serve-client/", env!("CARGO_PKG_VERSION"));
/// How long the HTTP+SSE transport may take to name its POST endpoint.
const ENDPOINT_WAIT: Duration = Duration::from_secs(10);

/// The per-message headers the client works out (its era, the method).
#[derive(Debug, Default, Clone)]
pub(crate) struct Head {
    /// `MCP-Protocol-Version`.
    pub(crate) protocol_version: Option<String>,
    /// `Mcp-Method` (modern).
    pub(crate) method: Option<String>,
    /// `Mcp-Name` (modern), not yet encoded.
    pub(crate) name: Option<String>,
    /// `Mcp-Param-*` (modern), encoded.
    pub(crate) params: Vec<(String, String)>,
}

/// A request's POST in flight: its JSON answer, or `None` when the answer
/// came on an event stream (and went to the reader).
pub(crate) type Posted = BoxFuture<'static, Result<Option<Response>, ClientError>>;

/// One message to send.
pub(crate) struct Outgoing {
    pub(crate) bytes: Vec<u8>,
    /// Set for requests: the id and method, so the answer can be awaited.
    pub(crate) request: Option<(RequestId, String)>,
    pub(crate) head: Head,
}

enum Mode {
    /// Streamable HTTP: each message is a POST to the MCP endpoint.
    Streamable,
    /// HTTP+SSE (2024-11-05): POSTs go to the endpoint the stream named.
    Sse { endpoint: Url },
}

/// What the background tasks share with the link.
#[derive(Clone)]
struct Ctx {
    http: reqwest::Client,
    /// Requests' POSTs to a plain `http://` endpoint (see `conn_pool`).
    pool: Option<Arc<ConnPool>>,
    url: Url,
    extra: HeaderMap,
    timeout: Duration,
    /// Frames for the reader.
    incoming: mpsc::Sender<Vec<u8>>,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    session: Mutex<Option<String>>,
    /// The negotiated legacy revision: streams may be resumed, GET and DELETE
    /// carry it.
    legacy: Mutex<Option<String>>,
    /// A request got 404 for its session: it must be started again.
    expired: AtomicBool,
    /// The endpoint redirected a POST: requests go through reqwest, which
    /// follows redirects.
    redirected: AtomicBool,
}

/// An HTTP connection to one MCP server.
pub(crate) struct HttpLink {
    ctx: Ctx,
    mode: Mode,
    background: Mutex<Vec<AbortHandle>>,
    closed: AtomicBool,
}

/// Checks and parses a user's URL.
pub(crate) fn parse_url(url: &str) -> Result<Url, ClientError> {
    let parsed = Url::parse(url.trim()).map_err(|e| {
        ClientError::Config(format!(
            "`{url}` is not a URL ({e}): give the server's full address, e.g. http://127.0.0.1:8000/mcp"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(ClientError::Config(format!(
            "`{url}` is not an http(s) URL: give the server's full address, e.g. http://127.0.0.1:8000/mcp \
             (use StdioCommand for a local program)"
        )));
    }
    Ok(parsed)
}

/// What every HTTP request of one client shares.
pub(crate) struct Setup {
    http: reqwest::Client,
    extra: HeaderMap,
    /// The bound on a message POST (requests have their own, in the client).
    timeout: Duration,
}

/// The HTTP client, the user's extra headers, and the bound on a message POST.
pub(crate) fn setup(
    headers: &[(String, String)],
    timeout: Duration,
    roots: &[Vec<u8>],
) -> Result<Setup, ClientError> {
    let mut extra = HeaderMap::new();
    for (k, v) in headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| ClientError::Config(format!("`{k}` is not a valid HTTP header name")))?;
        let value = HeaderValue::from_str(v).map_err(|_| {
            ClientError::Config(format!(
                "the value of header `{k}` is not a valid HTTP header value (visible ASCII only)"
            ))
        })?;
        extra.append(name, value);
    }
    let mut trusted = Vec::new();
    for pem in roots {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                ClientError::Config(
                    "a root certificate given to the client is not PEM: give the CA certificate's PEM text \
                     (-----BEGIN CERTIFICATE-----)"
                        .into(),
                )
            })?;
        trusted.extend(certs);
    }
    let http = reqwest::Client::builder()
        .tls_certs_merge(trusted)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| ClientError::Config(format!("could not set up the HTTP client: {e}")))?;
    Ok(Setup { http, extra, timeout })
}

impl HttpLink {
    /// A Streamable HTTP link; frames arrive on the returned receiver.
    pub(crate) fn streamable(setup: Setup, url: Url) -> (HttpLink, mpsc::Receiver<Vec<u8>>) {
        let (incoming, rx) = mpsc::channel(256);
        let link = HttpLink {
            ctx: Ctx {
                http: setup.http,
                pool: ConnPool::for_url(&url).map(Arc::new),
                url,
                extra: setup.extra,
                timeout: setup.timeout,
                incoming,
                state: Arc::default(),
            },
            mode: Mode::Streamable,
            background: Mutex::default(),
            closed: AtomicBool::new(false),
        };
        (link, rx)
    }

    /// Opens the 2024-11-05 transport: GET the stream, wait for its
    /// `endpoint` event. The stream is the session: when it ends, the
    /// returned receiver closes.
    pub(crate) async fn sse(
        setup: Setup,
        url: Url,
    ) -> Result<(HttpLink, mpsc::Receiver<Vec<u8>>), ClientError> {
        let (incoming, rx) = mpsc::channel(256);
        let ctx = Ctx {
            http: setup.http,
            pool: None,
            url: url.clone(),
            extra: setup.extra,
            timeout: setup.timeout,
            incoming,
            state: Arc::default(),
        };
        let opened = tokio::time::timeout(ENDPOINT_WAIT, ctx.open_get(None))
            .await
            .map_err(|_| ClientError::Timeout(format!("GET {url} (opening the HTTP+SSE stream)")))?;
        let resp = opened.map_err(|e| match e {
            ClientError::Http { status, message } => ClientError::Http {
                status,
                message: format!(
                    "{message} (the 2024-11-05 HTTP+SSE transport opens with GET on its …/sse URL; for a \
                     Streamable HTTP endpoint use Client::connect_http)"
                ),
            },
            other => other,
        })?;
        let mut body: BoxStream<'static, reqwest::Result<bytes::Bytes>> = resp.bytes_stream().boxed();
        let mut parser = Parser::default();
        let mut events = Vec::new();
        let endpoint = tokio::time::timeout(ENDPOINT_WAIT, async {
            loop {
                if let Some(i) = events.iter().position(|e: &Event| e.event == "endpoint") {
                    let e: Event = events.remove(i);
                    return Some(e.data);
                }
                match body.next().await {
                    Some(Ok(chunk)) => parser.feed(&chunk, &mut events),
                    _ => return None,
                }
            }
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            ClientError::Protocol(format!(
                "{url} opened an event stream but sent no `endpoint` event: it is not an MCP HTTP+SSE \
                 endpoint (for Streamable HTTP use Client::connect_http)"
            ))
        })?;
        let endpoint = url.join(endpoint.trim()).map_err(|e| {
            ClientError::Protocol(format!("{url} named an unusable endpoint {endpoint:?}: {e}"))
        })?;
        // Messages go only where the stream came from: another origin would
        // receive this client's requests (and credentials).
        if endpoint.origin() != url.origin() {
            return Err(ClientError::Protocol(format!(
                "{url} named an endpoint on another origin ({endpoint}); refusing to send messages there"
            )));
        }
        // The pump passes the stream's messages on; when the stream (the
        // session) ends, its sender goes and the reader sees the end.
        let pump_ctx = ctx.clone();
        let leftover: Vec<Event> = events;
        let task = tokio::spawn(async move {
            let mut events = leftover;
            loop {
                for e in events.drain(..) {
                    if e.event == "message"
                        && !e.data.trim().is_empty()
                        && pump_ctx.incoming.send(e.data.into_bytes()).await.is_err()
                    {
                        return;
                    }
                }
                match body.next().await {
                    Some(Ok(chunk)) => parser.feed(&chunk, &mut events),
                    _ => return,
                }
            }
        });
        // Only the pump may hold a sender: when the stream ends, the channel closes.
        let (dead, _) = mpsc::channel(1);
        let ctx = Ctx {
            incoming: dead,
            ..ctx
        };
        Ok((
            HttpLink {
                ctx,
                mode: Mode::Sse { endpoint },
                background: Mutex::new(vec![task.abort_handle()]),
                closed: AtomicBool::new(false),
            },
            rx,
        ))
    }

    /// Whether this is the 2024-11-05 transport.
    pub(crate) fn is_sse(&self) -> bool {
        matches!(self.mode, Mode::Sse { .. })
    }

    /// Sends one message. A notification or response is sent before this
    /// returns. A request on Streamable HTTP comes back as a [`Posted`]
    /// future for the caller to drive: no task is spawned, its JSON answer
    /// is the future's output rather than a frame for the reader (the hops a
    /// proxied call would otherwise pay), and dropping it drops the POST,
    /// which on modern HTTP is the cancellation. HTTP+SSE answers come on
    /// its stream (`None`).
    pub(crate) async fn send(&self, out: Outgoing) -> Result<Option<Posted>, ClientError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed.into());
        }
        match (&self.mode, out.request) {
            (Mode::Streamable, Some((id, method))) => {
                let ctx = self.ctx.clone();
                Ok(Some(Box::pin(async move {
                    ctx.post_request(&id, &method, out.bytes, &out.head).await
                })))
            }
            (Mode::Streamable, None) => self
                .ctx
                .post_message(&self.ctx.url, out.bytes, &out.head)
                .await
                .map(|()| None),
            (Mode::Sse { endpoint }, _) => self
                .ctx
                .post_message(endpoint, out.bytes, &Head::default())
                .await
                .map(|()| None),
        }
    }

    /// A modern request handed on for another client: see `Ctx::pass`.
    pub(crate) async fn pass(
        &self,
        bytes: Vec<u8>,
        head: &Head,
        notes: Option<&mpsc::Sender<Vec<u8>>>,
    ) -> Result<Vec<u8>, ClientError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed.into());
        }
        self.ctx.pass(bytes, head, notes).await
    }

    /// After `initialize`: the revision to send on GET and DELETE, and the
    /// session's GET stream for server-initiated messages (405 means the
    /// server offers none).
    pub(crate) async fn start_legacy(&self, version: &str) {
        *lock(&self.ctx.state.legacy) = Some(version.to_owned());
        if let Mode::Streamable = self.mode {
            let ctx = self.ctx.clone();
            let (opened, ready) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(async move { ctx.listen(Some(opened)).await });
            {
                let mut background = lock(&self.background);
                for old in background.drain(..) {
                    old.abort();
                }
                background.push(task.abort_handle());
            }
            // Servers drop server-initiated messages that have no stream to
            // go on, so a request sent before the GET is answered could ask
            // for input nobody sees. Wait for that answer, but only briefly:
            // a server that holds its headers back must not stall connecting.
            let _ = tokio::time::timeout(STREAM_OPEN_WAIT, ready).await;
        }
    }

    /// Whether a request was refused because its session is gone (and
    /// forgets that it was).
    pub(crate) fn take_expired(&self) -> bool {
        self.ctx.state.expired.swap(false, Ordering::AcqRel)
    }

    /// Ends the connection: DELETE of a legacy session, every stream dropped.
    pub(crate) async fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.abort_all();
        if let Some(delete) = self.ctx.delete_request() {
            let _ = tokio::time::timeout(Duration::from_secs(5), delete.send()).await;
        }
    }

    fn abort_all(&self) {
        for task in lock(&self.background).drain(..) {
            task.abort();
        }
    }
}

impl Drop for HttpLink {
    fn drop(&mut self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.abort_all();
        // Best effort: end the session on the server too.
        if let (Some(delete), Ok(rt)) = (self.ctx.delete_request(), tokio::runtime::Handle::try_current()) {
            rt.spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), delete.send()).await;
            });
        }
    }
}

impl Ctx {
    /// The headers every request carries: the user's, then the session's.
    fn headers(&self, head: &Head, with_session: bool) -> HeaderMap {
        let mut h = self.extra.clone();
        let session = lock(&self.state.session).clone();
        if let (true, Some(s)) = (with_session, session) {
            if let Ok(v) = HeaderValue::from_str(&s) {
                h.insert(SESSION, v);
            }
        }
        // The standard names are constants: no parse (and no copy) per request.
        let mut put = |name: HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        };
        if let Some(v) = &head.protocol_version {
            put(HeaderName::from_static("mcp-protocol-version"), v);
        }
        if let Some(m) = &head.method {
            put(HeaderName::from_static("mcp-method"), m);
        }
        if let Some(n) = &head.name {
            put(
                HeaderName::from_static("mcp-name"),
                &super::headers::encode_value(n),
            );
        }
        for (k, v) in &head.params {
            if let Ok(name) = HeaderName::from_bytes(k.as_bytes()) {
                put(name, v);
            }
        }
        h
    }

    /// The headers of a POST: the common ones, then what a POST says it sends and takes.
    fn post_headers(&self, head: &Head, with_session: bool) -> HeaderMap {
        let mut headers = self.headers(head, with_session);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        headers
    }

    fn post(
        &self,
        url: &Url,
        bytes: impl Into<reqwest::Body>,
        head: &Head,
        with_session: bool,
    ) -> reqwest::RequestBuilder {
        let headers = self.post_headers(head, with_session);
        self.http.post(url.clone()).headers(headers).body(bytes)
    }

    /// A request's POST on the pooled connections where the URL allows,
    /// else on reqwest; the body is read unless it is an event stream.
    async fn exchange(&self, bytes: Vec<u8>, head: &Head, with_session: bool) -> Result<Reply, ClientError> {
        let bytes = bytes::Bytes::from(bytes);
        let pool = self
            .pool
            .as_ref()
            .filter(|_| !self.state.redirected.load(Ordering::Acquire));
        if let Some(pool) = pool {
            let mut headers = self.post_headers(head, with_session);
            headers.insert(reqwest::header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
            let reply = pool
                .post(headers, bytes.clone(), MAX_BODY)
                .await
                .map_err(|e| pool_error(&self.url, &e))?;
            if reply.status.is_redirection() {
                // reqwest follows redirects (`/mcp` to `/mcp/` is common) as
                // it always has; this endpoint's requests go to it from now on.
                self.state.redirected.store(true, Ordering::Release);
                return self.exchange_reqwest(bytes, head, with_session).await;
            }
            return Ok(Reply {
                status: reply.status,
                headers: reply.headers,
                body: match reply.body {
                    ReplyBody::Full(b) => Body::Full(b),
                    ReplyBody::Stream(incoming) => {
                        Body::Stream(until_error(http_body_util::BodyDataStream::new(incoming)))
                    }
                },
            });
        }
        self.exchange_reqwest(bytes, head, with_session).await
    }

    async fn exchange_reqwest(
        &self,
        bytes: bytes::Bytes,
        head: &Head,
        with_session: bool,
    ) -> Result<Reply, ClientError> {
        let resp = self
            .post(&self.url, bytes, head, with_session)
            .send()
            .await
            .map_err(|e| unreachable_error(&self.url, &e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = if is_event_stream(resp.headers()) {
            Body::Stream(chunks(resp))
        } else {
            Body::Full(read_body(resp).await?.into())
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// A notification or response: the server accepts it (202) or says why not.
    async fn post_message(&self, url: &Url, bytes: Vec<u8>, head: &Head) -> Result<(), ClientError> {
        let resp = self
            .post(url, bytes, head, true)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| unreachable_error(url, &e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_body(resp).await.unwrap_or_default();
        Err(http_error(url, status, &body))
    }

    /// A request: POST, then the answer as JSON or as an SSE stream (resumed
    /// with `Last-Event-ID` on legacy sessions when it ends early). A JSON
    /// answer is returned for the caller to route; a stream's messages go to
    /// the reader (`Ok(None)`).
    async fn post_request(
        &self,
        id: &RequestId,
        method: &str,
        bytes: Vec<u8>,
        head: &Head,
    ) -> Result<Option<Response>, ClientError> {
        let initialize = method == "initialize";
        let sent_session = !initialize && lock(&self.state.session).is_some();
        let reply = self.exchange(bytes, head, !initialize).await?;
        let status = reply.status;
        if initialize && status.is_success() {
            let sid = reply
                .headers
                .get(SESSION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            *lock(&self.state.session) = sid;
        }
        if status == StatusCode::NOT_FOUND && sent_session {
            // The spec's signal that the session is gone: start a new one.
            *lock(&self.state.session) = None;
            self.state.expired.store(true, Ordering::Release);
            return Err(ClientError::Http {
                status: 404,
                message: format!("{} no longer knows this session", self.url),
            });
        }
        let body = match reply.body {
            Body::Stream(stream) if status.is_success() => {
                return self.follow(stream, id, method).await.map(|()| None);
            }
            Body::Stream(stream) => collect(&self.url, stream).await?.into(),
            Body::Full(body) => body,
        };
        // The usual case, parsed straight into the response it is.
        if let Ok(mut response) = serde_json::from_slice::<Response>(&body) {
            if response.result.is_some() || response.error.is_some() {
                // Errors refused before the body was read carry no id: they are ours.
                if response.error.is_some() && response.id.is_none() {
                    response.id = Some(id.clone());
                }
                if response.id.as_ref() == Some(id) {
                    return Ok(Some(response));
                }
            }
        }
        let Some(mut message) = serde_json::from_slice::<Value>(&body)
            .ok()
            .filter(|v| v.get("jsonrpc").is_some())
        else {
            return Err(if status.is_success() {
                not_mcp(&self.url, &body)
            } else {
                http_error(&self.url, status, &body)
            });
        };
        // Errors refused before the body was read carry no id: they are ours.
        if message.get("error").is_some() && message.get("id").is_none_or(Value::is_null) {
            message["id"] = serde_json::to_value(id).unwrap_or(Value::Null);
        }
        if answers(&message, id) {
            serde_json::from_value(message).map(Some).map_err(|e| {
                ClientError::Protocol(format!(
                    "{} answered `{method}` with a malformed response: {e}",
                    self.url
                ))
            })
        } else {
            let _ = self
                .incoming
                .send(serde_json::to_vec(&message).unwrap_or_default())
                .await;
            Err(ClientError::Protocol(format!(
                "{} answered `{method}` without a response to it",
                self.url
            )))
        }
    }

    /// A modern request handed on for another client (see
    /// `Client::pass_request`): the response message to it, as the server
    /// wrote it. A stream's other messages (progress, log messages) go to
    /// `notes` rather than the reader: they are that client's.
    async fn pass(
        &self,
        bytes: Vec<u8>,
        head: &Head,
        notes: Option<&mpsc::Sender<Vec<u8>>>,
    ) -> Result<Vec<u8>, ClientError> {
        let reply = self.exchange(bytes, head, false).await?;
        let status = reply.status;
        let body = match reply.body {
            Body::Stream(stream) if status.is_success() => return self.pass_stream(stream, notes).await,
            Body::Stream(stream) => collect(&self.url, stream).await?,
            // The engine reads it: a 200's body is the response.
            Body::Full(body) if status.is_success() => return Ok(body.into()),
            Body::Full(body) => body.into(),
        };
        // A refusal (400 for mismatched headers, 404 for an unknown method)
        // is the other client's to read when it is a JSON-RPC error; any
        // other body (an OAuth 401, a proxy's 503) is this link's failure.
        let rpc_error = serde_json::from_slice::<Value>(&body)
            .is_ok_and(|m| m.get("jsonrpc").is_some() && m["error"].get("code").is_some_and(Value::is_i64));
        if rpc_error {
            return Ok(body);
        }
        Err(http_error(&self.url, status, &body))
    }

    /// Reads a handed-on request's stream until the response comes.
    async fn pass_stream(
        &self,
        mut stream: Chunks,
        notes: Option<&mpsc::Sender<Vec<u8>>>,
    ) -> Result<Vec<u8>, ClientError> {
        #[derive(serde::Deserialize)]
        struct Peek<'a> {
            #[serde(borrow)]
            method: Option<std::borrow::Cow<'a, str>>,
            id: Option<serde::de::IgnoredAny>,
        }
        let mut parser = Parser::default();
        let mut events = Vec::new();
        // Bytes since the last complete event: one event is held whole, so
        // it gets the limit a response body gets.
        let mut pending = 0usize;
        while let Some(chunk) = stream.next().await {
            parser.feed(&chunk, &mut events);
            pending = if events.is_empty() {
                pending + chunk.len()
            } else {
                0
            };
            if pending > MAX_BODY {
                return Err(too_large(&self.url));
            }
            for e in events.drain(..) {
                if e.event != "message" || e.data.trim().is_empty() {
                    continue;
                }
                let Ok(peek) = serde_json::from_str::<Peek<'_>>(&e.data) else {
                    continue;
                };
                match (peek.method.as_deref(), peek.id.is_some()) {
                    // What the call itself reports: its progress and log
                    // messages (modern servers ask for input in results, and
                    // anything else on this stream is not the caller's).
                    (Some("notifications/progress" | "notifications/message"), false) => {
                        // A caller that stops reading loses notes, not the call; a
                        // note that is not JSON is dropped (an empty frame is a
                        // transport signal, not a message).
                        if let (Some(notes), Some(note)) = (notes, one_line(e.data)) {
                            let _ = notes.send_timeout(note, NOTE_WAIT).await;
                        }
                    }
                    (None, true) => return Ok(e.data.into_bytes()),
                    _ => {}
                }
            }
        }
        Err(ClientError::Transport(TransportError::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{} closed the response stream before answering", self.url),
        ))))
    }

    /// Reads a response stream until it carries the answer.
    async fn follow(&self, stream: Chunks, id: &RequestId, method: &str) -> Result<(), ClientError> {
        let mut parser = Parser::default();
        let mut stream = stream;
        let mut empty = 0u32;
        loop {
            let (answered, events) = self.pump(stream, &mut parser, Some(id)).await;
            if answered {
                return Ok(());
            }
            // Only legacy sessions resume (SEP-1699); modern streams are not resumable.
            let legacy = lock(&self.state.legacy).is_some();
            let Some(last) = parser.last_event_id.clone().filter(|_| legacy) else {
                return Err(ClientError::Transport(TransportError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "{} closed the response stream of `{method}` before answering it",
                        self.url
                    ),
                ))));
            };
            empty = if events == 0 { empty + 1 } else { 0 };
            if empty > MAX_EMPTY_RESUMES {
                return Err(ClientError::Protocol(format!(
                    "{} kept closing the stream of `{method}` without sending anything",
                    self.url
                )));
            }
            // The server said how long to wait (`retry:`); the spec says to honour it.
            tokio::time::sleep(parser.retry.unwrap_or(DEFAULT_RETRY)).await;
            stream = chunks(self.open_get(Some(&last)).await?);
        }
    }

    /// Passes a stream's messages to the reader until it ends or (when `id`
    /// is given) carries that request's answer. Returns whether it did, and
    /// how many events came.
    async fn pump(&self, mut body: Chunks, parser: &mut Parser, id: Option<&RequestId>) -> (bool, usize) {
        let mut events = Vec::new();
        let mut count = 0;
        while let Some(chunk) = body.next().await {
            parser.feed(&chunk, &mut events);
            let mut answered = false;
            for e in events.drain(..) {
                count += 1;
                if e.event != "message" || e.data.trim().is_empty() {
                    continue;
                }
                if let Some(id) = id {
                    answered |= serde_json::from_str::<Value>(&e.data).is_ok_and(|m| answers(&m, id));
                }
                if self.incoming.send(e.data.into_bytes()).await.is_err() {
                    return (answered, count);
                }
            }
            // The answer ends the request: stop reading (the stream should end anyway).
            if answered {
                return (true, count);
            }
        }
        (false, count)
    }

    /// GET on the MCP endpoint: the legacy session's stream, or a resumption.
    async fn open_get(&self, last_event_id: Option<&str>) -> Result<reqwest::Response, ClientError> {
        let version = lock(&self.state.legacy).clone();
        let mut headers = self.headers(
            &Head {
                protocol_version: version,
                ..Head::default()
            },
            true,
        );
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        if let Some(id) = last_event_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            headers.insert("last-event-id", id);
        }
        let resp = self
            .http
            .request(Method::GET, self.url.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| unreachable_error(&self.url, &e))?;
        let status = resp.status();
        if !status.is_success() {
            let body = read_body(resp).await.unwrap_or_default();
            return Err(http_error(&self.url, status, &body));
        }
        if !is_event_stream(resp.headers()) {
            let body = read_body(resp).await.unwrap_or_default();
            return Err(ClientError::Protocol(format!(
                "{} answered GET without an event stream ({}): it is not an MCP event stream",
                self.url,
                snippet(&body)
            )));
        }
        Ok(resp)
    }

    /// The legacy session's GET stream, reopened when the server closes it.
    /// `opened` hears when the first GET has been answered (or refused).
    async fn listen(&self, mut opened: Option<tokio::sync::oneshot::Sender<()>>) {
        let mut parser = Parser::default();
        let mut backoff = DEFAULT_RETRY;
        loop {
            let resp = self.open_get(parser.last_event_id.as_deref()).await;
            if let Some(opened) = opened.take() {
                let _ = opened.send(());
            }
            let resp = match resp {
                Ok(r) => r,
                // 405: the server offers no stream; other refusals won't change.
                Err(ClientError::Http { status, .. }) if status < 500 => return,
                Err(ClientError::Protocol(_)) => return,
                Err(_) => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
            let (_, events) = self.pump(chunks(resp), &mut parser, None).await;
            // The server closed it: poll again after the delay it asked for,
            // backing off while reconnections bring nothing.
            let retry = parser.retry.unwrap_or(DEFAULT_RETRY);
            if events > 0 {
                backoff = DEFAULT_RETRY;
                tokio::time::sleep(retry).await;
            } else {
                tokio::time::sleep(retry.max(backoff)).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }

    fn delete_request(&self) -> Option<reqwest::RequestBuilder> {
        lock(&self.state.session).as_ref()?;
        let version = lock(&self.state.legacy).clone();
        let headers = self.headers(
            &Head {
                protocol_version: version,
                ..Head::default()
            },
            true,
        );
        Some(self.http.delete(self.url.clone()).headers(headers))
    }
}

/// Whether `message` is the response to request `id`.
fn answers(message: &Value, id: &RequestId) -> bool {
    (message.get("result").is_some() || message.get("error").is_some())
        && message
            .get("id")
            .and_then(|v| serde_json::from_value::<RequestId>(v.clone()).ok())
            .is_some_and(|got| &got == id)
}

/// Whether a response's `Content-Type` is an event stream.
pub(crate) fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        })
}

/// A response body's chunks, from either HTTP stack; a failure ends it.
type Chunks = BoxStream<'static, bytes::Bytes>;

/// A POST's response: its head, and its body unless that is an event stream.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
}

enum Body {
    Full(bytes::Bytes),
    Stream(Chunks),
}

fn chunks(resp: reqwest::Response) -> Chunks {
    until_error(resp.bytes_stream())
}

/// A body's chunks up to its first failure.
fn until_error<E: Send + 'static>(
    stream: impl futures::Stream<Item = Result<bytes::Bytes, E>> + Send + 'static,
) -> Chunks {
    stream
        .take_while(|r| std::future::ready(r.is_ok()))
        .filter_map(|r| std::future::ready(r.ok()))
        .boxed()
}

/// An event stream that came where JSON was expected, read as a body.
async fn collect(url: &Url, mut stream: Chunks) -> Result<Vec<u8>, ClientError> {
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large(url));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A message written over several lines (SSE joins `data:` lines with a
/// line break), compacted: the caller's stream frames one line per message.
/// `None` when it is not JSON.
fn one_line(data: String) -> Option<Vec<u8>> {
    if !data.contains(['\n', '\r']) {
        return Some(data.into_bytes());
    }
    serde_json::from_str::<Value>(&data)
        .and_then(|v| serde_json::to_vec(&v))
        .ok()
}

fn too_large(url: &Url) -> ClientError {
    ClientError::Protocol(format!("{url} sent a response larger than {MAX_BODY} bytes"))
}

async fn read_body(resp: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let url = resp.url().clone();
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| unreachable_error(&url, &e))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large(&url));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A short, printable excerpt of a body.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "empty body".into();
    }
    if text.starts_with('<') {
        return "an HTML page".into();
    }
    let mut s: String = text.chars().take(200).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("{s:?}")
}

fn not_mcp(url: &Url, body: &[u8]) -> ClientError {
    ClientError::Protocol(format!(
        "{url} answered with something that is not MCP ({}): check that the URL is the server's MCP \
         endpoint (often …/mcp)",
        snippet(body)
    ))
}

/// An HTTP failure, with what the server said and what to do about it.
fn http_error(url: &Url, status: StatusCode, body: &[u8]) -> ClientError {
    let said = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("message"))
                .or_else(|| v.get("error"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .map_or_else(|| snippet(body), |m| format!("{m:?}"));
    let hint = match status.as_u16() {
        401 => {
            "the server wants credentials: add them with ClientOptions::header(\"Authorization\", \"Bearer …\")"
        }
        403 => {
            "the server refused access: check the credentials, and that it accepts this client's Host and Origin"
        }
        404 => {
            "nothing MCP at this URL: check the path (MCP endpoints are usually …/mcp, or …/sse for the 2024-11-05 HTTP+SSE transport)"
        }
        405 => "this URL does not take this HTTP method: it is probably not an MCP endpoint (check the path)",
        406 | 415 => "the server rejected the request format: check that the URL is an MCP endpoint",
        408 | 429 | 503 => "the server is busy: try again later",
        501 => "the server does not handle this HTTP method: it is not an MCP endpoint (check the URL)",
        500..=599 => "the server failed: see its logs",
        _ => "check the URL and the server's logs",
    };
    ClientError::Http {
        status: status.as_u16(),
        message: format!("{url} ({said}); {hint}"),
    }
}

/// A pooled POST that got no answer.
fn pool_error(url: &Url, e: &PoolError) -> ClientError {
    let kind = match e {
        PoolError::TooLarge(_) => return too_large(url),
        PoolError::Connect(io) => io.kind(),
        PoolError::Http(_) => std::io::ErrorKind::Other,
    };
    unreachable_io(url, kind, &e.to_string())
}

fn unreachable_io(url: &Url, kind: std::io::ErrorKind, detail: &str) -> ClientError {
    ClientError::Transport(TransportError::Io(std::io::Error::new(
        kind,
        format!("could not reach {url} ({detail}); check that the server is running and the URL is right"),
    )))
}

/// No HTTP answer at all (refused, unresolvable, reset).
fn unreachable_error(url: &Url, e: &reqwest::Error) -> ClientError {
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !detail.contains(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        source = s.source();
    }
    let kind = if e.is_connect() {
        std::io::ErrorKind::ConnectionRefused
    } else if e.is_timeout() {
        std::io::ErrorKind::TimedOut
    } else {
        std::io::ErrorKind::Other
    };
    unreachable_io(url, kind, &detail)
}
