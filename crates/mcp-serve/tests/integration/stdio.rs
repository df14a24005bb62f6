//! The stdio transport, in-process over `tokio::io::duplex` pipes, and the
//! quickstart example as a real child process.
//!
//! Every bad-input test checks that the same connection still answers a
//! valid request afterwards.

use std::collections::HashSet;
use std::time::Duration;

use mcp_serve::prelude::*;
use mcp_serve::tool::Tool;
use mcp_serve::transport::TransportError;
use mcp_serve::transport::stdio::{StdioOptions, serve};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines};
use tokio::task::JoinHandle;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(15);

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct SlowArgs {
    ms: u64,
}

fn server() -> Server {
    Server::new("stdio-test", "1.0.0")
        .tool(add)
        .tool(
            Tool::new("slow").handler(|a: SlowArgs, _ctx: Context| async move {
                tokio::time::sleep(Duration::from_millis(a.ms)).await;
                format!("slept {}", a.ms)
            }),
        )
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

struct Pipe {
    to_server: Option<DuplexStream>,
    from_server: Lines<BufReader<DuplexStream>>,
    task: JoinHandle<Result<(), TransportError>>,
    next_id: i64,
}

impl Pipe {
    fn start() -> Pipe {
        Self::with_options(StdioOptions::default())
    }

    fn with_options(options: StdioOptions) -> Pipe {
        let (client_w, server_r) = tokio::io::duplex(64 * 1024);
        let (server_w, client_r) = tokio::io::duplex(64 * 1024);
        let handle = server().into_handle().expect("fixture registers");
        let task = tokio::spawn(async move { serve(&handle, server_r, server_w, options).await });
        Pipe {
            to_server: Some(client_w),
            from_server: BufReader::new(client_r).lines(),
            task,
            next_id: 1000,
        }
    }

    async fn write_raw(&mut self, bytes: &[u8]) {
        let w = self.to_server.as_mut().expect("stdin open");
        timeout(LIMIT, async {
            w.write_all(bytes).await.unwrap();
            w.flush().await.unwrap();
        })
        .await
        .expect("writing to the server timed out");
    }

    async fn send_line(&mut self, line: &[u8]) {
        let mut b = line.to_vec();
        b.push(b'\n');
        self.write_raw(&b).await;
    }

    async fn send(&mut self, v: &Value) {
        self.send_line(&serde_json::to_vec(v).unwrap()).await;
    }

    async fn recv(&mut self) -> Value {
        let line = timeout(LIMIT, self.from_server.next_line())
            .await
            .expect("no line from the server in time")
            .expect("read error")
            .expect("the server closed stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"))
    }

    /// Sends a valid modern ping and checks that the next line answers it.
    async fn assert_alive(&mut self) {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                          "params": {"name": "add", "arguments": {"a": id, "b": 1}, "_meta": meta()}}))
            .await;
        let resp = self.recv().await;
        assert_eq!(
            resp["id"], id,
            "connection did not answer the follow-up request: {resp}"
        );
        let text = resp["result"]["content"][0]["text"].as_str().unwrap_or_default();
        assert_eq!(text, (id + 1).to_string(), "{resp}");
    }

    /// Closes stdin and waits for `serve` to return.
    async fn finish(mut self) -> Vec<Value> {
        drop(self.to_server.take());
        let mut rest = Vec::new();
        while let Some(line) = timeout(LIMIT, self.from_server.next_line())
            .await
            .expect("stdout not closed after EOF")
            .expect("read error")
        {
            rest.push(serde_json::from_str(&line).unwrap());
        }
        timeout(LIMIT, self.task)
            .await
            .expect("serve did not return after EOF")
            .expect("serve panicked")
            .expect("serve failed");
        rest
    }
}

fn code(resp: &Value) -> i64 {
    resp["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected an error response, got {resp}"))
}

// ---------------------------------------------------------------- happy path

