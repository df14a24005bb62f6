//! Serving on the open internet: connection limits and timeouts, the Host
//! policy, the probes, SSE keep-alive, mounting under a prefix, and the
//! shutdown sequence. Timing tests run on Tokio's paused clock: a 10 s
//! header timeout or a 60 s idle timeout is observed exactly, in no time.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions, Era};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::transport::http::{HttpOptions, McpService, serve_listener};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

use super::http::{BOTH, LEGACY, LIMIT, MODERN, Probe, Sse, TestServer, json_body, send, server, within};

/// The `host:port` a test server listens on.
fn authority(srv: &TestServer) -> String {
    srv.base.trim_start_matches("http://").to_owned()
}

/// A keep-alive `GET /healthz` on `stream`, read through its 2-byte body.
async fn health_on(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTH).await.expect("write");
    read_until(stream, "\r\n\r\nok").await
}

/// A connection to `service` over an in-memory pipe (no sockets, so the
/// paused clock is exact); the client's end.
fn pipe_to(service: &McpService) -> DuplexStream {
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(service.serve_connection(server));
    client
}

fn fixture_service(options: HttpOptions) -> McpService {
    let probe = Arc::new(Probe::default());
    server(&probe)
        .into_handle()
        .expect("fixture")
        .http_service(options)
}

