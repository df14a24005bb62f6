//! What the server emits validates against the published schema of each
//! protocol revision (`tests/fixtures/spec/schema/<revision>/schema.json`, vendored).
//!
//! A validator for definition `X` is the revision's root schema with
//! `"$ref": "#/$defs/X"` (2025-11-25 and later) or `"#/definitions/X"`
//! (earlier) added at the top, so references inside resolve against the root.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use mcp_serve::engine::Connection;
use mcp_serve::prelude::*;
use mcp_serve::prompt::Prompt;
use mcp_serve::resource::Resource;
use serde_json::{Value, json};
use tokio::time::timeout;

const SCHEMA_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/spec/schema");
const LEGACY: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

// ---------------------------------------------------------------- schemas

fn root_schema(revision: &str) -> &'static Value {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Value>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache.entry(revision.to_owned()).or_insert_with(|| {
        let path = format!("{SCHEMA_ROOT}/{revision}/schema.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        Box::leak(Box::new(serde_json::from_str(&text).expect("schema is JSON")))
    })
}

fn defs_key(revision: &str) -> &'static str {
    if root_schema(revision).get("$defs").is_some() {
        "$defs"
    } else {
        "definitions"
    }
}

fn validator(revision: &str, def: &str) -> jsonschema::Validator {
    let mut schema = root_schema(revision).clone();
    let key = defs_key(revision);
    assert!(
        schema[key].get(def).is_some(),
        "{revision} has no definition {def} under {key}"
    );
    schema["$ref"] = json!(format!("#/{key}/{def}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{revision} {def}: bad schema: {e}"))
}

#[track_caller]
fn assert_valid(revision: &str, def: &str, instance: &Value) {
    let v = validator(revision, def);
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{revision} {def} rejects\n{}\nerrors:\n  {}",
        serde_json::to_string_pretty(instance).unwrap(),
        errors.join("\n  ")
    );
}

#[track_caller]
fn assert_invalid(revision: &str, def: &str, instance: &Value) {
    assert!(
        !validator(revision, def).is_valid(instance),
        "{revision} {def} should reject {instance}"
    );
}

// ---------------------------------------------------------------- server

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Stats {
    count: usize,
    sum: f64,
}

/// Add two numbers.
#[tool]
async fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Divide.
#[tool(annotations(read_only, idempotent))]
fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("division by zero"));
    }
    Ok(a / b)
}

/// Count and sum numbers.
#[tool]
fn stats(numbers: Vec<f64>) -> Result<Stats, ToolError> {
    Ok(Stats {
        count: numbers.len(),
        sum: numbers.iter().sum(),
    })
}

/// A user.
#[resource("users://{id}/profile", name = "user-profile", mime = "text/plain")]
fn profile(id: u64) -> String {
    format!("user {id}")
}

/// Review code.
#[prompt]
fn review(
    /// The code.
    code: String,
    language: Option<String>,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user_text(format!("Review this {}:\n{code}", language.unwrap_or_default())),
        PromptMessage::assistant_text("Sure."),
    ]
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct TopicArgs {
    topic: String,
}

fn server() -> Server {
    Server::new("schema-test", "1.2.3")
        .title("Schema Test")
        .instructions("Validate me.")
        .tool(add)
        .tool(divide)
        .tool(stats)
        .resource(
            Resource::new("config://app")
                .name("app-config")
                .description("Configuration")
                .mime_type("application/json")
                .text("{}"),
        )
        .resource(profile)
        .resource(
            Resource::new("blob://one")
                .name("blob")
                .mime_type("application/octet-stream")
                .handler(|_: serde_json::Map<String, Value>, _ctx: Context| async {
                    Blob::new(vec![0u8, 1, 2, 255], "application/octet-stream")
                }),
        )
        .prompt(review)
        .prompt(
            Prompt::new("explain")
                .handler(|a: TopicArgs, _ctx: Context| async move { format!("Explain {}", a.topic) })
                .complete("topic", |p: String, _ctx: Context| async move {
                    (0..150).map(|i| format!("{p}{i}")).collect::<Vec<String>>()
                }),
        )
}

