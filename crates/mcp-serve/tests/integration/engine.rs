//! Engine behaviour per method and per protocol era, through the public API:
//! raw frames through `ServerHandle::connect` + `Connection::handle`, and
//! typed calls through `mcp_serve::testing::TestClient`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_serve::client::Era;
use mcp_serve::context::FromContext;
use mcp_serve::engine::Connection;
use mcp_serve::prelude::*;
use mcp_serve::prompt::Prompt;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::resource::Resource;
use mcp_serve::testing::TestClient;
use mcp_serve::tool::Tool;
use serde_json::{Value, json};
use tokio::time::timeout;

const MODERN: &str = "2026-07-28";
const LIMIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------- fixture

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Divide one number by another.
#[tool]
fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("division by zero: b must not be 0"));
    }
    Ok(a / b)
}

/// Summary statistics.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Stats {
    count: usize,
    sum: f64,
}

/// Count and sum a list of numbers.
///
/// (Returns `Result<Stats, _>`: a bare `Stats` return does not compile, see
/// the report on `#[tool]` and plain structured return types.)
#[tool]
fn stats(numbers: Vec<f64>) -> Result<Stats, ToolError> {
    Ok(Stats {
        count: numbers.len(),
        sum: numbers.iter().sum(),
    })
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct PairArgs {
    x: i64,
    y: i64,
}

/// A builder tool with structured output through `Json<T>`.
fn pair_tool() -> Tool {
    Tool::new("pair").handler(|a: PairArgs, _ctx: Context| async move {
        Json(Stats {
            count: 2,
            sum: (a.x + a.y) as f64,
        })
    })
}

/// Report what the context knows.
#[tool]
async fn whoami(ctx: Context) -> String {
    json!({
        "version": ctx.protocol_version().to_string(),
        "client": ctx.client_info().map(|c| c.name.clone()),
        "trace": ctx.meta().get("traceparent").cloned(),
        "hasCapabilities": ctx.client_capabilities().is_some(),
        "hasState": ctx.state::<Counter>().is_some(),
    })
    .to_string()
}

struct Counter {
    hits: AtomicU64,
}

/// Count calls in shared state.
#[tool]
fn count(counter: State<Counter>) -> u64 {
    counter.hits.fetch_add(1, Ordering::SeqCst) + 1
}

struct Unregistered;

/// Needs state nobody registered. A `#[tool]` taking `State<Unregistered>`
/// would be refused by the builder; extracting it in a builder handler that
/// does not declare it fails only when called.
fn needs_state() -> Tool {
    Tool::new("needs_state")
        .description("Needs state nobody registered.")
        .raw_handler(|_, ctx: Context| async move {
            State::<Unregistered>::from_context(&ctx)?;
            Ok(CallToolResult::text("unreachable"))
        })
}

/// A user profile.
#[resource("users://{id}/profile", name = "user-profile", mime = "text/plain")]
async fn profile(id: u64) -> Result<String, McpError> {
    if id == 999 {
        return Err(McpError::resource_not_found(&format!("users://{id}/profile")));
    }
    // Arithmetic proves `id` arrived as a number.
    Ok(format!("user {} next {}", id, id + 1))
}

/// Review a piece of code.
#[prompt]
fn review(code: String, language: Option<String>) -> Vec<PromptMessage> {
    vec![PromptMessage::user_text(format!(
        "Review this {} code:\n{code}",
        language.unwrap_or_else(|| "unknown".into())
    ))]
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct ExplainArgs {
    /// What to explain.
    topic: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct NoArgs {}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct LangVars {
    name: String,
}

const LANGS: [&str; 5] = ["rust", "ruby", "python", "go", "racket"];

fn explain_prompt() -> Prompt {
    Prompt::new("explain")
        .description("Explain a topic.")
        .handler(|a: ExplainArgs, _ctx: Context| async move { format!("Explain {} simply.", a.topic) })
        .complete("topic", |prefix: String, _ctx: Context| async move {
            // 250 candidates: more than the cap of 100.
            (0..250).map(|i| format!("{prefix}{i}")).collect::<Vec<String>>()
        })
}

fn lang_template() -> Resource {
    Resource::new("lang://{name}")
        .name("language")
        .handler(|v: LangVars, _ctx: Context| async move { format!("about {}", v.name) })
        .complete("name", |prefix: String, _ctx: Context| async move {
            LANGS
                .iter()
                .filter(|l| l.starts_with(&prefix))
                .map(|l| l.to_string())
                .collect::<Vec<String>>()
        })
}

fn server() -> Server {
    Server::new("engine-test", "9.9.9")
        .instructions("Test server.")
        .tool(add)
        .tool(divide)
        .tool(stats)
        .tool(whoami)
        .tool(count)
        .tool(needs_state())
        .tool(pair_tool())
        .resource(
            Resource::new("config://app")
                .name("app-config")
                .mime_type("application/json")
                .text(r#"{"theme":"dark"}"#),
        )
        .resource(profile)
        .resource(lang_template())
        .prompt(review)
        .prompt(explain_prompt())
        .state(Counter {
            hits: AtomicU64::new(0),
        })
}

// ---------------------------------------------------------------- helpers

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// Adds the modern `_meta` to `params` (an object).
fn with_modern_meta(mut params: Value) -> Value {
    let meta = params
        .as_object_mut()
        .expect("params must be an object")
        .entry("_meta")
        .or_insert_with(|| json!({}));
    for (k, v) in modern_meta().as_object().unwrap() {
        meta.as_object_mut()
            .unwrap()
            .entry(k.clone())
            .or_insert(v.clone());
    }
    params
}

async fn send_bytes(conn: &Connection, bytes: &[u8]) -> Option<Value> {
    let reply = conn.handle(bytes, None);
    let out = timeout(LIMIT, reply.resolve())
        .await
        .expect("the engine did not answer in time");
    out.map(|b| serde_json::from_slice(&b).expect("the engine emitted invalid JSON"))
}

async fn send(conn: &Connection, msg: &Value) -> Option<Value> {
    send_bytes(conn, &serde_json::to_vec(msg).unwrap()).await
}

/// Sends a request and returns the whole response (which must exist).
async fn call(conn: &Connection, id: i64, method: &str, params: Value) -> Value {
    send(conn, &request(id, method, params))
        .await
        .unwrap_or_else(|| panic!("no response to {method}"))
}

/// A modern request (adds `_meta`).
async fn modern(conn: &Connection, id: i64, method: &str, params: Value) -> Value {
    call(conn, id, method, with_modern_meta(params)).await
}

fn result(resp: &Value) -> &Value {
    assert!(resp.get("error").is_none(), "expected a result, got {resp}");
    resp.get("result")
        .unwrap_or_else(|| panic!("no result in {resp}"))
}

fn error(resp: &Value) -> &Value {
    assert!(resp.get("result").is_none(), "expected an error, got {resp}");
    resp.get("error").unwrap_or_else(|| panic!("no error in {resp}"))
}

fn code(resp: &Value) -> i64 {
    error(resp)["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no code in {resp}"))
}

fn message(resp: &Value) -> String {
    error(resp)["message"].as_str().unwrap_or_default().to_owned()
}

fn raw_conn() -> (ServerHandle, Connection) {
    let handle = server().into_handle().expect("fixture registers");
    let conn = handle.connect(None);
    (handle, conn)
}

/// `initialize` at `version` (+ `notifications/initialized`); returns the result.
async fn initialize(conn: &Connection, version: &str) -> Value {
    let resp = call(
        conn,
        0,
        "initialize",
        json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": { "name": "legacy-tester", "version": "0.0.1" },
        }),
    )
    .await;
    let r = result(&resp).clone();
    let n = send(
        conn,
        &json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
    )
    .await;
    assert!(n.is_none(), "a notification must not be answered: {n:?}");
    r
}

async fn legacy_conn(version: &str) -> (ServerHandle, Connection) {
    let (h, c) = raw_conn();
    initialize(&c, version).await;
    (h, c)
}

/// The two eras as (label, connection, requester).
#[derive(Clone, Copy, Debug, PartialEq)]
enum E {
    Modern,
    Legacy,
}

async fn conn_for(era: E) -> (ServerHandle, Connection) {
    match era {
        E::Modern => raw_conn(),
        E::Legacy => legacy_conn("2025-11-25").await,
    }
}

async fn req(era: E, conn: &Connection, id: i64, method: &str, params: Value) -> Value {
    match era {
        E::Modern => modern(conn, id, method, params).await,
        E::Legacy => call(conn, id, method, params).await,
    }
}

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} array in {list}"))
        .iter()
        .map(|t| t[field].as_str().unwrap().to_owned())
        .collect()
}

