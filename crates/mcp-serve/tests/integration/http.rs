//! The Streamable HTTP transport over real sockets (127.0.0.1, port 0):
//! the modern era (2026-07-28, stateless), legacy sessions (2025-03-26 …
//! 2025-11-25), the 2024-11-05 HTTP+SSE transport, the safety limits, and
//! mounting in axum.
//!
//! Every bad-input test checks that the server still answers a valid request
//! afterwards. Every wait is bounded by `tokio::time::timeout`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use mcp_serve::prelude::*;
use mcp_serve::tool::Tool;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// The bound on any single wait.
pub(super) const LIMIT: Duration = Duration::from_secs(15);
pub(super) const MODERN: &str = "2026-07-28";
pub(super) const LEGACY: &str = "2025-11-25";
pub(super) const BOTH: &str = "application/json, text/event-stream";

// ---------------------------------------------------------------------------
// Fixture server
// ---------------------------------------------------------------------------

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct SlowArgs {
    ms: u64,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct NoArgs {}

/// Observes a handler: when it started, finished, and when its future was
/// dropped (cancelled or not).
#[derive(Default)]
pub(super) struct Probe {
    pub(super) started: AtomicBool,
    pub(super) finished: AtomicBool,
    dropped: AtomicBool,
    changed: Notify,
    /// Lets a parked handler go on.
    pub(super) release: Notify,
}

impl Probe {
    pub(super) async fn wait_for(&self, what: &str, flag: impl Fn(&Probe) -> bool) {
        within(what, async {
            loop {
                let notified = self.changed.notified();
                if flag(self) {
                    return;
                }
                // Re-check periodically too, in case a notify raced.
                let _ = timeout(Duration::from_millis(50), notified).await;
            }
        })
        .await;
    }

    fn set(&self, flag: &AtomicBool) {
        flag.store(true, Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

/// Sets `dropped` when the handler's future goes away.
struct DropGuard(Arc<Probe>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set(&self.0.dropped);
    }
}

pub(super) fn server(probe: &Arc<Probe>) -> Server {
    let hang = Arc::clone(probe);
    let steady = Arc::clone(probe);
    let poll = Arc::clone(probe);
    Server::new("http-test", "1.0.0")
        .tool(add)
        .tool(
            Tool::new("slow").handler(|a: SlowArgs, _ctx: Context| async move {
                tokio::time::sleep(Duration::from_millis(a.ms)).await;
                format!("slept {}", a.ms)
            }),
        )
        .tool(
            Tool::new("progress").handler(|_: NoArgs, ctx: Context| async move {
                ctx.progress(1.0, Some(2.0), Some("half")).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                ctx.progress(2.0, Some(2.0), Some("all")).await;
                "progressed".to_owned()
            }),
        )
        // Reports progress, then waits forever (until its future is dropped).
        .tool(Tool::new("hang").handler(move |_: NoArgs, ctx: Context| {
            let probe = Arc::clone(&hang);
            async move {
                let _guard = DropGuard(Arc::clone(&probe));
                probe.set(&probe.started);
                ctx.progress(1.0, None, Some("hanging")).await;
                std::future::pending::<()>().await;
                "unreachable".to_owned()
            }
        }))
        // Reports progress, waits for the test to release it, then finishes.
        .tool(Tool::new("steady").handler(move |_: NoArgs, ctx: Context| {
            let probe = Arc::clone(&steady);
            async move {
                let _guard = DropGuard(Arc::clone(&probe));
                probe.set(&probe.started);
                ctx.progress(1.0, None, Some("working")).await;
                probe.release.notified().await;
                probe.set(&probe.finished);
                "steady done".to_owned()
            }
        }))
        // Asks the client to poll (SEP-1699), then finishes later.
        .tool(Tool::new("poll").handler(move |_: NoArgs, ctx: Context| {
            let probe = Arc::clone(&poll);
            async move {
                probe.set(&probe.started);
                ctx.close_sse_stream().await;
                tokio::time::sleep(Duration::from_millis(300)).await;
                probe.set(&probe.finished);
                "polled result".to_owned()
            }
        }))
}

pub(super) struct TestServer {
    pub(super) base: String,
    handle: ServerHandle,
    pub(super) probe: Arc<Probe>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    pub(super) client: Client,
    /// The revision each legacy session negotiated.
    versions: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl TestServer {
    pub(super) async fn start() -> TestServer {
        Self::with_options(HttpOptions::default()).await
    }

    pub(super) async fn with_options(options: HttpOptions) -> TestServer {
        let probe = Arc::new(Probe::default());
        let handle = server(&probe).into_handle().expect("fixture registers");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let h = handle.clone();
        let task = tokio::spawn(async move {
            serve_listener(&h, listener, options, async {
                let _ = rx.await;
            })
            .await
            .expect("serve_listener");
        });
        TestServer {
            base: format!("http://{addr}"),
            handle,
            probe,
            shutdown: Some(tx),
            task: Some(task),
            client: client(),
            versions: Default::default(),
        }
    }

    pub(super) fn mcp(&self) -> String {
        format!("{}/mcp", self.base)
    }

    /// A modern request, with the body's `_meta` and the mirrored headers.
    pub(super) fn modern(&self, id: i64, method: &str, params: Value) -> reqwest::RequestBuilder {
        modern_request(&self.client, &self.mcp(), id, method, params)
    }

    /// Checks the server still answers a modern `tools/call`.
    pub(super) async fn assert_alive(&self) {
        let resp = send(self.modern(
            9999,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 40, "b": 2}}),
        ))
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "server no longer serves");
        let v = json_body(resp).await;
        assert_eq!(v["id"], 9999, "{v}");
        assert_eq!(text_of(&v), "42", "{v}");
    }

    /// Opens a legacy session; returns its id.
    pub(super) async fn initialize(&self, version: &str) -> String {
        let resp = send(
            self.client
                .post(self.mcp())
                .header(CONTENT_TYPE, "application/json")
                .header("accept", BOTH)
                .json(&initialize_body(version)),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let sid = resp
            .headers()
            .get("mcp-session-id")
            .expect("initialize answers with Mcp-Session-Id")
            .to_str()
            .expect("ascii session id")
            .to_owned();
        let v = json_body(resp).await;
        assert_eq!(v["result"]["protocolVersion"], version, "{v}");
        self.versions
            .lock()
            .expect("versions")
            .insert(sid.clone(), version.to_owned());
        sid
    }

    /// A legacy request (or notification, when `id` is `None`) in a session.
    pub(super) fn legacy(
        &self,
        sid: &str,
        id: Option<i64>,
        method: &str,
        params: Value,
    ) -> reqwest::RequestBuilder {
        let mut body = json!({"jsonrpc": "2.0", "method": method, "params": params});
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        let version = self
            .versions
            .lock()
            .expect("versions")
            .get(sid)
            .cloned()
            .unwrap_or_else(|| LEGACY.to_owned());
        self.post_in_session(sid, &version, &body)
    }

    /// A raw body (e.g. a batch) posted in a session under `version`.
    fn post_in_session(&self, sid: &str, version: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("mcp-session-id", sid)
            .header("mcp-protocol-version", version)
            .json(body)
    }

    pub(super) async fn initialized(&self, sid: &str) {
        let resp = send(self.legacy(sid, None, "notifications/initialized", json!({}))).await;
        let status = resp.status();
        let body = within("body", resp.text()).await.unwrap_or_default();
        assert_eq!(status, StatusCode::ACCEPTED, "notifications/initialized: {body}");
    }

    /// Starts the server's shutdown without waiting for it.
    pub(super) fn signal_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Waits for the server to have stopped.
    pub(super) async fn stopped(mut self) {
        if let Some(task) = self.task.take() {
            within("server task to stop", task).await.expect("server task");
        }
    }

    pub(super) async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            within("server task to stop", task).await.expect("server task");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub(super) fn client() -> Client {
    Client::builder().no_proxy().build().expect("reqwest client")
}

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn modern_body(id: i64, method: &str, mut params: Value) -> Value {
    let meta = params
        .as_object_mut()
        .expect("params object")
        .entry("_meta")
        .or_insert_with(|| json!({}));
    for (k, v) in modern_meta().as_object().expect("meta").iter() {
        meta.as_object_mut()
            .expect("_meta object")
            .entry(k.clone())
            .or_insert(v.clone());
    }
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

pub(super) fn modern_request(
    client: &Client,
    url: &str,
    id: i64,
    method: &str,
    params: Value,
) -> reqwest::RequestBuilder {
    let name = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut rb = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header("accept", BOTH)
        .header("mcp-protocol-version", MODERN)
        .header("mcp-method", method);
    if let Some(name) = name {
        if matches!(method, "tools/call" | "resources/read" | "prompts/get") {
            rb = rb.header("mcp-name", name);
        }
    }
    rb.json(&modern_body(id, method, params))
}

pub(super) fn initialize_body(version: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "http-test-client", "version": "0.0.1"},
        },
    })
}

