//! Serving the open internet (issue 12, items 1 and 4): input cost is
//! linear and capped, a slow plain `fn` handler stops neither the stdio
//! reader nor other HTTP requests, a panicking handler fails only its own
//! request, and unexpected errors are masked over HTTP (and wherever the
//! server says so).
//!
//! Over stdio the server runs in-process on `tokio::io::duplex` pipes; over
//! HTTP on a loopback listener, with the crate's own client.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_serve::client::{Client, ClientError, ClientOptions};
use mcp_serve::engine::limits::MAX_URI_BYTES;
use mcp_serve::prelude::*;
use mcp_serve::testing::TestClient;
use mcp_serve::tool::{Arguments, CallError, Tool};
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use mcp_serve::transport::stdio::{StdioOptions, serve};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};
use tokio::time::timeout;

/// How long a test waits for an answer before calling it a hang.
const HANG: Duration = Duration::from_secs(20);

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Look a user up by id (the quickstart's template).
#[resource("users://{id}/profile", name = "user-profile")]
fn profile(id: u64) -> Result<String, McpError> {
    match id {
        42 => Ok("Ada".to_owned()),
        _ => Err(McpError::resource_not_found(&format!("users://{id}/profile"))),
    }
}

/// Says which thread it ran on: the blocking pool's.
#[tool]
fn pooled_thread() -> String {
    format!("{:?}", std::thread::current().id())
}

/// Says which thread it ran on: the one that handled the request.
#[tool(inline)]
fn inline_thread() -> String {
    format!("{:?}", std::thread::current().id())
}

/// Holds its call until the test lets it go: a slow plain `fn`.
#[tool]
fn held(gate: State<Gate>) -> &'static str {
    let rx = gate.0.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // A dropped sender (the test ended) lets it go too.
    let _ = rx.recv();
    "released"
}

struct Gate(Mutex<std_mpsc::Receiver<()>>);

/// Panics, with a detail the client must not see when errors are masked.
#[tool]
fn boom() -> String {
    panic!("secret detail: /srv/keys/id_rsa")
}

/// Panics from async code.
#[tool]
async fn boom_async() -> String {
    tokio::task::yield_now().await;
    panic!("secret detail: /srv/keys/async")
}

/// Fails with `?` on a parse error: an unexpected error.
#[tool]
fn parse_number(text: String) -> Result<i64, ToolError> {
    Ok(text.parse::<i64>()?)
}

/// Fails on purpose, with a message for the model.
#[tool]
fn picky() -> Result<String, ToolError> {
    Err(ToolError::new("pick a number between 1 and 10"))
}

/// A resource whose failure carries internals.
#[resource("db://{table}")]
fn db_table(table: String) -> Result<String, McpError> {
    match table.as_str() {
        "missing" => Err(McpError::invalid_params(
            "table: no such table; see resources/list",
        )),
        _ => Err(McpError::internal(
            "connect postgres://admin:hunter2@10.0.0.5 failed",
        )),
    }
}

/// Panics while building a prompt.
#[prompt]
fn boom_prompt() -> String {
    panic!("secret detail: prompt")
}

/// A tool whose closure panics before it returns a future.
fn early_panic() -> Tool {
    Tool::new("boom_early").raw_handler(
        |_args: Arguments, _cx: Context| -> std::future::Ready<Result<CallToolResult, CallError>> {
            panic!("secret detail: early")
        },
    )
}

/// Everything the tests call; the sender opens `held`'s gate.
fn server() -> (Server, std_mpsc::Sender<()>) {
    let (open, gate) = std_mpsc::channel();
    let server = Server::new("hardening", "1.0.0")
        .state(Gate(Mutex::new(gate)))
        .tool(add)
        .tool(pooled_thread)
        .tool(inline_thread)
        .tool(held)
        .tool(boom)
        .tool(boom_async)
        .tool(early_panic())
        .tool(parse_number)
        .tool(picky)
        .resource(profile)
        .resource(db_table)
        .prompt(boom_prompt);
    (server, open)
}