fn text0(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content in {result}"))
        .to_owned()
}

async fn typed(era: E, s: Server) -> TestClient {
    let c = match era {
        E::Modern => TestClient::modern(s).await,
        E::Legacy => TestClient::legacy(s).await,
    };
    c.expect("test client connects")
}

const ERAS: [E; 2] = [E::Modern, E::Legacy];

// ---------------------------------------------------------------- legacy lifecycle

#[tokio::test]
async fn initialize_result_shape_2025_11_25() {
    let (_h, conn) = raw_conn();
    let r = initialize(&conn, "2025-11-25").await;
    assert_eq!(r["protocolVersion"], "2025-11-25");
    assert_eq!(r["serverInfo"]["name"], "engine-test");
    assert_eq!(r["serverInfo"]["version"], "9.9.9");
    assert_eq!(r["instructions"], "Test server.");
    let caps = &r["capabilities"];
    for k in ["tools", "resources", "prompts", "logging", "completions"] {
        assert!(
            caps.get(k).is_some_and(Value::is_object),
            "capability {k} missing: {caps}"
        );
    }
    assert_eq!(caps["tools"]["listChanged"], true);
    // Legacy results are not dressed like modern ones.
    for k in ["resultType", "ttlMs", "cacheScope", "_meta"] {
        assert!(r.get(k).is_none(), "legacy initialize result has {k}: {r}");
    }
    assert_eq!(conn.legacy_version(), Some(ProtocolVersion::V2025_11_25));
}

#[tokio::test]
async fn initialize_unknown_version_negotiates_newest_legacy() {
    for requested in ["1999-01-01", "2099-12-31", "not-a-version"] {
        let (_h, conn) = raw_conn();
        let r = initialize(&conn, requested).await;
        assert_eq!(r["protocolVersion"], "2025-11-25", "requested {requested}");
    }
}

#[tokio::test]
async fn initialize_2025_06_18_negotiates_it() {
    let (_h, conn) = raw_conn();
    let r = initialize(&conn, "2025-06-18").await;
    assert_eq!(r["protocolVersion"], "2025-06-18");
    assert!(r["capabilities"].get("completions").is_some());
    assert_eq!(conn.legacy_version(), Some(ProtocolVersion::V2025_06_18));
    let tools = result(&call(&conn, 1, "tools/list", json!({})).await).clone();
    assert!(tools.get("resultType").is_none());
}

#[tokio::test]
async fn initialize_2025_03_26_negotiates_it() {
    let (_h, conn) = raw_conn();
    let r = initialize(&conn, "2025-03-26").await;
    assert_eq!(r["protocolVersion"], "2025-03-26");
    assert!(r["capabilities"].get("completions").is_some());
    assert_eq!(conn.legacy_version(), Some(ProtocolVersion::V2025_03_26));
}

#[tokio::test]
async fn initialize_2024_11_05_negotiates_it() {
    let (_h, conn) = raw_conn();
    let r = initialize(&conn, "2024-11-05").await;
    assert_eq!(r["protocolVersion"], "2024-11-05");
    // `completions` was introduced in 2025-03-26.
    assert!(r["capabilities"].get("completions").is_none(), "{r}");
    assert!(r["capabilities"].get("tools").is_some());
    let resp = call(
        &conn,
        1,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
    )
    .await;
    assert_eq!(text0(result(&resp)), "3");
}

#[tokio::test]
async fn legacy_typed_clients_of_every_legacy_revision_work() {
    for v in [
        ProtocolVersion::V2024_11_05,
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
    ] {
        let c = TestClient::with_era(server(), Era::Legacy(v)).await.unwrap();
        assert_eq!(c.era(), Era::Legacy(v));
        let r = c.call_tool("add", json!({"a": 2, "b": 5})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("7"), "{v}");
        assert_eq!(c.server_info().unwrap().name, "engine-test");
    }
}

#[tokio::test]
async fn second_initialize_is_an_error() {
    let (_h, conn) = legacy_conn("2025-11-25").await;
    let resp = call(
        &conn,
        7,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}),
    )
    .await;
    assert_eq!(resp["id"], 7);
    assert_eq!(code(&resp), -32600);
    // The first session stands.
    assert_eq!(conn.legacy_version(), Some(ProtocolVersion::V2025_11_25));
}

#[tokio::test]
async fn initialize_with_modern_meta_is_rejected() {
    let (_h, conn) = raw_conn();
    let resp = call(
        &conn,
        1,
        "initialize",
        with_modern_meta(json!({"protocolVersion": "2025-11-25", "capabilities": {}})),
    )
    .await;
    assert!(error(&resp)["code"].as_i64().is_some());
    assert_eq!(conn.legacy_version(), None);
}

