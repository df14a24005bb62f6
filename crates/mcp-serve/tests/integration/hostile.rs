//! The adversarial corpus: hostile inputs over stdio and Streamable HTTP,
//! each with the error the spec asks for, from `tests/hostile/cases.json`
//! at the repository root (its README says how a case is written).
//!
//! Every case runs on a fresh connection (stdio: an in-process `serve`
//! over duplex pipes; HTTP: `McpService` as a tower service, or a real
//! socket for what only the wire can carry), and afterwards the same
//! connection must still answer a valid request. A case marked `known_bug`
//! is run and listed, but its mismatch does not fail the test: it names a
//! disagreement with the spec that is reported, not yet fixed.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use mcp_serve::prelude::*;
use mcp_serve::transport::http::{HttpOptions, McpService, serve_listener};
use mcp_serve::transport::stdio::{StdioOptions, serve};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::time::timeout;

const CASES: &str = include_str!("../../../../tests/hostile/cases.json");
const LIMIT: Duration = Duration::from_secs(15);
const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Echo a text.
#[tool]
fn echo(text: String) -> String {
    text
}

#[resource("users://{id}/profile", name = "user-profile", mime = "text/plain")]
fn profile(id: u64) -> String {
    format!("user {id}")
}

#[prompt]
fn review(code: String) -> Vec<PromptMessage> {
    vec![PromptMessage::user_text(code)]
}

fn server() -> ServerHandle {
    Server::new("hostile", "1.0.0")
        .tool(add)
        .tool(echo)
        .resource(profile)
        .prompt(review)
        .into_handle()
        .expect("fixture registers")
}

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "hostile", "version": "1"},
    })
}

// ------------------------------------------------------------------ the table

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    transport: Transport,
    /// What the spec says, and where.
    spec: String,
    #[serde(default)]
    era: Era,
    /// The message (stdio: one line, the newline added; HTTP: the body).
    #[serde(default)]
    body: Option<Pieces>,
    /// `http-raw`: the bytes sent on a fresh TCP connection.
    #[serde(default)]
    raw: Option<Pieces>,
    #[serde(default = "post")]
    method: String,
    #[serde(default = "mcp_path")]
    path: String,
    /// Header lines; each name listed replaces the defaults of that name,
    /// a `null` value removes it, and a name listed twice is sent twice.
    #[serde(default)]
    headers: Vec<(String, Option<String>)>,
    /// Modern HTTP: mirror the body into `MCP-Protocol-Version`,
    /// `Mcp-Method` and `Mcp-Name` (what a conforming client sends).
    #[serde(default = "yes")]
    mirror: bool,
    expect: Expect,
    /// A disagreement with the spec, reported: listed, tolerated.
    #[serde(default)]
    known_bug: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Transport {
    Stdio,
    Http,
    HttpRaw,
}

#[derive(Deserialize, Debug, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Era {
    /// 2026-07-28: `$META` in the body is the per-request `_meta`.
    #[default]
    Modern,
    /// 2025-11-25, after `initialize` (HTTP: in its session, `$SESSION`).
    Legacy,
    /// Nothing before the case, no mirrored headers.
    None,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The HTTP status.
    status: Option<u16>,
    /// The JSON-RPC error code of the reply.
    code: Option<i64>,
    /// The reply's id (`null`: null or absent).
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    /// No reply at all (stdio), or no body (HTTP).
    #[serde(default)]
    silent: bool,
    /// A success (a `result`).
    #[serde(default)]
    ok: bool,
    /// A tool execution error: a result with `isError: true`.
    #[serde(default)]
    tool_error: bool,
    /// A response header that must be absent.
    #[serde(default)]
    no_header: Option<String>,
    /// The reply comes within this many milliseconds: a generous bound for
    /// inputs that once cost seconds (never a performance measurement).
    #[serde(default)]
    within_ms: Option<u64>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn post() -> String {
    "POST".into()
}
fn mcp_path() -> String {
    "/mcp".into()
}
fn yes() -> bool {
    true
}

/// Bytes written compactly: a string, or a list of strings,
/// `{"repeat": s, "times": n}` and `{"hex": "ff fe"}`.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum Pieces {
    Text(String),
    List(Vec<Piece>),
}

#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum Piece {
    Text(String),
    Repeat { repeat: String, times: usize },
    Hex { hex: String },
}

impl Pieces {
    fn bytes(&self) -> Vec<u8> {
        let meta = serde_json::to_string(&meta()).unwrap();
        let text = |s: &str| s.replace("$META", &meta).into_bytes();
        match self {
            Pieces::Text(s) => text(s),
            Pieces::List(list) => list
                .iter()
                .flat_map(|p| match p {
                    Piece::Text(s) => text(s),
                    Piece::Repeat { repeat, times } => repeat.repeat(*times).into_bytes(),
                    Piece::Hex { hex } => hex
                        .split_whitespace()
                        .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
                        .collect(),
                })
                .collect(),
        }
    }
}