#[tokio::test]
async fn serves_both_eras_and_exits_on_eof() {
    let mut p = Pipe::start();
    p.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta()}}))
        .await;
    let r = p.recv().await;
    assert_eq!(r["result"]["supportedVersions"], json!(["2026-07-28"]));
    p.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}))
        .await;
    let r = p.recv().await;
    assert_eq!(r["id"], 2);
    assert_eq!(r["result"]["protocolVersion"], "2025-11-25");
    // A notification gets no line.
    p.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    p.send(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}))
        .await;
    let r = p.recv().await;
    assert_eq!(r["id"], 3, "{r}");
    assert_eq!(r["result"]["tools"][0]["name"], "add");
    p.assert_alive().await;
    let rest = p.finish().await;
    assert!(rest.is_empty(), "unexpected output: {rest:?}");
}

#[tokio::test]
async fn in_flight_calls_finish_after_eof() {
    let mut p = Pipe::start();
    p.send(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                   "params": {"name": "slow", "arguments": {"ms": 200}, "_meta": meta()}}))
        .await;
    let rest = p.finish().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["id"], 9);
    assert_eq!(rest[0]["result"]["content"][0]["text"], "slept 200");
}

#[tokio::test]
async fn eof_ends_subscription_streams_at_once() {
    // With an hour of grace for in-flight calls, only ending the stream
    // promptly lets `finish` (bounded by LIMIT) return.
    let mut p = Pipe::with_options(StdioOptions {
        shutdown_grace: Duration::from_secs(3600),
        ..StdioOptions::default()
    });
    p.send(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
                   "params": {"notifications": {"toolsListChanged": true}, "_meta": meta()}}),
    )
    .await;
    let ack = p.recv().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged", "{ack}");
    let rest = p.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
}

#[tokio::test]
async fn a_null_id_is_refused_not_taken_for_a_notification() {
    let mut p = Pipe::start();
    p.send_line(br#"{"jsonrpc":"2.0","id":null,"method":"tools/list","params":{}}"#)
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32600, "{r}");
    assert!(r.get("id").is_none_or(Value::is_null), "{r}");
    p.assert_alive().await;
}

#[tokio::test]
async fn a_readable_id_is_kept_when_the_envelope_is_wrong() {
    let mut p = Pipe::start();
    p.send_line(br#"{"jsonrpc":"2.0","id":7,"method":5}"#).await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32600, "{r}");
    assert_eq!(r["id"], 7, "{r}");
    p.assert_alive().await;
}

#[tokio::test]
async fn responses_are_never_answered() {
    let mut p = Pipe::start();
    for line in [
        &br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#[..],
        br#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"y"}}"#,
        br#"{"jsonrpc":"2.0","id":"nobody-asked","result":null}"#,
    ] {
        p.send_line(line).await;
    }
    // The next line out answers this request: nothing was said to the responses.
    p.assert_alive().await;
}

#[tokio::test]
async fn last_line_without_newline_is_served() {
    let mut p = Pipe::start();
    p.write_raw(
        &serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {"_meta": meta()}}),
        )
        .unwrap(),
    )
    .await;
    let rest = p.finish().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["id"], 4);
    assert!(rest[0]["result"].is_object());
}

// ---------------------------------------------------------------- bad input