#[tokio::test]
async fn initialize_without_protocol_version_is_invalid_params() {
    let (_h, conn) = raw_conn();
    let resp = call(&conn, 1, "initialize", json!({"capabilities": {}})).await;
    assert_eq!(code(&resp), -32602);
    assert!(message(&resp).contains("protocolVersion"), "{resp}");
}

#[tokio::test]
async fn request_before_initialize_without_meta_is_invalid_params() {
    let (_h, conn) = raw_conn();
    for method in ["tools/list", "tools/call", "resources/list", "prompts/list"] {
        let resp = call(&conn, 3, method, json!({})).await;
        assert_eq!(resp["id"], 3);
        assert_eq!(code(&resp), -32602, "{method}: {resp}");
        assert!(message(&resp).contains("_meta"), "{resp}");
    }
    // Without params at all, too.
    let resp = send(&conn, &json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}))
        .await
        .unwrap();
    assert_eq!(code(&resp), -32602);
}

#[tokio::test]
async fn ping_before_initialize_is_answered() {
    let (_h, conn) = raw_conn();
    let resp = send(&conn, &json!({"jsonrpc": "2.0", "id": "p1", "method": "ping"}))
        .await
        .unwrap();
    assert_eq!(resp["id"], "p1");
    assert_eq!(result(&resp), &json!({}));
    // And it did not start a session.
    assert_eq!(conn.legacy_version(), None);
}

// ---------------------------------------------------------------- modern era basics

#[tokio::test]
async fn server_discover_shape() {
    let (_h, conn) = raw_conn();
    let resp = modern(&conn, 1, "server/discover", json!({})).await;
    let r = result(&resp);
    assert_eq!(r["supportedVersions"], json!(["2026-07-28"]));
    assert_eq!(r["resultType"], "complete");
    assert!(r["ttlMs"].as_u64().is_some(), "{r}");
    assert!(
        matches!(r["cacheScope"].as_str(), Some("private" | "public")),
        "{r}"
    );
    assert_eq!(
        r["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "engine-test"
    );
    assert_eq!(
        r["_meta"]["io.modelcontextprotocol/serverInfo"]["version"],
        "9.9.9"
    );
    assert!(r["capabilities"]["tools"].is_object());
    assert_eq!(r["instructions"], "Test server.");
}

#[tokio::test]
async fn cache_hints_are_configurable() {
    let handle = server()
        .cache_hints(1234, mcp_serve::protocol::types::CacheScope::Public)
        .into_handle()
        .unwrap();
    let conn = handle.connect(None);
    let r = modern(&conn, 1, "tools/list", json!({})).await;
    assert_eq!(result(&r)["ttlMs"], 1234);
    assert_eq!(result(&r)["cacheScope"], "public");
}

#[tokio::test]
async fn modern_unsupported_version_is_32022_with_data() {
    let (_h, conn) = raw_conn();
    for requested in ["2099-01-01", "2025-11-25"] {
        let resp = call(
            &conn,
            2,
            "tools/list",
            json!({"_meta": {
                "io.modelcontextprotocol/protocolVersion": requested,
                "io.modelcontextprotocol/clientCapabilities": {},
            }}),
        )
        .await;
        assert_eq!(code(&resp), -32022, "{requested}: {resp}");
        let data = &error(&resp)["data"];
        assert_eq!(data["requested"], requested);
        assert_eq!(data["supported"], json!(["2026-07-28"]));
        assert_eq!(resp["id"], 2);
    }
}

#[tokio::test]
async fn modern_missing_client_capabilities_is_invalid_params() {
    let (_h, conn) = raw_conn();
    let resp = call(
        &conn,
        5,
        "tools/list",
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}}),
    )
    .await;
    assert_eq!(code(&resp), -32602);
    assert!(message(&resp).contains("clientCapabilities"), "{resp}");
}

#[tokio::test]
async fn modern_meta_must_be_an_object() {
    let (_h, conn) = raw_conn();
    let resp = call(&conn, 5, "tools/list", json!({"_meta": 3})).await;
    assert_eq!(code(&resp), -32602);
}

#[tokio::test]
async fn modern_results_are_dressed_legacy_results_are_not() {
    let list_methods = [
        "tools/list",
        "resources/list",
        "resources/templates/list",
        "prompts/list",
    ];
    // Modern.
    let (_h, conn) = raw_conn();
    for m in list_methods {
        let resp = modern(&conn, 1, m, json!({})).await;
        let r = result(&resp);
        assert_eq!(r["resultType"], "complete", "{m}: {r}");
        assert!(r["ttlMs"].is_u64(), "{m}: {r}");
        assert!(r["cacheScope"].is_string(), "{m}: {r}");
        assert!(
            r["_meta"]["io.modelcontextprotocol/serverInfo"].is_object(),
            "{m}: {r}"
        );
    }
    let resp = modern(
        &conn,
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
    )
    .await;
    assert_eq!(result(&resp)["resultType"], "complete");
    // `ping` was removed in 2026-07-28: a modern ping is an unknown method.
    let resp = modern(&conn, 3, "ping", json!({})).await;
    assert_eq!(resp["error"]["code"], -32601, "{resp}");
    // Legacy.
    let (_h, conn) = legacy_conn("2025-11-25").await;
    for m in list_methods.into_iter().chain(["ping"]) {
        let resp = call(&conn, 1, m, json!({})).await;
        let r = result(&resp);
        for k in ["resultType", "ttlMs", "cacheScope", "_meta"] {
            assert!(r.get(k).is_none(), "legacy {m} result has {k}: {r}");
        }
    }
    let resp = call(
        &conn,
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
    )
    .await;
    assert!(result(&resp).get("resultType").is_none());
}

#[tokio::test]
async fn both_eras_on_one_connection() {
    let (_h, conn) = legacy_conn("2025-06-18").await;
    // A modern request on a legacy connection is served as modern.
    let resp = modern(&conn, 1, "tools/list", json!({})).await;
    assert_eq!(result(&resp)["resultType"], "complete");
    let resp = call(&conn, 2, "tools/list", json!({})).await;
    assert!(result(&resp).get("resultType").is_none());
}

#[tokio::test]
async fn unknown_method_is_32601_in_both_eras() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(era, &conn, 9, "tools/explode", json!({})).await;
        assert_eq!(code(&resp), -32601, "{era:?}");
        assert_eq!(resp["id"], 9);
    }
}

// ---------------------------------------------------------------- tools