pub(super) async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    timeout(LIMIT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Sends `rb` with `name` set to exactly `value` (builders append headers).
async fn send_replacing(
    client: &Client,
    rb: reqwest::RequestBuilder,
    name: &'static str,
    value: &str,
) -> Response {
    let mut req = rb.build().expect("request");
    req.headers_mut().insert(
        name,
        reqwest::header::HeaderValue::from_str(value).expect("header value"),
    );
    within("an HTTP response", client.execute(req))
        .await
        .expect("HTTP request")
}

pub(super) async fn send(rb: reqwest::RequestBuilder) -> Response {
    within("an HTTP response", rb.send()).await.expect("HTTP request")
}

pub(super) async fn json_body(resp: Response) -> Value {
    let ct = content_type(resp.headers());
    let bytes = within("a response body", resp.bytes()).await.expect("body");
    assert!(
        ct.starts_with("application/json"),
        "expected JSON, got {ct:?}: {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

fn content_type(h: &HeaderMap) -> String {
    h.get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The first text content of a tool result.
fn text_of(v: &Value) -> String {
    v["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content in {v}"))
        .to_owned()
}

/// Asserts an error response: HTTP status and JSON-RPC code.
async fn assert_error(resp: Response, status: StatusCode, code: i64) -> Value {
    assert_eq!(resp.status(), status, "HTTP status");
    let v = json_body(resp).await;
    assert_eq!(v["error"]["code"], code, "{v}");
    v
}

/// The answers in a response, whether it is JSON or an SSE stream.
async fn messages(resp: Response) -> Vec<Value> {
    if content_type(resp.headers()).starts_with("text/event-stream") {
        let mut sse = Sse::new(resp);
        let mut out = Vec::new();
        while let Some(ev) = sse.next().await {
            if let Some(v) = ev.json() {
                out.push(v);
            }
        }
        out
    } else {
        vec![json_body(resp).await]
    }
}

// ---------------------------------------------------------------------------
// A small SSE reader
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub(super) struct Event {
    pub(super) id: Option<String>,
    pub(super) event: Option<String>,
    pub(super) data: Option<String>,
    pub(super) retry: Option<u64>,
    pub(super) comment: bool,
}

impl Event {
    pub(super) fn json(&self) -> Option<Value> {
        let d = self.data.as_deref()?;
        if d.trim().is_empty() {
            return None;
        }
        Some(serde_json::from_str(d).unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {d:?}")))
    }
}

pub(super) struct Sse {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
    ended: bool,
}

impl Sse {
    pub(super) fn new(resp: Response) -> Sse {
        assert!(
            content_type(resp.headers()).starts_with("text/event-stream"),
            "expected an SSE response, got {:?} ({})",
            content_type(resp.headers()),
            resp.status()
        );
        Sse {
            stream: resp.bytes_stream().boxed(),
            buf: String::new(),
            ended: false,
        }
    }

    /// The next event block; `None` at the end of the stream.
    pub(super) async fn next(&mut self) -> Option<Event> {
        within("an SSE event", self.next_unbounded()).await
    }

    async fn next_unbounded(&mut self) -> Option<Event> {
        loop {
            let normalized = self.buf.replace("\r\n", "\n");
            if normalized.len() != self.buf.len() {
                self.buf = normalized;
            }
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = Event::default();
                for line in block.lines() {
                    if line.is_empty() {
                        continue;
                    }
                    if line.starts_with(':') {
                        ev.comment = true;
                        continue;
                    }
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => ev.id = Some(value.to_owned()),
                        "event" => ev.event = Some(value.to_owned()),
                        "data" => {
                            let d = ev.data.get_or_insert_with(String::new);
                            if !d.is_empty() {
                                d.push('\n');
                            }
                            d.push_str(value);
                        }
                        "retry" => ev.retry = value.trim().parse().ok(),
                        _ => {}
                    }
                }
                return Some(ev);
            }
            if self.ended {
                assert!(
                    self.buf.trim().is_empty(),
                    "SSE stream ended mid-event: {:?}",
                    self.buf
                );
                return None;
            }
            match self.stream.next().await {
                Some(Ok(chunk)) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                Some(Err(e)) => panic!("SSE stream failed: {e}"),
                None => self.ended = true,
            }
        }
    }

    /// The next event that carries a JSON-RPC message.
    pub(super) async fn next_message(&mut self) -> (Event, Value) {
        loop {
            let ev = self.next().await.expect("SSE stream ended before a message");
            if let Some(v) = ev.json() {
                return (ev, v);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Modern era (2026-07-28)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn modern_tools_list_is_json_with_result_type() {
    let srv = TestServer::start().await;
    let resp = send(srv.modern(1, "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers().get("mcp-session-id").is_none(),
        "modern requests get no session"
    );
    let v = json_body(resp).await;
    assert_eq!(v["id"], 1);
    assert_eq!(v["result"]["resultType"], "complete", "{v}");
    let names: Vec<&str> = v["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"add") && names.contains(&"slow"), "{names:?}");
}

#[tokio::test]
async fn modern_tools_call_is_json_with_result_type() {
    let srv = TestServer::start().await;
    let resp = send(srv.modern(
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1.5, "b": 2}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(content_type(resp.headers()).starts_with("application/json"));
    let v = json_body(resp).await;
    assert_eq!(v["id"], 2);
    assert_eq!(v["result"]["resultType"], "complete", "{v}");
    assert_eq!(text_of(&v), "3.5", "{v}");
    srv.assert_alive().await;
}

/// Sends a modern tools/call for `add` with the headers given (none added).
fn modern_with_headers(srv: &TestServer, headers: &[(&str, &str)], body: &Value) -> reqwest::RequestBuilder {
    let mut rb = srv
        .client
        .post(srv.mcp())
        .header(CONTENT_TYPE, "application/json")
        .header("accept", BOTH);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    rb.json(body)
}

/// The mirrored headers that match [`add_call`].
const ADD_HEADERS: [(&str, &str); 3] = [
    ("mcp-protocol-version", MODERN),
    ("mcp-method", "tools/call"),
    ("mcp-name", "add"),
];

fn add_call(id: i64) -> Value {
    modern_body(
        id,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
    )
}

#[tokio::test]
async fn modern_mcp_name_mismatch_is_400_header_mismatch() {
    let srv = TestServer::start().await;
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/call"),
            ("mcp-name", "slow"),
        ],
        &add_call(3),
    ))
    .await;
    let v = assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    assert_eq!(v["id"], 3, "{v}");
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_mcp_method_mismatch_is_400_header_mismatch() {
    let srv = TestServer::start().await;
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/list"),
            ("mcp-name", "add"),
        ],
        &add_call(4),
    ))
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_protocol_version_header_mismatch_is_400_header_mismatch() {
    let srv = TestServer::start().await;
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", "2025-11-25"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "add"),
        ],
        &add_call(5),
    ))
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_missing_required_header_is_400_header_mismatch() {
    let srv = TestServer::start().await;
    // Each of the three headers left out in turn.
    let full = [
        ("mcp-protocol-version", MODERN),
        ("mcp-method", "tools/call"),
        ("mcp-name", "add"),
    ];
    for skip in 0..full.len() {
        let headers: Vec<(&str, &str)> = full
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, h)| *h)
            .collect();
        let resp = send(modern_with_headers(&srv, &headers, &add_call(6))).await;
        let v = assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("missing"),
            "without {}: {v}",
            full[skip].0
        );
        srv.assert_alive().await;
    }
}

