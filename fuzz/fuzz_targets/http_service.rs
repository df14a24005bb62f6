//! The HTTP front (`McpService` as a tower service) on arbitrary requests:
//! a few requests in a row against one service (so a session minted by the
//! first can be used by the next), each with an arbitrary method, path,
//! headers and body, or a well-formed envelope with arbitrary parts and
//! mirrored headers that match it (to get past the checks into the engine).
//!
//! Every request must get a response, without a panic and without a 500;
//! every JSON response must be a JSON-RPC response (an error one when the
//! status is 4xx). The runtime's clock is paused, so a stream that stays
//! open (a legacy GET, `subscriptions/listen`) ends the read at once.
#![no_main]

use std::cell::RefCell;
use std::convert::Infallible;
use std::time::Duration;

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use libfuzzer_sys::fuzz_target;
use mcp_serve::prelude::*;
use mcp_serve::transport::http::{HttpOptions, McpService};
use mcp_serve_core::jsonrpc::{self, Incoming, Kind};
use serde_json::{Value, json};

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Echo a text, optionally repeated.
#[tool]
fn echo(text: String, times: Option<u8>) -> String {
    text.repeat(usize::from(times.unwrap_or(1).min(4)))
}

/// A report with progress.
#[tool]
async fn report(ctx: Context, steps: u8) -> String {
    for i in 0..steps.min(3) {
        ctx.progress(f64::from(i), Some(3.0), Some("step")).await;
    }
    "done".to_owned()
}

#[resource("config://app", name = "app-config", mime = "application/json")]
fn config() -> String {
    r#"{"theme":"dark"}"#.to_owned()
}

#[resource("users://{id}/profile", name = "user-profile", mime = "text/plain")]
fn profile(id: u64) -> String {
    format!("user {id}")
}

#[resource("files://{+path}{?rev}", name = "file")]
fn file_at(path: String, rev: Option<String>) -> String {
    format!("{path}@{}", rev.unwrap_or_default())
}

#[prompt]
fn review(code: String, language: Option<String>) -> Vec<PromptMessage> {
    vec![PromptMessage::user_text(format!("{language:?}: {code}"))]
}

struct World {
    rt: tokio::runtime::Runtime,
    handle: ServerHandle,
    /// The same server behind a middleware and a tower layer, with an extension.
    layered: ServerHandle,
}

/// Passes requests on, and reads what a real middleware would.
struct Inspect;

impl mcp_serve::middleware::Middleware for Inspect {
    async fn on_request(
        &self,
        req: mcp_serve::middleware::McpRequest,
        next: mcp_serve::middleware::Next,
    ) -> mcp_serve::middleware::McpResult {
        let _ = (req.name(), req.arguments(), req.context().principal());
        next.run(req).await
    }
}

fn fixture() -> Server {
    Server::new("fuzz", "1.0.0")
        .tool(add)
        .tool(echo)
        .tool(report)
        .resource(config)
        .resource(profile)
        .resource(file_at)
        .prompt(review)
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

fn world<T>(f: impl FnOnce(&World) -> T) -> T {
    WORLD.with(|w| {
        let mut w = w.borrow_mut();
        let w = w.get_or_insert_with(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .expect("runtime");
            let (handle, layered) = rt.block_on(async {
                let reverse = mcp_serve::extension::Extension::new("com.example/reverse")
                    .method("reverse/text", |p: Value, _cx: Context| async move { Ok(p) })
                    .notification("notifications/receipts/seen", |_: Value, _cx: Context| async {});
                (
                    fixture().into_handle().expect("fixture registers"),
                    fixture()
                        .middleware(Inspect)
                        .layer(tower::limit::ConcurrencyLimitLayer::new(4))
                        .extension(reverse)
                        .into_handle()
                        .expect("layered fixture registers"),
                )
            });
            World { rt, handle, layered }
        });
        f(w)
    })
}