#[test]
fn two_registrations_under_one_key_are_refused_naming_it() {
    let tool =
        |text: &'static str| Tool::new("dup").handler(move |_: NoArgs, _ctx: Context| async move { text });
    let err = Server::new("d", "1")
        .tool(tool("a"))
        .tool(tool("b"))
        .into_handle()
        .unwrap_err();
    assert!(
        matches!(&err, mcp_serve::engine::RegistrationError::Duplicate { kind: "tool", name, .. } if name == "dup"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("two tools are registered as `dup`"),
        "{err}"
    );

    let res = || Resource::new("config://app").text("x");
    let err = Server::new("d", "1")
        .resource(res())
        .resource(res())
        .into_handle()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("two resources are registered as `config://app`"),
        "{err}"
    );

    let prompt = || Prompt::new("p").handler(|_: NoArgs, _ctx: Context| async { "x" });
    let err = Server::new("d", "1")
        .prompt(prompt())
        .prompt(prompt())
        .into_handle()
        .unwrap_err();
    assert!(
        err.to_string().contains("two prompts are registered as `p`"),
        "{err}"
    );

    // At run time, adding under a taken name replaces (how a tool is updated).
    let handle = Server::new("d", "1").tool(tool("a")).into_handle().unwrap();
    handle.add_tool(tool("b")).unwrap();
    assert_eq!(handle.tool_names(), ["dup"]);
}

#[tokio::test]
async fn tools_list_is_registration_order_and_stable() {
    let zeta = Tool::new("zeta").handler(|_: NoArgs, _ctx: Context| async { "z" });
    let alpha = Tool::new("alpha").handler(|_: NoArgs, _ctx: Context| async { "a" });
    let mid = Tool::new("mid").handler(|_: NoArgs, _ctx: Context| async { "m" });
    let handle = Server::new("o", "1")
        .tool(zeta)
        .tool(alpha)
        .tool(mid)
        .into_handle()
        .unwrap();
    for era in ERAS {
        let conn = handle.connect(None);
        if era == E::Legacy {
            initialize(&conn, "2025-11-25").await;
        }
        let mut seen = Vec::new();
        for i in 0..3 {
            let r = req(era, &conn, i, "tools/list", json!({})).await;
            seen.push(names(result(&r), "tools", "name"));
        }
        assert_eq!(seen[0], ["zeta", "alpha", "mid"], "{era:?}");
        assert!(seen.iter().all(|s| s == &seen[0]), "{era:?}: {seen:?}");
    }
}

fn paged_server() -> Server {
    let mut s = Server::new("p", "1").page_size(2);
    for n in ["t1", "t2", "t3", "t4", "t5"] {
        s = s.tool(Tool::new(n).handler(|_: NoArgs, _ctx: Context| async { "ok" }));
    }
    for n in ["p1", "p2", "p3"] {
        s = s.prompt(Prompt::new(n).handler(|_: NoArgs, _ctx: Context| async { "hi" }));
    }
    s
}

#[tokio::test]
async fn pagination_walks_every_item_once() {
    let handle = paged_server().into_handle().unwrap();
    for era in ERAS {
        let conn = handle.connect(None);
        if era == E::Legacy {
            initialize(&conn, "2025-11-25").await;
        }
        for (method, key, expected) in [
            ("tools/list", "tools", vec!["t1", "t2", "t3", "t4", "t5"]),
            ("prompts/list", "prompts", vec!["p1", "p2", "p3"]),
        ] {
            let mut all = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let params = match &cursor {
                    Some(c) => json!({ "cursor": c }),
                    None => json!({}),
                };
                let resp = req(era, &conn, pages, method, params).await;
                let r = result(&resp);
                let page = names(r, key, "name");
                assert!(page.len() <= 2, "page too big: {page:?}");
                all.extend(page);
                pages += 1;
                assert!(pages < 10, "pagination does not end");
                match r.get("nextCursor") {
                    Some(Value::String(c)) => cursor = Some(c.clone()),
                    None => break,
                    Some(other) => panic!("bad nextCursor {other}"),
                }
            }
            assert_eq!(all, expected, "{era:?} {method}");
            assert_eq!(pages as usize, expected.len().div_ceil(2));
        }
    }
    // The typed client follows cursors too.
    let c = TestClient::connect(&handle, Default::default()).await.unwrap();
    let tools = c.list_tools().await.unwrap();
    assert_eq!(tools.tools.len(), 5);
}

#[tokio::test]
async fn bad_cursor_is_invalid_params() {
    let handle = paged_server().into_handle().unwrap();
    for era in ERAS {
        let conn = handle.connect(None);
        if era == E::Legacy {
            initialize(&conn, "2025-11-25").await;
        }
        for bad in [json!("garbage"), json!("mcp-serve:999"), json!(17)] {
            let resp = req(era, &conn, 1, "tools/list", json!({ "cursor": bad })).await;
            assert_eq!(code(&resp), -32602, "{era:?} cursor {bad}: {resp}");
        }
    }
}

#[tokio::test]
async fn tools_call_success_both_eras() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let r = c.call_tool("add", json!({"a": 2, "b": 3})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("5"), "{era:?}");
        assert_ne!(r.is_error, Some(true));
        let r = c.call_tool("divide", json!({"a": 9, "b": 3})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("3"));
    }
}

#[tokio::test]
async fn tools_call_unknown_tool_is_invalid_params() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(
            era,
            &conn,
            4,
            "tools/call",
            json!({"name": "nope", "arguments": {}}),
        )
        .await;
        assert_eq!(code(&resp), -32602, "{era:?}");
        assert!(message(&resp).contains("nope"), "{resp}");
        assert_eq!(resp["id"], 4);
    }
}

#[tokio::test]
async fn tools_call_invalid_arguments_is_an_error_result_naming_the_field() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(
            era,
            &conn,
            1,
            "tools/call",
            json!({"name": "add", "arguments": {"a": "x", "b": 1}}),
        )
        .await;
        let r = result(&resp);
        assert_eq!(r["isError"], true, "{era:?}: {r}");
        let t = text0(r);
        assert!(
            t.contains("a:") || t.contains("`a`") || t.contains("\"a\""),
            "{t}"
        );
        // A missing required argument names it too.
        let resp = req(
            era,
            &conn,
            2,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1}}),
        )
        .await;
        let r = result(&resp);
        assert_eq!(r["isError"], true, "{r}");
        assert!(text0(r).contains('b'), "{r}");
    }
}

#[tokio::test]
async fn tools_call_handler_tool_error_is_an_error_result() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let r = c.call_tool("divide", json!({"a": 1, "b": 0})).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{era:?}");
        assert!(r.content[0].as_text().unwrap().contains("division by zero"));
    }
}

