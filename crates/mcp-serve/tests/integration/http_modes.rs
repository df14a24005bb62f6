//! HTTP serving modes and limits: stateless legacy serving, JSON-only
//! responses, the long-lived stream cap, and a custom event store.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions};
use mcp_serve::prelude::*;
use mcp_serve::transport::http::{
    EventStore, HttpOptions, InMemoryEventStore, StoreFuture, StoredEvent, StreamRead, serve_listener,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(15);

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Report progress twice, then answer.
#[tool]
async fn steps(ctx: Context) -> &'static str {
    ctx.progress(1.0, Some(2.0), Some("one")).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    ctx.progress(2.0, Some(2.0), Some("two")).await;
    "done"
}

struct Running {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn start(options: HttpOptions) -> Running {
    start_server(Server::new("modes", "1.0.0"), options).await
}

async fn start_server(server: Server, options: HttpOptions) -> Running {
    let handle = server.tool(add).tool(steps).into_handle().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve_listener(&handle, listener, options, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Running {
        url: format!("http://{addr}/mcp"),
        stop: Some(stop),
    }
}

async fn post(url: &str, headers: &[(&str, &str)], body: Value) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    timeout(LIMIT, req.send())
        .await
        .expect("request timed out")
        .expect("request failed")
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
}

#[tokio::test]
async fn stateless_mode_serves_legacy_clients_without_sessions() {
    let server = start(HttpOptions::default().stateless()).await;
    let r = post(&server.url, &[], initialize()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().get("mcp-session-id").is_none(),
        "a stateless server mints no session"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25");

    // A later request stands alone, at the revision of its header.
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 5}}});
    let r = post(&server.url, &[("mcp-protocol-version", "2025-11-25")], call).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["result"]["content"][0]["text"], "7");
    assert!(
        body["result"].get("resultType").is_none(),
        "legacy results carry no resultType"
    );

    // Modern requests still work on the same endpoint.
    let modern = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}}}});
    let r = post(
        &server.url,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
        ],
        modern,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["result"]["resultType"], "complete");

    // No GET stream without sessions.
    let r = timeout(
        LIMIT,
        reqwest::Client::new()
            .get(&server.url)
            .header("accept", "text/event-stream")
            .send(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Nor sessions to end.
    let r = timeout(
        LIMIT,
        reqwest::Client::new()
            .delete(&server.url)
            .header("mcp-session-id", "anything")
            .send(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "POST, OPTIONS");
}

#[tokio::test]
async fn json_response_mode_never_streams() {
    for (options, streamed) in [
        (HttpOptions::default(), true),
        (HttpOptions::default().json_response(), false),
    ] {
        let server = start(options).await;
        let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "steps", "arguments": {},
            "_meta": {"progressToken": "p", "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {}}}});
        let r = post(
            &server.url,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "steps"),
            ],
            call,
        )
        .await;
        let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
        let text = timeout(LIMIT, r.text()).await.unwrap().unwrap();
        if streamed {
            assert_eq!(content_type, "text/event-stream");
            assert_eq!(text.matches("notifications/progress").count(), 2, "{text}");
        } else {
            assert_eq!(content_type, "application/json");
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["result"]["content"][0]["text"], "done");
        }
    }
}

#[tokio::test]
async fn long_lived_streams_are_capped() {
    let server = start(HttpOptions::default().max_streams(1)).await;
    let client = reqwest::Client::new();
    let first = timeout(LIMIT, client.get(server.url.replace("/mcp", "/sse")).send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = timeout(LIMIT, client.get(server.url.replace("/mcp", "/sse")).send())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    let msg = second.text().await.unwrap();
    assert!(msg.contains("streams open"), "{msg}");
    // Closing the first stream frees its place.
    drop(first);
    let mut reopened = None;
    for _ in 0..50 {
        let r = timeout(LIMIT, client.get(server.url.replace("/mcp", "/sse")).send())
            .await
            .unwrap()
            .unwrap();
        if r.status() == StatusCode::OK {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "the stream slot was never released");
}

/// An event store that counts what goes through it.
#[derive(Default)]
struct Counting {
    inner: InMemoryEventStore,
    appended: AtomicUsize,
}

impl EventStore for Counting {
    fn open_stream<'a>(
        &'a self,
        session: &'a str,
        id: Option<&'a str>,
        lease: Duration,
    ) -> StoreFuture<'a, u64> {
        self.inner.open_stream(session, id, lease)
    }
    fn append<'a>(&'a self, session: &'a str, stream: u64, event: StoredEvent) -> StoreFuture<'a, u64> {
        self.appended.fetch_add(1, Ordering::SeqCst);
        self.inner.append(session, stream, event)
    }
    fn finish<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()> {
        self.inner.finish(session, stream)
    }
    fn renew_lease<'a>(&'a self, session: &'a str, stream: u64, ttl: Duration) -> StoreFuture<'a, ()> {
        self.inner.renew_lease(session, stream, ttl)
    }
    fn read_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Option<StreamRead>> {
        self.inner.read_after(session, stream, after)
    }
    fn wait_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
        wait: Duration,
    ) -> StoreFuture<'a, Option<StreamRead>> {
        self.inner.wait_after(session, stream, after, wait)
    }
    fn forget_stream<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()> {
        self.inner.forget_stream(session, stream)
    }
    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        self.inner.remove_session(session)
    }
}

