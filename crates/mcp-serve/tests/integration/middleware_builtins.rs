//! The built-in middleware, each against the real engine in both eras
//! (in memory), and over HTTP where the caller's identity matters. Time is
//! tokio's paused clock.

use mcp_serve::auth::{ApiKeys, Auth, Principal};
use mcp_serve::client::{Client, ClientError, ClientOptions, Era};
use mcp_serve::error::McpError;
use mcp_serve::middleware::{
    Audit, AuditRecord, Cache, ErrorMasking, JsonLinesAudit, Logging, McpRequest, McpResult, Middleware,
    Next, RATE_LIMITED, RateLimit, Retry, SizeLimit, Timing,
};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::testing::TestClient;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn eras() -> [Era; 2] {
    [Era::Modern, Era::Legacy(ProtocolVersion::LATEST_LEGACY)]
}

/// Add two numbers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Log in (takes a secret).
#[tool]
fn login(user: String, password: String) -> String {
    format!("welcome {user} ({} chars)", password.len())
}

/// Refuses the tool `refused` with an invalid-params error.
struct Refuse;

impl Middleware for Refuse {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        if req.name() == Some("refused") {
            return Err(McpError::invalid_params("refused is not for you"));
        }
        next.run(req).await
    }
}

/// Everything `tracing` logged while `f` ran on this thread.
async fn logged<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    drop(guard);
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (out, text)
}

/// The lines of `log` from `target` that mention `needle`.
fn lines<'a>(log: &'a str, target: &str, needle: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| l.contains(target) && l.contains(needle))
        .collect()
}

/// Serves `server` over HTTP with these API keys; the URL and a stop switch.
async fn serve_http(server: Server, keys: ApiKeys) -> (String, tokio::sync::oneshot::Sender<()>) {
    let handle = server.into_handle().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let options = HttpOptions::default().auth(Auth::new(&url).verifier(keys));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve_listener(&handle, listener, options, async {
            let _ = stopped.await;
        })
        .await;
    });
    (url, stop)
}

async fn http_client(url: &str, era: Era, key: Option<&str>) -> Client {
    let mut options = ClientOptions {
        era,
        ..Default::default()
    };
    if let Some(key) = key {
        options = options.header("authorization", format!("Bearer {key}"));
    }
    Client::connect_http(url, options).await.unwrap()
}

#[tokio::test]
async fn logging_records_each_request_with_its_outcome_and_redacts_arguments() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .middleware(Logging::new().with_arguments().redact(["user"]))
            .middleware(Refuse)
            .tool(add)
            .tool(login);
        let client = TestClient::with_era(server, era).await.unwrap();
        let ((), log) = logged(async {
            client.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap();
            client
                .call_tool("login", json!({"user": "ada", "password": "hunter2"}))
                .await
                .unwrap();
            client.call_tool("refused", json!({})).await.unwrap_err();
            client.list_tools().await.unwrap();
        })
        .await;
        let want_era = if matches!(era, Era::Modern) {
            "modern"
        } else {
            "legacy"
        };

        let add_line = lines(&log, "mcp_serve::request", "name=\"add\"");
        assert_eq!(add_line.len(), 1, "{era:?}: {log}");
        for field in [
            "method=\"tools/call\"",
            &format!("era=\"{want_era}\""),
            "outcome=\"ok\"",
            "duration_ms=",
            r#"arguments="{\"a\":1,\"b\":2}""#,
        ] {
            assert!(
                add_line[0].contains(field),
                "{era:?}: no {field} in {}",
                add_line[0]
            );
        }
        assert!(add_line[0].contains(" INFO "), "{}", add_line[0]);

        assert!(!log.contains("hunter2"), "{era:?}: a password was logged: {log}");
        assert!(
            !log.contains("ada"),
            "{era:?}: a configured key was logged: {log}"
        );
        let login_line = lines(&log, "mcp_serve::request", "name=\"login\"");
        assert!(login_line[0].contains("[redacted]"), "{}", login_line[0]);

        let refused = lines(&log, "mcp_serve::request", "name=\"refused\"");
        assert!(refused[0].contains(" WARN "), "{}", refused[0]);
        assert!(refused[0].contains("outcome=\"error\""), "{}", refused[0]);
        assert!(refused[0].contains("error_code=-32602"), "{}", refused[0]);

        assert_eq!(
            lines(&log, "mcp_serve::request", "method=\"tools/list\"").len(),
            1,
            "{era:?}: {log}"
        );
    }
}