#[tokio::test]
async fn tools_call_structured_output() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let list = req(era, &conn, 1, "tools/list", json!({})).await;
        let tools = result(&list)["tools"].as_array().unwrap().clone();
        let stats_def = tools.iter().find(|t| t["name"] == "stats").unwrap();
        let out = &stats_def["outputSchema"];
        assert_eq!(out["type"], "object", "{stats_def}");
        assert!(out["properties"]["count"].is_object(), "{out}");
        // Plain tools have no outputSchema.
        let add_def = tools.iter().find(|t| t["name"] == "add").unwrap();
        assert!(add_def.get("outputSchema").is_none(), "{add_def}");
        assert_eq!(add_def["inputSchema"]["type"], "object");

        let resp = req(
            era,
            &conn,
            2,
            "tools/call",
            json!({"name": "stats", "arguments": {"numbers": [1, 2, 3.5]}}),
        )
        .await;
        let r = result(&resp);
        assert_eq!(r["structuredContent"], json!({"count": 3, "sum": 6.5}), "{r}");
        let text: Value = serde_json::from_str(&text0(r)).expect("text mirrors the structure");
        assert_eq!(text, r["structuredContent"]);

        // The builder with `Json<T>`.
        let pair_def = tools.iter().find(|t| t["name"] == "pair").unwrap();
        assert_eq!(pair_def["outputSchema"]["type"], "object", "{pair_def}");
        let resp = req(
            era,
            &conn,
            3,
            "tools/call",
            json!({"name": "pair", "arguments": {"x": 2, "y": 5}}),
        )
        .await;
        assert_eq!(
            result(&resp)["structuredContent"],
            json!({"count": 2, "sum": 7.0})
        );
    }
}

#[tokio::test]
async fn tool_with_output_schema_but_no_structured_content_is_an_error() {
    let bad = Tool::new("bad")
        .output_schema(json!({"type": "object", "properties": {"x": {"type": "number"}}}))
        .handler(|_: NoArgs, _ctx: Context| async { "just text" });
    let c = TestClient::modern(Server::new("s", "1").tool(bad)).await.unwrap();
    let e = c.call_tool("bad", json!({})).await.unwrap_err();
    assert_eq!(e.rpc().map(|e| e.code), Some(-32603), "{e}");
}

#[tokio::test]
async fn tools_call_arguments_wrong_type_is_invalid_params() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(era, &conn, 1, "tools/call", json!({"name": 5, "arguments": {}})).await;
        assert_eq!(code(&resp), -32602, "{resp}");
        assert!(message(&resp).contains("name"), "{resp}");
        let resp = req(
            era,
            &conn,
            2,
            "tools/call",
            json!({"name": "add", "arguments": []}),
        )
        .await;
        assert_eq!(code(&resp), -32602, "{resp}");
        assert!(message(&resp).contains("arguments"), "{resp}");
    }
}

// ---------------------------------------------------------------- resources

#[tokio::test]
async fn resources_list_and_templates_list() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let r = c.list_resources().await.unwrap();
        let uris: Vec<_> = r.resources.iter().map(|r| r.uri.as_str()).collect();
        assert_eq!(uris, ["config://app"], "{era:?}");
        assert_eq!(r.resources[0].name, "app-config");
        assert_eq!(r.resources[0].mime_type.as_deref(), Some("application/json"));
        let t = c.list_resource_templates().await.unwrap();
        let templates: Vec<_> = t
            .resource_templates
            .iter()
            .map(|t| t.uri_template.as_str())
            .collect();
        assert_eq!(templates, ["users://{id}/profile", "lang://{name}"], "{era:?}");
        assert_eq!(t.resource_templates[0].name, "user-profile");
    }
}

#[tokio::test]
async fn resources_read_fixed_and_template() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(era, &conn, 1, "resources/read", json!({"uri": "config://app"})).await;
        let c = &result(&resp)["contents"][0];
        assert_eq!(c["uri"], "config://app");
        assert_eq!(c["text"], r#"{"theme":"dark"}"#);
        assert_eq!(c["mimeType"], "application/json");

        let resp = req(
            era,
            &conn,
            2,
            "resources/read",
            json!({"uri": "users://41/profile"}),
        )
        .await;
        let c = &result(&resp)["contents"][0];
        assert_eq!(c["uri"], "users://41/profile");
        assert_eq!(c["text"], "user 41 next 42", "{era:?}");
        assert_eq!(c["mimeType"], "text/plain");
    }
}

#[tokio::test]
async fn resource_not_found_code_depends_on_era() {
    for (era, expected) in [(E::Legacy, -32002), (E::Modern, -32602)] {
        let (_h, conn) = conn_for(era).await;
        // No such URI.
        let resp = req(era, &conn, 1, "resources/read", json!({"uri": "nope://x"})).await;
        assert_eq!(code(&resp), expected, "{era:?}: {resp}");
        assert_eq!(error(&resp)["data"]["uri"], "nope://x");
        // A template variable that does not parse as u64.
        let resp = req(
            era,
            &conn,
            2,
            "resources/read",
            json!({"uri": "users://abc/profile"}),
        )
        .await;
        assert_eq!(code(&resp), expected, "{era:?}: {resp}");
        // The handler itself says not found.
        let resp = req(
            era,
            &conn,
            3,
            "resources/read",
            json!({"uri": "users://999/profile"}),
        )
        .await;
        assert_eq!(code(&resp), expected, "{era:?}: {resp}");
    }
    // Older legacy revisions use -32002 as well.
    let (_h, conn) = legacy_conn("2024-11-05").await;
    let resp = call(&conn, 1, "resources/read", json!({"uri": "nope://x"})).await;
    assert_eq!(code(&resp), -32002);
}

#[tokio::test]
async fn resources_read_without_uri_is_invalid_params() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(era, &conn, 1, "resources/read", json!({})).await;
        assert_eq!(code(&resp), -32602);
        assert!(message(&resp).contains("uri"), "{resp}");
    }
}

// ---------------------------------------------------------------- prompts

#[tokio::test]
async fn prompts_list_and_get() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let l = c.list_prompts().await.unwrap();
        let names: Vec<_> = l.prompts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["review", "explain"], "{era:?}");
        let review_def = &l.prompts[0];
        let args = review_def.arguments.as_ref().expect("review has arguments");
        let code_arg = args.iter().find(|a| a.name == "code").unwrap();
        assert_eq!(code_arg.required, Some(true));
        let lang_arg = args.iter().find(|a| a.name == "language").unwrap();
        assert_ne!(lang_arg.required, Some(true));

        let r = c
            .get_prompt("review", json!({"code": "fn main() {}", "language": "rust"}))
            .await
            .unwrap();
        let v = serde_json::to_value(&r.messages[0]).unwrap();
        assert_eq!(v["role"], "user");
        let t = v["content"]["text"].as_str().unwrap();
        assert!(t.contains("fn main() {}") && t.contains("rust"), "{t}");
    }
}