// ---------------------------------------------------------------- wire helpers

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "schema-client", "version": "1"},
    })
}

async fn send(conn: &Connection, msg: &Value) -> Value {
    let bytes = serde_json::to_vec(msg).unwrap();
    send_bytes(conn, &bytes).await
}

async fn send_bytes(conn: &Connection, bytes: &[u8]) -> Value {
    let out = timeout(Duration::from_secs(10), conn.handle(bytes, None).resolve())
        .await
        .expect("no answer in time")
        .expect("no response");
    serde_json::from_slice(&out).expect("engine emitted JSON")
}

/// A connection and how to make requests on it for one revision.
struct Session {
    conn: Connection,
    revision: &'static str,
    next: i64,
    _handle: ServerHandle,
}

impl Session {
    async fn new(revision: &'static str) -> (Session, Option<Value>) {
        let handle = server().into_handle().unwrap();
        let conn = handle.connect(None);
        let mut s = Session {
            conn,
            revision,
            next: 1,
            _handle: handle,
        };
        if revision == "2026-07-28" {
            return (s, None);
        }
        let init = s
            .raw(
                "initialize",
                json!({"protocolVersion": revision, "capabilities": {},
                       "clientInfo": {"name": "schema-client", "version": "1"}}),
            )
            .await;
        notify(
            &s.conn,
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        )
        .await;
        (s, Some(init))
    }

    /// Sends a request (with modern `_meta` when modern); returns the whole response.
    async fn raw(&mut self, method: &str, mut params: Value) -> Value {
        if self.revision == "2026-07-28" {
            params["_meta"] = modern_meta();
        }
        self.next += 1;
        let msg = json!({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params});
        send(&self.conn, &msg).await
    }

    async fn result(&mut self, method: &str, params: Value) -> Value {
        let resp = self.raw(method, params).await;
        assert!(resp.get("error").is_none(), "{method}: {resp}");
        resp["result"].clone()
    }
}

/// Sends a notification, which must produce no response.
async fn notify(conn: &Connection, msg: &Value) {
    let out = timeout(
        Duration::from_secs(10),
        conn.handle(&serde_json::to_vec(msg).unwrap(), None).resolve(),
    )
    .await
    .unwrap();
    assert!(out.is_none());
}

// ---------------------------------------------------------------- sanity

#[test]
fn validators_are_not_vacuous() {
    for rev in ["2026-07-28"].into_iter().chain(LEGACY) {
        assert_invalid(rev, "ListToolsResult", &json!({"tools": [{"name": 5}]}));
        assert_invalid(rev, "CallToolResult", &json!({"content": [{"type": "text"}]}));
        assert_invalid(rev, "ReadResourceResult", &json!({"contents": "nope"}));
        assert_invalid(rev, "GetPromptResult", &json!({"messages": [{"role": "robot"}]}));
    }
    for rev in LEGACY {
        assert_invalid(rev, "InitializeResult", &json!({"protocolVersion": "x"}));
    }
    // Modern results must carry resultType (and cacheable ones ttlMs/cacheScope).
    assert_invalid("2026-07-28", "ListToolsResult", &json!({"tools": []}));
    assert_invalid("2026-07-28", "CallToolResult", &json!({"content": []}));
    assert_invalid(
        "2026-07-28",
        "UnsupportedProtocolVersionError",
        &json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32022, "message": "x"}}),
    );
}

// ---------------------------------------------------------------- 2026-07-28

const M: &str = "2026-07-28";

#[tokio::test]
async fn modern_discover_result() {
    let (mut s, _) = Session::new(M).await;
    let resp = s.raw("server/discover", json!({})).await;
    assert_valid(M, "DiscoverResult", &resp["result"]);
    assert_valid(M, "DiscoverResultResponse", &resp);
}