#[tokio::test]
async fn logging_never_logs_the_authorization_header_or_arguments_unless_asked() {
    let keys = ApiKeys::new().key("k-very-secret", Principal::new("alice"));
    let (url, stop) = serve_http(
        Server::new("mw", "1.0.0").middleware(Logging::new()).tool(login),
        keys,
    )
    .await;
    let ((), log) = logged(async {
        for era in eras() {
            let client = http_client(&url, era, Some("k-very-secret")).await;
            client
                .call_tool("login", json!({"user": "ada", "password": "hunter2"}))
                .await
                .unwrap();
        }
    })
    .await;
    let calls = lines(&log, "mcp_serve::request", "name=\"login\"");
    assert_eq!(calls.len(), 2, "{log}");
    for line in calls {
        assert!(line.contains("caller=\"alice\""), "{line}");
    }
    assert!(!log.contains("k-very-secret"), "{log}");
    assert!(!log.contains("hunter2") && !log.contains("arguments="), "{log}");
    let _ = stop.send(());
}

/// Ten seconds of rest.
#[tool]
async fn nap() -> String {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "rested".into()
}

#[tokio::test(start_paused = true)]
async fn timing_keeps_a_histogram_per_method_and_per_tool() {
    let timing = Timing::new();
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .middleware(timing.clone())
            .tool(add)
            .tool(nap);
        let client = TestClient::with_era(server, era).await.unwrap();
        for i in 0..3 {
            client.call_tool("add", json!({"a": i, "b": 1})).await.unwrap();
        }
        client.call_tool("nap", json!({})).await.unwrap();
        client.list_tools().await.unwrap();
    }
    let s = timing.snapshot();
    assert_eq!(s.methods["tools/call"].count, 8);
    assert_eq!(s.methods["tools/list"].count, 2);
    assert_eq!(s.tools["add"].count, 6);
    assert_eq!(s.tools["nap"].count, 2);
    // The paused clock only moves for the naps: adds take no time at all.
    assert_eq!(s.tools["add"].max, Duration::ZERO);
    assert_eq!(s.tools["nap"].p50, Duration::from_secs(10));
    assert_eq!(s.tools["nap"].max, Duration::from_secs(10));
    // Two of eight calls napped: the median call is quick, the p90 is not.
    assert!(s.methods["tools/call"].p50 <= Duration::from_micros(1), "{s:?}");
    assert_eq!(s.methods["tools/call"].p90, Duration::from_secs(10));
    assert_eq!(s.methods["tools/call"].mean, Duration::from_millis(2500));
    timing.reset();
    assert!(timing.snapshot().methods.is_empty());
}

fn text(r: &CallToolResult) -> String {
    match &r.content[0] {
        ContentBlock::Text(t) => t.text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

fn rpc(e: ClientError) -> mcp_serve::protocol::jsonrpc::ErrorObject {
    match e {
        ClientError::Rpc(o) => o,
        other => panic!("not a JSON-RPC error: {other}"),
    }
}

#[tokio::test(start_paused = true)]
async fn rate_limits_per_caller_and_per_tool_say_when_to_retry() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .middleware(RateLimit::per_caller(5, Duration::from_secs(60)).tool(
                "add",
                2,
                Duration::from_secs(10),
            ))
            .tool(add)
            .tool(login);
        let client = TestClient::with_era(server, era).await.unwrap();
        for _ in 0..2 {
            client.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
        }
        let e = rpc(client
            .call_tool("add", json!({"a": 1, "b": 1}))
            .await
            .unwrap_err());
        assert_eq!(e.code, RATE_LIMITED, "{era:?}: {e:?}");
        assert!(e.message.contains("at most 2 calls of add per 10 s"), "{e:?}");
        assert!(e.message.contains("retry in 5 s"), "{e:?}");
        assert_eq!(e.data.as_ref().unwrap()["retryAfterMs"], 5000, "{e:?}");

        // Another tool is not limited per tool; the caller's budget of 5
        // (2 adds, the refused add, this call) lasts one more request.
        client
            .call_tool("login", json!({"user": "u", "password": "p"}))
            .await
            .unwrap();
        client.list_tools().await.unwrap();
        let e = rpc(client.list_tools().await.unwrap_err());
        assert!(
            e.message.contains("at most 5 requests per 60 s"),
            "{era:?}: {e:?}"
        );
        assert_eq!(e.data.as_ref().unwrap()["retryAfterMs"], 12_000, "{e:?}");

        // The buckets refill evenly: one request per 12 s in all.
        tokio::time::advance(Duration::from_secs(12)).await;
        let r = client.call_tool("add", json!({"a": 2, "b": 2})).await.unwrap();
        assert_eq!(text(&r), "4");
        client.list_tools().await.unwrap_err();
    }
}