#[tokio::test]
async fn prompts_get_missing_required_argument_names_it() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(
            era,
            &conn,
            1,
            "prompts/get",
            json!({"name": "review", "arguments": {"language": "go"}}),
        )
        .await;
        assert_eq!(code(&resp), -32602, "{era:?}: {resp}");
        assert!(message(&resp).contains("code"), "{resp}");
        let resp = req(era, &conn, 2, "prompts/get", json!({"name": "nope"})).await;
        assert_eq!(code(&resp), -32602);
    }
}

// ---------------------------------------------------------------- completion

#[tokio::test]
async fn completion_for_prompt_argument_is_capped_at_100() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(
            era,
            &conn,
            1,
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "explain"}, "argument": {"name": "topic", "value": "x"}}),
        )
        .await;
        let c = &result(&resp)["completion"];
        let values = c["values"].as_array().unwrap();
        assert_eq!(values.len(), 100, "{era:?}");
        assert_eq!(values[0], "x0");
        assert_eq!(c["total"], 250);
        assert_eq!(c["hasMore"], true);
    }
}

#[tokio::test]
async fn completion_for_template_variable() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(
            era,
            &conn,
            1,
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "lang://{name}"}, "argument": {"name": "name", "value": "r"}}),
        )
        .await;
        let c = &result(&resp)["completion"];
        assert_eq!(c["values"], json!(["rust", "ruby", "racket"]), "{era:?}");
        assert_eq!(c["total"], 3);
        assert_eq!(c["hasMore"], false);
        // An argument without a completer completes to nothing.
        let resp = req(
            era,
            &conn,
            2,
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "review"}, "argument": {"name": "code", "value": "f"}}),
        )
        .await;
        assert_eq!(result(&resp)["completion"]["values"], json!([]));
        // An unknown prompt is invalid params.
        let resp = req(
            era,
            &conn,
            3,
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "x", "value": ""}}),
        )
        .await;
        assert_eq!(code(&resp), -32602);
    }
}

// ---------------------------------------------------------------- logging

#[tokio::test]
async fn logging_set_level_legacy() {
    let (_h, conn) = legacy_conn("2025-11-25").await;
    let resp = call(&conn, 1, "logging/setLevel", json!({"level": "debug"})).await;
    assert_eq!(result(&resp), &json!({}));
    let resp = call(&conn, 2, "logging/setLevel", json!({"level": "loud"})).await;
    assert_eq!(code(&resp), -32602);
    assert!(message(&resp).contains("level"), "{resp}");
    let resp = call(&conn, 3, "logging/setLevel", json!({})).await;
    assert_eq!(code(&resp), -32602);
}

#[tokio::test]
async fn logging_set_level_modern_is_method_not_found() {
    let (_h, conn) = raw_conn();
    let resp = modern(&conn, 1, "logging/setLevel", json!({"level": "debug"})).await;
    assert_eq!(code(&resp), -32601, "{resp}");
}

#[tokio::test]
async fn legacy_log_messages_follow_set_level() {
    let logger = Tool::new("logger").handler(|_: NoArgs, ctx: Context| async move {
        ctx.info("hello-info").await;
        ctx.debug("hello-debug").await;
        "logged"
    });
    let handle = Server::new("l", "1").tool(logger).into_handle().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let conn = handle.connect(Some(tx));
    initialize(&conn, "2025-11-25").await;
    call(&conn, 1, "logging/setLevel", json!({"level": "info"})).await;
    let resp = call(&conn, 2, "tools/call", json!({"name": "logger"})).await;
    assert_eq!(text0(result(&resp)), "logged");
    let frame = timeout(LIMIT, rx.recv()).await.unwrap().unwrap();
    let n: Value = serde_json::from_slice(&frame).unwrap();
    assert_eq!(n["method"], "notifications/message");
    assert_eq!(n["params"]["level"], "info");
    assert_eq!(n["params"]["data"], "hello-info");
    // Debug is below the level: nothing else arrived.
    assert!(rx.try_recv().is_err());
}

// ---------------------------------------------------------------- runtime changes

#[tokio::test]
async fn runtime_tool_changes_are_reflected() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let h = c.server();
        let tool_names = |r: mcp_serve::protocol::types::ListToolsResult| {
            r.tools.into_iter().map(|t| t.name).collect::<Vec<_>>()
        };
        h.add_tool(Tool::new("late").handler(|_: NoArgs, _ctx: Context| async { "late!" }))
            .unwrap();
        let names = tool_names(c.list_tools().await.unwrap());
        assert_eq!(names.last().map(String::as_str), Some("late"), "{era:?}");
        assert_eq!(
            c.call_tool("late", json!({})).await.unwrap().content[0].as_text(),
            Some("late!")
        );

        assert!(h.disable_tool("late"));
        assert!(!h.disable_tool("late"), "second disable reports no change");
        assert!(!tool_names(c.list_tools().await.unwrap()).contains(&"late".to_owned()));
        let e = c.call_tool("late", json!({})).await.unwrap_err();
        assert_eq!(e.rpc().map(|e| e.code), Some(-32602));

        assert!(h.enable_tool("late"));
        assert!(tool_names(c.list_tools().await.unwrap()).contains(&"late".to_owned()));

        assert!(h.remove_tool("late"));
        assert!(!h.remove_tool("late"));
        assert!(!tool_names(c.list_tools().await.unwrap()).contains(&"late".to_owned()));
        assert!(!h.enable_tool("late"));
    }
}

