//! The client against mcp-serve's own server over real HTTP on 127.0.0.1
//! (port 0): the modern era, legacy sessions, a stateless legacy server and
//! the 2024-11-05 HTTP+SSE transport; progress, cancellation, timeouts,
//! elicitation in both eras, stream resumption, the era cache, extra headers,
//! `x-mcp-header` mirroring, roots, logging, closing, and clear errors for
//! bad input. Every test is bounded by `LIMIT`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_serve::client::{Client, ClientError, ClientOptions, Direction, Era, ProgressUpdate, RequestOptions};
use mcp_serve::context::Elicitation;
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::{ClientCapabilities, PromptReference, Reference, Root};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::tool::Tool;
use mcp_serve::transport::http::{HttpOptions, McpService};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// The bound on any one test.
const LIMIT: Duration = Duration::from_secs(30);
const LEGACY: Era = Era::Legacy(ProtocolVersion::V2025_11_25);

async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("the test took longer than its limit")
}

/// Polls `cond` until it holds (bounded).
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------
// Fixture server
// ---------------------------------------------------------------------------

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct NoArgs {}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct SlowArgs {
    ms: u64,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    /// Your name.
    name: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct RegionArgs {
    region: String,
}

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Today's memo.
#[resource("memo://today", mime = "text/plain")]
async fn memo() -> String {
    "rain".into()
}

/// Greet someone.
#[prompt]
fn greet(name: String) -> String {
    format!("Greet {name}")
}

/// What the handlers saw.
#[derive(Default)]
struct Seen {
    started: AtomicBool,
    cancelled: AtomicBool,
    dropped: AtomicBool,
}

struct DropGuard(Arc<Seen>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

fn header(ctx: &Context, name: &str) -> String {
    ctx.http()
        .and_then(|p| p.headers.get(name))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

fn fixture(seen: &Arc<Seen>) -> Server {
    let hang = Arc::clone(seen);
    Server::new("client-test", "1.0.0")
        .instructions("Use add for sums.")
        .tool(add)
        .resource(memo)
        .prompt(greet)
        .tool(Tool::new("steps").handler(|_: NoArgs, ctx: Context| async move {
            for i in 1..=3 {
                ctx.progress(f64::from(i), Some(3.0), Some(&format!("step {i}")))
                    .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            "stepped"
        }))
        .tool(
            Tool::new("slow").handler(|a: SlowArgs, _ctx: Context| async move {
                tokio::time::sleep(Duration::from_millis(a.ms)).await;
                "slept"
            }),
        )
        // Reports progress (so the answer streams), then waits to be cancelled.
        .tool(Tool::new("hang").handler(move |_: NoArgs, ctx: Context| {
            let seen = Arc::clone(&hang);
            async move {
                let _guard = DropGuard(Arc::clone(&seen));
                seen.started.store(true, Ordering::SeqCst);
                let watcher = ctx.clone();
                let flag = Arc::clone(&seen);
                tokio::spawn(async move {
                    watcher.cancelled().await;
                    flag.cancelled.store(true, Ordering::SeqCst);
                });
                ctx.progress(1.0, None, Some("hanging")).await;
                tokio::time::sleep(Duration::from_secs(60)).await;
                "woke up"
            }
        }))
        .tool(Tool::new("ask").handler(|_: NoArgs, ctx: Context| async move {
            match ctx.elicit::<Name>("What is your name?").await {
                Ok(Elicitation::Accept(n)) => format!("hello {}", n.name),
                Ok(_) => "no name".to_owned(),
                Err(e) => format!("failed: {e}"),
            }
        }))
        .tool(Tool::new("roots").handler(|_: NoArgs, ctx: Context| async move {
            match ctx.roots().await {
                Ok(roots) => roots.iter().map(|r| r.uri.clone()).collect::<Vec<_>>().join(","),
                Err(e) => format!("failed: {e}"),
            }
        }))
        .tool(Tool::new("whoami").handler(|_: NoArgs, ctx: Context| async move {
            format!("{} {}", header(&ctx, "authorization"), header(&ctx, "x-tenant"))
        }))
        // Asks the client to poll (SEP-1699), then answers later.
        .tool(Tool::new("poll").handler(|_: NoArgs, ctx: Context| async move {
            ctx.close_sse_stream().await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            "polled"
        }))
        .tool(Tool::new("chatty").handler(|_: NoArgs, ctx: Context| async move {
            ctx.debug("a debug line").await;
            ctx.info("an info line").await;
            "chatted"
        }))
        .tool(
            Tool::new("region")
                .handler(|a: RegionArgs, ctx: Context| async move {
                    format!("{} {}", a.region, header(&ctx, "mcp-param-region"))
                })
                .input_schema(json!({
                    "type": "object",
                    "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
                    "required": ["region"]
                })),
        )
}

/// A server on 127.0.0.1:0, mounted in axum so the test can see its
/// sessions and the requests that reach it.
struct Running {
    base: String,
    service: McpService,
    /// GET requests that carried `Last-Event-ID`.
    resumes: Arc<AtomicUsize>,
    seen: Arc<Seen>,
    stop: Option<oneshot::Sender<()>>,
}

impl Running {
    fn mcp(&self) -> String {
        format!("{}/mcp", self.base)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn start(options: HttpOptions) -> Running {
    let seen = Arc::new(Seen::default());
    let handle = fixture(&seen).into_handle().expect("fixture registers");
    serve(McpService::new(&handle, options), seen, false).await
}

/// Serves `service`; with `sse_only`, like a server of 2024-11-05: only
/// `GET /old/sse` and `POST /old/messages`.
async fn serve(service: McpService, seen: Arc<Seen>, sse_only: bool) -> Running {
    let resumes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&resumes);
    let app = if sse_only {
        axum::Router::new()
            .route_service("/old/sse", axum::routing::get_service(service.clone()))
            .route_service("/old/messages", axum::routing::post_service(service.clone()))
    } else {
        axum::Router::new()
            .route_service("/mcp", service.clone())
            .route_service("/sse", service.clone())
            .route_service("/messages", service.clone())
    };
    let app = app.layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            if req.headers().contains_key("last-event-id") {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            next.run(req)
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Running {
        base,
        service,
        resumes,
        seen,
        stop: Some(stop),
    }
}

fn capabilities() -> ClientCapabilities {
    serde_json::from_value(json!({"elicitation": {}, "sampling": {}, "roots": {}})).expect("capabilities")
}

/// Options that answer elicitation with the name "Ada".
fn answering(era: Era) -> ClientOptions {
    ClientOptions {
        capabilities: capabilities(),
        ..Default::default()
    }
    .era(era)
    .timeout(Duration::from_secs(10))
    .on_input(|method, _params| async move {
        match method.as_str() {
            "elicitation/create" => Ok(json!({"action": "accept", "content": {"name": "Ada"}})),
            other => Err(mcp_serve::protocol::jsonrpc::ErrorObject::method_not_found(other)),
        }
    })
}

fn text(r: &CallToolResult) -> String {
    r.content[0].as_text().unwrap_or_default().to_owned()
}

/// The methods of the requests a tap saw sent.
fn sent_methods(log: &Arc<Mutex<Vec<String>>>) -> ClientOptions {
    let log = Arc::clone(log);
    ClientOptions::default().on_traffic(move |dir, frame| {
        if dir == Direction::Sent {
            if let Ok(v) = serde_json::from_slice::<Value>(frame) {
                if let Some(m) = v["method"].as_str() {
                    log.lock().unwrap().push(m.to_owned());
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------
// Modes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn modern_http_serves_every_method() {
    within(async {
        let server = start(HttpOptions::default()).await;
        let client = Client::connect_http(&server.mcp(), ClientOptions::default())
            .await
            .expect("connect");
        assert_eq!(client.era(), Era::Modern, "auto detection finds a modern server");
        assert_eq!(client.protocol_version(), ProtocolVersion::V2026_07_28);
        assert_eq!(client.server_info().expect("server info").name, "client-test");
        assert_eq!(client.instructions().as_deref(), Some("Use add for sums."));
        assert!(
            client
                .server_capabilities()
                .expect("capabilities")
                .tools
                .is_some()
        );
        let d = client.discover().await.expect("discover");
        assert!(d.supported_versions.iter().any(|v| v == "2026-07-28"));

        let tools = client.list_tools().await.expect("tools/list");
        assert!(tools.tools.iter().any(|t| t.name == "add"));
        let r = client
            .call_tool("add", json!({"a": 2, "b": 3}))
            .await
            .expect("call");
        assert_eq!(text(&r), "5");
        let read = client.read_resource("memo://today").await.expect("read");
        assert_eq!(serde_json::to_value(&read.contents[0]).unwrap()["text"], "rain");
        let p = client
            .get_prompt("greet", json!({"name": "Ada"}))
            .await
            .expect("prompt");
        assert_eq!(p.messages.len(), 1);
        let prompt = Reference::Prompt(PromptReference::new("greet"));
        client
            .complete(prompt, "name", "A", None)
            .await
            .expect("completion/complete");
        let err = client
            .call_tool("nope", json!({}))
            .await
            .expect_err("unknown tool");
        assert!(
            err.rpc().is_some(),
            "a JSON-RPC error, not a transport one: {err}"
        );
        client.close().await;
    })
    .await;
}

/// Python servers mounted at `/mcp/` answer `/mcp` with 307: the client
/// follows it, in both eras, and keeps working after it.
#[tokio::test]
async fn an_endpoint_that_redirects_is_followed_in_both_eras() {
    within(async {
        let seen = Arc::new(Seen::default());
        let handle = fixture(&seen).into_handle().expect("fixture registers");
        let service = McpService::new(&handle, HttpOptions::default());
        let app = axum::Router::new()
            .route(
                "/mcp",
                axum::routing::any(|| async { axum::response::Redirect::temporary("/mcp/") }),
            )
            .route_service("/mcp/", service);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
        let served = tokio::spawn(async move { axum::serve(listener, app).await });
        for era in [Era::Modern, Era::Legacy(ProtocolVersion::V2025_11_25)] {
            let client = Client::connect_http(&url, ClientOptions::default().era(era))
                .await
                .expect("connect through the redirect");
            for (a, b) in [(2, 3), (4, 5)] {
                let r = client
                    .call_tool("add", json!({"a": a, "b": b}))
                    .await
                    .expect("call");
                assert_eq!(text(&r), (a + b).to_string(), "{era:?}");
            }
            client.close().await;
        }
        served.abort();
    })
    .await;
}

#[tokio::test]
async fn legacy_sessions_over_http() {
    within(async {
        let server = start(HttpOptions::default()).await;
        let client = Client::connect_http(&server.mcp(), ClientOptions::default().era(LEGACY))
            .await
            .expect("connect");
        assert_eq!(client.era(), LEGACY);
        assert_eq!(server.service.session_count(), 1, "initialize opened a session");
        client.ping().await.expect("ping");
        let r = client
            .call_tool("add", json!({"a": 20, "b": 22}))
            .await
            .expect("call");
        assert_eq!(text(&r), "42");
        client
            .subscribe_resource("memo://today")
            .await
            .expect("subscribe");
        client
            .unsubscribe_resource("memo://today")
            .await
            .expect("unsubscribe");
        let d = client.discover().await.expect("discover, made from initialize");
        assert_eq!(d.supported_versions, vec!["2025-11-25".to_owned()]);
        client.close().await;
        eventually("close DELETEs the session", || {
            server.service.session_count() == 0
        })
        .await;
        let err = client.list_tools().await.expect_err("closed");
        assert!(matches!(err, ClientError::Transport(_)), "{err}");

        // An older revision is negotiated and kept.
        let old = Client::connect_http(
            &server.mcp(),
            ClientOptions::default().era(Era::Legacy(ProtocolVersion::V2025_03_26)),
        )
        .await
        .expect("connect at 2025-03-26");
        assert_eq!(old.era(), Era::Legacy(ProtocolVersion::V2025_03_26));
        assert_eq!(
            text(&old.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap()),
            "2"
        );
        // Dropping the last clone ends the session too.
        drop(old);
        eventually("drop DELETEs the session", || server.service.session_count() == 0).await;
    })
    .await;
}

/// Servers drop server-initiated messages that have no stream to go on, so
/// connecting to a legacy session waits until its GET stream is answered.
#[tokio::test]
async fn connecting_waits_for_the_sessions_stream() {
    within(async {
        let seen = Arc::new(Seen::default());
        let handle = fixture(&seen).into_handle().expect("fixture registers");
        let service = McpService::new(&handle, HttpOptions::default());
        let answered = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&answered);
        // A busy server: the GET is answered 300 ms late.
        let app = axum::Router::new()
            .route_service("/mcp", service)
            .layer(axum::middleware::from_fn(
                move |req: axum::extract::Request, next: axum::middleware::Next| {
                    let flag = Arc::clone(&flag);
                    async move {
                        let get = req.method() == axum::http::Method::GET;
                        if get {
                            tokio::time::sleep(Duration::from_millis(300)).await;
                        }
                        let response = next.run(req).await;
                        if get {
                            flag.store(true, Ordering::SeqCst);
                        }
                        response
                    }
                },
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = Client::connect_http(&url, ClientOptions::default().era(LEGACY))
            .await
            .expect("connect");
        assert!(
            answered.load(Ordering::SeqCst),
            "connect returned before the session's stream was open"
        );
        client.close().await;
        server.abort();
    })
    .await;
}

#[tokio::test]
async fn a_stateless_server_serves_both_eras() {
    within(async {
        let server = start(HttpOptions::default().stateless()).await;
        let legacy = Client::connect_http(&server.mcp(), ClientOptions::default().era(LEGACY))
            .await
            .expect("legacy connect");
        assert_eq!(server.service.session_count(), 0, "no session minted");
        assert_eq!(
            text(&legacy.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap()),
            "3"
        );
        legacy.close().await;
        let modern = Client::connect_http(&server.mcp(), ClientOptions::default())
            .await
            .expect("auto connect");
        assert_eq!(modern.era(), Era::Modern);
        assert_eq!(
            text(&modern.call_tool("add", json!({"a": 2, "b": 2})).await.unwrap()),
            "4"
        );
    })
    .await;
}

#[tokio::test]
async fn the_2024_http_sse_transport() {
    within(async {
        let server = start(HttpOptions::default()).await;
        let url = format!("{}/sse", server.base);
        let client = Client::connect_sse(&url, answering(Era::Auto))
            .await
            .expect("connect_sse");
        assert!(matches!(client.era(), Era::Legacy(_)));
        assert_eq!(
            text(&client.call_tool("add", json!({"a": 3, "b": 4})).await.unwrap()),
            "7"
        );
        // The server's elicitation request comes on the stream; the answer is POSTed.
        assert_eq!(
            text(&client.call_tool("ask", json!({})).await.unwrap()),
            "hello Ada"
        );
        client.close().await;
        eventually("closing the stream ends the session", || {
            server.service.session_count() == 0
        })
        .await;

        let err = Client::connect_sse(&url, ClientOptions::default().era(Era::Modern))
            .await
            .expect_err("modern over HTTP+SSE");
        assert!(err.to_string().contains("legacy"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn auto_falls_back_to_http_sse_and_caches_the_era() {
    within(async {
        let seen = Arc::new(Seen::default());
        let handle = fixture(&seen).into_handle().expect("fixture");
        let server = serve(McpService::new(&handle, HttpOptions::default()), seen, true).await;
        let url = format!("{}/old/sse", server.base);

        let first = Arc::new(Mutex::new(Vec::new()));
        let client = Client::connect_http(&url, sent_methods(&first))
            .await
            .expect("auto finds the HTTP+SSE transport");
        assert!(matches!(client.era(), Era::Legacy(_)));
        assert_eq!(
            text(&client.call_tool("add", json!({"a": 1, "b": 5})).await.unwrap()),
            "6"
        );
        let methods = first.lock().unwrap().clone();
        assert_eq!(
            methods[0], "server/discover",
            "the modern probe comes first: {methods:?}"
        );
        assert!(
            methods.iter().filter(|m| *m == "initialize").count() == 2,
            "initialize on Streamable HTTP, then on HTTP+SSE: {methods:?}"
        );

        // The same URL again: straight to what worked.
        let second = Arc::new(Mutex::new(Vec::new()));
        let again = Client::connect_http(&url, sent_methods(&second))
            .await
            .expect("second connect");
        assert!(matches!(again.era(), Era::Legacy(_)));
        let methods = second.lock().unwrap().clone();
        assert_eq!(
            methods,
            vec!["initialize".to_owned(), "notifications/initialized".to_owned()],
            "a cached era skips the probe"
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// Progress, cancellation, timeouts
// ---------------------------------------------------------------------------

#[tokio::test]
async fn progress_reaches_the_callback_in_both_eras() {
    within(async {
        let server = start(HttpOptions::default()).await;
        for era in [Era::Modern, LEGACY] {
            let noticed = Arc::new(AtomicUsize::new(0));
            let count = Arc::clone(&noticed);
            let options = ClientOptions::default().era(era).on_notification(move |n| {
                if n.method == "notifications/progress" {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            });
            let client = Client::connect_http(&server.mcp(), options)
                .await
                .expect("connect");
            let mut rx = client.notifications().expect("receiver");
            let updates = Arc::new(Mutex::new(Vec::<ProgressUpdate>::new()));
            let log = Arc::clone(&updates);
            let r = client
                .call_tool_with(
                    "steps",
                    json!({}),
                    RequestOptions::default().on_progress(move |p| log.lock().unwrap().push(p)),
                )
                .await
                .expect("call");
            assert_eq!(text(&r), "stepped");
            let updates = updates.lock().unwrap().clone();
            assert_eq!(
                updates.iter().map(|u| u.progress).collect::<Vec<_>>(),
                vec![1.0, 2.0, 3.0],
                "{era:?}"
            );
            assert_eq!(updates[2].total, Some(3.0));
            assert_eq!(updates[0].message.as_deref(), Some("step 1"));
            // The callback and the receiver both see every notification.
            assert_eq!(noticed.load(Ordering::SeqCst), 3, "{era:?}");
            let mut received = 0;
            while let Ok(n) = rx.try_recv() {
                received += usize::from(n.method == "notifications/progress");
            }
            assert_eq!(received, 3, "{era:?}");
            client.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn cancellation_reaches_the_handler() {
    within(async {
        for era in [Era::Modern, LEGACY] {
            let server = start(HttpOptions::default()).await;
            let client = Client::connect_http(&server.mcp(), ClientOptions::default().era(era))
                .await
                .expect("connect");
            let stop = CancellationToken::new();
            let call = {
                let client = client.clone();
                let stop = stop.clone();
                tokio::spawn(async move {
                    client
                        .call_tool_with("hang", json!({}), RequestOptions::default().cancel(stop))
                        .await
                })
            };
            eventually("the handler started", || {
                server.seen.started.load(Ordering::SeqCst)
            })
            .await;
            stop.cancel();
            let r = call.await.expect("task");
            assert!(matches!(r, Err(ClientError::Cancelled)), "{era:?}: {r:?}");
            eventually("the handler saw the cancellation", || {
                server.seen.cancelled.load(Ordering::SeqCst) || server.seen.dropped.load(Ordering::SeqCst)
            })
            .await;
            // The connection is still good.
            assert_eq!(
                text(&client.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap()),
                "2"
            );
            client.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn timeouts_fail_the_call_and_cancel_it() {
    within(async {
        let server = start(HttpOptions::default()).await;
        let client = Client::connect_http(&server.mcp(), ClientOptions::default())
            .await
            .expect("connect");
        let started = Instant::now();
        let err = client
            .call_tool_with(
                "slow",
                json!({"ms": 10_000}),
                RequestOptions::default().timeout(Duration::from_millis(200)),
            )
            .await
            .expect_err("times out");
        assert!(matches!(err, ClientError::Timeout(_)), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The client-wide timeout applies too, and the server hears of it.
        let short = Client::connect_http(
            &server.mcp(),
            ClientOptions::default().timeout(Duration::from_millis(300)),
        )
        .await
        .expect("connect");
        let err = short.call_tool("hang", json!({})).await.expect_err("times out");
        assert!(err.to_string().contains("timeout"), "{err}");
        eventually("the handler was cancelled", || {
            server.seen.cancelled.load(Ordering::SeqCst) || server.seen.dropped.load(Ordering::SeqCst)
        })
        .await;
    })
    .await;
}

// In memory, on the paused clock: timeouts of seconds and calls of minutes
// take no real time, and the timing is exact.
#[tokio::test(start_paused = true)]
async fn timeouts_on_the_paused_clock_in_both_eras() {
    for era in [Era::Modern, LEGACY] {
        let seen = Arc::new(Seen::default());
        let server = fixture(&seen).into_handle().expect("fixture");
        let options = ClientOptions {
            era,
            ..ClientOptions::default()
        };
        let client = Client::connect_in_memory(&server, options.clone().timeout(Duration::from_secs(45)))
            .await
            .expect("connect");
        let started = tokio::time::Instant::now();
        let err = client
            .call_tool_with(
                "slow",
                json!({"ms": 600_000}),
                RequestOptions::default().timeout(Duration::from_secs(30)),
            )
            .await
            .expect_err("times out");
        assert!(matches!(err, ClientError::Timeout(_)), "{era:?}: {err}");
        assert_eq!(started.elapsed(), Duration::from_secs(30), "{era:?}");
        // A call shorter than its timeout is answered.
        let done = client
            .call_tool_with(
                "slow",
                json!({"ms": 20_000}),
                RequestOptions::default().timeout(Duration::from_secs(30)),
            )
            .await
            .expect("answered within its timeout");
        assert_eq!(done.content.len(), 1, "{era:?}");
        // The client-wide timeout (45 s) cuts `hang` (60 s), and the server hears of it.
        let started = tokio::time::Instant::now();
        let err = client.call_tool("hang", json!({})).await.expect_err("times out");
        assert!(matches!(err, ClientError::Timeout(_)), "{era:?}: {err}");
        assert_eq!(started.elapsed(), Duration::from_secs(45), "{era:?}");
        eventually("the handler was cancelled", || {
            seen.cancelled.load(Ordering::SeqCst) || seen.dropped.load(Ordering::SeqCst)
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// Input, resumption, headers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn elicitation_is_answered_over_http_in_both_eras() {
    within(async {
        let server = start(HttpOptions::default()).await;
        for era in [Era::Modern, LEGACY] {
            let client = Client::connect_http(&server.mcp(), answering(era))
                .await
                .expect("connect");
            let r = client.call_tool("ask", json!({})).await.expect("call");
            assert_eq!(text(&r), "hello Ada", "{era:?}");
            client.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn roots_are_answered_in_both_eras() {
    within(async {
        let server = start(HttpOptions::default()).await;
        for era in [Era::Modern, LEGACY] {
            let options = ClientOptions::default().era(era).roots(vec![
                Root::new("file:///a"),
                Root::new("file:///b").with_name("b"),
            ]);
            let client = Client::connect_http(&server.mcp(), options)
                .await
                .expect("connect");
            let r = client.call_tool("roots", json!({})).await.expect("call");
            assert_eq!(text(&r), "file:///a,file:///b", "{era:?}");
            client.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_closed_stream_is_resumed_after_the_servers_retry() {
    within(async {
        let server = start(HttpOptions::default()).await;
        let client = Client::connect_http(&server.mcp(), ClientOptions::default().era(LEGACY))
            .await
            .expect("connect");
        let started = Instant::now();
        let r = client
            .call_tool_with(
                "poll",
                json!({}),
                // Progress makes the server answer with a stream.
                RequestOptions::default().on_progress(|_| {}),
            )
            .await
            .expect("the answer arrives on the resumed stream");
        assert_eq!(text(&r), "polled");
        assert!(
            server.resumes.load(Ordering::SeqCst) >= 1,
            "resumed with Last-Event-ID"
        );
        assert!(
            started.elapsed() >= Duration::from_millis(450),
            "waited for the server's retry (500 ms)"
        );
        client.close().await;
    })
    .await;
}

#[tokio::test]
async fn extra_headers_reach_the_server() {
    within(async {
        let server = start(HttpOptions::default()).await;
        for era in [Era::Modern, LEGACY] {
            let options = ClientOptions::default()
                .era(era)
                .header("Authorization", "Bearer s3cret")
                .header("X-Tenant", "acme");
            let client = Client::connect_http(&server.mcp(), options)
                .await
                .expect("connect");
            let r = client.call_tool("whoami", json!({})).await.expect("call");
            assert_eq!(text(&r), "Bearer s3cret acme", "{era:?}");
            client.close().await;
        }
        let sse = Client::connect_sse(
            &format!("{}/sse", server.base),
            ClientOptions::default().header("Authorization", "Bearer s3cret"),
        )
        .await
        .expect("connect_sse");
        assert_eq!(
            text(&sse.call_tool("whoami", json!({})).await.unwrap()),
            "Bearer s3cret -"
        );

        let err = Client::connect_http(&server.mcp(), ClientOptions::default().header("Bad Name", "x"))
            .await
            .expect_err("invalid header name");
        assert!(matches!(err, ClientError::Config(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn tool_parameters_are_mirrored_into_headers() {
    within(async {
        let server = start(HttpOptions::default()).await;
        let client = Client::connect_http(&server.mcp(), ClientOptions::default())
            .await
            .expect("connect");
        // Not listed yet: the server refuses (HeaderMismatch), the client
        // lists the tools and sends the call again with the header.
        let r = client
            .call_tool("region", json!({"region": "eu-west"}))
            .await
            .expect("call");
        assert_eq!(text(&r), "eu-west eu-west");
        let r = client
            .call_tool("region", json!({"region": "Zürich "}))
            .await
            .expect("call with a value that needs Base64");
        assert_eq!(text(&r), "Zürich  =?base64?WsO8cmljaCA=?=");
    })
    .await;
}

#[tokio::test]
async fn logging_level_works_in_both_eras() {
    within(async {
        let server = start(HttpOptions::default()).await;
        for era in [Era::Modern, LEGACY] {
            let lines = Arc::new(Mutex::new(Vec::new()));
            let log = Arc::clone(&lines);
            let options = ClientOptions::default().era(era).on_notification(move |n| {
                if n.method == "notifications/message" {
                    log.lock()
                        .unwrap()
                        .push(n.params.unwrap_or_default()["level"].clone());
                }
            });
            let client = Client::connect_http(&server.mcp(), options)
                .await
                .expect("connect");
            client
                .set_logging_level(LoggingLevel::Info)
                .await
                .expect("set level");
            client.call_tool("chatty", json!({})).await.expect("call");
            // Legacy logs may travel on the session's GET stream: wait a little.
            eventually("the info line", || !lines.lock().unwrap().is_empty()).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(
                *lines.lock().unwrap(),
                vec![json!("info")],
                "{era:?}: only info and above"
            );
            client.close().await;
        }
    })
    .await;
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[tokio::test]
async fn bad_urls_and_servers_give_clear_errors() {
    within(async {
        // Nothing listens there.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let err = Client::connect_http(&format!("http://127.0.0.1:{port}/mcp"), ClientOptions::default())
            .await
            .expect_err("refused");
        assert!(matches!(err, ClientError::Transport(_)), "{err}");
        assert!(
            err.to_string().contains("check that the server is running"),
            "{err}"
        );

        // Not a URL.
        let err = Client::connect_http("127.0.0.1:8000/mcp", ClientOptions::default())
            .await
            .expect_err("no scheme");
        assert!(matches!(err, ClientError::Config(_)), "{err}");

        // A web server with nothing at that path.
        let empty = axum::Router::new().route("/", axum::routing::get(|| async { "<html>home</html>" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, empty).await;
        });
        let err = Client::connect_http(&format!("{base}/mcp"), ClientOptions::default())
            .await
            .expect_err("404");
        eprintln!("404: {err}");
        assert!(matches!(err, ClientError::Http { status: 404, .. }), "{err}");
        assert!(err.to_string().contains("check the path"), "{err}");

        // A web server that answers, but not in MCP.
        let err = Client::connect_http(&base, ClientOptions::default())
            .await
            .expect_err("not MCP");
        eprintln!("not MCP: {err}");
        assert!(err.to_string().contains("MCP"), "{err}");

        // mcp-serve's own server at a wrong path.
        let server = start(HttpOptions::default()).await;
        let err = Client::connect_http(&format!("{}/wrong", server.base), ClientOptions::default())
            .await
            .expect_err("wrong path");
        eprintln!("wrong path: {err}");
        assert!(err.to_string().contains("/mcp"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn in_memory_cancellation_sends_notifications_cancelled() {
    within(async {
        let seen = Arc::new(Seen::default());
        let handle = fixture(&seen).into_handle().expect("fixture");
        let cancels = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&cancels);
        let options = ClientOptions::default().on_traffic(move |dir, frame| {
            if dir == Direction::Sent && String::from_utf8_lossy(frame).contains("notifications/cancelled") {
                count.fetch_add(1, Ordering::SeqCst);
            }
        });
        let client = Client::connect_in_memory(&handle, options)
            .await
            .expect("connect");
        let stop = CancellationToken::new();
        let call = {
            let client = client.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                client
                    .call_tool_with("hang", json!({}), RequestOptions::default().cancel(stop))
                    .await
            })
        };
        eventually("the handler started", || seen.started.load(Ordering::SeqCst)).await;
        stop.cancel();
        assert!(matches!(call.await.unwrap(), Err(ClientError::Cancelled)));
        assert_eq!(cancels.load(Ordering::SeqCst), 1);
        eventually("the handler was cancelled", || {
            seen.cancelled.load(Ordering::SeqCst) || seen.dropped.load(Ordering::SeqCst)
        })
        .await;
    })
    .await;
}

// ---------------------------------------------------------------------------
// stdio
// ---------------------------------------------------------------------------

/// A legacy-only stdio server: answers `initialize` and `tools/list`,
/// refuses everything else (so the modern probe fails), exits at EOF.
const LEGACY_PY: &str = r#"
import sys, json
for line in sys.stdin:
    if not line.strip():
        continue
    m = json.loads(line)
    if "id" not in m:
        continue
    method = m.get("method")
    if method == "initialize":
        r = {"protocolVersion": m["params"]["protocolVersion"], "capabilities": {"tools": {}},
             "serverInfo": {"name": "py-legacy", "version": "1"}}
    elif method == "tools/list":
        r = {"tools": [{"name": "echo", "inputSchema": {"type": "object"}}]}
    else:
        print(json.dumps({"jsonrpc": "2.0", "id": m["id"],
                          "error": {"code": -32601, "message": "Method not found"}}), flush=True)
        continue
    print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": r}), flush=True)
"#;

#[tokio::test]
async fn stdio_probe_falls_back_and_is_cached_and_close_ends_the_process() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: python3 is not installed");
        return;
    }
    within(async {
        let command = || mcp_serve::client::StdioCommand::new("python3").args(["-c", LEGACY_PY]);
        let first = Arc::new(Mutex::new(Vec::new()));
        let client = Client::connect_stdio(command(), sent_methods(&first))
            .await
            .expect("connect");
        assert_eq!(client.era(), LEGACY);
        assert_eq!(client.server_info().unwrap().name, "py-legacy");
        assert_eq!(client.list_tools().await.unwrap().tools[0].name, "echo");
        assert_eq!(
            first.lock().unwrap()[..3],
            ["server/discover", "initialize", "notifications/initialized"]
        );
        let started = Instant::now();
        client.close().await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "stdin closed: the server exited"
        );
        assert!(client.list_tools().await.is_err());

        let second = Arc::new(Mutex::new(Vec::new()));
        let again = Client::connect_stdio(command(), sent_methods(&second))
            .await
            .expect("connect again");
        assert_eq!(again.era(), LEGACY);
        assert_eq!(
            *second.lock().unwrap(),
            ["initialize", "notifications/initialized"],
            "the cached era skips the probe"
        );
        again.close().await;

        // Insisting on the modern era gives an error that says what to do.
        let err = Client::connect_stdio(command(), ClientOptions::default().era(Era::Modern))
            .await
            .expect_err("a legacy server");
        assert!(err.to_string().contains("Era::Auto"), "{err}");
    })
    .await;
}