#[tokio::test]
async fn rate_limits_count_each_authenticated_caller_separately_over_http() {
    let keys = ApiKeys::new()
        .key("k-alice", Principal::new("alice"))
        .key("k-bob", Principal::new("bob"));
    let (url, stop) = serve_http(
        Server::new("mw", "1.0.0")
            .middleware(RateLimit::new().tool("add", 2, Duration::from_secs(3600)))
            .tool(add),
        keys,
    )
    .await;
    for era in eras() {
        let alice = http_client(&url, era, Some("k-alice")).await;
        let bob = http_client(&url, era, Some("k-bob")).await;
        if matches!(era, Era::Modern) {
            for _ in 0..2 {
                alice.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
            }
        }
        // Alice spent her two calls in the first era; Bob has his own.
        let e = rpc(alice.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap_err());
        assert_eq!(e.code, RATE_LIMITED, "{era:?}");
        if matches!(era, Era::Modern) {
            bob.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
        } else {
            bob.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
            bob.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap_err();
        }
    }
    let _ = stop.send(());
}

/// How many times anything counted was called.
#[derive(Default)]
struct Calls(AtomicU32);

/// Counts its calls: the answer says which call this was.
#[tool(annotations(read_only, idempotent))]
async fn counted(tag: String, ctx: Context) -> String {
    let n = ctx.state::<Calls>().unwrap().0.fetch_add(1, Ordering::SeqCst) + 1;
    format!("{tag}: call {n}")
}