#[tokio::test]
async fn runtime_resource_and_prompt_changes_are_reflected() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let h = c.server();
        h.add_resource(Resource::new("extra://one").text("one")).unwrap();
        h.add_resource(lang_template().name("dup")).unwrap();
        let uris = |r: mcp_serve::protocol::types::ListResourcesResult| {
            r.resources.into_iter().map(|r| r.uri).collect::<Vec<_>>()
        };
        assert!(uris(c.list_resources().await.unwrap()).contains(&"extra://one".to_owned()));
        assert_eq!(
            c.read_resource("extra://one").await.unwrap().contents[0].uri(),
            "extra://one"
        );
        assert!(h.disable_resource("extra://one"));
        assert!(!uris(c.list_resources().await.unwrap()).contains(&"extra://one".to_owned()));
        assert!(h.enable_resource("extra://one"));
        assert!(h.remove_resource("extra://one"));
        assert!(!uris(c.list_resources().await.unwrap()).contains(&"extra://one".to_owned()));

        assert!(h.disable_resource("users://{id}/profile"));
        let t = c.list_resource_templates().await.unwrap();
        assert!(
            t.resource_templates
                .iter()
                .all(|t| t.uri_template != "users://{id}/profile")
        );
        assert!(h.remove_resource("users://{id}/profile"));

        h.add_prompt(Prompt::new("late").handler(|_: NoArgs, _ctx: Context| async { "hi" }))
            .unwrap();
        let pn = |r: mcp_serve::protocol::types::ListPromptsResult| {
            r.prompts.into_iter().map(|p| p.name).collect::<Vec<_>>()
        };
        assert!(pn(c.list_prompts().await.unwrap()).contains(&"late".to_owned()));
        assert!(h.disable_prompt("late"));
        assert!(!pn(c.list_prompts().await.unwrap()).contains(&"late".to_owned()));
        assert!(c.get_prompt("late", json!({})).await.is_err());
        assert!(h.enable_prompt("late"));
        assert!(h.remove_prompt("late"));
        assert!(!pn(c.list_prompts().await.unwrap()).contains(&"late".to_owned()));
    }
}

#[tokio::test]
async fn legacy_client_gets_list_changed() {
    let c = TestClient::legacy(server()).await.unwrap();
    let mut notes = c.notifications().expect("notifications taken once");
    assert!(c.notifications().is_none());
    c.server()
        .add_tool(Tool::new("late").handler(|_: NoArgs, _ctx: Context| async { "x" }))
        .unwrap();
    let n = timeout(LIMIT, notes.recv())
        .await
        .expect("no list_changed")
        .unwrap();
    assert_eq!(n.method, "notifications/tools/list_changed");

    c.server()
        .add_prompt(Prompt::new("p2").handler(|_: NoArgs, _ctx: Context| async { "x" }))
        .unwrap();
    let n = timeout(LIMIT, notes.recv())
        .await
        .expect("no list_changed")
        .unwrap();
    assert_eq!(n.method, "notifications/prompts/list_changed");

    assert!(c.server().disable_resource("config://app"));
    let n = timeout(LIMIT, notes.recv())
        .await
        .expect("no list_changed")
        .unwrap();
    assert_eq!(n.method, "notifications/resources/list_changed");
}

#[tokio::test(start_paused = true)]
async fn list_changed_waits_for_initialized_and_skips_modern() {
    let handle = server().into_handle().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let conn = handle.connect(Some(tx));
    // Modern traffic only: no notifications.
    modern(&conn, 1, "tools/list", json!({})).await;
    handle
        .add_tool(Tool::new("a1").handler(|_: NoArgs, _ctx: Context| async { "x" }))
        .unwrap();
    assert!(timeout(Duration::from_millis(200), rx.recv()).await.is_err());
    // Initialized but not yet `notifications/initialized`: none either.
    let r = call(
        &conn,
        2,
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}}),
    )
    .await;
    result(&r);
    handle
        .add_tool(Tool::new("a2").handler(|_: NoArgs, _ctx: Context| async { "x" }))
        .unwrap();
    assert!(timeout(Duration::from_millis(200), rx.recv()).await.is_err());
    send(
        &conn,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    handle
        .add_tool(Tool::new("a3").handler(|_: NoArgs, _ctx: Context| async { "x" }))
        .unwrap();
    let frame = timeout(LIMIT, rx.recv()).await.expect("no notification").unwrap();
    let n: Value = serde_json::from_slice(&frame).unwrap();
    assert_eq!(n["method"], "notifications/tools/list_changed");
}

// ---------------------------------------------------------------- cancellation

fn cancellable_server(started: Arc<tokio::sync::Notify>) -> Server {
    let s1 = Arc::clone(&started);
    let waits = Tool::new("waits").handler(move |_: NoArgs, ctx: Context| {
        let started = Arc::clone(&s1);
        async move {
            started.notify_one();
            ctx.cancelled().await;
            "finished after cancel"
        }
    });
    let s2 = started;
    let sleeps = Tool::new("sleeps").handler(move |_: NoArgs, _ctx: Context| {
        let started = Arc::clone(&s2);
        async move {
            started.notify_one();
            tokio::time::sleep(Duration::from_secs(60)).await;
            "woke"
        }
    });
    Server::new("c", "1").tool(waits).tool(sleeps)
}

#[tokio::test]
async fn cancelled_request_gets_no_response() {
    for era in ERAS {
        for tool in ["waits", "sleeps"] {
            let started = Arc::new(tokio::sync::Notify::new());
            let handle = cancellable_server(Arc::clone(&started)).into_handle().unwrap();
            let conn = handle.connect(None);
            let mut params = json!({"name": tool, "arguments": {}});
            if era == E::Legacy {
                initialize(&conn, "2025-11-25").await;
            } else {
                params = with_modern_meta(params);
            }
            let frame = serde_json::to_vec(&request(77, "tools/call", params)).unwrap();
            let pending = tokio::spawn(conn.handle(&frame, None).resolve());
            timeout(LIMIT, started.notified())
                .await
                .expect("tool did not start");
            let cancel = json!({
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": {"requestId": 77, "reason": "test"},
            });
            assert!(send(&conn, &cancel).await.is_none());
            let out = timeout(LIMIT, pending)
                .await
                .expect("cancelled request still running")
                .unwrap();
            assert!(
                out.is_none(),
                "{era:?} {tool}: a cancelled request was answered: {:?}",
                out.map(|b| String::from_utf8_lossy(&b).into_owned())
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn cancelling_another_id_does_not_cancel() {
    let started = Arc::new(tokio::sync::Notify::new());
    let fast = Tool::new("fast").handler({
        let started = Arc::clone(&started);
        move |_: NoArgs, _ctx: Context| {
            let started = Arc::clone(&started);
            async move {
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(100)).await;
                "done"
            }
        }
    });
    let handle = Server::new("c", "1").tool(fast).into_handle().unwrap();
    let conn = handle.connect(None);
    let frame = serde_json::to_vec(&request(
        5,
        "tools/call",
        with_modern_meta(json!({"name": "fast", "arguments": {}})),
    ))
    .unwrap();
    let pending = tokio::spawn(conn.handle(&frame, None).resolve());
    timeout(LIMIT, started.notified()).await.unwrap();
    send(
        &conn,
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 6}}),
    )
    .await;
    let out = timeout(LIMIT, pending).await.unwrap().unwrap().expect("answered");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(text0(result(&v)), "done");
}