/// Opens the gate after [`HANG`] whatever happens: on a server whose reader
/// runs `held` itself, the test then fails instead of hanging (its runtime's
/// only thread would be stuck in `held`, timers and all).
fn open_eventually(open: &std_mpsc::Sender<()>) {
    let open = open.clone();
    std::thread::spawn(move || {
        std::thread::sleep(HANG);
        let _ = open.send(());
    });
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// A stdio server on in-memory pipes.
struct Pipe {
    to_server: DuplexStream,
    from_server: Lines<BufReader<DuplexStream>>,
}

impl Pipe {
    fn start(server: Server) -> Pipe {
        let (client_w, server_r) = tokio::io::duplex(64 * 1024);
        let (server_w, client_r) = tokio::io::duplex(64 * 1024);
        let handle = server.into_handle().expect("fixture registers");
        tokio::spawn(async move { serve(&handle, server_r, server_w, StdioOptions::default()).await });
        Pipe {
            to_server: client_w,
            from_server: BufReader::new(client_r).lines(),
        }
    }

    /// Sends a modern request.
    async fn send(&mut self, id: i64, method: &str, mut params: Value) {
        params["_meta"] = meta();
        let mut line = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string();
        line.push('\n');
        timeout(HANG, self.to_server.write_all(line.as_bytes()))
            .await
            .expect("the server reads its input")
            .expect("write");
    }

    /// The next message the server sends.
    async fn next(&mut self) -> Value {
        let line = timeout(HANG, self.from_server.next_line())
            .await
            .expect("the server answers in time")
            .expect("read")
            .expect("the server is still running");
        serde_json::from_str(&line).expect("JSON")
    }

    async fn call(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(id, method, params).await;
        let answer = self.next().await;
        assert_eq!(answer["id"], id, "{answer}");
        answer
    }

    async fn assert_alive(&mut self, id: i64) {
        let r = self
            .call(
                id,
                "tools/call",
                json!({ "name": "add", "arguments": { "a": 2, "b": 3 } }),
            )
            .await;
        assert_eq!(r["result"]["content"][0]["text"], "5", "{r}");
    }
}

#[tokio::test]
async fn a_200k_uri_is_refused_in_milliseconds_over_stdio() {
    let (server, _open) = server();
    let mut pipe = Pipe::start(server);
    // Took 77 s before matching was linear and URIs were capped.
    let uri = format!("users://{}/profile", "1".repeat(200_000));
    let started = Instant::now();
    let r = pipe.call(1, "resources/read", json!({ "uri": uri })).await;
    let elapsed = started.elapsed();
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert_eq!(
        r["error"]["data"],
        json!({ "field": "uri", "limit": MAX_URI_BYTES })
    );
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("uri: {} bytes", uri.len())),
        "{message}"
    );
    assert!(
        message.contains(&format!("at most {MAX_URI_BYTES} bytes")),
        "{message}"
    );
    eprintln!("{}-byte URI refused in {elapsed:?}", uri.len());
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    let r = pipe
        .call(2, "resources/read", json!({ "uri": "users://42/profile" }))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "Ada", "{r}");
    pipe.assert_alive(3).await;
}

#[tokio::test]
async fn a_long_uri_within_the_cap_is_matched_in_linear_time() {
    let (server, _open) = server();
    let mut pipe = Pipe::start(server);
    let room = MAX_URI_BYTES - "users:///profile/".len();
    // Matches the template with a value that is not a number: not found.
    let long = format!("users://{}/profile", "9a".repeat(room / 2));
    // Does not match it: a `/` in the value, then a literal that fails late.
    let slashes = format!("users://{}/profile", "a/".repeat(room / 2));
    let digits = format!("users://{}/profile", "9".repeat(room));
    let started = Instant::now();
    for (id, uri) in [(1, &long), (2, &slashes), (3, &digits)] {
        assert!(uri.len() <= MAX_URI_BYTES);
        let r = pipe.call(id, "resources/read", json!({ "uri": uri })).await;
        // 2026-07-28 reports a missing resource as invalid params, naming the URI.
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert_eq!(
            r["error"]["data"]["uri"],
            json!(uri),
            "not found, not refused: {r}"
        );
    }
    let elapsed = started.elapsed();
    eprintln!("three {MAX_URI_BYTES}-byte URIs matched in {elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    pipe.assert_alive(4).await;
}

// On one thread, as `Server::run` serves stdio.
#[tokio::test]
async fn a_slow_plain_fn_tool_does_not_stop_the_stdio_reader() {
    let (server, open) = server();
    open_eventually(&open);
    let mut pipe = Pipe::start(server);
    pipe.send(1, "tools/call", json!({ "name": "held", "arguments": {} }))
        .await;
    // Read and answered while `held` still holds its call.
    pipe.assert_alive(2).await;
    let r = pipe
        .call(3, "resources/read", json!({ "uri": "users://42/profile" }))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "Ada", "{r}");
    open.send(()).expect("held is waiting");
    let r = pipe.next().await;
    assert_eq!(r["id"], 1, "{r}");
    assert_eq!(r["result"]["content"][0]["text"], "released", "{r}");
}