#[tokio::test(start_paused = true)]
async fn cached_results_are_served_until_their_ttl_runs_out() {
    for era in eras() {
        let cache = Cache::lists(Duration::from_secs(60)).tool("counted", Duration::from_secs(30));
        let server = Server::new("mw", "1.0.0")
            .middleware(cache.clone())
            .state(Calls::default())
            .tool(counted)
            .tool(add);
        let client = TestClient::with_era(server, era).await.unwrap();
        let call = |tag: &str| client.call_tool("counted", json!({ "tag": tag }));
        assert_eq!(text(&call("a").await.unwrap()), "a: call 1");
        tokio::time::advance(Duration::from_secs(29)).await;
        assert_eq!(text(&call("a").await.unwrap()), "a: call 1", "{era:?}");
        // Other arguments are another entry.
        assert_eq!(text(&call("b").await.unwrap()), "b: call 2", "{era:?}");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(text(&call("a").await.unwrap()), "a: call 3", "{era:?}");
        assert_eq!(text(&call("b").await.unwrap()), "b: call 2", "{era:?}");
        // Other tools are not cached; nor are failures.
        let held = cache.len();
        client.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
        let bad = client.call_tool("counted", json!({})).await;
        assert!(bad.map_or(true, |r| r.is_error == Some(true)), "{era:?}");
        assert_eq!(cache.len(), held, "{era:?}");
        cache.clear();
        assert_eq!(text(&call("a").await.unwrap()), "a: call 4", "{era:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_modern_lists_ttl_hint_shortens_the_cache_and_counts_down() {
    let server = Server::new("mw", "1.0.0")
        .middleware(Cache::lists(Duration::from_secs(600)))
        .cache_hints(10_000, mcp_serve::protocol::types::CacheScope::Private)
        .tool(add);
    let client = TestClient::modern(server).await.unwrap();
    let first = client.request_raw("tools/list", None).await.unwrap();
    assert_eq!(first["ttlMs"], 10_000, "{first}");
    tokio::time::advance(Duration::from_secs(4)).await;
    let cached = client.request_raw("tools/list", None).await.unwrap();
    assert_eq!(cached["ttlMs"], 6_000, "{cached}");
    assert_eq!(cached["tools"], first["tools"]);
    // After the hint's 10 s (not the configured 600 s) it is fetched again.
    tokio::time::advance(Duration::from_secs(6)).await;
    let fresh = client.request_raw("tools/list", None).await.unwrap();
    assert_eq!(fresh["ttlMs"], 10_000, "{fresh}");
}

#[tokio::test]
async fn cached_results_are_never_shared_across_callers_unless_public() {
    let keys = ApiKeys::new()
        .key("k-alice", Principal::new("alice"))
        .key("k-bob", Principal::new("bob"))
        .key("k-alice-admin", Principal::new("alice").with_scopes(["admin"]));
    let (url, stop) = serve_http(
        Server::new("mw", "1.0.0")
            .middleware(Cache::new().tool("counted", Duration::from_secs(600)))
            .state(Calls::default())
            .tool(counted),
        keys,
    )
    .await;
    let mut n = 0;
    for era in eras() {
        let alice = http_client(&url, era, Some("k-alice")).await;
        let bob = http_client(&url, era, Some("k-bob")).await;
        let admin = http_client(&url, era, Some("k-alice-admin")).await;
        // Each caller (and each set of scopes) gets its own computed result,
        // then its own cached one; each era has its own entries.
        for c in [&alice, &bob, &admin] {
            n += 1;
            let first = text(&c.call_tool("counted", json!({"tag": "t"})).await.unwrap());
            assert_eq!(first, format!("t: call {n}"), "{era:?}");
            let again = text(&c.call_tool("counted", json!({"tag": "t"})).await.unwrap());
            assert_eq!(again, first, "{era:?}");
        }
    }
    let _ = stop.send(());

    // A modern result marked public is shared.
    let keys = ApiKeys::new()
        .key("k-alice", Principal::new("alice"))
        .key("k-bob", Principal::new("bob"));
    let (url, stop) = serve_http(
        Server::new("mw", "1.0.0")
            .middleware(Cache::lists(Duration::from_secs(600)))
            .cache_hints(60_000, mcp_serve::protocol::types::CacheScope::Public)
            .middleware(CountLists::default())
            .tool(add),
        keys,
    )
    .await;
    let alice = http_client(&url, Era::Modern, Some("k-alice")).await;
    let bob = http_client(&url, Era::Modern, Some("k-bob")).await;
    let a = alice.request_raw("tools/list", None).await.unwrap();
    let b = bob.request_raw("tools/list", None).await.unwrap();
    assert_eq!(a["cacheScope"], "public");
    assert_eq!(b["tools"], a["tools"]);
    assert_eq!(b["_meta"]["listsServed"], 1, "Bob got Alice's cached list: {b}");
    let _ = stop.send(());
}

/// Numbers the list results the engine makes (inside the cache).
#[derive(Default)]
struct CountLists(AtomicU32);

impl Middleware for CountLists {
    async fn on_list_tools(&self, req: McpRequest, next: Next) -> McpResult {
        let mut out = next.run(req).await?;
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        out["_meta"]["listsServed"] = json!(n);
        Ok(out)
    }
}

/// Fails every call, and says it is idempotent.
#[tool(annotations(idempotent))]
async fn broken(ctx: Context) -> Result<String, McpError> {
    let n = ctx.state::<Calls>().unwrap().0.fetch_add(1, Ordering::SeqCst) + 1;
    Err(McpError::internal(format!(
        "db password hunter2 rejected (call {n})"
    )))
}

#[tokio::test]
async fn internal_errors_are_masked_with_a_correlation_id_in_the_log() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .mask_errors(false)
            .middleware(
                ErrorMasking::new()
                    .message("Something broke on our side")
                    .map_message(-32602, "That request was not valid"),
            )
            .middleware(Refuse)
            .state(Calls::default())
            .tool(broken);
        let client = TestClient::with_era(server, era).await.unwrap();
        let (e, log) = logged(async { client.call_tool("broken", json!({})).await.unwrap_err() }).await;
        let e = rpc(e);
        assert_eq!(e.code, -32603, "{era:?}");
        assert!(
            e.message.starts_with("Something broke on our side (reference "),
            "{e:?}"
        );
        assert!(!e.message.contains("hunter2"), "{e:?}");
        let id = e.data.as_ref().unwrap()["correlationId"]
            .as_str()
            .unwrap()
            .to_owned();
        // The log has the details, under the same id.
        let line = lines(&log, "mcp_serve::errors", &id);
        assert_eq!(line.len(), 1, "{era:?}: {log}");
        assert!(
            line[0].contains("hunter2") && line[0].contains(" ERROR "),
            "{}",
            line[0]
        );

        let e = rpc(client.call_tool("refused", json!({})).await.unwrap_err());
        assert_eq!(
            (e.code, e.message.as_str()),
            (-32602, "That request was not valid")
        );
    }
}