#[tokio::test]
async fn not_json_is_parse_error_with_null_id() {
    let mut p = Pipe::start();
    p.send_line(b"this is not json {").await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32700);
    assert_eq!(r["id"], Value::Null);
    assert_eq!(r["jsonrpc"], "2.0");
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn json_without_method_is_invalid_request() {
    let mut p = Pipe::start();
    p.send_line(br#"{"jsonrpc":"2.0","id":1}"#).await;
    assert_eq!(code(&p.recv().await), -32600);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn wrong_jsonrpc_version_is_invalid_request() {
    let mut p = Pipe::start();
    p.send_line(br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#).await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32600);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn object_id_is_invalid_request() {
    let mut p = Pipe::start();
    p.send_line(br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#)
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32600);
    assert_eq!(r["id"], Value::Null);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn empty_array_is_invalid_request() {
    let mut p = Pipe::start();
    p.send_line(b"[]").await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32600);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn json_scalars_are_invalid_request() {
    let mut p = Pipe::start();
    for line in [&b"42"[..], b"\"ping\"", b"null", b"true"] {
        p.send_line(line).await;
        let r = p.recv().await;
        assert_eq!(code(&r), -32600, "{}", String::from_utf8_lossy(line));
    }
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn unknown_method_is_method_not_found() {
    let mut p = Pipe::start();
    p.send(&json!({"jsonrpc": "2.0", "id": 5, "method": "does/not/exist", "params": {"_meta": meta()}}))
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32601);
    assert_eq!(r["id"], 5);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn wrong_parameter_types_are_invalid_params_naming_the_field() {
    let mut p = Pipe::start();
    p.send(&json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                   "params": {"name": 5, "arguments": {}, "_meta": meta()}}))
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32602);
    assert!(r["error"]["message"].as_str().unwrap().contains("name"), "{r}");
    p.send(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                   "params": {"name": "add", "arguments": [], "_meta": meta()}}))
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32602);
    assert!(
        r["error"]["message"].as_str().unwrap().contains("arguments"),
        "{r}"
    );
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn request_before_initialize_is_an_error() {
    let mut p = Pipe::start();
    p.send(&json!({"jsonrpc": "2.0", "id": 8, "method": "tools/list"}))
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32602);
    assert_eq!(r["id"], 8);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn second_initialize_is_an_error() {
    let mut p = Pipe::start();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    p.send(&init).await;
    assert!(p.recv().await["result"].is_object());
    p.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    p.send(&init).await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32600);
    // The legacy session still works, and so does a modern request.
    p.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    assert!(p.recv().await["result"]["tools"].is_array());
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn modern_request_without_required_meta_is_an_error() {
    let mut p = Pipe::start();
    // Version but no capabilities.
    p.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                   "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}}))
        .await;
    assert_eq!(code(&p.recv().await), -32602);
    // Unsupported version.
    p.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list",
                   "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2030-01-01",
                                        "io.modelcontextprotocol/clientCapabilities": {}}}}))
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32022);
    assert_eq!(r["error"]["data"]["requested"], "2030-01-01");
    // No _meta at all.
    p.send(&json!({"jsonrpc": "2.0", "id": 3, "method": "server/discover", "params": {}}))
        .await;
    assert!(p.recv().await.get("error").is_some());
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn five_megabyte_line_is_an_error_and_skipped() {
    let mut p = Pipe::start();
    // A syntactically valid request whose string argument makes the line 5 MB.
    let big = "x".repeat(5 * 1024 * 1024);
    let line = format!(
        r#"{{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{{"name":"add","arguments":{{"a":"{big}","b":1}},"_meta":{}}}}}"#,
        meta()
    );
    assert!(line.len() > 4 * 1024 * 1024);
    // Write and read concurrently: the server may answer before the line ends.
    let w = p.to_server.take().unwrap();
    let writer = tokio::spawn(async move {
        let mut w = w;
        w.write_all(line.as_bytes()).await.unwrap();
        w.write_all(b"\n").await.unwrap();
        w.flush().await.unwrap();
        w
    });
    let r = p.recv().await;
    assert!(r.get("error").is_some(), "{r}");
    assert_eq!(code(&r), -32600);
    assert!(r["error"]["message"].as_str().unwrap().contains("longer"), "{r}");
    p.to_server = Some(timeout(LIMIT, writer).await.unwrap().unwrap());
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn small_limit_is_respected() {
    let mut p = Pipe::with_options(StdioOptions {
        max_message_bytes: 512,
        ..Default::default()
    });
    let pad = "y".repeat(1000);
    p.send(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta(), "pad": pad}}),
    )
    .await;
    assert_eq!(code(&p.recv().await), -32600);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut p = Pipe::start();
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let line = format!(
        r#"{{"jsonrpc":"2.0","id":55,"method":"tools/call","params":{{"name":"add","arguments":{{"a":{nested},"b":1}},"_meta":{}}}}}"#,
        meta()
    );
    p.send_line(line.as_bytes()).await;
    let r = p.recv().await;
    assert!(r.get("error").is_some() || r["result"]["isError"] == true, "{r}");
    // Nesting inside params at top level too.
    let line = format!(r#"{{"jsonrpc":"2.0","id":56,"method":"ping","params":{{"x":{nested}}}}}"#);
    p.send_line(line.as_bytes()).await;
    let r = p.recv().await;
    assert!(r.get("error").is_some(), "{r}");
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn invalid_utf8_is_parse_error() {
    let mut p = Pipe::start();
    p.send_line(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}")
        .await;
    let r = p.recv().await;
    assert_eq!(code(&r), -32700);
    assert_eq!(r["id"], Value::Null);
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn empty_lines_are_ignored() {
    let mut p = Pipe::start();
    p.write_raw(b"\n\n   \n\t\n\r\n").await;
    // The next line out answers the next request: nothing was said about the blanks.
    p.assert_alive().await;
    let rest = p.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
}

#[tokio::test]
async fn crlf_line_endings_are_accepted() {
    let mut p = Pipe::start();
    let mut line = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 31, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 30, "b": 1}, "_meta": meta()}}))
    .unwrap();
    line.extend_from_slice(b"\r\n");
    p.write_raw(&line).await;
    let r = p.recv().await;
    assert_eq!(r["id"], 31);
    assert_eq!(r["result"]["content"][0]["text"], "31");
    p.assert_alive().await;
    p.finish().await;
}