#[tokio::test]
async fn modern_base64_mcp_name_is_decoded() {
    let srv = TestServer::start().await;
    // "add" in the Base64 sentinel form.
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?YWRk?="),
        ],
        &add_call(7),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(text_of(&v), "2", "{v}");
    // And a sentinel that decodes to another name is a mismatch.
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?c2xvdw==?="),
        ],
        &add_call(8),
    ))
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_unsupported_version_is_400_with_supported_list() {
    let srv = TestServer::start().await;
    let mut body = modern_body(9, "tools/list", json!({}));
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", "2099-01-01"),
            ("mcp-method", "tools/list"),
        ],
        &body,
    ))
    .await;
    let v = assert_error(resp, StatusCode::BAD_REQUEST, -32022).await;
    let supported = v["error"]["data"]["supported"]
        .as_array()
        .expect("data.supported");
    assert!(supported.contains(&json!(MODERN)), "{v}");
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_missing_client_capabilities_is_400_invalid_params() {
    let srv = TestServer::start().await;
    let body = json!({
        "jsonrpc": "2.0", "id": 10, "method": "tools/list",
        "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}},
    });
    let resp = send(modern_with_headers(
        &srv,
        &[("mcp-protocol-version", MODERN), ("mcp-method", "tools/list")],
        &body,
    ))
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32602).await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_unknown_method_is_404_method_not_found() {
    let srv = TestServer::start().await;
    let resp = send(srv.modern(11, "no/such/method", json!({}))).await;
    let v = assert_error(resp, StatusCode::NOT_FOUND, -32601).await;
    assert_eq!(v["id"], 11);
    srv.assert_alive().await;
}