/// Reads until `needle` has arrived; everything read.
async fn read_until(stream: &mut (impl tokio::io::AsyncRead + Unpin), needle: &str) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&buf).contains(needle) {
        // Virtual time: long enough for any timer under test to fire first.
        let n = timeout(Duration::from_secs(600), stream.read(&mut chunk))
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {needle:?}"))
            .expect("read");
        assert!(
            n > 0,
            "closed before {needle:?}: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Reads until the peer closes; what was read.
async fn read_to_close(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    out
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[tokio::test(start_paused = true)]
async fn a_half_sent_header_is_closed_by_the_header_timeout() {
    let service = fixture_service(HttpOptions::default());
    let mut conn = pipe_to(&service);
    conn.write_all(b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Ty")
        .await
        .expect("write");
    let started = Instant::now();
    let rest = timeout(Duration::from_secs(600), read_to_close(&mut conn))
        .await
        .expect("the connection stayed open for 10 minutes");
    let waited = started.elapsed();
    println!("a half-sent header was cut after {waited:?}");
    assert!(rest.is_empty(), "no answer to half a header: {rest:?}");
    assert_eq!(waited, Duration::from_secs(10), "the 10 s default");
    // A connection that sends nothing at all is closed the same way.
    let mut silent = pipe_to(&service);
    let started = Instant::now();
    timeout(Duration::from_secs(600), read_to_close(&mut silent))
        .await
        .expect("a silent connection stayed open");
    assert_eq!(started.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_slow_but_timely_header_is_served_and_idle_connections_close() {
    let service = fixture_service(HttpOptions::default());
    let mut conn = pipe_to(&service);
    conn.write_all(b"GET /healthz HTTP/1.1\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_secs(8)).await;
    conn.write_all(b"Host: localhost\r\n\r\n").await.expect("write");
    assert!(
        read_until(&mut conn, "\r\n\r\nok")
            .await
            .starts_with("HTTP/1.1 200")
    );
    // Kept alive: a second request, then 60 s without one closes it.
    conn.write_all(HEALTH).await.expect("write");
    read_until(&mut conn, "\r\n\r\nok").await;
    let answered = Instant::now();
    timeout(Duration::from_secs(600), read_to_close(&mut conn))
        .await
        .expect("an idle connection stayed open");
    assert_eq!(
        answered.elapsed(),
        Duration::from_secs(60),
        "the 60 s idle default"
    );
    // Both are options.
    let service = fixture_service(
        HttpOptions::default()
            .header_read_timeout(Duration::from_secs(2))
            .keep_alive_idle(Duration::from_secs(5)),
    );
    let mut conn = pipe_to(&service);
    conn.write_all(HEALTH).await.expect("write");
    read_until(&mut conn, "\r\n\r\nok").await;
    let answered = Instant::now();
    read_to_close(&mut conn).await;
    assert_eq!(answered.elapsed(), Duration::from_secs(5));
    let mut slow = pipe_to(&service);
    slow.write_all(b"GET /").await.expect("write");
    let started = Instant::now();
    read_to_close(&mut slow).await;
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn idle_sse_streams_get_keep_alive_comments_and_calls_are_never_idle() {
    let service = fixture_service(HttpOptions::default());
    let mut conn = pipe_to(&service);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
        "params": {"notifications": {"toolsListChanged": true}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Accept: {BOTH}\r\nMCP-Protocol-Version: {MODERN}\r\nMcp-Method: subscriptions/listen\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).await.expect("write");
    read_until(&mut conn, "notifications/subscriptions/acknowledged").await;
    let started = Instant::now();
    read_until(&mut conn, ": keep-alive").await;
    assert_eq!(started.elapsed(), Duration::from_secs(15), "the 15 s default");
    // Far past the idle and header timeouts, a stream keeps its connection.
    for _ in 0..10 {
        read_until(&mut conn, ": keep-alive").await;
    }
    assert_eq!(started.elapsed(), Duration::from_secs(165));
}

#[tokio::test]
async fn connections_are_capped_per_peer_and_in_all() {
    let srv = TestServer::with_options(HttpOptions::default().max_connections_per_peer(Some(2))).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(authority(&srv)).await.expect("connect");
        health_on(&mut s).await;
        held.push(s);
    }
    let mut third = TcpStream::connect(authority(&srv)).await.expect("connect");
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await;
    let rest = within("the third connection to close", read_to_close(&mut third)).await;
    assert!(
        rest.is_empty(),
        "a third connection from one address is closed unanswered"
    );
    drop(held.pop());
    // Once the server has seen one close, a new connection is served.
    let mut served = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut s = TcpStream::connect(authority(&srv)).await.expect("connect");
        let _ = s
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await;
        let mut buf = [0u8; 64];
        if matches!(timeout(LIMIT, s.read(&mut buf)).await, Ok(Ok(n)) if n > 0) {
            served = true;
            break;
        }
    }
    assert!(served, "a slot freed by a close is reused");
    srv.stop().await;

    // The global cap: further clients wait until a connection closes.
    let srv = TestServer::with_options(HttpOptions::default().max_connections(2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(authority(&srv)).await.expect("connect");
        health_on(&mut s).await;
        held.push(s);
    }
    let mut waiting = TcpStream::connect(authority(&srv))
        .await
        .expect("the backlog takes it");
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 64];
    assert!(
        timeout(Duration::from_millis(300), waiting.read(&mut buf))
            .await
            .is_err(),
        "a connection past the cap is not served"
    );
    drop(held.pop());
    let n = within("the waiting connection", waiting.read(&mut buf))
        .await
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    srv.stop().await;
}

#[tokio::test]
async fn requests_past_the_cap_get_503_with_retry_after() {
    let srv = TestServer::with_options(HttpOptions::default().max_concurrent_requests(1)).await;
    let call = tokio::spawn(send(srv.modern(
        1,
        "tools/call",
        json!({"name": "steady", "arguments": {}}),
    )));
    srv.probe
        .wait_for("the call to start", |p| p.started.load(Ordering::SeqCst))
        .await;
    let resp = send(srv.modern(
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.text().await.unwrap().contains("retry"), "says what to do");
    // Probes are not requests: they still answer.
    let health = send(srv.client.get(format!("{}/healthz", srv.base))).await;
    assert_eq!(health.status(), StatusCode::OK);
    srv.probe.release.notify_one();
    let resp = within("the first call", call).await.expect("task");
    assert_eq!(resp.status(), StatusCode::OK);
    drop(resp);
    srv.assert_alive().await;
    srv.stop().await;
}

#[tokio::test]
async fn beyond_loopback_a_host_policy_is_required() {
    let probe = Arc::new(Probe::default());
    let handle = server(&probe).into_handle().expect("fixture");
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.expect("bind");
    let err = serve_listener(&handle, listener, HttpOptions::default(), std::future::pending())
        .await
        .expect_err("refuses to start");
    let msg = err.to_string();
    for hint in ["MCP_SERVE_ALLOWED_HOSTS", "allowed_hosts", "allow_any_host"] {
        assert!(msg.contains(hint), "the error says what to set ({hint}): {msg}");
    }

    // With the names clients use, it serves them, and only them; the probes
    // answer any Host (platform probes use the pod's address).
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let options = HttpOptions::default().allowed_hosts(["mcp.example", "127.0.0.1"]);
    let task =
        tokio::spawn(async move { serve_listener(&handle, listener, options, std::future::pending()).await });
    let http = super::http::client();
    let url = format!("http://127.0.0.1:{port}");
    let add = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {}}}});
    let call = |host: &'static str| {
        http.post(format!("{url}/mcp"))
            .header("host", host)
            .header(CONTENT_TYPE, "application/json")
            .header("accept", BOTH)
            .header("mcp-protocol-version", MODERN)
            .header("mcp-method", "tools/call")
            .header("mcp-name", "add")
            .json(&add)
    };
    let ok = send(call("mcp.example:443")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(json_body(ok).await["result"]["content"][0]["text"], "3");
    let refused = send(call("evil.example")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    for probe in ["/healthz", "/readyz"] {
        let resp = send(http.get(format!("{url}{probe}")).header("host", "10.1.2.3:8080")).await;
        assert_eq!(resp.status(), StatusCode::OK, "{probe}");
    }
    task.abort();
}

#[tokio::test]
async fn nested_under_a_prefix_every_endpoint_has_the_right_path() {
    let probe = Arc::new(Probe::default());
    let handle = server(&probe).into_handle().expect("fixture");
    let service = handle.http_service(HttpOptions::default());
    let app = axum::Router::new().nest_service("/api/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}/api/mcp");
    // 2024-11-05: the endpoint event leads back under the prefix.
    let old = within(
        "an HTTP+SSE session",
        Client::connect_sse(&format!("{base}/sse"), ClientOptions::default()),
    )
    .await
    .expect("connect over /api/mcp/sse");
    let sum = within("a call", old.call_tool("add", json!({"a": 2, "b": 3})))
        .await
        .expect("the call, posted to /api/mcp/messages");
    assert_eq!(sum.content[0].as_text(), Some("5"));
    // Streamable HTTP, both eras, at the prefix itself.
    for era in [Era::Modern, Era::Legacy(ProtocolVersion::V2025_11_25)] {
        let options = ClientOptions {
            era,
            ..ClientOptions::default()
        };
        let c = within("a connection", Client::connect_http(&base, options))
            .await
            .expect("connect");
        let sum = within("a call", c.call_tool("add", json!({"a": 1, "b": 1})))
            .await
            .expect("call");
        assert_eq!(sum.content[0].as_text(), Some("2"), "{era:?}");
    }
    server.abort();
}

#[tokio::test]
async fn shutdown_ends_streams_at_once_and_lets_calls_finish() {
    let mut srv = TestServer::start().await;
    // A modern listen stream, acknowledged.
    let listen = send(srv.modern(
        7,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
    ))
    .await;
    let mut listen = Sse::new(listen);
    let (_, ack) = listen.next_message().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    // A legacy session's GET stream.
    let sid = srv.initialize(LEGACY).await;
    srv.initialized(&sid).await;
    let get = send(
        srv.client
            .get(srv.mcp())
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", LEGACY),
    )
    .await;
    let mut get = Sse::new(get);
    assert!(get.next().await.expect("opened").comment);
    // A call in flight.
    let call = tokio::spawn(send(srv.modern(
        8,
        "tools/call",
        json!({"name": "steady", "arguments": {}}),
    )));
    srv.probe
        .wait_for("the call to start", |p| p.started.load(Ordering::SeqCst))
        .await;

    let base = srv.base.clone();
    srv.signal_stop();
    // The listen stream ends with its completion result, at once.
    let (_, done) = listen.next_message().await;
    assert_eq!(done["id"], 7, "{done}");
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_eq!(
        done["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        7
    );
    assert!(listen.next().await.is_none(), "then the stream ends");
    // The legacy stream tells its client to come back, and ends.
    let retry = get.next().await.expect("a retry field");
    assert_eq!(retry.retry, Some(1000), "retry: before the end");
    assert!(get.next().await.is_none(), "then the stream ends");
    // New connections are refused.
    let fresh = reqwest::Client::builder().no_proxy().build().expect("client");
    let mut refused = false;
    for _ in 0..50 {
        if fresh.get(format!("{base}/healthz")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the listener closed");
    // The call in flight still finishes, and then the server stops.
    srv.probe.release.notify_one();
    let resp = within("the call in flight", call).await.expect("task");
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.expect("body");
    assert!(body.contains("steady done"), "{body}");
    srv.stopped().await;
}

#[tokio::test]
async fn readiness_goes_down_while_draining() {
    let probe = Arc::new(Probe::default());
    let handle = server(&probe).into_handle().expect("fixture");
    let mut service = handle.http_service(HttpOptions::default().probes(Some("/live"), Some("/ready")));
    let status = |service: &mut mcp_serve::transport::http::McpService, path: &'static str| {
        let req = http::Request::get(path)
            .header("host", "10.0.0.7")
            .body(axum::body::Body::empty())
            .expect("request");
        let fut = tower_service::Service::call(service, req);
        async move { fut.await.expect("infallible").status().as_u16() }
    };
    assert_eq!(status(&mut service, "/live").await, 200);
    assert_eq!(status(&mut service, "/ready").await, 200);
    assert_eq!(
        status(&mut service, "/healthz").await,
        403,
        "moved probes leave their old paths"
    );
    service.drain();
    assert_eq!(status(&mut service, "/ready").await, 503);
    assert_eq!(
        status(&mut service, "/live").await,
        200,
        "still alive while draining"
    );
}

#[tokio::test]
async fn readiness_goes_down_while_a_shared_event_store_is_unreachable() {
    use mcp_serve::transport::http::{
        EventStore, InMemoryEventStore, StoreError, StoreFuture, StoredEvent, StreamRead,
    };
    use std::sync::atomic::AtomicBool;
    /// A shared store whose connection can be cut.
    #[derive(Default)]
    struct Cut(InMemoryEventStore, AtomicBool);
    impl EventStore for Cut {
        fn open_stream<'a>(&'a self, s: &'a str, r: Option<&'a str>, l: Duration) -> StoreFuture<'a, u64> {
            self.0.open_stream(s, r, l)
        }
        fn append<'a>(&'a self, s: &'a str, n: u64, e: StoredEvent) -> StoreFuture<'a, u64> {
            self.0.append(s, n, e)
        }
        fn finish<'a>(&'a self, s: &'a str, n: u64) -> StoreFuture<'a, ()> {
            self.0.finish(s, n)
        }
        fn renew_lease<'a>(&'a self, s: &'a str, n: u64, t: Duration) -> StoreFuture<'a, ()> {
            self.0.renew_lease(s, n, t)
        }
        fn read_after<'a>(&'a self, s: &'a str, n: u64, a: u64) -> StoreFuture<'a, Option<StreamRead>> {
            self.0.read_after(s, n, a)
        }
        fn wait_after<'a>(
            &'a self,
            s: &'a str,
            n: u64,
            a: u64,
            w: Duration,
        ) -> StoreFuture<'a, Option<StreamRead>> {
            self.0.wait_after(s, n, a, w)
        }
        fn forget_stream<'a>(&'a self, s: &'a str, n: u64) -> StoreFuture<'a, ()> {
            self.0.forget_stream(s, n)
        }
        fn remove_session<'a>(&'a self, s: &'a str) -> StoreFuture<'a, ()> {
            self.0.remove_session(s)
        }
        fn check(&self) -> StoreFuture<'_, ()> {
            let cut = self.1.load(Ordering::SeqCst);
            Box::pin(async move {
                if cut {
                    Err(StoreError::new("connection refused"))
                } else {
                    Ok(())
                }
            })
        }
        fn is_shared(&self) -> bool {
            true
        }
    }
    let store = Arc::new(Cut::default());
    let mut service = fixture_service(HttpOptions::default().event_store(store.clone()));
    let mut ready = || {
        let req = http::Request::get("/readyz")
            .header("host", "10.0.0.7")
            .body(axum::body::Body::empty())
            .expect("request");
        let fut = tower_service::Service::call(&mut service, req);
        async move {
            let resp = fut.await.expect("infallible");
            let status = resp.status().as_u16();
            let body = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                .unwrap_or_default();
            (status, body)
        }
    };
    assert_eq!(ready().await.0, 200);
    store.1.store(true, Ordering::SeqCst);
    let (status, body) = ready().await;
    assert_eq!(status, 503);
    assert_eq!(body, "the event store is unreachable: connection refused");
    store.1.store(false, Ordering::SeqCst);
    assert_eq!(ready().await.0, 200, "ready again once the store answers");
}

#[tokio::test(start_paused = true)]
async fn calls_over_http_stop_at_the_call_timeout() {
    let service = fixture_service(HttpOptions::default());
    let mut conn = pipe_to(&service);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "slow", "arguments": {"ms": 3_600_000}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Accept: {BOTH}\r\nMCP-Protocol-Version: {MODERN}\r\nMcp-Method: tools/call\r\nMcp-Name: slow\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let started = Instant::now();
    conn.write_all(request.as_bytes()).await.expect("write");
    let answer = read_until(&mut conn, "was stopped").await;
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(300),
        "the 5 min default over HTTP"
    );
    assert!(
        answer.contains("\"isError\":true"),
        "a result the model can read: {answer}"
    );
    assert!(
        answer.contains("tools/call did not finish within 300 s"),
        "{answer}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_call_timeout_is_a_server_option_on_every_transport() {
    use mcp_serve::testing::TestClient;
    // A client that waits longer than any server limit here.
    let patient = ClientOptions {
        era: Era::Modern,
        ..ClientOptions::default()
    }
    .timeout(Duration::from_secs(7200));
    let limited = server_fixture()
        .call_timeout(Some(Duration::from_secs(30)))
        .into_handle()
        .expect("fixture");
    let client = TestClient::connect(&limited, patient.clone())
        .await
        .expect("connect");
    let started = Instant::now();
    let r = client
        .call_tool("slow", json!({"ms": 3_600_000}))
        .await
        .expect("an answer");
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert_eq!(r.is_error, Some(true));
    // Within the limit, a call is answered as usual.
    let r = client
        .call_tool("slow", json!({"ms": 20_000}))
        .await
        .expect("an answer");
    assert_eq!(r.content[0].as_text(), Some("slept 20000"));
    // In memory (as over stdio) there is no limit by default.
    let handle = server_fixture().into_handle().expect("fixture");
    let client = TestClient::connect(&handle, patient).await.expect("connect");
    let started = Instant::now();
    let r = client
        .call_tool("slow", json!({"ms": 3_600_000}))
        .await
        .expect("an answer");
    assert_eq!(started.elapsed(), Duration::from_secs(3600));
    assert_eq!(r.content[0].as_text(), Some("slept 3600000"));
}

fn server_fixture() -> mcp_serve::server::Server {
    server(&Arc::new(Probe::default()))
}

#[tokio::test]
async fn callers_are_rate_limited_in_all_and_per_tool() {
    use mcp_serve::transport::http::RateLimit;
    let limits = RateLimit::per_caller(3, Duration::from_secs(60)).tool("add", 1, Duration::from_secs(60));
    let srv = TestServer::with_options(HttpOptions::default().rate_limit(limits)).await;
    let add = |id| {
        srv.modern(
            id,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
    };
    assert_eq!(send(add(1)).await.status(), StatusCode::OK);
    let limited = send(add(2)).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "one add a minute"
    );
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert!(limited.text().await.unwrap().contains("calls of add"));
    // Other requests still count against the caller's three.
    assert_eq!(
        send(srv.modern(3, "tools/list", json!({}))).await.status(),
        StatusCode::OK
    );
    let limited = send(srv.modern(4, "tools/list", json!({}))).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "three requests a minute"
    );
    assert!(limited.headers().contains_key("retry-after"));
    // Probes are not requests of a caller.
    let health = send(srv.client.get(format!("{}/healthz", srv.base))).await;
    assert_eq!(health.status(), StatusCode::OK);
    srv.stop().await;
}