fn cases() -> Vec<Case> {
    serde_json::from_str(CASES).expect("tests/hostile/cases.json parses")
}

/// A reply as the test saw it.
#[derive(Debug, Default)]
struct Seen {
    status: Option<u16>,
    /// The JSON-RPC message (stdio: the first line out; HTTP: the JSON
    /// body, or the last event of an SSE body).
    message: Option<Value>,
    body_len: usize,
    headers: Vec<String>,
    /// From sending the case to its reply.
    took: Option<Duration>,
}

fn judge(case: &Case, seen: &Seen) -> Result<(), String> {
    let e = &case.expect;
    if let Some(status) = e.status {
        if seen.status != Some(status) {
            return Err(format!("status {:?}, expected {status}", seen.status));
        }
    }
    let msg = seen.message.as_ref();
    if e.silent {
        if let Some(m) = msg {
            return Err(format!("expected no reply, got {m}"));
        }
        if case.transport != Transport::Stdio && seen.body_len != 0 {
            return Err(format!("expected an empty body, got {} bytes", seen.body_len));
        }
    }
    if let Some(code) = e.code {
        let got = msg.and_then(|m| m["error"]["code"].as_i64());
        if got != Some(code) {
            return Err(format!("error code {got:?}, expected {code} (reply: {msg:?})"));
        }
    }
    if let Some(id) = &e.id {
        let got = msg.map(|m| m.get("id").cloned().unwrap_or(Value::Null));
        if got.as_ref() != Some(id) {
            return Err(format!("id {got:?}, expected {id}"));
        }
    }
    if e.ok && msg.is_none_or(|m| m.get("result").is_none()) {
        return Err(format!("expected a result, got {msg:?}"));
    }
    if e.tool_error && msg.is_none_or(|m| m["result"]["isError"] != true) {
        return Err(format!("expected a tool execution error (isError), got {msg:?}"));
    }
    if let (Some(bound), Some(took)) = (e.within_ms, seen.took) {
        if took > Duration::from_millis(bound) {
            return Err(format!("the reply took {took:?}, more than {bound} ms"));
        }
    }
    if let Some(h) = &e.no_header {
        if seen.headers.iter().any(|n| n.eq_ignore_ascii_case(h)) {
            return Err(format!("the response carries {h}"));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------- stdio

struct Pipe {
    to_server: tokio::io::DuplexStream,
    from_server: tokio::io::Lines<BufReader<tokio::io::DuplexStream>>,
}

impl Pipe {
    fn start(handle: &ServerHandle) -> Pipe {
        let (client_w, server_r) = tokio::io::duplex(64 * 1024);
        let (server_w, client_r) = tokio::io::duplex(64 * 1024);
        let handle = handle.clone();
        tokio::spawn(async move { serve(&handle, server_r, server_w, StdioOptions::default()).await });
        Pipe {
            to_server: client_w,
            from_server: BufReader::new(client_r).lines(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut line = bytes.to_vec();
        line.push(b'\n');
        // Written from a task: the server may answer (an over-long line)
        // before it has read all of it.
        let w = &mut self.to_server;
        timeout(LIMIT, async { w.write_all(&line).await.and(w.flush().await) })
            .await
            .map_err(|_| "writing to the server timed out".to_owned())?
            .map_err(|e| format!("write failed: {e}"))
    }

    async fn recv(&mut self, wait: Duration) -> Result<Option<Value>, String> {
        match timeout(wait, self.from_server.next_line()).await {
            Err(_) => Ok(None),
            Ok(Ok(Some(line))) => serde_json::from_str(&line)
                .map(Some)
                .map_err(|e| format!("stdout line is not JSON ({e}): {line:.200}")),
            Ok(Ok(None)) => Err("the server closed stdout".into()),
            Ok(Err(e)) => Err(format!("read error: {e}")),
        }
    }
}

const PROBE_ID: i64 = 424_242;

fn probe() -> Vec<u8> {
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": PROBE_ID, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}, "_meta": meta()}}))
    .unwrap()
}

fn probe_answered(m: &Value) -> bool {
    m["id"] == PROBE_ID && m["result"]["content"][0]["text"] == "5"
}

async fn run_stdio(handle: &ServerHandle, case: &Case) -> Result<(), String> {
    let mut pipe = Pipe::start(handle);
    if case.era == Era::Legacy {
        pipe.send(
            json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
                "protocolVersion": LEGACY, "capabilities": {},
                "clientInfo": {"name": "hostile", "version": "1"}}})
            .to_string()
            .as_bytes(),
        )
        .await?;
        let init = pipe.recv(LIMIT).await?.ok_or("no initialize reply")?;
        if init["result"]["protocolVersion"] != LEGACY {
            return Err(format!("initialize failed: {init}"));
        }
        pipe.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await?;
    }
    let body = case.body.as_ref().ok_or("a stdio case needs a body")?.bytes();
    let sent = tokio::time::Instant::now();
    pipe.send(&body).await?;
    // The probe follows at once: a silent case's only line out answers it.
    // Requests are served concurrently, so the two replies come in any order.
    pipe.send(&probe()).await?;
    let (mut reply, mut took, mut probed) = (None, None, false);
    while !probed || (reply.is_none() && !case.expect.silent) {
        let Some(line) = pipe.recv(LIMIT).await? else {
            if !probed {
                return Err("the connection did not answer a valid request afterwards (hung?)".into());
            }
            break;
        };
        if probe_answered(&line) && !probed {
            probed = true;
        } else if reply.is_none() {
            took = Some(sent.elapsed());
            reply = Some(line);
        } else {
            return Err(format!("a second reply to one line: {line}"));
        }
    }
    judge(
        case,
        &Seen {
            message: reply,
            took,
            ..Default::default()
        },
    )
}

// -------------------------------------------------------------------- HTTP

fn mirrored(body: &[u8]) -> Vec<(String, String)> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return vec![("mcp-protocol-version".into(), MODERN.into())];
    };
    let version = v["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"]
        .as_str()
        .unwrap_or(MODERN);
    let mut out = vec![("mcp-protocol-version".to_owned(), version.to_owned())];
    if let Some(m) = v["method"].as_str() {
        out.push(("mcp-method".into(), m.into()));
    }
    if let Some(n) = v["params"]["name"].as_str().or(v["params"]["uri"].as_str()) {
        out.push(("mcp-name".into(), n.into()));
    }
    out
}