// ---------------------------------------------------------------- context & state

#[tokio::test]
async fn context_exposes_meta_client_info_version_state_modern() {
    let (_h, conn) = raw_conn();
    let resp = modern(
        &conn,
        1,
        "tools/call",
        json!({"name": "whoami", "arguments": {}, "_meta": {
            "traceparent": "00-abc-01",
            "io.modelcontextprotocol/clientInfo": {"name": "modern-tester", "version": "2"},
        }}),
    )
    .await;
    let v: Value = serde_json::from_str(&text0(result(&resp))).unwrap();
    assert_eq!(v["version"], "2026-07-28");
    assert_eq!(v["client"], "modern-tester");
    assert_eq!(v["trace"], "00-abc-01");
    assert_eq!(v["hasCapabilities"], true);
    assert_eq!(v["hasState"], true);
}

#[tokio::test]
async fn context_exposes_meta_client_info_version_state_legacy() {
    let (_h, conn) = legacy_conn("2025-06-18").await;
    let resp = call(
        &conn,
        1,
        "tools/call",
        json!({"name": "whoami", "arguments": {}, "_meta": {"traceparent": "tp-legacy"}}),
    )
    .await;
    let v: Value = serde_json::from_str(&text0(result(&resp))).unwrap();
    assert_eq!(v["version"], "2025-06-18");
    assert_eq!(v["client"], "legacy-tester");
    assert_eq!(v["trace"], "tp-legacy");
    assert_eq!(v["hasState"], true);
}

#[tokio::test]
async fn state_extractor_shares_one_value() {
    for era in ERAS {
        let c = typed(era, server()).await;
        let a = c.call_tool("count", json!({})).await.unwrap();
        let b = c.call_tool("count", json!({})).await.unwrap();
        assert_eq!(a.content[0].as_text(), Some("1"), "{era:?}");
        assert_eq!(b.content[0].as_text(), Some("2"), "{era:?}");
    }
}

#[tokio::test]
async fn missing_state_says_to_call_server_state() {
    for era in ERAS {
        let (_h, conn) = conn_for(era).await;
        let resp = req(
            era,
            &conn,
            1,
            "tools/call",
            json!({"name": "needs_state", "arguments": {}}),
        )
        .await;
        // Either a JSON-RPC error or an error result; the message must say what to do.
        let msg = match resp.get("error") {
            Some(e) => e["message"].as_str().unwrap().to_owned(),
            None => {
                assert_eq!(resp["result"]["isError"], true, "{resp}");
                text0(&resp["result"])
            }
        };
        assert!(msg.contains("Server::state"), "{era:?}: {msg}");
        assert!(msg.contains("Unregistered"), "{msg}");
    }
}

#[tokio::test]
async fn extractors_are_not_in_the_input_schema() {
    let (_h, conn) = raw_conn();
    let resp = modern(&conn, 1, "tools/list", json!({})).await;
    let tools = result(&resp)["tools"].as_array().unwrap().clone();
    for name in ["whoami", "count", "needs_state"] {
        let t = tools.iter().find(|t| t["name"] == name).unwrap();
        let props = t["inputSchema"]["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(props.is_empty(), "{name} leaks extractors: {t}");
    }
}

// ---------------------------------------------------------------- batches

#[tokio::test]
async fn batch_in_2025_03_26_returns_an_array() {
    let (_h, conn) = legacy_conn("2025-03-26").await;
    let batch = json!([
        request(1, "ping", json!({})),
        request(2, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}})),
        {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}},
        request(3, "nope/nope", json!({})),
    ]);
    let resp = send(&conn, &batch).await.expect("batch answered");
    let arr = resp.as_array().unwrap_or_else(|| panic!("not an array: {resp}"));
    assert_eq!(arr.len(), 3, "{resp}");
    let by_id = |id: i64| {
        arr.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    assert_eq!(result(by_id(1)), &json!({}));
    assert_eq!(text0(result(by_id(2))), "2");
    assert_eq!(code(by_id(3)), -32601);
}

#[tokio::test]
async fn batch_of_notifications_only_gets_no_response() {
    let (_h, conn) = legacy_conn("2025-03-26").await;
    let batch = json!([{"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}}]);
    assert!(send(&conn, &batch).await.is_none());
}

#[tokio::test]
async fn batch_outside_2025_03_26_is_invalid_request() {
    let batch = json!([request(1, "ping", json!({})), request(2, "tools/list", json!({}))]);
    for v in ["2025-11-25", "2025-06-18", "2024-11-05"] {
        let (_h, conn) = legacy_conn(v).await;
        let resp = send(&conn, &batch).await.unwrap();
        assert!(resp.is_object(), "{v}: {resp}");
        assert_eq!(code(&resp), -32600, "{v}");
        assert_eq!(resp["id"], Value::Null);
    }
    // Modern (no session).
    let (_h, conn) = raw_conn();
    let batch = json!([
        request(1, "ping", with_modern_meta(json!({}))),
        request(2, "tools/list", with_modern_meta(json!({})))
    ]);
    let resp = send(&conn, &batch).await.unwrap();
    assert_eq!(code(&resp), -32600);
}

// ---------------------------------------------------------------- framing errors

#[tokio::test]
async fn framing_errors_on_the_engine() {
    let (_h, conn) = raw_conn();
    let resp = send_bytes(&conn, b"{not json").await.unwrap();
    assert_eq!(code(&resp), -32700);
    assert_eq!(resp["id"], Value::Null);
    let resp = send_bytes(&conn, br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)
        .await
        .unwrap();
    assert_eq!(code(&resp), -32600);
    let resp = send_bytes(&conn, br#"{"jsonrpc":"2.0","id":1}"#).await.unwrap();
    assert_eq!(code(&resp), -32600);
    let resp = send_bytes(&conn, br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#)
        .await
        .unwrap();
    assert_eq!(code(&resp), -32600);
    // A response to nothing is ignored.
    assert!(
        send_bytes(&conn, br#"{"jsonrpc":"2.0","id":1,"result":{}}"#)
            .await
            .is_none()
    );
}

#[tokio::test]
async fn string_ids_round_trip() {
    let (_h, conn) = raw_conn();
    let resp = send(
        &conn,
        &json!({"jsonrpc": "2.0", "id": "abc-1", "method": "tools/call",
                "params": with_modern_meta(json!({"name": "add", "arguments": {"a": 1, "b": 2}}))}),
    )
    .await
    .unwrap();
    assert_eq!(resp["id"], "abc-1");
    assert_eq!(resp["jsonrpc"], "2.0");
    assert_eq!(text0(result(&resp)), "3");
}