#[tokio::test]
async fn plain_fns_run_on_the_blocking_pool_unless_inline() {
    let (server, _open) = server();
    let mut pipe = Pipe::start(server);
    // The runtime of a `#[tokio::test]` runs on the test's own thread.
    let here = format!("{:?}", std::thread::current().id());
    let r = pipe
        .call(1, "tools/call", json!({ "name": "inline_thread" }))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], json!(here), "{r}");
    let r = pipe
        .call(2, "tools/call", json!({ "name": "pooled_thread" }))
        .await;
    let pooled = r["result"]["content"][0]["text"].as_str().expect("a thread id");
    assert_ne!(pooled, here, "{r}");
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_own_request_over_stdio() {
    let (server, _open) = server();
    let mut pipe = Pipe::start(server);
    let mut id = 0;
    for (method, params) in [
        ("tools/call", json!({ "name": "boom", "arguments": {} })),
        ("tools/call", json!({ "name": "boom_async", "arguments": {} })),
        ("tools/call", json!({ "name": "boom_early", "arguments": {} })),
        ("prompts/get", json!({ "name": "boom_prompt" })),
    ] {
        id += 2;
        let r = pipe.call(id, method, params.clone()).await;
        assert_eq!(r["error"]["code"], -32603, "{params}: {r}");
        // Not masked over stdio by default: the one client runs the server.
        let message = r["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("panicked: secret detail"), "{message}");
        pipe.assert_alive(id + 1).await;
    }
}

#[tokio::test]
async fn a_masked_panic_over_stdio_says_only_where_to_look() {
    let (server, _open) = server();
    let mut pipe = Pipe::start(server.mask_errors(true));
    let r = pipe
        .call(1, "tools/call", json!({ "name": "boom", "arguments": {} }))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("secret"), "{message}");
    assert!(message.contains("server's log (request 1)"), "{message}");
    pipe.assert_alive(2).await;
}

#[tokio::test]
async fn an_unmasked_panic_says_what_panicked() {
    let (server, _open) = server();
    let http = Http::start(server.mask_errors(false)).await;
    let e = rpc_error(http.client().await.call_tool("boom", json!({})).await);
    assert_eq!(e.code, -32603);
    assert!(
        e.message
            .contains("tools/call boom panicked: secret detail: /srv/keys/id_rsa"),
        "{}",
        e.message
    );
}

/// A server on a loopback port, stopped when dropped.
struct Http {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Http {
    async fn start(server: Server) -> Http {
        let handle = server.into_handle().expect("fixture registers");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve_listener(&handle, listener, HttpOptions::default(), async {
                let _ = stopped.await;
            })
            .await;
        });
        Http { url, _stop: stop }
    }

    async fn client(&self) -> Client {
        Client::connect_http(&self.url, ClientOptions::default())
            .await
            .expect("connects")
    }
}