/// A modern call of the `progress` tool (two notifications, 20 ms apart, then
/// the result) over SSE: every JSON-RPC message of the stream, in order.
async fn modern_progress_call(srv: &TestServer, id: i64) -> Vec<Value> {
    let resp = send(srv.modern(
        id,
        "tools/call",
        json!({"name": "progress", "arguments": {}, "_meta": {"progressToken": "tok-1"}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    let mut out = Vec::new();
    while let Some(ev) = sse.next().await {
        assert_eq!(ev.event.as_deref().unwrap_or("message"), "message", "{ev:?}");
        if let Some(v) = ev.json() {
            out.push(v);
        }
    }
    out
}

#[tokio::test]
async fn modern_progress_switches_to_sse() {
    let srv = TestServer::start().await;
    let msgs = modern_progress_call(&srv, 12).await;
    assert!(msgs.len() >= 2, "{msgs:?}");
    let first = &msgs[0];
    assert_eq!(first["method"], "notifications/progress", "{first}");
    assert_eq!(first["params"]["progressToken"], "tok-1");
    assert_eq!(first["params"]["progress"], 1.0);
    let last = msgs.last().expect("a result");
    assert_eq!(last["id"], 12, "{last}");
    assert_eq!(last["result"]["resultType"], "complete");
    assert_eq!(text_of(last), "progressed");
    for m in &msgs[..msgs.len() - 1] {
        assert_eq!(
            m["method"], "notifications/progress",
            "only progress precedes the result: {m}"
        );
    }
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_sse_delivers_every_progress_before_the_result() {
    let srv = TestServer::start().await;
    let msgs = modern_progress_call(&srv, 15).await;
    let methods: Vec<String> = msgs
        .iter()
        .map(|m| m["method"].as_str().unwrap_or("<result>").to_owned())
        .collect();
    assert_eq!(
        methods,
        ["notifications/progress", "notifications/progress", "<result>"],
        "{msgs:?}"
    );
    assert_eq!(msgs[1]["params"]["progress"], 2.0);
}

#[tokio::test]
async fn modern_progress_without_sse_accept_is_json() {
    let srv = TestServer::start().await;
    let resp = send_replacing(
        &srv.client,
        srv.modern(
            13,
            "tools/call",
            json!({"name": "progress", "arguments": {}, "_meta": {"progressToken": "tok-2"}}),
        ),
        "accept",
        "application/json",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(v["id"], 13);
    assert_eq!(text_of(&v), "progressed");
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_closing_sse_cancels_the_handler() {
    let srv = TestServer::start().await;
    let own_client = client();
    let resp = send(modern_request(
        &own_client,
        &srv.mcp(),
        14,
        "tools/call",
        json!({"name": "hang", "arguments": {}, "_meta": {"progressToken": 7}}),
    ))
    .await;
    let mut sse = Sse::new(resp);
    let (_, first) = sse.next_message().await;
    assert_eq!(first["method"], "notifications/progress");
    assert!(srv.probe.started.load(Ordering::SeqCst));
    assert!(
        !srv.probe.dropped.load(Ordering::SeqCst),
        "running before the close"
    );
    // Close the response stream (and the connection under it).
    drop(sse);
    drop(own_client);
    srv.probe
        .wait_for("the handler to be dropped after the SSE stream closed", |p| {
            p.dropped.load(Ordering::SeqCst)
        })
        .await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_cancel_notification_cannot_cancel_another_clients_call() {
    let srv = TestServer::start().await;
    // Client A: a long call answered as JSON (no SSE), id 77.
    let a_client = client();
    let a_req = srv.modern(77, "tools/call", json!({"name": "hang", "arguments": {}}));
    let a = tokio::spawn(async move { send_replacing(&a_client, a_req, "accept", "application/json").await });
    srv.probe
        .wait_for("A's handler to start", |p| p.started.load(Ordering::SeqCst))
        .await;
    // Client B, an unrelated client, names the same id.
    let other = client();
    let body = json!({
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": 77, "_meta": modern_meta()},
    });
    let resp = send(
        other
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", "notifications/cancelled")
            .json(&body),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let dropped = srv.probe.dropped.load(Ordering::SeqCst);
    let a_answer = if a.is_finished() {
        let resp = a.await.expect("task");
        format!("{} {:?}", resp.status(), resp.text().await)
    } else {
        a.abort();
        "still pending".to_owned()
    };
    assert!(
        !dropped,
        "client B cancelled client A's call; A's POST got: {a_answer}"
    );
}

#[tokio::test]
async fn modern_notification_is_202_empty() {
    let srv = TestServer::start().await;
    let body = json!({
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": 424242, "_meta": modern_meta()},
    });
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "notifications/cancelled"),
        ],
        &body,
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let bytes = within("body", resp.bytes()).await.expect("body");
    assert!(bytes.is_empty(), "202 has no body: {bytes:?}");
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_duplicate_mirrored_headers_are_a_mismatch() {
    let srv = TestServer::start().await;
    let base = ADD_HEADERS;
    for extra in [
        ("mcp-name", "slow"),
        ("mcp-method", "tools/list"),
        ("mcp-protocol-version", LEGACY),
    ] {
        let mut headers = base.to_vec();
        headers.push(extra);
        let resp = send(modern_with_headers(&srv, &headers, &add_call(4))).await;
        let v = assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
        assert_eq!(v["id"], 4, "{extra:?}: {v}");
    }
    srv.assert_alive().await;
}

#[tokio::test]
async fn a_modern_request_naming_a_session_is_checked_and_served_statelessly() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    // Mirrored headers that do not match the body are refused, session or not.
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-session-id", &sid),
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/list"),
            ("mcp-name", "evil"),
        ],
        &add_call(5),
    ))
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    // A legacy version header on a modern body is a mismatch too.
    let resp = send(modern_with_headers(
        &srv,
        &[
            ("mcp-session-id", &sid),
            ("mcp-protocol-version", LEGACY),
            ("mcp-method", "tools/call"),
            ("mcp-name", "add"),
        ],
        &add_call(6),
    ))
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    // A legacy body on the session with a modern version header: the header lies.
    let resp = send_replacing(
        &srv.client,
        srv.legacy(&sid, Some(6), "tools/list", json!({})),
        "mcp-protocol-version",
        MODERN,
    )
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32020).await;
    // Two version lines on a session request are refused, not read as the first.
    let resp = send(
        srv.legacy(&sid, Some(6), "tools/list", json!({}))
            .header("mcp-protocol-version", LEGACY),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Matching headers: served as a modern request; an unknown session id is ignored.
    for session in [sid.as_str(), "no-such-session"] {
        let resp = send(modern_with_headers(
            &srv,
            &[
                ("mcp-session-id", session),
                ("mcp-protocol-version", MODERN),
                ("mcp-method", "tools/call"),
                ("mcp-name", "add"),
            ],
            &add_call(7),
        ))
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{session}");
        let v = json_body(resp).await;
        assert_eq!(text_of(&v), "2", "{v}");
        assert_eq!(v["result"]["resultType"], "complete", "{v}");
    }
}

#[tokio::test]
async fn a_batch_of_notifications_is_202_without_a_body() {
    let srv = TestServer::start().await;
    let sid = srv.initialize("2025-03-26").await;
    let batch = json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}]);
    let resp = send(srv.post_in_session(&sid, "2025-03-26", &batch)).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(within("body", resp.text()).await.unwrap(), "");
    let resp = send(srv.legacy(&sid, Some(2), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_batch_outside_2025_03_26_is_refused_even_of_notifications() {
    let srv = TestServer::start().await;
    let batch = json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}]);
    let sid = srv.initialize("2025-06-18").await;
    let resp = send(srv.post_in_session(&sid, "2025-06-18", &batch)).await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32600).await;
    let resp = send(
        srv.client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .json(&batch),
    )
    .await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32600).await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn two_origin_or_host_headers_are_refused() {
    let srv = TestServer::start().await;
    for (name, a, b, status) in [
        (
            "origin",
            "http://localhost",
            "http://evil.example",
            StatusCode::FORBIDDEN,
        ),
        ("host", "localhost", "evil.example", StatusCode::BAD_REQUEST),
    ] {
        let resp = send(
            modern_with_headers(&srv, &ADD_HEADERS, &add_call(8))
                .header(name, a)
                .header(name, b),
        )
        .await;
        assert_eq!(resp.status(), status, "two {name} headers");
    }
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_listen_without_event_stream_accept_is_406() {
    let srv = TestServer::start().await;
    let body = modern_body(
        9,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
    );
    let resp = send(
        srv.client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", "application/json")
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", "subscriptions/listen")
            .json(&body),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let text = within("body", resp.text()).await.unwrap();
    assert!(text.contains("text/event-stream"), "{text}");
    srv.assert_alive().await;
}

#[tokio::test]
async fn modern_listen_on_a_json_only_server_says_so() {
    let srv = TestServer::with_options(HttpOptions::default().json_response()).await;
    let body = modern_body(
        9,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
    );
    let resp = send(
        srv.client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", "subscriptions/listen")
            .json(&body),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    let text = within("body", resp.text()).await.unwrap();
    assert!(text.contains("json_response"), "{text}");
}

#[tokio::test]
async fn a_compressed_body_is_415_not_a_parse_error() {
    let srv = TestServer::start().await;
    let resp =
        send(modern_with_headers(&srv, &ADD_HEADERS, &add_call(10)).header("content-encoding", "gzip")).await;
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(resp.headers()["accept-encoding"], "identity");
    let text = within("body", resp.text()).await.unwrap();
    assert!(text.contains("uncompressed"), "{text}");
    // A second line cannot hide the coding behind `identity`.
    let resp = send(
        modern_with_headers(&srv, &ADD_HEADERS, &add_call(11))
            .header("content-encoding", "identity")
            .header("content-encoding", "gzip"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // `identity` alone is no coding at all.
    let resp =
        send(modern_with_headers(&srv, &ADD_HEADERS, &add_call(12)).header("content-encoding", "identity"))
            .await;
    assert_eq!(resp.status(), StatusCode::OK);
    srv.assert_alive().await;
}

#[tokio::test]
async fn get_without_session_is_405() {
    let srv = TestServer::start().await;
    let resp = send(srv.client.get(srv.mcp()).header("accept", "text/event-stream")).await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        resp.headers().get("allow").is_some(),
        "405 names the allowed methods"
    );
    srv.assert_alive().await;
}

#[tokio::test]
async fn delete_without_session_is_400() {
    let srv = TestServer::start().await;
    let resp = send(srv.client.delete(srv.mcp())).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    srv.assert_alive().await;
}

// ---------------------------------------------------------------------------
// Legacy era (2025-03-26 … 2025-11-25)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn legacy_initialize_gives_session_and_later_requests_work() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    assert_eq!(sid.len(), 32, "{sid}");
    assert!(sid.chars().all(|c| c.is_ascii_hexdigit()), "{sid}");
    srv.initialized(&sid).await;

    let resp = send(srv.legacy(&sid, Some(2), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let msgs = messages(resp).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["id"], 2);
    assert!(msgs[0]["result"]["tools"].is_array(), "{msgs:?}");

    let resp = send(srv.legacy(
        &sid,
        Some(3),
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let msgs = messages(resp).await;
    let last = msgs.last().expect("an answer");
    assert_eq!(last["id"], 3);
    assert_eq!(text_of(last), "5");

    // A second session gets a different id.
    let other = srv.initialize(LEGACY).await;
    assert_ne!(sid, other);
}

#[tokio::test]
async fn legacy_unknown_session_is_404() {
    let srv = TestServer::start().await;
    let real = srv.initialize(LEGACY).await;
    let forged = "0123456789abcdef0123456789abcdef";
    assert_ne!(real, forged);
    let resp = send(srv.legacy(forged, Some(2), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = send(
        srv.client
            .get(srv.mcp())
            .header("accept", "text/event-stream")
            .header("mcp-session-id", forged),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = send(srv.client.delete(srv.mcp()).header("mcp-session-id", forged)).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // A prefix of a real id is not that session.
    let resp = send(srv.legacy(&real[..31], Some(3), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // The real session still works.
    let resp = send(srv.legacy(&real, Some(4), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    srv.assert_alive().await;
}

#[tokio::test]
async fn legacy_delete_ends_the_session() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    let resp = send(srv.client.delete(srv.mcp()).header("mcp-session-id", &sid)).await;
    assert!(resp.status().is_success(), "DELETE: {}", resp.status());
    let resp = send(srv.legacy(&sid, Some(2), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = send(srv.client.delete(srv.mcp()).header("mcp-session-id", &sid)).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    srv.assert_alive().await;
}

fn open_get(srv: &TestServer, client: &Client, sid: &str) -> reqwest::RequestBuilder {
    client
        .get(srv.mcp())
        .header("accept", "text/event-stream")
        .header("mcp-session-id", sid)
        .header("mcp-protocol-version", LEGACY)
}

#[tokio::test]
async fn legacy_get_stream_receives_list_changed() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let resp = send(open_get(&srv, &srv.client, &sid)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    // The stream opens with a comment, so the client knows it is attached.
    let first = sse.next().await.expect("an opening event");
    assert!(first.comment && first.data.is_none(), "{first:?}");

    srv.handle
        .add_tool(Tool::new("added_later").raw_handler(|_, _| async { Ok(CallToolResult::text("late")) }))
        .expect("add_tool");
    let (_, msg) = sse.next_message().await;
    assert_eq!(msg["method"], "notifications/tools/list_changed", "{msg}");
    assert!(msg.get("id").is_none(), "a notification: {msg}");

    // The new tool is callable.
    let resp = send(srv.legacy(
        &sid,
        Some(5),
        "tools/call",
        json!({"name": "added_later", "arguments": {}}),
    ))
    .await;
    let msgs = messages(resp).await;
    assert_eq!(text_of(msgs.last().expect("answer")), "late");
}

#[tokio::test]
async fn legacy_second_concurrent_get_is_409() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let first = send(open_get(&srv, &client(), &sid)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let mut first = Sse::new(first);
    first.next().await.expect("opening comment");

    let second = send(open_get(&srv, &client(), &sid)).await;
    assert_eq!(second.status(), StatusCode::CONFLICT);

    // Once the first stream closes, the session's stream can be opened again.
    drop(first);
    within("the GET stream to be released", async {
        loop {
            let resp = send(open_get(&srv, &client(), &sid)).await;
            if resp.status() == StatusCode::OK {
                break;
            }
            assert_eq!(resp.status(), StatusCode::CONFLICT);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    srv.assert_alive().await;
}

#[tokio::test]
async fn legacy_progress_is_sse_with_ids_and_priming_event() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let resp = send(srv.legacy(
        &sid,
        Some(7),
        "tools/call",
        json!({"name": "progress", "arguments": {}, "_meta": {"progressToken": "p"}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    let prime = sse.next().await.expect("a priming event");
    let prime_id = prime.id.clone().expect("the priming event has an id");
    assert!(
        prime.json().is_none(),
        "the priming event carries no message: {prime:?}"
    );

    let mut events = Vec::new();
    while let Some(ev) = sse.next().await {
        events.push(ev);
    }
    let msgs: Vec<(Option<String>, Value)> = events
        .iter()
        .filter_map(|e| e.json().map(|v| (e.id.clone(), v)))
        .collect();
    assert_eq!(
        msgs.len(),
        3,
        "two progress notifications and the result: {events:?}"
    );
    assert_eq!(msgs[0].1["method"], "notifications/progress");
    assert_eq!(msgs[1].1["method"], "notifications/progress");
    assert_eq!(msgs[2].1["id"], 7);
    assert_eq!(text_of(&msgs[2].1), "progressed");
    let mut seen = vec![prime_id];
    for (id, _) in &msgs {
        let id = id.clone().expect("every message event has an id");
        assert!(!seen.contains(&id), "event ids are unique: {seen:?} + {id}");
        seen.push(id);
    }
    srv.assert_alive().await;
}

#[tokio::test]
async fn legacy_close_sse_stream_then_resume_with_last_event_id() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let resp = send(srv.legacy(
        &sid,
        Some(8),
        "tools/call",
        json!({"name": "poll", "arguments": {}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    let mut last_id = None;
    let mut saw_retry = false;
    while let Some(ev) = sse.next().await {
        assert!(ev.json().is_none(), "no message before the close: {ev:?}");
        if ev.id.is_some() {
            last_id.clone_from(&ev.id);
        }
        if ev.retry.is_some() {
            saw_retry = true;
        }
    }
    assert!(saw_retry, "the stream ends after a retry: line");
    let last_id = last_id.expect("an event id to resume from");
    assert!(
        !srv.probe.finished.load(Ordering::SeqCst),
        "the call is still running"
    );

    // Resume like a client would: reconnect with the last id seen, honouring
    // `retry:`, a few times; the final result must arrive on a GET.
    let mut last_id = last_id;
    let mut result = None;
    let mut seen = Vec::new();
    for _attempt in 0..5 {
        let resp = send(open_get(&srv, &srv.client, &sid).header("last-event-id", &last_id)).await;
        assert_eq!(resp.status(), StatusCode::OK, "resuming from {last_id}");
        let mut sse = Sse::new(resp);
        let mut retry = None;
        while let Some(ev) = sse.next().await {
            if let Some(v) = ev.json() {
                result = Some(v);
                break;
            }
            if let Some(id) = &ev.id {
                last_id.clone_from(id);
            }
            retry = retry.or(ev.retry);
            seen.push(ev);
        }
        if result.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(retry.unwrap_or(500))).await;
    }
    assert!(
        srv.probe.finished.load(Ordering::SeqCst),
        "the handler finished meanwhile"
    );
    let result = result.unwrap_or_else(|| panic!("5 resumptions yielded no result, only {seen:?}"));
    assert_eq!(result["id"], 8);
    assert_eq!(text_of(&result), "polled result");
    srv.assert_alive().await;
}

#[tokio::test]
async fn legacy_handler_survives_disconnect_and_result_is_resumable() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let own_client = client();
    let resp = send(
        own_client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", LEGACY)
            .json(&json!({
                "jsonrpc": "2.0", "id": 9, "method": "tools/call",
                "params": {"name": "steady", "arguments": {}, "_meta": {"progressToken": 1}},
            })),
    )
    .await;
    let mut sse = Sse::new(resp);
    let (progress_ev, progress) = sse.next_message().await;
    assert_eq!(progress["method"], "notifications/progress");
    let last_id = progress_ev.id.expect("legacy SSE events have ids");
    // The client goes away mid-call.
    drop(sse);
    drop(own_client);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !srv.probe.dropped.load(Ordering::SeqCst),
        "a legacy disconnect is not a cancel: the handler was dropped"
    );
    srv.probe.release.notify_one();
    srv.probe
        .wait_for("the handler to finish", |p| p.finished.load(Ordering::SeqCst))
        .await;

    let resp = send(open_get(&srv, &srv.client, &sid).header("last-event-id", &last_id)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    let (ev, result) = sse.next_message().await;
    assert_eq!(result["id"], 9, "{result}");
    assert_eq!(text_of(&result), "steady done");
    assert_ne!(ev.id.as_deref(), Some(last_id.as_str()));
    assert!(
        sse.next().await.is_none(),
        "the resumed stream ends after the result"
    );
    srv.assert_alive().await;
}

#[tokio::test]
async fn legacy_batch_in_2025_03_26_is_json_array() {
    let srv = TestServer::start().await;
    let sid = srv.initialize("2025-03-26").await;
    srv.initialized(&sid).await;
    let batch = json!([
        {"jsonrpc": "2.0", "id": 21, "method": "tools/list", "params": {}},
        {"jsonrpc": "2.0", "id": 22, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 3, "b": 4}}},
        {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": "x", "progress": 1}},
    ]);
    let resp = send(srv.post_in_session(&sid, "2025-03-26", &batch)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let msgs = messages(resp).await;
    let arr = msgs
        .iter()
        .find(|m| m.is_array())
        .unwrap_or_else(|| panic!("a JSON array answer: {msgs:?}"))
        .as_array()
        .expect("array");
    assert_eq!(arr.len(), 2, "one answer per request: {arr:?}");
    let by_id = |id: i64| {
        arr.iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("id {id}"))
    };
    assert!(by_id(21)["result"]["tools"].is_array());
    assert_eq!(text_of(by_id(22)), "7");
    srv.assert_alive().await;
}

#[tokio::test]
async fn legacy_batch_in_2025_11_25_is_400() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let batch = json!([
        {"jsonrpc": "2.0", "id": 31, "method": "tools/list", "params": {}},
        {"jsonrpc": "2.0", "id": 32, "method": "ping"},
    ]);
    let resp = send(srv.post_in_session(&sid, LEGACY, &batch)).await;
    assert_error(resp, StatusCode::BAD_REQUEST, -32600).await;
    // The session still works.
    let resp = send(srv.legacy(&sid, Some(33), "tools/list", json!({}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    srv.assert_alive().await;
}

// ---------------------------------------------------------------------------
// HTTP+SSE (2024-11-05)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn http_sse_2024_11_05_endpoint_and_answers_on_stream() {
    let srv = TestServer::start().await;
    let resp = send(
        srv.client
            .get(format!("{}/sse", srv.base))
            .header("accept", "text/event-stream"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    let endpoint = sse.next().await.expect("an endpoint event");
    assert_eq!(endpoint.event.as_deref(), Some("endpoint"), "{endpoint:?}");
    let path = endpoint.data.expect("endpoint data");
    let sid = path
        .strip_prefix("messages?sessionId=")
        .unwrap_or_else(|| panic!("endpoint is messages?sessionId=… (relative to /sse): {path:?}"));
    assert_eq!(sid.len(), 32, "{sid}");
    let url = format!("{}/{path}", srv.base);

    let post = |body: Value| {
        srv.client
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .json(&body)
    };
    let resp = send(post(initialize_body("2024-11-05"))).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let (_, init) = sse.next_message().await;
    assert_eq!(init["id"], 1, "{init}");
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05", "{init}");

    let resp = send(post(
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let resp = send(post(json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 20, "b": 22}},
    })))
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let (_, call) = sse.next_message().await;
    assert_eq!(call["id"], 2, "{call}");
    assert_eq!(text_of(&call), "42");

    // An unknown sessionId is 404; the real session still answers.
    let resp = send(
        srv.client
            .post(format!(
                "{}/messages?sessionId=ffffffffffffffffffffffffffffffff",
                srv.base
            ))
            .header(CONTENT_TYPE, "application/json")
            .json(&json!({"jsonrpc": "2.0", "id": 3, "method": "ping"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = send(
        srv.client
            .post(format!("{}/messages", srv.base))
            .header(CONTENT_TYPE, "application/json")
            .body("{}"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "no sessionId at all");
    let resp = send(post(json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let (_, pong) = sse.next_message().await;
    assert_eq!(pong["id"], 4, "{pong}");
    srv.assert_alive().await;
}

// ---------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------

#[tokio::test]
async fn wrong_content_type_is_415() {
    let srv = TestServer::start().await;
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let resp = send_replacing(
            &srv.client,
            srv.modern(
                40,
                "tools/call",
                json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
            ),
            "content-type",
            ct,
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        srv.assert_alive().await;
    }
    // No Content-Type at all.
    let mut req = srv
        .modern(
            40,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .build()
        .expect("request");
    req.headers_mut().remove(CONTENT_TYPE);
    let resp = within("response", srv.client.execute(req)).await.expect("HTTP");
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    srv.assert_alive().await;
}

#[tokio::test]
async fn body_over_limit_is_413() {
    let srv = TestServer::with_options(HttpOptions::default().max_body_bytes(1024)).await;
    let resp = send(srv.modern(
        41,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1, "pad": "x".repeat(4096)}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    srv.assert_alive().await;
}

#[tokio::test]
async fn malformed_json_is_400_parse_error() {
    let srv = TestServer::start().await;
    let resp = send(
        srv.client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .body(r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list""#),
    )
    .await;
    let v = assert_error(resp, StatusCode::BAD_REQUEST, -32700).await;
    assert!(v["id"].is_null(), "{v}");
    srv.assert_alive().await;
}

#[tokio::test]
async fn deep_nesting_is_rejected_without_crash() {
    let srv = TestServer::start().await;
    for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
        let depth = 100_000;
        let mut body = String::with_capacity(depth * 6);
        body.push_str(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"#);
        for _ in 0..depth {
            body.push_str(open);
        }
        body.push('1');
        for _ in 0..depth {
            body.push_str(close);
        }
        body.push_str("}}");
        let resp = send(
            srv.client
                .post(srv.mcp())
                .header(CONTENT_TYPE, "application/json")
                .header("accept", BOTH)
                .header("mcp-protocol-version", MODERN)
                .header("mcp-method", "tools/list")
                .body(body),
        )
        .await;
        assert!(resp.status().is_client_error(), "{open}: {}", resp.status());
        let v = json_body(resp).await;
        assert!(v["error"]["code"].is_i64(), "{v}");
        srv.assert_alive().await;
    }
}

#[tokio::test]
async fn foreign_host_is_403() {
    let srv = TestServer::start().await;
    let resp = send(
        srv.modern(42, "tools/list", json!({}))
            .header("host", "evil.example"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    srv.assert_alive().await;
}

#[tokio::test]
async fn foreign_origin_is_403() {
    let srv = TestServer::start().await;
    let resp = send(
        srv.modern(43, "tools/list", json!({}))
            .header("origin", "https://evil.example"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Nor may a foreign origin open a legacy session.
    let resp = send(
        srv.client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("origin", "http://localhost.evil.example")
            .json(&initialize_body(LEGACY)),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("mcp-session-id").is_none());
    srv.assert_alive().await;
}

#[tokio::test]
async fn loopback_origin_is_allowed_with_cors_headers() {
    let srv = TestServer::start().await;
    let origin = "http://localhost:1234";
    let resp = send(srv.modern(44, "tools/list", json!({})).header("origin", origin)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(
        h.get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some(origin)
    );
    let expose = h
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(expose.contains("mcp-session-id"), "{expose:?}");
    let v = json_body(resp).await;
    assert_eq!(v["id"], 44);
}

#[tokio::test]
async fn options_preflight_is_204() {
    let srv = TestServer::start().await;
    let resp = send(
        srv.client
            .request(Method::OPTIONS, srv.mcp())
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, mcp-session-id"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let h = resp.headers();
    let methods = h
        .get("access-control-allow-methods")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(methods.contains("POST"), "{methods:?}");
    let allowed = h
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    for needed in ["content-type", "mcp-session-id", "mcp-protocol-version"] {
        assert!(allowed.contains(needed), "{needed} not in {allowed:?}");
    }
    assert_eq!(
        h.get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("http://localhost:5173")
    );
    srv.assert_alive().await;
}

#[tokio::test]
async fn max_sessions_refuses_then_admits_after_delete() {
    let srv = TestServer::with_options(HttpOptions::default().max_sessions(3)).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(srv.initialize(LEGACY).await);
    }
    let resp = send(
        srv.client
            .post(srv.mcp())
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .json(&initialize_body(LEGACY)),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.headers().get("mcp-session-id").is_none());
    // Modern (session-less) requests are not limited.
    srv.assert_alive().await;

    let resp = send(srv.client.delete(srv.mcp()).header("mcp-session-id", &ids[0])).await;
    assert!(resp.status().is_success());
    let fourth = srv.initialize(LEGACY).await;
    assert!(!ids.contains(&fourth));
}

/// One request through the endpoint as a tower service, in memory (no
/// sockets, so Tokio's paused clock applies): the status, the session id
/// when one is minted.
async fn through_service(
    service: &mut mcp_serve::transport::http::McpService,
    session: Option<&str>,
    body: &Value,
) -> (StatusCode, Option<String>) {
    let mut req = http::Request::post("/mcp")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .header("accept", BOTH)
        .header("mcp-protocol-version", LEGACY);
    if let Some(sid) = session {
        req = req.header("mcp-session-id", sid);
    }
    let req = req
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    let resp = tower_service::Service::call(service, req)
        .await
        .expect("infallible");
    let status = StatusCode::from_u16(resp.status().as_u16()).expect("status");
    let sid = resp
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, sid)
}

#[tokio::test(start_paused = true)]
async fn idle_sessions_are_reaped() {
    let probe = Arc::new(Probe::default());
    let handle = server(&probe).into_handle().expect("fixture");
    // An idle timeout of minutes, run on the paused clock in no time.
    let mut service = handle.http_service(HttpOptions::default().session_idle(Duration::from_secs(120)));
    let (status, idle) = through_service(&mut service, None, &initialize_body(LEGACY)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, busy) = through_service(&mut service, None, &initialize_body(LEGACY)).await;
    let (idle, busy) = (idle.expect("session id"), busy.expect("session id"));
    // Keep one session in use for five idle periods while the other idles.
    for i in 0..10 {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let ping = json!({"jsonrpc": "2.0", "id": 100 + i, "method": "ping"});
        let (status, _) = through_service(&mut service, Some(&busy), &ping).await;
        assert_eq!(status, StatusCode::OK, "a session in use stays alive");
    }
    assert_eq!(service.session_count(), 1, "only the idle session was reaped");
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let (status, _) = through_service(&mut service, Some(&idle), &list).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an idle session is reaped");
    // Just short of the timeout, a session is still there.
    let (_, fresh) = through_service(&mut service, None, &initialize_body(LEGACY)).await;
    tokio::time::sleep(Duration::from_secs(100)).await;
    let (status, _) = through_service(&mut service, fresh.as_deref(), &list).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a session used within its idle time is kept"
    );
}

fn vm_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_abandoned_sessions_are_reaped() {
    const N: usize = 10_000;
    let probe = Arc::new(Probe::default());
    let handle = server(&probe).into_handle().expect("fixture");
    let service = handle.http_service(HttpOptions::default().session_idle(Duration::from_millis(500)));
    let app = axum::Router::new().nest_service("/mcp", service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
            .expect("axum serve");
    });

    let rss_start = vm_rss_kib();
    // Every session has tasks of its own (change forwarder, streams): a
    // session whose resources outlive it leaves them alive on this runtime.
    let metrics = tokio::runtime::Handle::current().metrics();
    let tasks_start = metrics.num_alive_tasks();
    let mut tasks_peak = tasks_start;
    let http = client();
    let peak_sessions = Arc::new(AtomicUsize::new(0));
    let mut rss_peak = rss_start.unwrap_or(0);
    let mut sample_ids = Vec::new();
    let started = std::time::Instant::now();
    within_long("10,000 initializes", async {
        let mut done = 0;
        while done < N {
            let batch = (N - done).min(250);
            let ids: Vec<String> = futures::stream::iter(0..batch)
                .map(|_| {
                    let http = http.clone();
                    let url = url.clone();
                    async move {
                        let resp = http
                            .post(&url)
                            .header(CONTENT_TYPE, "application/json")
                            .header("accept", BOTH)
                            .json(&initialize_body(LEGACY))
                            .send()
                            .await
                            .expect("initialize");
                        assert_eq!(resp.status(), StatusCode::OK);
                        let sid = resp
                            .headers()
                            .get("mcp-session-id")
                            .expect("session id")
                            .to_str()
                            .expect("ascii")
                            .to_owned();
                        let _ = resp.bytes().await.expect("body");
                        sid
                    }
                })
                .buffer_unordered(32)
                .collect()
                .await;
            if sample_ids.len() < 20 {
                sample_ids.push(ids[0].clone());
            }
            done += batch;
            peak_sessions.fetch_max(service.session_count(), Ordering::Relaxed);
            if let Some(r) = vm_rss_kib() {
                rss_peak = rss_peak.max(r);
            }
            tasks_peak = tasks_peak.max(metrics.num_alive_tasks());
        }
    })
    .await;
    let open_time = started.elapsed();
    let peak = peak_sessions.load(Ordering::Relaxed);

    within_long("every session to be reaped", async {
        while service.session_count() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let reaped_after = started.elapsed();
    let rss_after = vm_rss_kib();

    for sid in &sample_ids {
        let resp = within(
            "a reaped session",
            http.post(&url)
                .header(CONTENT_TYPE, "application/json")
                .header("accept", BOTH)
                .header("mcp-session-id", sid)
                .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
                .send(),
        )
        .await
        .expect("request");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "session {sid} was reaped");
    }
    eprintln!(
        "10k sessions: opened in {open_time:?}, peak live {peak}, all reaped after {reaped_after:?}; \
         VmRSS start {rss_start:?} KiB, peak {rss_peak} KiB, after reaping {rss_after:?} KiB"
    );
    assert!(peak > 0, "sessions were counted");
    // With the client's connections closed, what is left is the server: a
    // session whose tasks outlived it would leave hundreds behind.
    drop(http);
    let bound = tasks_start + 8;
    let mut tasks_after = metrics.num_alive_tasks();
    within("the reaped sessions' tasks to end", async {
        while tasks_after > bound {
            tokio::time::sleep(Duration::from_millis(50)).await;
            tasks_after = metrics.num_alive_tasks();
        }
    })
    .await;
    eprintln!(
        "tasks alive: {tasks_start} before the sessions, {tasks_peak} at most, {tasks_after} after reaping"
    );
    assert!(
        tasks_peak > bound + 100,
        "live sessions hold tasks ({tasks_peak}), so a leak would show"
    );
    let _ = stop_tx.send(());
    within("axum to stop", task).await.expect("axum task");
}

async fn within_long<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    timeout(Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test]
async fn unread_sse_stream_does_not_block_others() {
    let srv = TestServer::start().await;
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    // A client that opens its stream and never reads it.
    let lazy_client = client();
    let lazy = send(open_get(&srv, &lazy_client, &sid)).await;
    assert_eq!(lazy.status(), StatusCode::OK);
    // Flood it with server-initiated messages.
    for i in 0..3000 {
        srv.handle
            .add_tool(
                Tool::new(format!("flood_{}", i % 50))
                    .description("x".repeat(64))
                    .raw_handler(|_, _| async { Ok(CallToolResult::text("f")) }),
            )
            .expect("add_tool");
        if i % 500 == 0 {
            tokio::task::yield_now().await;
        }
    }
    // Other clients, and the same session, are still served promptly.
    for i in 0..5 {
        srv.assert_alive().await;
        let resp = send(srv.legacy(&sid, Some(200 + i), "tools/list", json!({}))).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let msgs = messages(resp).await;
        assert!(msgs.last().expect("answer")["result"]["tools"].is_array());
        let other = srv.initialize(LEGACY).await;
        srv.initialized(&other).await;
    }
    drop(lazy);
}

#[tokio::test]
async fn graceful_shutdown_lets_inflight_call_finish() {
    let srv = TestServer::start().await;
    let req = srv.modern(
        50,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 800}}),
    );
    let call = tokio::spawn(async move { send(req).await });
    // Let the call reach its handler before shutting down.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let base = srv.mcp();
    let started = std::time::Instant::now();
    let stop = tokio::spawn(srv.stop());
    let resp = within("the in-flight call", call).await.expect("call task");
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(v["id"], 50);
    assert_eq!(text_of(&v), "slept 800");
    within("serve_listener to return", stop).await.expect("stop task");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The listener is gone.
    let after = timeout(LIMIT, client().post(&base).body("{}").send())
        .await
        .expect("bounded");
    assert!(after.is_err(), "no new connections after shutdown: {after:?}");
}

// ---------------------------------------------------------------------------
// Mounted in axum
// ---------------------------------------------------------------------------

#[tokio::test]
async fn axum_nest_service_answers_modern_tools_call() {
    let probe = Arc::new(Probe::default());
    let handle = server(&probe).into_handle().expect("fixture");
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .nest_service("/mcp", handle.http_service(Default::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
            .expect("axum serve");
    });
    let http = client();
    let resp = send(modern_request(
        &http,
        &format!("http://{addr}/mcp"),
        60,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 6, "b": 7}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(v["id"], 60);
    assert_eq!(v["result"]["resultType"], "complete");
    assert_eq!(text_of(&v), "13");
    let health = send(http.get(format!("http://{addr}/health"))).await;
    assert_eq!(health.status(), StatusCode::OK);
    let _ = stop_tx.send(());
    within("axum to stop", task).await.expect("axum task");
}