async fn call(service: &mut McpService, req: http::Request<Full<Bytes>>) -> Result<Seen, String> {
    let resp = match tower_service::Service::call(service, req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().keys().map(|k| k.as_str().to_owned()).collect();
    let sse = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let body = timeout(LIMIT, resp.into_body().collect())
        .await
        .map_err(|_| "the response body did not end".to_owned())?
        .unwrap_or_else(|never| match never {})
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    let message = if body.is_empty() {
        None
    } else if sse {
        text.lines()
            .rev()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|m| m.get("id").is_some())
    } else {
        Some(serde_json::from_slice(&body).map_err(|e| format!("body is not JSON ({e}): {text:.200}"))?)
    };
    Ok(Seen {
        status: Some(status),
        message,
        body_len: body.len(),
        headers,
        took: None,
    })
}

fn request(
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<http::Request<Full<Bytes>>, String> {
    let mut b = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        b = b.header(
            name.as_str(),
            http::HeaderValue::from_bytes(value.as_bytes()).map_err(|e| e.to_string())?,
        );
    }
    b.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())
}

fn base_headers() -> Vec<(String, String)> {
    vec![
        ("host".into(), "localhost".into()),
        ("content-type".into(), "application/json".into()),
        ("accept".into(), "application/json, text/event-stream".into()),
    ]
}

async fn open_session(service: &mut McpService) -> Result<String, String> {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "hostile", "version": "1"}}});
    let req = request("POST", "/mcp", &base_headers(), init.to_string().into_bytes())?;
    let resp = match tower_service::Service::call(service, req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let id = resp
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .ok_or("initialize minted no session")?
        .to_owned();
    let _ = resp.into_body().collect().await;
    let mut headers = base_headers();
    headers.push(("mcp-session-id".into(), id.clone()));
    headers.push(("mcp-protocol-version".into(), LEGACY.into()));
    let note = request(
        "POST",
        "/mcp",
        &headers,
        br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec(),
    )?;
    let seen = call(service, note).await?;
    if seen.status != Some(202) {
        return Err(format!("notifications/initialized got {:?}", seen.status));
    }
    Ok(id)
}