/// Fails its first two calls, then answers.
#[tool(annotations(idempotent))]
async fn flaky(ctx: Context) -> Result<String, ToolError> {
    let n = ctx.state::<Calls>().unwrap().0.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 3 {
        return Err(ToolError::new(format!("upstream unavailable (call {n})")));
    }
    Ok(format!("ok on call {n}"))
}

/// Fails its first call; not idempotent.
#[tool]
async fn charge(ctx: Context) -> Result<String, ToolError> {
    let n = ctx.state::<Calls>().unwrap().0.fetch_add(1, Ordering::SeqCst) + 1;
    if n < 2 {
        return Err(ToolError::new("card declined"));
    }
    Ok("charged".into())
}

#[tokio::test(start_paused = true)]
async fn idempotent_tools_are_retried_with_backoff() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .middleware(Retry::new(4).backoff(Duration::from_millis(100), Duration::from_secs(1)))
            .state(Calls::default())
            .tool(flaky);
        let client = TestClient::with_era(server, era).await.unwrap();
        let started = tokio::time::Instant::now();
        let r = client.call_tool("flaky", json!({})).await.unwrap();
        assert_eq!(text(&r), "ok on call 3", "{era:?}");
        // Waited 100 ms after the first failure, 200 ms after the second.
        assert_eq!(started.elapsed(), Duration::from_millis(300), "{era:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_are_bounded_and_only_for_idempotent_tools() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .mask_errors(false)
            .middleware(Retry::new(3).backoff(Duration::from_secs(1), Duration::from_secs(10)))
            .state(Calls::default())
            .tool(broken);
        let client = TestClient::with_era(server, era).await.unwrap();
        let started = tokio::time::Instant::now();
        let e = rpc(client.call_tool("broken", json!({})).await.unwrap_err());
        // Three attempts, 1 s then 2 s apart: the client sees the last.
        assert!(e.message.contains("(call 3)"), "{era:?}: {e:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(3), "{era:?}");

        // `charge` is not idempotent: its failure is returned at once.
        let server = Server::new("mw", "1.0.0")
            .middleware(Retry::new(3))
            .state(Calls::default())
            .tool(charge);
        let client = TestClient::with_era(server, era).await.unwrap();
        let r = client.call_tool("charge", json!({})).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{era:?}");
        assert_eq!(text(&r), "card declined");
    }

    // Named tools are retried whatever their annotations say; with
    // `only_named`, annotations alone are not enough.
    let server = Server::new("mw", "1.0.0")
        .middleware(Retry::new(2).only_named().tool("charge"))
        .state(Calls::default())
        .tool(charge);
    let client = TestClient::modern(server).await.unwrap();
    assert_eq!(
        text(&client.call_tool("charge", json!({})).await.unwrap()),
        "charged"
    );
    let server = Server::new("mw", "1.0.0")
        .middleware(Retry::new(2).only_named().tool("charge"))
        .state(Calls::default())
        .tool(flaky);
    let client = TestClient::modern(server).await.unwrap();
    let r = client.call_tool("flaky", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true), "only named tools are retried");
    assert_eq!(text(&r), "upstream unavailable (call 1)");
}