#[tokio::test]
async fn modern_list_results() {
    let (mut s, _) = Session::new(M).await;
    let resp = s.raw("tools/list", json!({})).await;
    assert_valid(M, "ListToolsResult", &resp["result"]);
    assert_valid(M, "ListToolsResultResponse", &resp);
    let resp = s.raw("resources/list", json!({})).await;
    assert_valid(M, "ListResourcesResult", &resp["result"]);
    assert_valid(M, "ListResourcesResultResponse", &resp);
    let resp = s.raw("resources/templates/list", json!({})).await;
    assert_valid(M, "ListResourceTemplatesResult", &resp["result"]);
    assert_valid(M, "ListResourceTemplatesResultResponse", &resp);
    let resp = s.raw("prompts/list", json!({})).await;
    assert_valid(M, "ListPromptsResult", &resp["result"]);
    assert_valid(M, "ListPromptsResultResponse", &resp);
}

#[tokio::test]
async fn modern_paginated_list_result() {
    let handle = server().page_size(1).into_handle().unwrap();
    let conn = handle.connect(None);
    let resp = send(
        &conn,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": modern_meta()}}),
    )
    .await;
    assert!(resp["result"]["nextCursor"].is_string(), "{resp}");
    assert_valid(M, "ListToolsResult", &resp["result"]);
}

#[tokio::test]
async fn modern_call_tool_results() {
    let (mut s, _) = Session::new(M).await;
    let plain = s
        .result(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
        )
        .await;
    assert_valid(M, "CallToolResult", &plain);
    let structured = s
        .result(
            "tools/call",
            json!({"name": "stats", "arguments": {"numbers": [1, 2]}}),
        )
        .await;
    assert!(structured["structuredContent"].is_object());
    assert_valid(M, "CallToolResult", &structured);
    let is_error = s
        .result(
            "tools/call",
            json!({"name": "divide", "arguments": {"a": 1, "b": 0}}),
        )
        .await;
    assert_eq!(is_error["isError"], true);
    assert_valid(M, "CallToolResult", &is_error);
    let bad_args = s
        .result("tools/call", json!({"name": "add", "arguments": {"a": "x"}}))
        .await;
    assert_eq!(bad_args["isError"], true);
    assert_valid(M, "CallToolResult", &bad_args);
    let resp = s
        .raw(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
        )
        .await;
    assert_valid(M, "CallToolResultResponse", &resp);
}

#[tokio::test]
async fn modern_read_resource_results() {
    let (mut s, _) = Session::new(M).await;
    for uri in ["config://app", "users://7/profile", "blob://one"] {
        let resp = s.raw("resources/read", json!({"uri": uri})).await;
        assert_valid(M, "ReadResourceResult", &resp["result"]);
        assert_valid(M, "ReadResourceResultResponse", &resp);
    }
}

#[tokio::test]
async fn modern_get_prompt_and_complete_results() {
    let (mut s, _) = Session::new(M).await;
    let resp = s
        .raw(
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "x", "language": "rust"}}),
        )
        .await;
    assert_valid(M, "GetPromptResult", &resp["result"]);
    assert_valid(M, "GetPromptResultResponse", &resp);
    let resp = s
        .raw(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "explain"}, "argument": {"name": "topic", "value": "a"}}),
        )
        .await;
    assert_valid(M, "CompleteResult", &resp["result"]);
    assert_valid(M, "CompleteResultResponse", &resp);
}

#[tokio::test]
async fn modern_error_responses() {
    let (mut s, _) = Session::new(M).await;
    let conn = s.conn.clone();
    // Unsupported version.
    let resp = send(
        &conn,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2099-01-01",
            "io.modelcontextprotocol/clientCapabilities": {}}}}),
    )
    .await;
    assert_valid(M, "UnsupportedProtocolVersionError", &resp);
    assert_valid(M, "JSONRPCErrorResponse", &resp);
    // Invalid params: unknown tool, missing capabilities, bad cursor, resource not found.
    let unknown = s.raw("tools/call", json!({"name": "nope"})).await;
    let cursor = s.raw("tools/list", json!({"cursor": "bad"})).await;
    let missing = s.raw("resources/read", json!({"uri": "nope://x"})).await;
    let no_caps = send(
        &conn,
        &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28"}}}),
    )
    .await;
    for resp in [&unknown, &cursor, &missing, &no_caps] {
        assert_valid(M, "JSONRPCErrorResponse", resp);
        assert_valid(M, "InvalidParamsError", &resp["error"]);
    }
    // Method not found.
    let resp = s.raw("logging/setLevel", json!({"level": "info"})).await;
    assert_valid(M, "JSONRPCErrorResponse", &resp);
    assert_valid(M, "MethodNotFoundError", &resp["error"]);
    // Invalid request with a readable id.
    let resp = send_bytes(&conn, br#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#).await;
    assert_eq!(resp["id"], 3);
    assert_valid(M, "JSONRPCErrorResponse", &resp);
    assert_valid(M, "InvalidRequestError", &resp["error"]);
}