#[tokio::test]
async fn legacy_streams_go_through_a_custom_event_store() {
    let store = Arc::new(Counting::default());
    let server = start(HttpOptions::default().event_store(store.clone())).await;
    let r = post(&server.url, &[], initialize()).await;
    let sid = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "steps", "arguments": {}, "_meta": {"progressToken": 9}}});
    let r = post(
        &server.url,
        &[("mcp-session-id", &sid), ("mcp-protocol-version", "2025-11-25")],
        call,
    )
    .await;
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let text = timeout(LIMIT, r.text()).await.unwrap().unwrap();
    assert!(text.contains("\"done\""), "{text}");
    assert!(
        text.contains(&format!("id: {sid}-1-0")),
        "a priming event opens the stream: {text}"
    );
    // Two progress notifications and the response went through the store.
    assert_eq!(store.appended.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn in_memory_store_is_bounded() {
    let store = InMemoryEventStore::new(3, 2);
    let lease = Duration::from_secs(5);
    let s = store.open_stream("a", None, lease).await.unwrap();
    for i in 0..10 {
        store
            .append("a", s, StoredEvent::Message(format!("{i}").into()))
            .await
            .unwrap();
    }
    let read = store.read_after("a", s, 0).await.unwrap().unwrap();
    assert_eq!(read.events.len(), 3, "only the newest events are kept");
    assert_eq!(read.last_seq, 10);
    // Only the two latest finished streams are kept.
    let mut streams = Vec::new();
    for _ in 0..4 {
        streams.push(store.open_stream("a", None, lease).await.unwrap());
    }
    for &id in &streams {
        store.finish("a", id).await.unwrap();
    }
    assert!(store.read_after("a", streams[0], 0).await.unwrap().is_none());
    assert!(store.read_after("a", streams[3], 0).await.unwrap().is_some());
    store.remove_session("a").await.unwrap();
    assert!(store.read_after("a", streams[3], 0).await.unwrap().is_none());
}

#[tokio::test]
async fn a_modern_initialize_cannot_turn_the_shared_connection_into_a_session() {
    let server = start(HttpOptions::default()).await;
    // `initialize` without _meta but with a modern header goes to the shared stateless connection.
    let r = post(
        &server.url,
        &[("mcp-protocol-version", "2026-07-28")],
        initialize(),
    )
    .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], -32601);
    // Other session-less legacy requests still need a handshake of their own.
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 1}}});
    let r = post(&server.url, &[], call).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_failed_initialize_leaves_no_session_behind() {
    let server = start(HttpOptions::default().max_sessions(1)).await;
    let bad = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}});
    for _ in 0..3 {
        let r = post(&server.url, &[], bad.clone()).await;
        assert!(r.headers().get("mcp-session-id").is_none());
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], -32602, "{body}");
    }
    // The only slot is still free.
    let r = post(&server.url, &[], initialize()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("mcp-session-id").is_some());
}

#[tokio::test]
async fn a_legacy_only_server_answers_like_a_session_server() {
    let server = start_server(
        Server::new("modes", "1.0.0").legacy_only(),
        HttpOptions::default(),
    )
    .await;
    let modern_meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}});
    let modern = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "server/discover"),
    ];

    // No discovery: a modern client learns to fall back.
    let discover =
        json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": modern_meta}});
    let body: Value = post(&server.url, &modern, discover).await.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32601, "{body}");

    // A modern call without a session is told to initialize.
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": modern_meta}});
    let body: Value = post(&server.url, &[], call).await.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("initialize"),
        "{body}"
    );

    // Even an initialize carrying modern `_meta` makes a session here.
    let mut init = initialize();
    init["params"]["_meta"] = modern_meta;
    let r = post(&server.url, &[], init).await;
    assert!(r.headers().get("mcp-session-id").is_some());

    // The client library's auto-detection settles on a session.
    let client = timeout(LIMIT, Client::connect_http(&server.url, ClientOptions::default()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        client.protocol_version().is_legacy(),
        "{}",
        client.protocol_version()
    );
    let result = client.call_tool("add", json!({"a": 2, "b": 3})).await.unwrap();
    assert_eq!(result.content.len(), 1);
    client.close().await;
}