fn rpc_error(r: Result<CallToolResult, ClientError>) -> mcp_serve::protocol::jsonrpc::ErrorObject {
    match r {
        Err(ClientError::Rpc(e)) => e,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

// On one thread: a handler holding it would hold every connection.
#[tokio::test]
async fn a_slow_plain_fn_tool_does_not_stop_other_http_requests() {
    let (server, open) = server();
    open_eventually(&open);
    let http = Http::start(server).await;
    let client = http.client().await;
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.call_tool("held", json!({})).await }
    });
    for i in 0..4 {
        let r = timeout(HANG, client.call_tool("add", json!({ "a": i, "b": 1 })))
            .await
            .expect("answered while `held` holds its call")
            .expect("add");
        assert_eq!(r.content[0].as_text(), Some(&*format!("{}", i + 1)));
    }
    assert!(!pending.is_finished());
    open.send(()).expect("held is waiting");
    let r = timeout(HANG, pending)
        .await
        .expect("held answers")
        .expect("task")
        .expect("held");
    assert_eq!(r.content[0].as_text(), Some("released"));
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_own_request_over_http() {
    let (server, _open) = server();
    let http = Http::start(server).await;
    let client = http.client().await;
    for tool in ["boom", "boom_async", "boom_early"] {
        let e = rpc_error(client.call_tool(tool, json!({})).await);
        assert_eq!(e.code, -32603, "{tool}: {e:?}");
        // Masked over HTTP by default.
        assert!(!e.message.contains("secret"), "{tool}: {}", e.message);
        assert!(e.message.contains("server's log"), "{tool}: {}", e.message);
        let r = client
            .call_tool("add", json!({ "a": 1, "b": 1 }))
            .await
            .expect("add");
        assert_eq!(r.content[0].as_text(), Some("2"));
    }
}

/// Everything logged while `f` runs on this thread.
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
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    drop(guard);
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (out, text)
}

/// What `parse_number`, `picky` and the `db://` resource say to `client`:
/// checked the same way masked or not.
async fn assert_errors(client: &Client, masked: bool) -> String {
    let r = client
        .call_tool("parse_number", json!({ "text": "twelve" }))
        .await
        .expect("a tool result");
    assert_eq!(r.is_error, Some(true));
    let text = r.content[0].as_text().unwrap_or_default().to_owned();
    if masked {
        assert!(!text.contains("invalid digit"), "{text}");
        assert!(
            text.contains("internal error") && text.contains("server's log"),
            "{text}"
        );
    } else {
        assert_eq!(text, "invalid digit found in string");
    }

    // Written for the model: sent as is.
    let r = client.call_tool("picky", json!({})).await.expect("a tool result");
    assert_eq!(r.content[0].as_text(), Some("pick a number between 1 and 10"));

    // A resource's internal error is masked; its other errors are not.
    let e = match client.read_resource("db://users").await {
        Err(ClientError::Rpc(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(e.code, -32603);
    assert_eq!(!e.message.contains("hunter2"), masked, "{}", e.message);
    let e = match client.read_resource("db://missing").await {
        Err(ClientError::Rpc(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert_eq!(e.code, -32602);
    assert!(
        e.message.ends_with("table: no such table; see resources/list"),
        "{}",
        e.message
    );

    let r = client
        .call_tool("parse_number", json!({ "text": "12" }))
        .await
        .expect("a result");
    assert_eq!(r.content[0].as_text(), Some("12"));
    text
}

#[tokio::test]
async fn unexpected_errors_are_masked_over_http_by_default_and_logged_in_full() {
    let (server, _open) = server();
    let http = Http::start(server).await;
    let client = http.client().await;
    let (text, log) = logged(assert_errors(&client, true)).await;
    assert!(log.contains("invalid digit found in string"), "{log}");
    assert!(log.contains("parse_number"), "{log}");
    assert!(log.contains("hunter2"), "{log}");
    // The id the client saw is the one in the log.
    let id = text
        .split("(request ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .expect("an id");
    assert!(log.contains(&format!("id={id}")), "{id} in {log}");
}

#[tokio::test]
async fn mask_errors_false_sends_them_over_http() {
    let (server, _open) = server();
    let http = Http::start(server.mask_errors(false)).await;
    let (_, log) = logged(assert_errors(&http.client().await, false)).await;
    // Logged all the same.
    assert!(log.contains("invalid digit found in string"), "{log}");
}

#[tokio::test]
async fn in_memory_errors_are_sent_by_default_and_masked_when_asked() {
    let (server, _open) = server();
    let client = TestClient::modern(server).await.expect("connects");
    assert_errors(&client, false).await;
    let (server, _open) = self::server();
    let client = TestClient::modern(server.mask_errors(true))
        .await
        .expect("connects");
    assert_errors(&client, true).await;
}