async fn run_http(handle: &ServerHandle, case: &Case) -> Result<(), String> {
    let mut service = McpService::new(handle, HttpOptions::default());
    let body = case.body.as_ref().map(Pieces::bytes).unwrap_or_default();
    let mut headers = base_headers();
    match case.era {
        Era::Modern if case.mirror => headers.extend(mirrored(&body)),
        Era::Modern | Era::None => {}
        Era::Legacy => {
            let id = open_session(&mut service).await?;
            headers.push(("mcp-session-id".into(), id));
            headers.push(("mcp-protocol-version".into(), LEGACY.into()));
        }
    }
    let session = headers
        .iter()
        .find(|(n, _)| n == "mcp-session-id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let listed: Vec<String> = case.headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    headers.retain(|(n, _)| !listed.contains(n));
    for (name, value) in &case.headers {
        if let Some(v) = value {
            headers.push((name.to_ascii_lowercase(), v.replace("$SESSION", &session)));
        }
    }
    let path = case.path.replace("$SESSION", &session);
    let seen = call(&mut service, request(&case.method, &path, &headers, body)?).await?;
    judge(case, &seen)?;
    // The same service still serves a valid modern request.
    let mut ok_headers = base_headers();
    ok_headers.extend(mirrored(&probe()));
    let after = call(&mut service, request("POST", "/mcp", &ok_headers, probe())?).await?;
    match &after.message {
        Some(m) if probe_answered(m) => Ok(()),
        other => Err(format!(
            "the service did not answer a valid request afterwards: {other:?}"
        )),
    }
}

/// Raw bytes on a socket: the status line hyper (and the service) answer.
async fn run_raw(addr: std::net::SocketAddr, case: &Case) -> Result<(), String> {
    let bytes = case.raw.as_ref().ok_or("an http-raw case needs raw")?.bytes();
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(&bytes).await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    // The server answers and closes (every raw case asks for
    // `Connection: close`, and refused requests close anyway); a reset
    // after the answer is fine.
    let _ = timeout(LIMIT, stream.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|t| t.get(..3))
        .and_then(|s| s.parse().ok());
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    let message = body
        .find('{')
        .and_then(|i| {
            serde_json::Deserializer::from_str(&body[i..])
                .into_iter::<Value>()
                .next()
        })
        .and_then(Result::ok);
    judge(
        case,
        &Seen {
            status,
            message,
            body_len: body.len(),
            headers: Vec::new(),
            took: None,
        },
    )
}

// ------------------------------------------------------------------- tests

fn report(results: Vec<(&Case, Result<(), String>)>) {
    let mut failures = Vec::new();
    for (case, result) in &results {
        match (result, &case.known_bug) {
            (Ok(()), None) => {}
            (Ok(()), Some(bug)) => eprintln!(
                "known bug no longer seen: {} ({bug}); drop its known_bug",
                case.name
            ),
            (Err(e), Some(bug)) => eprintln!("known bug: {}: {e} [{bug}; spec: {}]", case.name, case.spec),
            (Err(e), None) => failures.push(format!("{}: {e}\n    spec: {}", case.name, case.spec)),
        }
    }
    eprintln!("hostile: {} cases run, {} failed", results.len(), failures.len());
    assert!(
        failures.is_empty(),
        "hostile cases failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_corpus_is_large_and_well_formed() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} hostile cases", cases.len());
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(&c.name), "duplicate case name {}", c.name);
        assert!(!c.spec.is_empty(), "{}: say what the spec requires", c.name);
        let e = &c.expect;
        assert!(
            e.status.is_some() || e.code.is_some() || e.silent || e.ok || e.tool_error,
            "{}: expects nothing",
            c.name
        );
        match c.transport {
            Transport::Stdio => assert!(c.body.is_some() && e.status.is_none(), "{}", c.name),
            Transport::Http => assert!(e.status.is_some(), "{}: HTTP cases expect a status", c.name),
            Transport::HttpRaw => assert!(c.raw.is_some() && e.status.is_some(), "{}", c.name),
        }
    }
    for t in [Transport::Stdio, Transport::Http] {
        assert!(cases.iter().filter(|c| c.transport == t).count() >= 25, "{t:?}");
    }
}

#[tokio::test]
async fn hostile_stdio_inputs_get_spec_errors() {
    let handle = server();
    let cases = cases();
    let mut results = Vec::new();
    for case in cases.iter().filter(|c| c.transport == Transport::Stdio) {
        results.push((case, run_stdio(&handle, case).await));
    }
    report(results);
}

#[tokio::test]
async fn hostile_http_requests_get_spec_errors() {
    let handle = server();
    let cases = cases();
    let mut results = Vec::new();
    for case in cases.iter().filter(|c| c.transport == Transport::Http) {
        results.push((case, run_http(&handle, case).await));
    }
    // What only the wire carries, against a real listener.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = {
        let handle = handle.clone();
        tokio::spawn(async move {
            serve_listener(&handle, listener, HttpOptions::default(), async {
                let _ = stopped.await;
            })
            .await
        })
    };
    for case in cases.iter().filter(|c| c.transport == Transport::HttpRaw) {
        results.push((case, run_raw(addr, case).await));
    }
    let _ = stop.send(());
    let _ = timeout(LIMIT, served).await;
    report(results);
}