#[derive(Arbitrary, Debug)]
enum Verb {
    Get,
    Post,
    Delete,
    Options,
    Put,
    Head,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Path {
    Mcp,
    McpSlash,
    Sse,
    Messages,
    MessagesWithSession,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Name {
    ContentType,
    Accept,
    ProtocolVersion,
    McpMethod,
    McpName,
    McpParam(String),
    Session,
    Host,
    Origin,
    ContentEncoding,
    LastEventId,
    ContentLength,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Val {
    Raw(Vec<u8>),
    Known(u8),
}

const KNOWN: &[&str] = &[
    "application/json",
    "text/event-stream",
    "application/json, text/event-stream",
    "*/*",
    "2026-07-28",
    "2025-11-25",
    "2025-06-18",
    "2025-03-26",
    "2024-11-05",
    "tools/call",
    "tools/list",
    "initialize",
    "add",
    "=?base64?YWRk?=",
    "=?base64?!!?=",
    "localhost",
    "127.0.0.1:8080",
    "evil.example",
    "http://localhost:3000",
    "https://evil.example",
    "gzip",
    "identity",
    "0",
    "-1",
    "",
];

#[derive(Arbitrary, Debug)]
enum Id {
    Int(i64),
    Str(String),
    Null,
    Float(f64),
    Absent,
}

#[derive(Arbitrary, Debug)]
enum Meth {
    Known(u8),
    Any(String),
}

const METHODS: &[&str] = &[
    "initialize",
    "notifications/initialized",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "subscriptions/listen",
    "server/discover",
    "notifications/cancelled",
    "tasks/get",
    "reverse/text",
    "notifications/receipts/seen",
];

/// A small JSON value from the fuzz input.
#[derive(Arbitrary, Debug)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn value(&self, depth: u8) -> Value {
        if depth > 6 {
            return Value::Null;
        }
        match self {
            J::Null => Value::Null,
            J::Bool(b) => json!(b),
            J::Int(i) => json!(i),
            J::Float(f) => json!(f),
            J::Str(s) => json!(s),
            J::Arr(a) => a.iter().take(8).map(|j| j.value(depth + 1)).collect(),
            J::Obj(o) => Value::Object(
                o.iter()
                    .take(8)
                    .map(|(k, j)| (k.clone(), j.value(depth + 1)))
                    .collect(),
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Envelope {
    id: Id,
    method: Meth,
    /// `params.name` / `params.uri`.
    name: Option<u8>,
    arguments: Option<J>,
    /// The `_meta` protocol version: `None` leaves `_meta` out.
    version: Option<u8>,
    capabilities: Option<J>,
    extra: Option<(String, J)>,
    /// Mirror the envelope into the headers (as a modern client does).
    mirror: bool,
}

const NAMES: &[&str] = &[
    "add",
    "echo",
    "report",
    "missing",
    "config://app",
    "users://42/profile",
    "users://%zz/profile",
    "files://a/b/c?rev=1",
    "review",
];
const VERSIONS: &[&str] = &[
    "2026-07-28",
    "2025-11-25",
    "2025-03-26",
    "2024-11-05",
    "1999-01-01",
    "",
];

#[derive(Arbitrary, Debug)]
enum Body {
    Raw(Vec<u8>),
    Envelope(Envelope),
    /// The raw bytes in chunks, maybe ending with a body error.
    Chunked(Vec<Vec<u8>>, bool),
}

#[derive(Arbitrary, Debug)]
struct Req {
    verb: Verb,
    path: Path,
    /// Start from what a well-behaved client sends.
    well_formed: bool,
    /// Send the session id the previous response minted.
    reuse_session: bool,
    headers: Vec<(Name, Val)>,
    body: Body,
}

fn header_name(n: &Name) -> Option<HeaderName> {
    Some(match n {
        Name::ContentType => http::header::CONTENT_TYPE,
        Name::Accept => http::header::ACCEPT,
        Name::ProtocolVersion => HeaderName::from_static("mcp-protocol-version"),
        Name::McpMethod => HeaderName::from_static("mcp-method"),
        Name::McpName => HeaderName::from_static("mcp-name"),
        Name::McpParam(p) => HeaderName::from_bytes(format!("mcp-param-{p}").as_bytes()).ok()?,
        Name::Session => HeaderName::from_static("mcp-session-id"),
        Name::Host => http::header::HOST,
        Name::Origin => http::header::ORIGIN,
        Name::ContentEncoding => http::header::CONTENT_ENCODING,
        Name::LastEventId => HeaderName::from_static("last-event-id"),
        Name::ContentLength => http::header::CONTENT_LENGTH,
        Name::Other(s) => HeaderName::from_bytes(s.as_bytes()).ok()?,
    })
}

fn pick<'a>(list: &[&'a str], i: u8) -> &'a str {
    list[usize::from(i) % list.len()]
}

/// The envelope's JSON and the headers a modern client would mirror.
fn envelope(e: &Envelope) -> (Vec<u8>, Vec<(&'static str, String)>) {
    let method = match &e.method {
        Meth::Known(i) => pick(METHODS, *i).to_owned(),
        Meth::Any(s) => s.clone(),
    };
    let mut params = serde_json::Map::new();
    if let Some(i) = e.name {
        let name = pick(NAMES, i);
        let key = if name.contains("://") { "uri" } else { "name" };
        params.insert(key.into(), json!(name));
    }
    if let Some(a) = &e.arguments {
        params.insert("arguments".into(), a.value(0));
    }
    let mut mirrored = vec![("mcp-method", method.clone())];
    if let Some(v) = e.version {
        let version = pick(VERSIONS, v);
        let caps = e.capabilities.as_ref().map_or(json!({}), |c| c.value(0));
        params.insert(
            "_meta".into(),
            json!({
                "io.modelcontextprotocol/protocolVersion": version,
                "io.modelcontextprotocol/clientCapabilities": caps,
                "io.modelcontextprotocol/clientInfo": {"name": "fuzz", "version": "0"},
            }),
        );
        mirrored.push(("mcp-protocol-version", version.to_owned()));
    }
    if let Some(n) = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
    {
        mirrored.push(("mcp-name", n.to_owned()));
    }
    if method == "initialize" {
        params.insert("protocolVersion".into(), json!("2025-11-25"));
        params.insert("capabilities".into(), json!({}));
        params.insert("clientInfo".into(), json!({"name": "fuzz", "version": "0"}));
    }
    let mut msg = serde_json::Map::new();
    msg.insert("jsonrpc".into(), json!("2.0"));
    match &e.id {
        Id::Int(i) => drop(msg.insert("id".into(), json!(i))),
        Id::Str(s) => drop(msg.insert("id".into(), json!(s))),
        Id::Null => drop(msg.insert("id".into(), Value::Null)),
        Id::Float(f) => drop(msg.insert("id".into(), json!(f))),
        Id::Absent => {}
    }
    msg.insert("method".into(), json!(method));
    msg.insert("params".into(), Value::Object(params));
    if let Some((k, v)) = &e.extra {
        msg.insert(k.clone(), v.value(0));
    }
    let mirrored = if e.mirror { mirrored } else { Vec::new() };
    (serde_json::to_vec(&msg).expect("serializes"), mirrored)
}

type FuzzBody = http_body_util::combinators::UnsyncBoxBody<Bytes, std::io::Error>;

fn build(req: &Req, session: Option<&str>) -> Option<Request<FuzzBody>> {
    let method = match &req.verb {
        Verb::Get => Method::GET,
        Verb::Post => Method::POST,
        Verb::Delete => Method::DELETE,
        Verb::Options => Method::OPTIONS,
        Verb::Put => Method::PUT,
        Verb::Head => Method::HEAD,
        Verb::Other(s) => Method::from_bytes(s.as_bytes()).ok()?,
    };
    let uri = match &req.path {
        Path::Mcp => "/mcp".to_owned(),
        Path::McpSlash => "/mcp/".to_owned(),
        Path::Sse => "/sse".to_owned(),
        Path::Messages => "/messages".to_owned(),
        Path::MessagesWithSession => format!("/messages?sessionId={}", session.unwrap_or("0")),
        Path::Other(s) => s.clone(),
    };
    let mut builder = Request::builder().method(method).uri(uri);
    let headers = builder.headers_mut()?;
    if req.well_formed {
        headers.insert(http::header::HOST, HeaderValue::from_static("localhost"));
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
    if let (true, Some(s)) = (req.reuse_session, session) {
        headers.insert("mcp-session-id", HeaderValue::from_str(s).ok()?);
    }
    let body: FuzzBody = match &req.body {
        Body::Raw(b) => full(b.clone()),
        Body::Envelope(e) => {
            let (bytes, mirrored) = envelope(e);
            for (name, value) in mirrored {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    headers.insert(name, v);
                }
            }
            full(bytes)
        }
        Body::Chunked(chunks, fail) => {
            let mut frames: Vec<Result<Frame<Bytes>, std::io::Error>> = chunks
                .iter()
                .map(|c| Ok(Frame::data(Bytes::from(c.clone()))))
                .collect();
            if *fail {
                frames.push(Err(std::io::Error::other("the client went away")));
            }
            BodyExt::boxed_unsync(StreamBody::new(futures::stream::iter(frames)))
        }
    };
    for (name, val) in &req.headers {
        let Some(name) = header_name(name) else { continue };
        let value = match val {
            Val::Raw(b) => HeaderValue::from_bytes(b).ok(),
            Val::Known(i) => Some(HeaderValue::from_static(pick(KNOWN, *i))),
        };
        if let Some(value) = value {
            headers.append(name, value);
        }
    }
    builder.body(body).ok()
}

fn full(bytes: Vec<u8>) -> FuzzBody {
    BodyExt::boxed_unsync(http_body_util::Full::new(Bytes::from(bytes)).map_err(|e: Infallible| match e {}))
}

/// Reads at most 1 MiB of a response body, for at most a minute of the
/// (paused) clock: an open stream sends a keep-alive comment every 15 s, so
/// only a deadline for the whole read ends it.
async fn read_body(mut body: mcp_serve::transport::http::McpBody) -> Vec<u8> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while out.len() < 1 << 20 {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    out.extend_from_slice(&data);
                }
            }
            Ok(Some(Err(never))) => match never {},
            Ok(None) | Err(_) => break,
        }
    }
    out
}