/// `n` bytes of text.
#[tool]
fn blob(n: usize) -> String {
    "x".repeat(n)
}

/// A large document.
#[resource("docs://big", mime = "text/plain")]
async fn big() -> String {
    "y".repeat(10_000)
}

#[tokio::test]
async fn results_over_the_size_limit_become_errors_that_say_the_limit() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .middleware(SizeLimit::new(4096))
            .tool(blob)
            .resource(big);
        let client = TestClient::with_era(server, era).await.unwrap();
        let r = client.call_tool("blob", json!({"n": 100})).await.unwrap();
        assert_eq!(text(&r).len(), 100);

        let r = client.call_tool("blob", json!({"n": 5000})).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{era:?}");
        let message = text(&r);
        assert!(message.contains("limit of 4096 bytes"), "{message}");
        assert!(message.contains("the result is 5"), "{message}");

        let e = rpc(client.read_resource("docs://big").await.unwrap_err());
        assert_eq!(e.code, -32603, "{era:?}");
        assert!(e.message.contains("limit of 4096 bytes"), "{e:?}");
    }
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_audit_log_records_who_called_what_with_redacted_arguments() {
    let out = Shared::default();
    let keys = ApiKeys::new().key("k-alice", Principal::new("alice").with_client_id("reporting-app"));
    let (url, stop) = serve_http(
        Server::new("mw", "1.0.0")
            .middleware(Audit::new(JsonLinesAudit::new(out.clone())).redact(["user"]))
            .middleware(Refuse)
            .tool(login)
            .tool(add),
        keys,
    )
    .await;
    for era in eras() {
        let client = http_client(&url, era, Some("k-alice")).await;
        client
            .call_tool(
                "login",
                json!({"user": "ada", "password": "hunter2", "keep": [1]}),
            )
            .await
            .unwrap();
        client.call_tool("refused", json!({"a": 1})).await.unwrap_err();
        client.list_tools().await.unwrap();
    }
    let _ = stop.send(());
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Tool calls only: two per era.
    assert_eq!(records.len(), 4, "{text}");
    assert!(!text.contains("hunter2") && !text.contains("ada"), "{text}");
    for (r, era) in records.iter().zip(["modern", "modern", "legacy", "legacy"]) {
        assert_eq!(r["subject"], "alice", "{r}");
        assert_eq!(r["clientId"], "reporting-app", "{r}");
        assert_eq!(r["clientName"], "mcp-serve-client", "{r}");
        assert_eq!(r["era"], era, "{r}");
        assert!(r["time"].as_str().unwrap().ends_with('Z'), "{r}");
        assert!(r["durationMs"].is_number(), "{r}");
    }
    assert_eq!(records[0]["tool"], "login");
    assert_eq!(
        records[0]["arguments"],
        json!({"user": "[redacted]", "password": "[redacted]", "keep": [1]})
    );
    assert_eq!(records[0]["outcome"], "ok");
    assert_eq!(records[0]["errorCode"], Value::Null);
    assert_eq!(records[1]["tool"], "refused");
    assert_eq!(records[1]["outcome"], "error");
    assert_eq!(records[1]["errorCode"], -32602);
}

#[tokio::test]
async fn any_closure_is_an_audit_sink_and_tool_errors_are_recorded_as_such() {
    let seen: Arc<Mutex<Vec<AuditRecord>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let server = Server::new("mw", "1.0.0")
        .middleware(Audit::new(move |r: &AuditRecord| {
            sink.lock().unwrap().push(r.clone())
        }))
        .state(Calls::default())
        .tool(charge);
    let client = TestClient::legacy(server).await.unwrap();
    client.call_tool("charge", json!({})).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].tool, "charge");
    assert_eq!(seen[0].outcome, "tool_error");
    assert_eq!(seen[0].subject, None);
    assert_eq!(seen[0].era, "legacy");
}