#[tokio::test]
async fn flood_of_2000_requests_each_answered_once() {
    const N: i64 = 2000;
    let mut p = Pipe::start();
    let mut w = p.to_server.take().unwrap();
    let writer = tokio::spawn(async move {
        for id in 0..N {
            // Mix immediate (ping) and handler (tools/call) replies.
            let msg = if id % 2 == 0 {
                json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": {"_meta": meta()}})
            } else {
                json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                       "params": {"name": "add", "arguments": {"a": id, "b": 0}, "_meta": meta()}})
            };
            let mut b = serde_json::to_vec(&msg).unwrap();
            b.push(b'\n');
            w.write_all(&b).await.unwrap();
        }
        w.flush().await.unwrap();
        w
    });
    let mut seen = HashSet::new();
    for _ in 0..N {
        let r = p.recv().await;
        let id = r["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("response without id: {r}"));
        assert!(r.get("result").is_some(), "{r}");
        if id % 2 == 1 {
            assert_eq!(r["result"]["content"][0]["text"], id.to_string());
        }
        assert!(seen.insert(id), "id {id} answered twice");
    }
    assert_eq!(seen.len() as i64, N);
    assert!((0..N).all(|i| seen.contains(&i)));
    p.to_server = Some(timeout(LIMIT, writer).await.unwrap().unwrap());
    p.assert_alive().await;
    let rest = p.finish().await;
    assert!(rest.is_empty(), "extra responses: {}", rest.len());
}

// ---------------------------------------------------------------- the quickstart binary

pub(super) fn example_path(name: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target
        .join("debug")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The quickstart example's binary, built (once per run) from the current
/// sources: `cargo test --test integration` alone does not build examples,
/// and a binary left by an earlier build would test old code.
pub(super) async fn quickstart() -> std::path::PathBuf {
    example("quickstart").await
}

/// An example's binary (those the tests run are built together, once per run).
pub(super) async fn example(name: &str) -> std::path::PathBuf {
    use std::process::Stdio;

    static BUILT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    BUILT
        .get_or_init(|| async {
            let status = timeout(
                Duration::from_secs(900),
                tokio::process::Command::new(env!("CARGO"))
                    .args(["build", "-p", "mcp-serve"])
                    .args([
                        "--example",
                        "quickstart",
                        "--example",
                        "auth_jwt",
                        "--example",
                        "auth_api_key",
                    ])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::inherit())
                    .status(),
            )
            .await
            .expect("building the quickstart example timed out")
            .expect("cargo could not run");
            assert!(status.success(), "building the examples failed");
        })
        .await;
    let bin = example_path(name);
    assert!(bin.exists(), "no {name} binary at {}", bin.display());
    bin
}