/// Errors for messages whose id cannot be read. The 2025-11-25 and
/// 2026-07-28 schemas make `id` optional but never `null` ("Unlike base
/// JSON-RPC, the ID MUST NOT be null"; `JSONRPCErrorResponse.id?: RequestId`),
/// so such a response must omit `id` rather than send `"id": null`.
#[tokio::test]
async fn error_responses_without_readable_id() {
    let (s, _) = Session::new(M).await;
    let conn = s.conn.clone();
    let resp = send_bytes(&conn, b"{oops").await;
    assert_valid(M, "ParseError", &resp["error"]);
    assert_valid(M, "JSONRPCErrorResponse", &resp);
    assert_valid("2025-11-25", "JSONRPCErrorResponse", &resp);
    let resp = send_bytes(&conn, br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#).await;
    assert_valid(M, "InvalidRequestError", &resp["error"]);
    assert_valid(M, "JSONRPCErrorResponse", &resp);
}

// ---------------------------------------------------------------- legacy revisions

async fn check_legacy(rev: &'static str) {
    let (mut s, init) = Session::new(rev).await;
    let init = init.unwrap();
    assert!(init.get("error").is_none(), "{init}");
    let init = init["result"].clone();
    assert_eq!(init["protocolVersion"], rev);
    assert_valid(rev, "InitializeResult", &init);

    let tools = s.result("tools/list", json!({})).await;
    assert_valid(rev, "ListToolsResult", &tools);

    for (name, args) in [
        ("add", json!({"a": 1, "b": 2})),
        ("stats", json!({"numbers": [1, 2]})),
        ("divide", json!({"a": 1, "b": 0})),
        ("add", json!({"a": "x"})),
    ] {
        let r = s
            .result("tools/call", json!({"name": name, "arguments": args}))
            .await;
        assert_valid(rev, "CallToolResult", &r);
    }

    for uri in ["config://app", "users://7/profile", "blob://one"] {
        let r = s.result("resources/read", json!({"uri": uri})).await;
        assert_valid(rev, "ReadResourceResult", &r);
    }
    let r = s.result("resources/list", json!({})).await;
    assert_valid(rev, "ListResourcesResult", &r);
    let r = s.result("resources/templates/list", json!({})).await;
    assert_valid(rev, "ListResourceTemplatesResult", &r);

    let r = s
        .result(
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "x"}}),
        )
        .await;
    assert_valid(rev, "GetPromptResult", &r);
    let r = s.result("prompts/list", json!({})).await;
    assert_valid(rev, "ListPromptsResult", &r);

    let r = s
        .result(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "explain"}, "argument": {"name": "topic", "value": "a"}}),
        )
        .await;
    assert_valid(rev, "CompleteResult", &r);

    // Error responses to requests with an id.
    let err_def = if defs_key(rev) == "$defs" {
        "JSONRPCErrorResponse"
    } else {
        "JSONRPCError"
    };
    let resp = s.raw("tools/call", json!({"name": "nope"})).await;
    assert_valid(rev, err_def, &resp);
    let resp = s.raw("resources/read", json!({"uri": "nope://x"})).await;
    assert_eq!(resp["error"]["code"], -32002);
    assert_valid(rev, err_def, &resp);
}

#[tokio::test]
async fn legacy_2025_11_25() {
    check_legacy("2025-11-25").await;
}

#[tokio::test]
async fn legacy_2025_06_18() {
    check_legacy("2025-06-18").await;
}

#[tokio::test]
async fn legacy_2025_03_26() {
    check_legacy("2025-03-26").await;
}

#[tokio::test]
async fn legacy_2024_11_05() {
    check_legacy("2024-11-05").await;
}