fn check_response(status: StatusCode, content_type: Option<&str>, body: &[u8]) {
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        String::from_utf8_lossy(body)
    );
    if content_type != Some("application/json") {
        return;
    }
    let parsed = jsonrpc::parse(body).unwrap_or_else(|e| {
        panic!(
            "a JSON response that is not JSON-RPC ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    let messages = match parsed {
        Incoming::Single(m) => vec![m],
        Incoming::Batch(items) => items.into_iter().map(|i| i.expect("batch reply item")).collect(),
    };
    for m in &messages {
        assert_eq!(
            m.validate().ok(),
            Some(Kind::Response),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    if status.is_client_error() {
        assert!(
            messages.iter().all(|m| m.error().is_some()),
            "a {status} without an error: {}",
            String::from_utf8_lossy(body)
        );
    }
}

fuzz_target!(|requests: Vec<Req>| {
    world(|w| {
        w.rt.block_on(async {
            let mut options = HttpOptions::default().max_sessions(8).max_streams(8);
            options.max_body_bytes = 64 * 1024;
            // Odd-length inputs go through the middleware path.
            let handle = if requests.len() % 2 == 1 { &w.layered } else { &w.handle };
            let mut service = McpService::new(handle, options);
            let mut session: Option<String> = None;
            for req in requests.iter().take(4) {
                let Some(request) = build(req, session.as_deref()) else {
                    continue;
                };
                let resp = match tower_service::Service::call(&mut service, request).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
                if let Some(s) = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()) {
                    session = Some(s.to_owned());
                }
                let status = resp.status();
                let content_type = resp
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = read_body(resp.into_body()).await;
                // The 2024-11-05 `endpoint` event names the session to post to.
                if let Some(id) = String::from_utf8_lossy(&body)
                    .split("sessionId=")
                    .nth(1)
                    .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
                {
                    session = Some(id.to_owned());
                }
                check_response(status, content_type.as_deref(), &body);
            }
        });
    });
});