#[tokio::test]
async fn quickstart_binary_speaks_only_json_rpc_and_exits_cleanly_on_eof() {
    use std::process::Stdio;

    let bin = quickstart().await;
    let mut child = tokio::process::Command::new(&bin)
        .env_remove("MCP_SERVE_HTTP")
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("quickstart starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();

    let input = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": "users://2/profile"}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "server/discover", "params": {"_meta": meta()}}),
    ];
    let mut bytes = Vec::new();
    for m in &input {
        bytes.extend(serde_json::to_vec(m).unwrap());
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(b"not json\n");
    timeout(LIMIT, stdin.write_all(&bytes)).await.unwrap().unwrap();
    timeout(LIMIT, stdin.flush()).await.unwrap().unwrap();

    // Read the six answers before closing stdin.
    let mut lines = Vec::new();
    while lines.len() < 6 {
        let line = timeout(LIMIT, stdout.next_line())
            .await
            .expect("quickstart did not answer")
            .unwrap()
            .expect("quickstart closed stdout early");
        lines.push(line);
    }
    drop(stdin);
    let closed_at = std::time::Instant::now();
    let status = timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("quickstart did not exit within 5 s of EOF")
        .unwrap();
    assert!(closed_at.elapsed() < Duration::from_secs(5));
    assert!(status.success(), "quickstart exited with {status}");
    while let Some(line) = timeout(LIMIT, stdout.next_line()).await.unwrap().unwrap() {
        lines.push(line);
    }

    let mut ids = Vec::new();
    for line in &lines {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line:?}"));
        assert_eq!(v["jsonrpc"], "2.0", "{line}");
        assert!(
            v.get("result").is_some() ^ v.get("error").is_some() || v.get("method").is_some(),
            "{line}"
        );
        ids.push(v["id"].clone());
        match v["id"].as_i64() {
            Some(1) => assert_eq!(v["result"]["serverInfo"]["name"], "quickstart"),
            Some(3) => assert_eq!(v["result"]["content"][0]["text"], "5"),
            Some(4) => assert!(
                v["result"]["contents"][0]["text"]
                    .as_str()
                    .unwrap()
                    .contains("Alan Turing"),
                "{line}"
            ),
            Some(5) => assert_eq!(v["result"]["resultType"], "complete"),
            _ => {}
        }
    }
    for id in 1..=5 {
        assert!(ids.contains(&json!(id)), "no answer to {id}: {lines:?}");
    }
    // The bad line got its parse error.
    assert!(lines.iter().any(|l| l.contains("-32700")), "{lines:?}");
    assert_eq!(lines.len(), 6, "{lines:?}");
}

#[tokio::test]
async fn quick_calls_overtake_slow_ones_within_the_in_flight_limit() {
    let mut p = Pipe::with_options(StdioOptions {
        max_in_flight: 2,
        ..StdioOptions::default()
    });
    // Two slow calls fill the limit; the quick call waits for a slot; the
    // ping (no handler) is answered at once.
    for (id, ms) in [(1, 300), (2, 150)] {
        p.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                       "params": {"name": "slow", "arguments": {"ms": ms}, "_meta": meta()}}))
            .await;
    }
    p.send(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                   "params": {"name": "add", "arguments": {"a": 1, "b": 2}, "_meta": meta()}}))
        .await;
    p.send(&json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
        .await;
    let mut order = Vec::new();
    for _ in 0..4 {
        order.push(p.recv().await["id"].as_i64().unwrap());
    }
    assert_eq!(order[0], 4, "{order:?}");
    // The quick call runs in the slot the 150 ms call frees, before the 300 ms one ends.
    assert_eq!(&order[1..], &[2, 3, 1], "{order:?}");

    // With a free slot, a quick call is answered while a slow one runs.
    p.send(&json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                   "params": {"name": "slow", "arguments": {"ms": 300}, "_meta": meta()}}))
        .await;
    p.send(&json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                   "params": {"name": "add", "arguments": {"a": 2, "b": 2}, "_meta": meta()}}))
        .await;
    let first = p.recv().await;
    assert_eq!(first["id"], 6, "{first}");
    assert_eq!(first["result"]["content"][0]["text"], "4");
    let rest = p.finish().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["id"], 5);
}
