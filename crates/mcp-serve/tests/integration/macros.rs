//! Behaviour of the `#[tool]`, `#[resource("...")]` and `#[prompt]` attribute
//! macros, observed over the wire through `TestClient` in both eras.

use std::sync::atomic::{AtomicU64, Ordering};

use mcp_serve::context::FromContext;
use mcp_serve::engine::RegistrationError;
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::{ResourceContents, TextResourceContents};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::schema::SchemaDialect;
use mcp_serve::testing::TestClient;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// One client per era, each on its own copy of the server.
async fn both(build: fn() -> Server) -> Vec<(&'static str, TestClient)> {
    vec![
        (
            "modern",
            TestClient::modern(build()).await.expect("modern client"),
        ),
        (
            "legacy",
            TestClient::legacy(build()).await.expect("legacy client"),
        ),
    ]
}

/// The wire definition of one tool, as JSON.
async fn tool_def(client: &TestClient, name: &str) -> Value {
    let tools = client.list_tools().await.expect("tools/list");
    let tool = tools
        .tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name} in {:?}", tools.tools));
    serde_json::to_value(tool).expect("serialize tool")
}

/// The input schema of one tool.
async fn input_schema(client: &TestClient, name: &str) -> Value {
    tool_def(client, name).await["inputSchema"].clone()
}

/// Calls a tool and returns the whole result as JSON.
async fn call(client: &TestClient, name: &str, args: Value) -> Value {
    let r = client.call_tool(name, args).await.expect("tools/call");
    serde_json::to_value(&r).expect("serialize result")
}

/// The text of the first content block of a tool result.
fn first_text(result: &Value) -> &str {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text block in {result}"))
}

fn is_error(result: &Value) -> bool {
    result["isError"] == json!(true)
}

fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn property_names(schema: &Value) -> Vec<String> {
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {schema}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

/// Whether `"$ref"` or `"$defs"`/`"definitions"` occurs anywhere in `v`.
fn has_refs(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.contains_key("$ref")
                || m.contains_key("$defs")
                || m.contains_key("definitions")
                || m.values().any(has_refs)
        }
        Value::Array(a) => a.iter().any(has_refs),
        _ => false,
    }
}

fn contents_json(r: &mcp_serve::protocol::types::ReadResourceResult) -> Value {
    serde_json::to_value(&r.contents).expect("serialize contents")
}

// ---------------------------------------------------------------------------
// Tools: sync / async, descriptions, parameters
// ---------------------------------------------------------------------------

/// Add two numbers (async).
#[tool]
async fn add_async(a: f64, b: f64) -> f64 {
    tokio::task::yield_now().await;
    a + b
}

/// Multiply two integers (sync).
///
/// Second paragraph of the description.
#[tool]
fn mul_sync(a: i64, b: i64) -> i64 {
    a * b
}

#[tool]
fn undocumented(x: i32) -> i32 {
    x
}

/// This doc comment is overridden.
#[tool(description = "Explicit description wins")]
fn explicit_description() -> &'static str {
    "ok"
}

/// Parameters with descriptions.
#[tool]
fn described(
    #[arg(desc = "The subject to greet")] subject: String,
    /// How many times to repeat the greeting.
    times: u32,
    plain: bool,
) -> String {
    format!("{subject}{times}{plain}")
}

/// Optional parameters.
#[tool]
fn optional_args(required_one: String, maybe: Option<String>, maybe_number: Option<i64>) -> String {
    format!(
        "{required_one}|{}|{}",
        maybe.unwrap_or_else(|| "none".into()),
        maybe_number.map_or_else(|| "none".into(), |n| n.to_string())
    )
}

/// A defaulted parameter.
#[tool]
fn with_default(#[arg(default = 5)] count: i64, #[arg(default = "hi")] word: String) -> String {
    format!("{word}x{count}")
}

/// Defaulted unsigned and float parameters with unsuffixed literals.
#[tool]
fn with_default_unsigned(
    #[arg(default = 5)] a: u32,
    #[arg(default = 6)] b: u64,
    #[arg(default = 7)] c: usize,
    #[arg(default = 1.5)] d: f32,
    #[arg(default = 8u8)] e: u8,
) -> String {
    format!("{a} {b} {c} {d} {e}")
}

/// A parameter whose Rust name is a raw identifier.
#[tool]
fn raw_ident(r#type: String, #[arg(rename = "loop")] r#loop: u8) -> String {
    format!("type={} loop={}", r#type, r#loop)
}

/// A renamed parameter.
#[tool]
fn renamed(#[arg(rename = "x", desc = "Renamed on the wire")] internal_name: i64) -> i64 {
    internal_name * 10
}

/// Fully configured.
#[tool(
    name = "configured-tool",
    title = "Configured Tool",
    description = "A tool with every option",
    annotations(read_only, destructive, idempotent, open_world, title = "Annotated Title")
)]
fn configured_tool_fn() -> &'static str {
    "configured"
}

/// Some annotations only.
#[tool(annotations(read_only))]
fn read_only_only() -> &'static str {
    "ro"
}

/// No parameters at all.
#[tool]
fn no_params() -> &'static str {
    "nothing needed"
}

/// Only extractors, so no schema properties.
#[tool]
async fn only_context(ctx: Context) -> String {
    ctx.protocol_version().to_string()
}

fn tools_server() -> Server {
    Server::new("macros", "1.0.0")
        .tool(add_async)
        .tool(mul_sync)
        .tool(undocumented)
        .tool(explicit_description)
        .tool(described)
        .tool(optional_args)
        .tool(with_default)
        .tool(with_default_unsigned)
        .tool(raw_ident)
        .tool(renamed)
        .tool(configured_tool_fn)
        .tool(read_only_only)
        .tool(no_params)
        .tool(only_context)
}

#[tokio::test]
async fn async_and_sync_tools_are_called() {
    for (era, c) in both(tools_server).await {
        let r = call(&c, "add_async", json!({"a": 2, "b": 3.5})).await;
        assert_eq!(first_text(&r), "5.5", "{era}: {r}");
        assert!(!is_error(&r), "{era}: {r}");
        let r = call(&c, "mul_sync", json!({"a": 6, "b": -7})).await;
        assert_eq!(first_text(&r), "-42", "{era}: {r}");
    }
}

#[tokio::test]
async fn doc_comment_becomes_description() {
    let c = TestClient::modern(tools_server()).await.unwrap();
    assert_eq!(
        tool_def(&c, "add_async").await["description"],
        "Add two numbers (async)."
    );
    assert_eq!(
        tool_def(&c, "mul_sync").await["description"],
        "Multiply two integers (sync).\n\nSecond paragraph of the description."
    );
    assert!(
        tool_def(&c, "undocumented").await.get("description").is_none(),
        "an undocumented tool has no description"
    );
    assert_eq!(
        tool_def(&c, "explicit_description").await["description"],
        "Explicit description wins"
    );
}

#[tokio::test]
async fn tool_name_defaults_to_function_name() {
    let c = TestClient::modern(tools_server()).await.unwrap();
    let names: Vec<String> = c
        .list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"add_async".to_owned()), "{names:?}");
    assert!(names.contains(&"configured-tool".to_owned()), "{names:?}");
    assert!(!names.contains(&"configured_tool_fn".to_owned()), "{names:?}");
}

#[tokio::test]
async fn input_schema_types_and_required() {
    let c = TestClient::modern(tools_server()).await.unwrap();
    let s = input_schema(&c, "add_async").await;
    assert_eq!(s["type"], "object", "{s}");
    assert_eq!(s["properties"]["a"]["type"], "number", "{s}");
    assert_eq!(s["properties"]["b"]["type"], "number", "{s}");
    let mut req = required(&s);
    req.sort();
    assert_eq!(req, ["a", "b"], "{s}");
    let s = input_schema(&c, "mul_sync").await;
    assert_eq!(s["properties"]["a"]["type"], "integer", "{s}");
}

#[tokio::test]
async fn arg_desc_and_param_doc_become_property_descriptions() {
    let c = TestClient::modern(tools_server()).await.unwrap();
    let s = input_schema(&c, "described").await;
    assert_eq!(
        s["properties"]["subject"]["description"], "The subject to greet",
        "{s}"
    );
    assert_eq!(
        s["properties"]["times"]["description"], "How many times to repeat the greeting.",
        "{s}"
    );
    assert!(s["properties"]["plain"].get("description").is_none(), "{s}");
    let r = call(
        &c,
        "described",
        json!({"subject": "a", "times": 2, "plain": true}),
    )
    .await;
    assert_eq!(first_text(&r), "a2true");
}

#[tokio::test]
async fn option_parameters_are_not_required() {
    for (era, c) in both(tools_server).await {
        let s = input_schema(&c, "optional_args").await;
        assert_eq!(required(&s), ["required_one"], "{era}: {s}");
        assert_eq!(
            property_names(&s),
            ["maybe", "maybe_number", "required_one"],
            "{era}: {s}"
        );
        let r = call(&c, "optional_args", json!({"required_one": "r"})).await;
        assert_eq!(first_text(&r), "r|none|none", "{era}: {r}");
        let r = call(
            &c,
            "optional_args",
            json!({"required_one": "r", "maybe": "m", "maybe_number": 4}),
        )
        .await;
        assert_eq!(first_text(&r), "r|m|4", "{era}: {r}");
        // Models often send null for optional values.
        let r = call(&c, "optional_args", json!({"required_one": "r", "maybe": null})).await;
        assert_eq!(first_text(&r), "r|none|none", "{era}: {r}");
    }
}

#[tokio::test]
async fn missing_required_argument_is_a_tool_error_naming_it() {
    let c = TestClient::modern(tools_server()).await.unwrap();
    let r = call(&c, "optional_args", json!({})).await;
    assert!(is_error(&r), "{r}");
    assert!(first_text(&r).contains("required_one"), "{r}");
}

#[tokio::test]
async fn arg_default_is_applied_and_shown_in_schema() {
    for (era, c) in both(tools_server).await {
        let s = input_schema(&c, "with_default").await;
        assert!(required(&s).is_empty(), "{era}: defaulted args are optional: {s}");
        assert_eq!(s["properties"]["count"]["default"], json!(5), "{era}: {s}");
        assert_eq!(s["properties"]["word"]["default"], json!("hi"), "{era}: {s}");
        let r = call(&c, "with_default", json!({})).await;
        assert_eq!(first_text(&r), "hix5", "{era}: {r}");
        let r = call(&c, "with_default", json!({"count": 2, "word": "yo"})).await;
        assert_eq!(first_text(&r), "yox2", "{era}: {r}");
    }
}

#[tokio::test]
async fn arg_default_with_unsuffixed_literals_on_unsigned_and_float_parameters() {
    let c = TestClient::modern(tools_server()).await.unwrap();
    let s = input_schema(&c, "with_default_unsigned").await;
    assert_eq!(s["properties"]["a"]["default"], json!(5), "{s}");
    assert_eq!(s["properties"]["b"]["default"], json!(6), "{s}");
    assert_eq!(s["properties"]["c"]["default"], json!(7), "{s}");
    assert_eq!(s["properties"]["d"]["default"], json!(1.5), "{s}");
    assert_eq!(s["properties"]["e"]["default"], json!(8), "{s}");
    assert!(required(&s).is_empty(), "{s}");
    let r = call(&c, "with_default_unsigned", json!({})).await;
    assert_eq!(first_text(&r), "5 6 7 1.5 8", "{r}");
    let r = call(&c, "with_default_unsigned", json!({"a": 1, "d": 0.25})).await;
    assert_eq!(first_text(&r), "1 6 7 0.25 8", "{r}");
}

#[tokio::test]
async fn raw_identifier_parameters_use_the_plain_name() {
    for (era, c) in both(tools_server).await {
        let s = input_schema(&c, "raw_ident").await;
        assert_eq!(property_names(&s), ["loop", "type"], "{era}: {s}");
        let r = call(&c, "raw_ident", json!({"type": "t", "loop": 3})).await;
        assert_eq!(first_text(&r), "type=t loop=3", "{era}: {r}");
    }
    assert_eq!(raw_ident::call("k".into(), 1), "type=k loop=1");
}

#[tokio::test]
async fn arg_rename_changes_the_wire_name() {
    for (era, c) in both(tools_server).await {
        let s = input_schema(&c, "renamed").await;
        assert_eq!(property_names(&s), ["x"], "{era}: {s}");
        assert_eq!(required(&s), ["x"], "{era}: {s}");
        assert_eq!(
            s["properties"]["x"]["description"], "Renamed on the wire",
            "{era}: {s}"
        );
        let r = call(&c, "renamed", json!({"x": 4})).await;
        assert_eq!(first_text(&r), "40", "{era}: {r}");
        let r = call(&c, "renamed", json!({"internal_name": 4})).await;
        assert!(is_error(&r), "{era}: the Rust name is not accepted: {r}");
    }
}

#[tokio::test]
async fn tool_options_shape_the_wire_definition() {
    for (era, c) in both(tools_server).await {
        let def = tool_def(&c, "configured-tool").await;
        assert_eq!(def["name"], "configured-tool", "{era}: {def}");
        assert_eq!(def["title"], "Configured Tool", "{era}: {def}");
        assert_eq!(def["description"], "A tool with every option", "{era}: {def}");
        assert_eq!(
            def["annotations"],
            json!({
                "title": "Annotated Title",
                "readOnlyHint": true,
                "destructiveHint": true,
                "idempotentHint": true,
                "openWorldHint": true,
            }),
            "{era}: {def}"
        );
        let r = call(&c, "configured-tool", json!({})).await;
        assert_eq!(first_text(&r), "configured", "{era}: {r}");

        let def = tool_def(&c, "read_only_only").await;
        assert_eq!(def["annotations"], json!({"readOnlyHint": true}), "{era}: {def}");
        let def = tool_def(&c, "add_async").await;
        assert!(def.get("annotations").is_none(), "{era}: {def}");
        assert!(def.get("title").is_none(), "{era}: {def}");
    }
}

#[tokio::test]
async fn tool_without_parameters_has_an_empty_object_schema() {
    for (era, c) in both(tools_server).await {
        for name in ["no_params", "only_context"] {
            let s = input_schema(&c, name).await;
            assert_eq!(s["type"], "object", "{era} {name}: {s}");
            let props = s
                .get("properties")
                .map_or(0, |p| p.as_object().map_or(usize::MAX, |o| o.len()));
            assert_eq!(props, 0, "{era} {name}: {s}");
            assert!(required(&s).is_empty(), "{era} {name}: {s}");
        }
        // Called with an empty object and with no arguments at all.
        let r = call(&c, "no_params", json!({})).await;
        assert_eq!(first_text(&r), "nothing needed", "{era}: {r}");
        let raw = c
            .request_raw("tools/call", Some(json!({"name": "no_params"})))
            .await
            .expect("tools/call without arguments");
        assert_eq!(raw["content"][0]["text"], "nothing needed", "{era}: {raw}");
    }
}

#[tokio::test]
async fn function_stays_callable_directly() {
    assert_eq!(mul_sync::call(6, 7), 42);
    assert_eq!(add_async::call(1.0, 2.0).await, 3.0);
    assert_eq!(renamed::call(3), 30);
    assert_eq!(with_default::call(2, "w".into()), "wx2");
    assert_eq!(no_params::call(), "nothing needed");
}

#[tokio::test]
async fn invalid_argument_value_is_a_tool_error_naming_the_field() {
    for (era, c) in both(tools_server).await {
        let r = call(&c, "add_async", json!({"a": "not a number", "b": 1})).await;
        assert!(is_error(&r), "{era}: {r}");
        let text = first_text(&r);
        assert!(
            text.contains("a:") || text.contains("`a`") || text.contains("\"a\""),
            "{era}: {text}"
        );
        assert!(text.contains("add_async"), "{era}: {text}");

        let r = call(&c, "renamed", json!({"x": "four"})).await;
        assert!(is_error(&r), "{era}: {r}");
        assert!(first_text(&r).contains('x'), "{era}: {r}");

        // Out of range for a u32.
        let r = call(
            &c,
            "described",
            json!({"subject": "s", "times": -1, "plain": false}),
        )
        .await;
        assert!(is_error(&r), "{era}: {r}");
        assert!(first_text(&r).contains("times"), "{era}: {r}");
    }
}

// ---------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------

struct Counter {
    hits: AtomicU64,
}

/// A custom extractor: the `x-tenant` value of the request's `_meta`.
struct Tenant(String);

impl FromContext for Tenant {
    fn from_context(cx: &Context) -> Result<Self, McpError> {
        cx.meta()
            .get("x-tenant")
            .and_then(Value::as_str)
            .map(|s| Tenant(s.to_owned()))
            .ok_or_else(|| McpError::invalid_params("the x-tenant _meta entry is required"))
    }
}

/// Every extractor at once, mixed with real arguments.
#[tool]
#[allow(clippy::too_many_arguments)]
async fn extractors(
    ctx: Context,
    label: String,
    counter: State<Counter>,
    meta: RequestMeta,
    client: ClientInfo,
    version: ProtocolVersion,
    #[ctx] tenant: Tenant,
    n: u32,
) -> Json<Value> {
    let hits = counter.hits.fetch_add(u64::from(n), Ordering::SeqCst) + u64::from(n);
    Json(json!({
        "label": label,
        "hits": hits,
        "trace": meta.get("traceparent").cloned().unwrap_or(Value::Null),
        "client": client.0.map(|c| c.name),
        "version": version.to_string(),
        "ctx_version": ctx.protocol_version().to_string(),
        "tenant": tenant.0,
    }))
}

/// Uses shared state only.
#[tool]
fn hit_counter(counter: State<Counter>) -> u64 {
    counter.hits.fetch_add(1, Ordering::SeqCst) + 1
}

/// Needs a `String` state, which `extractor_server` does not register.
#[tool]
fn missing_state(s: State<String>) -> String {
    (*s).clone()
}

fn extractor_server() -> Server {
    Server::new("extract", "1.0.0")
        .tool(extractors)
        .tool(hit_counter)
        .state(Counter {
            hits: AtomicU64::new(0),
        })
}

#[tokio::test]
async fn extractors_are_not_in_the_schema() {
    let c = TestClient::modern(extractor_server()).await.unwrap();
    let s = input_schema(&c, "extractors").await;
    assert_eq!(property_names(&s), ["label", "n"], "{s}");
    let mut req = required(&s);
    req.sort();
    assert_eq!(req, ["label", "n"], "{s}");
    let s = input_schema(&c, "hit_counter").await;
    assert_eq!(
        s.get("properties")
            .map_or(0, |p| p.as_object().map_or(1, |o| o.len())),
        0,
        "{s}"
    );
}

#[tokio::test]
async fn extractors_are_injected() {
    for (era, c) in both(extractor_server).await {
        let raw = c
            .request_raw(
                "tools/call",
                Some(json!({
                    "name": "extractors",
                    "arguments": {"label": "L", "n": 3},
                    "_meta": {"traceparent": "00-abc-01", "x-tenant": "acme"},
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{era}: {e}"));
        assert_ne!(raw["isError"], json!(true), "{era}: {raw}");
        let s = &raw["structuredContent"];
        let expected_version = if era == "modern" {
            ProtocolVersion::LATEST
        } else {
            ProtocolVersion::LATEST_LEGACY
        };
        assert_eq!(s["label"], "L", "{era}: {raw}");
        assert_eq!(s["hits"], 3, "{era}: {raw}");
        assert_eq!(s["trace"], "00-abc-01", "{era}: {raw}");
        assert_eq!(s["client"], "mcp-serve-client", "{era}: {raw}");
        assert_eq!(s["version"], expected_version.to_string(), "{era}: {raw}");
        assert_eq!(s["ctx_version"], expected_version.to_string(), "{era}: {raw}");
        assert_eq!(s["tenant"], "acme", "{era}: {raw}");
    }
}

#[tokio::test]
async fn custom_extractor_failure_is_the_client_error() {
    let c = TestClient::modern(extractor_server()).await.unwrap();
    let e = c
        .call_tool("extractors", json!({"label": "L", "n": 1}))
        .await
        .expect_err("no x-tenant: the extractor fails");
    let rpc = e.rpc().unwrap_or_else(|| panic!("not a JSON-RPC error: {e}"));
    assert_eq!(rpc.code, -32602, "{rpc:?}");
    assert!(rpc.message.contains("x-tenant"), "{rpc:?}");
}

#[tokio::test]
async fn state_is_shared_between_calls() {
    let c = TestClient::modern(extractor_server()).await.unwrap();
    assert_eq!(first_text(&call(&c, "hit_counter", json!({})).await), "1");
    assert_eq!(first_text(&call(&c, "hit_counter", json!({})).await), "2");
}

/// The refusal of a server whose handler takes a state it lacks.
fn missing_state_error(server: Server) -> RegistrationError {
    server
        .into_handle()
        .expect_err("the server lacks a state a handler takes")
}

#[test]
fn missing_state_is_refused_when_the_server_is_built() {
    let e = missing_state_error(extractor_server().tool(missing_state));
    assert!(
        matches!(&e, RegistrationError::MissingState { kind: "tool", name, type_name }
            if name == "missing_state" && type_name.ends_with("String")),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains("tool `missing_state`"), "{msg}");
    assert!(msg.contains("State<alloc::string::String>"), "{msg}");
    assert!(msg.contains(".state(value)"), "{msg}");

    // Resources and prompts too, whatever the order of the calls.
    let e = missing_state_error(Server::new("s", "1.0.0").resource(greeting));
    assert!(
        matches!(&e, RegistrationError::MissingState { kind: "resource", name, type_name }
            if name == "state://greeting/{who}" && type_name.ends_with("Greeting")),
        "{e:?}"
    );
    let e = missing_state_error(Server::new("s", "1.0.0").prompt(stateful_prompt));
    assert!(
        e.to_string()
            .starts_with("prompt `stateful_prompt` takes `State<"),
        "{e}"
    );
}

#[tokio::test]
async fn a_state_given_after_the_handler_is_accepted() {
    let c = TestClient::modern(
        extractor_server()
            .tool(missing_state)
            .state(String::from("given")),
    )
    .await
    .expect("the state is there");
    let r = call(&c, "missing_state", json!({})).await;
    assert_eq!(first_text(&r), "given", "{r}");
    assert!(
        Server::new("s", "1.0.0")
            .state(Greeting("Hi".into()))
            .resource(greeting)
            .prompt(stateful_prompt)
            .into_handle()
            .is_ok()
    );
}

/// `State<T>` behind a `#[ctx]` alias is still known.
type SharedCounter = State<Counter>;

/// Reads the counter through an alias.
#[tool]
fn aliased_counter(#[ctx] counter: SharedCounter) -> u64 {
    counter.hits.load(Ordering::SeqCst)
}

#[test]
fn state_through_an_alias_is_required_too() {
    let e = missing_state_error(Server::new("s", "1.0.0").tool(aliased_counter));
    assert!(e.to_string().contains("Counter"), "{e}");
}

#[test]
fn builder_handlers_declare_the_state_they_read() {
    let tool = || {
        mcp_serve::tool::Tool::new("reads_counter")
            .requires_state::<Counter>()
            .raw_handler(|_, ctx: Context| async move {
                let hits = ctx
                    .state::<Counter>()
                    .map_or(0, |c| c.hits.load(Ordering::SeqCst));
                Ok(CallToolResult::text(hits.to_string()))
            })
    };
    let e = missing_state_error(Server::new("s", "1.0.0").tool(tool()));
    assert!(
        e.to_string().starts_with("tool `reads_counter` takes `State<"),
        "{e}"
    );
    assert!(extractor_server().tool(tool()).into_handle().is_ok());
}

#[tokio::test]
async fn add_tool_refuses_a_missing_state() {
    let handle = extractor_server().into_handle().unwrap();
    let e = handle.add_tool(missing_state).expect_err("no String state");
    assert!(
        matches!(e, RegistrationError::MissingState { kind: "tool", .. }),
        "{e:?}"
    );
    assert!(!handle.tool_names().contains(&"missing_state".to_owned()));
    assert!(handle.add_tool(hit_counter).is_ok());
    let e = handle.add_resource(greeting).expect_err("no Greeting state");
    assert!(e.to_string().contains("Greeting"), "{e}");
    let e = handle.add_prompt(stateful_prompt).expect_err("no Greeting state");
    assert!(e.to_string().contains("Greeting"), "{e}");
}

#[tokio::test]
async fn an_undeclared_state_still_fails_the_call_naming_the_type() {
    // A builder handler that extracts state it did not declare: known only
    // when it runs.
    let undeclared = mcp_serve::tool::Tool::new("undeclared").raw_handler(|_, ctx: Context| async move {
        let s = State::<String>::from_context(&ctx)?;
        Ok(CallToolResult::text(s.as_str()))
    });
    let c = TestClient::modern(extractor_server().tool(undeclared))
        .await
        .unwrap();
    let e = c.call_tool("undeclared", json!({})).await.expect_err("no state");
    let rpc = e.rpc().unwrap_or_else(|| panic!("not a JSON-RPC error: {e}"));
    assert!(rpc.message.contains("String"), "{rpc:?}");
    assert!(rpc.message.contains("Server::state"), "{rpc:?}");
}

// ---------------------------------------------------------------------------
// Return types
// ---------------------------------------------------------------------------

/// A summary.
#[derive(Debug, Serialize, schemars::JsonSchema, PartialEq)]
struct Summary {
    /// How many.
    count: u32,
    /// Their names.
    names: Vec<String>,
}

#[tool]
fn ret_string() -> String {
    "owned".to_owned()
}

#[tool]
fn ret_str() -> &'static str {
    "static"
}

#[tool]
fn ret_u8() -> u8 {
    255
}

#[tool]
fn ret_i128() -> i128 {
    -170_141_183_460_469_231_731_687_303_715_884_105_728
}

#[tool]
fn ret_f32() -> f32 {
    1.5
}

#[tool]
fn ret_usize() -> usize {
    7
}

#[tool]
fn ret_bool() -> bool {
    true
}

#[tool]
fn ret_unit() {}

#[tool]
fn ret_unit_explicit() -> () {}

#[tool]
fn ret_call_tool_result() -> CallToolResult {
    let mut r = CallToolResult::text("custom");
    r.is_error = Some(true);
    r
}

#[tool]
fn ret_content_blocks() -> Vec<ContentBlock> {
    vec![
        ContentBlock::text("one"),
        ContentBlock::image("AAEC", "image/png"),
    ]
}

#[tool]
fn ret_json() -> Json<Summary> {
    Json(Summary {
        count: 1,
        names: vec!["j".into()],
    })
}

#[tool]
async fn ret_struct(n: u32) -> Summary {
    Summary {
        count: n,
        names: (0..n).map(|i| format!("n{i}")).collect(),
    }
}

#[tool]
fn ret_vec_strings() -> Vec<String> {
    vec!["a".into(), "b".into()]
}

#[tool]
fn ret_result_struct(fail: bool) -> Result<Summary, ToolError> {
    if fail {
        return Err(ToolError::new("asked to fail"));
    }
    Ok(Summary {
        count: 0,
        names: vec![],
    })
}

#[tool]
fn ret_result_string(fail: bool) -> Result<String, ToolError> {
    if fail {
        Err(ToolError::new("string failure"))
    } else {
        Ok("fine".into())
    }
}

#[tool]
fn ret_parse_question_mark(text: String) -> Result<i32, ToolError> {
    Ok(text.parse::<i32>()? * 2)
}

#[tool]
async fn ret_io_error(path: String) -> Result<String, std::io::Error> {
    let text = std::fs::read_to_string(&path)?;
    Ok(text)
}

#[tool]
fn ret_option_string(some: bool) -> Option<String> {
    some.then(|| "present".to_owned())
}

fn returns_server() -> Server {
    Server::new("returns", "1.0.0")
        .tool(ret_string)
        .tool(ret_str)
        .tool(ret_u8)
        .tool(ret_i128)
        .tool(ret_f32)
        .tool(ret_usize)
        .tool(ret_bool)
        .tool(ret_unit)
        .tool(ret_unit_explicit)
        .tool(ret_call_tool_result)
        .tool(ret_content_blocks)
        .tool(ret_json)
        .tool(ret_struct)
        .tool(ret_vec_strings)
        .tool(ret_result_struct)
        .tool(ret_result_string)
        .tool(ret_parse_question_mark)
        .tool(ret_io_error)
        .tool(ret_option_string)
}

#[tokio::test]
async fn text_like_returns_become_one_text_block() {
    for (era, c) in both(returns_server).await {
        for (tool, text) in [
            ("ret_string", "owned"),
            ("ret_str", "static"),
            ("ret_u8", "255"),
            ("ret_i128", "-170141183460469231731687303715884105728"),
            ("ret_f32", "1.5"),
            ("ret_usize", "7"),
            ("ret_bool", "true"),
        ] {
            let r = call(&c, tool, json!({})).await;
            assert_eq!(
                r["content"],
                json!([{"type": "text", "text": text}]),
                "{era} {tool}: {r}"
            );
            assert!(!is_error(&r), "{era} {tool}: {r}");
            assert!(r.get("structuredContent").is_none(), "{era} {tool}: {r}");
            assert!(
                tool_def(&c, tool).await.get("outputSchema").is_none(),
                "{era} {tool}: no output schema for plain values"
            );
        }
    }
}

#[tokio::test]
async fn unit_return_is_an_empty_success() {
    for (era, c) in both(returns_server).await {
        for tool in ["ret_unit", "ret_unit_explicit"] {
            let r = call(&c, tool, json!({})).await;
            assert_eq!(r["content"], json!([]), "{era} {tool}: {r}");
            assert!(!is_error(&r), "{era} {tool}: {r}");
            assert!(
                tool_def(&c, tool).await.get("outputSchema").is_none(),
                "{era} {tool}"
            );
        }
    }
}

#[tokio::test]
async fn call_tool_result_and_content_blocks_are_sent_as_is() {
    let c = TestClient::modern(returns_server()).await.unwrap();
    let r = call(&c, "ret_call_tool_result", json!({})).await;
    assert_eq!(r["content"], json!([{"type": "text", "text": "custom"}]), "{r}");
    assert!(is_error(&r), "{r}");
    let r = call(&c, "ret_content_blocks", json!({})).await;
    assert_eq!(
        r["content"],
        json!([
            {"type": "text", "text": "one"},
            {"type": "image", "data": "AAEC", "mimeType": "image/png"},
        ]),
        "{r}"
    );
}

fn summary_schema_ok(schema: &Value) {
    assert_eq!(schema["type"], "object", "{schema}");
    assert_eq!(schema["properties"]["count"]["type"], "integer", "{schema}");
    assert_eq!(
        schema["properties"]["count"]["description"], "How many.",
        "{schema}"
    );
    assert_eq!(schema["properties"]["names"]["type"], "array", "{schema}");
    let mut req = required(schema);
    req.sort();
    assert_eq!(req, ["count", "names"], "{schema}");
}

#[tokio::test]
async fn json_and_plain_struct_returns_are_structured() {
    for (era, c) in both(returns_server).await {
        for (tool, args, expected) in [
            ("ret_json", json!({}), json!({"count": 1, "names": ["j"]})),
            (
                "ret_struct",
                json!({"n": 2}),
                json!({"count": 2, "names": ["n0", "n1"]}),
            ),
            (
                "ret_result_struct",
                json!({"fail": false}),
                json!({"count": 0, "names": []}),
            ),
        ] {
            let def = tool_def(&c, tool).await;
            summary_schema_ok(&def["outputSchema"]);
            let r = call(&c, tool, args).await;
            assert!(!is_error(&r), "{era} {tool}: {r}");
            assert_eq!(r["structuredContent"], expected, "{era} {tool}: {r}");
            let text: Value = serde_json::from_str(first_text(&r)).expect("the text block is JSON");
            assert_eq!(text, expected, "{era} {tool}: the text block repeats the JSON");
            assert_eq!(
                r["content"].as_array().map(Vec::len),
                Some(1),
                "{era} {tool}: {r}"
            );
        }
    }
}

#[tokio::test]
async fn result_err_is_a_tool_error() {
    for (era, c) in both(returns_server).await {
        let r = call(&c, "ret_result_struct", json!({"fail": true})).await;
        assert!(is_error(&r), "{era}: {r}");
        assert_eq!(first_text(&r), "asked to fail", "{era}: {r}");
        assert!(r.get("structuredContent").is_none(), "{era}: {r}");

        let r = call(&c, "ret_result_string", json!({"fail": true})).await;
        assert!(is_error(&r), "{era}: {r}");
        assert_eq!(first_text(&r), "string failure", "{era}: {r}");
        let r = call(&c, "ret_result_string", json!({"fail": false})).await;
        assert!(!is_error(&r), "{era}: {r}");
        assert_eq!(first_text(&r), "fine", "{era}: {r}");
        assert!(
            tool_def(&c, "ret_result_string")
                .await
                .get("outputSchema")
                .is_none(),
            "{era}"
        );
    }
}

#[tokio::test]
async fn question_mark_errors_become_tool_errors() {
    let c = TestClient::modern(returns_server()).await.unwrap();
    let r = call(&c, "ret_parse_question_mark", json!({"text": "21"})).await;
    assert_eq!(first_text(&r), "42", "{r}");
    let r = call(&c, "ret_parse_question_mark", json!({"text": "twenty"})).await;
    assert!(is_error(&r), "{r}");
    assert!(first_text(&r).contains("invalid digit"), "{r}");

    let missing = std::env::temp_dir().join("mcp-serve-macros-test-definitely-missing.txt");
    let r = call(&c, "ret_io_error", json!({"path": missing.to_string_lossy()})).await;
    assert!(is_error(&r), "{r}");
    let expected = std::fs::read_to_string(&missing)
        .expect_err("the file does not exist")
        .to_string();
    assert_eq!(first_text(&r), expected, "{r}");

    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let r = call(&c, "ret_io_error", json!({"path": manifest})).await;
    assert!(!is_error(&r), "{r}");
    assert!(first_text(&r).contains("name = \"mcp-serve\""), "{r}");
}

#[tokio::test]
async fn non_object_serialize_return_is_text_without_output_schema() {
    for (era, c) in both(returns_server).await {
        let r = call(&c, "ret_vec_strings", json!({})).await;
        assert!(!is_error(&r), "{era}: {r}");
        let text: Value = serde_json::from_str(first_text(&r)).expect("JSON text");
        assert_eq!(text, json!(["a", "b"]), "{era}: {r}");
        assert!(r.get("structuredContent").is_none(), "{era}: {r}");
        assert!(
            tool_def(&c, "ret_vec_strings")
                .await
                .get("outputSchema")
                .is_none(),
            "{era}"
        );
    }
}

#[tokio::test]
async fn option_return_in_a_tool() {
    let c = TestClient::modern(returns_server()).await.unwrap();
    let r = call(&c, "ret_option_string", json!({"some": true})).await;
    assert_eq!(first_text(&r), "present", "{r}");
    let r = call(&c, "ret_option_string", json!({"some": false})).await;
    assert_eq!(r["content"], json!([]), "{r}");
    assert!(!is_error(&r), "{r}");
}

#[tokio::test]
async fn return_type_functions_stay_callable() {
    assert_eq!(
        ret_struct::call(1).await,
        Summary {
            count: 1,
            names: vec!["n0".into()]
        }
    );
    assert_eq!(ret_vec_strings::call().len(), 2);
    assert_eq!(
        ret_result_struct::call(true).unwrap_err().message(),
        "asked to fail"
    );
    ret_unit::call();
    assert!(ret_bool::call());
}

// ---------------------------------------------------------------------------
// Schema settings
// ---------------------------------------------------------------------------

/// A point.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
struct Point {
    /// Horizontal.
    x: f64,
    /// Vertical.
    y: f64,
}

/// A segment between two points.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
struct Segment {
    from: Point,
    to: Point,
}

/// The length of a segment.
#[tool]
fn length(segment: Segment, #[arg(desc = "Extra points")] extra: Vec<Point>) -> Json<Segment> {
    let _ = extra;
    Json(segment)
}

fn nested_server() -> Server {
    Server::new("nested", "1.0.0").tool(length)
}

#[tokio::test]
async fn nested_refs_are_inlined_by_default() {
    for (era, c) in both(nested_server).await {
        let def = tool_def(&c, "length").await;
        let s = &def["inputSchema"];
        assert!(!has_refs(s), "{era}: {s}");
        assert_eq!(
            s["properties"]["segment"]["properties"]["from"]["properties"]["x"]["type"], "number",
            "{era}: {s}"
        );
        assert_eq!(
            s["properties"]["extra"]["items"]["properties"]["y"]["description"], "Vertical.",
            "{era}: {s}"
        );
        assert!(!has_refs(&def["outputSchema"]), "{era}: {def}");
        assert!(s.get("$schema").is_none(), "{era}: 2020-12 is implied: {s}");
        let args = json!({"segment": {"from": {"x": 0, "y": 0}, "to": {"x": 3, "y": 4}}, "extra": []});
        let r = call(&c, "length", args).await;
        assert!(!is_error(&r), "{era}: {r}");
        assert_eq!(r["structuredContent"]["to"]["y"], json!(4.0), "{era}: {r}");
        let r = call(
            &c,
            "length",
            json!({"segment": {"from": {"x": 0}, "to": {"x": 3, "y": 4}}, "extra": []}),
        )
        .await;
        assert!(is_error(&r), "{era}: {r}");
        assert!(first_text(&r).contains("segment"), "{era}: {r}");
    }
}

#[tokio::test]
async fn keep_schema_refs_keeps_refs() {
    let c = TestClient::modern(nested_server().keep_schema_refs())
        .await
        .unwrap();
    let def = tool_def(&c, "length").await;
    let s = &def["inputSchema"];
    assert!(has_refs(s), "{s}");
    assert!(s.get("$defs").is_some(), "{s}");
    assert!(s["$defs"].get("Point").is_some(), "{s}");
    // The validator resolves the refs: valid input passes, invalid fails.
    let args =
        json!({"segment": {"from": {"x": 0, "y": 0}, "to": {"x": 3, "y": 4}}, "extra": [{"x": 1, "y": 1}]});
    let r = call(&c, "length", args).await;
    assert!(!is_error(&r), "{r}");
    let r = call(
        &c,
        "length",
        json!({"segment": {"from": {"x": "a", "y": 0}, "to": {"x": 3, "y": 4}}, "extra": []}),
    )
    .await;
    assert!(is_error(&r), "{r}");
}

#[tokio::test]
async fn draft07_dialect_declares_schema() {
    let build = || {
        nested_server()
            .tool(add_async)
            .schema_dialect(SchemaDialect::Draft07)
    };
    for (era, c) in [
        ("modern", TestClient::modern(build()).await.unwrap()),
        ("legacy", TestClient::legacy(build()).await.unwrap()),
    ] {
        let def = tool_def(&c, "length").await;
        assert_eq!(
            def["inputSchema"]["$schema"], "http://json-schema.org/draft-07/schema#",
            "{era}: {def}"
        );
        assert_eq!(
            def["outputSchema"]["$schema"], "http://json-schema.org/draft-07/schema#",
            "{era}: {def}"
        );
        assert!(!has_refs(&def["inputSchema"]), "{era}: {def}");
        let def = tool_def(&c, "add_async").await;
        assert_eq!(
            def["inputSchema"]["$schema"], "http://json-schema.org/draft-07/schema#",
            "{era}: {def}"
        );
        let r = call(&c, "add_async", json!({"a": 1, "b": 1})).await;
        assert_eq!(first_text(&r), "2", "{era}: {r}");
    }
}

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

/// The application's configuration.
#[resource("config://app", mime = "application/toml")]
fn app_config() -> String {
    "theme = \"dark\"".to_owned()
}

#[resource(
    "config://static",
    name = "static-config",
    title = "Static",
    description = "A static string"
)]
fn static_config() -> &'static str {
    "static text"
}

/// Some bytes.
#[resource("bin://bytes")]
async fn bytes() -> Blob {
    Blob::new(vec![0u8, 1, 2, 255], "application/octet-stream")
}

/// Settings as JSON.
#[derive(Serialize, schemars::JsonSchema)]
struct Settings {
    theme: String,
    size: u32,
}

/// Serialized settings.
#[resource("settings://current")]
fn settings() -> Settings {
    Settings {
        theme: "dark".into(),
        size: 12,
    }
}

/// Maybe a structured record.
#[resource("records://{id}")]
fn record(id: u64) -> Option<Settings> {
    (id == 1).then(|| Settings {
        theme: "record".into(),
        size: 1,
    })
}

/// A user by numeric id.
#[resource("users://{id}", mime = "text/plain")]
fn user(id: u64) -> String {
    format!("user #{id} (next {})", id + 1)
}

/// A flag in a URI.
#[resource("flags://{on}")]
fn flag(on: bool) -> String {
    format!("flag is {}", if on { "ON" } else { "OFF" })
}

/// Two variables.
#[resource("repos://{owner}/{repo}/readme")]
async fn readme(owner: String, repo: String) -> String {
    format!("{owner}/{repo}")
}

/// A path with slashes.
#[resource("files:///{+path}")]
fn file(path: String) -> String {
    format!("path={path}")
}

/// A renamed template variable.
#[resource("items://{itemId}")]
fn item(#[arg(rename = "itemId")] item_id: u32) -> String {
    format!("item {item_id}")
}

/// Maybe a document.
#[resource("docs://{name}")]
fn doc(name: String) -> Option<String> {
    (name == "exists").then(|| "the document".to_owned())
}

/// A fallible resource.
#[resource("fallible://{id}")]
fn fallible(id: u64) -> Result<Settings, McpError> {
    if id == 0 {
        return Err(McpError::resource_not_found(&format!("fallible://{id}")));
    }
    Ok(Settings {
        theme: "fallible".into(),
        size: 0,
    })
}

struct Greeting(String);

/// A resource reading shared state.
#[resource("state://greeting/{who}")]
async fn greeting(who: String, g: State<Greeting>, ctx: Context) -> String {
    let Greeting(text) = &*g;
    format!("{text} {who} ({})", ctx.protocol_version())
}

fn resources_server() -> Server {
    Server::new("resources", "1.0.0")
        .resource(app_config)
        .resource(static_config)
        .resource(bytes)
        .resource(settings)
        .resource(user)
        .resource(flag)
        .resource(readme)
        .resource(file)
        .resource(item)
        .resource(doc)
        .resource(record)
        .resource(fallible)
        .resource(greeting)
        .state(Greeting("Hello".into()))
}

fn text_of(r: &mcp_serve::protocol::types::ReadResourceResult) -> &str {
    match &r.contents[..] {
        [ResourceContents::Text(TextResourceContents { text, .. })] => text,
        other => panic!("expected one text content, got {other:?}"),
    }
}

async fn assert_not_found(era: &str, c: &TestClient, uri: &str) {
    let e = c
        .read_resource(uri)
        .await
        .expect_err(&format!("{era}: {uri} should not be found"));
    let rpc = e
        .rpc()
        .unwrap_or_else(|| panic!("{era}: not a JSON-RPC error: {e}"));
    let code = if era == "modern" { -32602 } else { -32002 };
    assert_eq!(rpc.code, code, "{era} {uri}: {rpc:?}");
    assert!(rpc.message.contains("not found"), "{era} {uri}: {rpc:?}");
}

#[tokio::test]
async fn fixed_resources_are_listed_with_their_options() {
    for (era, c) in both(resources_server).await {
        let list = serde_json::to_value(c.list_resources().await.unwrap().resources).unwrap();
        let find = |uri: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|r| r["uri"] == uri)
                .cloned()
                .unwrap_or_else(|| panic!("{era}: {uri} not listed in {list}"))
        };
        let app = find("config://app");
        assert_eq!(app["name"], "app_config", "{era}: {app}");
        assert_eq!(
            app["description"], "The application's configuration.",
            "{era}: {app}"
        );
        assert_eq!(app["mimeType"], "application/toml", "{era}: {app}");
        let st = find("config://static");
        assert_eq!(st["name"], "static-config", "{era}: {st}");
        assert_eq!(st["title"], "Static", "{era}: {st}");
        assert_eq!(st["description"], "A static string", "{era}: {st}");
        assert_eq!(
            list.as_array().unwrap().len(),
            4,
            "{era}: templates are not listed here: {list}"
        );
    }
}

#[tokio::test]
async fn fixed_resource_returning_strings() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("config://app").await.unwrap();
        assert_eq!(
            contents_json(&r),
            json!([{"uri": "config://app", "mimeType": "application/toml", "text": "theme = \"dark\""}]),
            "{era}"
        );
        let r = c.read_resource("config://static").await.unwrap();
        assert_eq!(text_of(&r), "static text", "{era}");
    }
}

#[tokio::test]
async fn fixed_resource_returning_blob() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("bin://bytes").await.unwrap();
        assert_eq!(
            contents_json(&r),
            json!([{"uri": "bin://bytes", "mimeType": "application/octet-stream", "blob": "AAEC/w=="}]),
            "{era}"
        );
    }
}

#[tokio::test]
async fn fixed_resource_returning_a_struct_is_json() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("settings://current").await.unwrap();
        let contents = contents_json(&r);
        assert_eq!(contents[0]["mimeType"], "application/json", "{era}: {contents}");
        assert_eq!(contents[0]["uri"], "settings://current", "{era}: {contents}");
        let body: Value = serde_json::from_str(text_of(&r)).unwrap();
        assert_eq!(body, json!({"theme": "dark", "size": 12}), "{era}");
    }
}

#[tokio::test]
async fn templates_are_listed() {
    for (era, c) in both(resources_server).await {
        let list =
            serde_json::to_value(c.list_resource_templates().await.unwrap().resource_templates).unwrap();
        let arr = list.as_array().unwrap();
        let user_t = arr
            .iter()
            .find(|t| t["uriTemplate"] == "users://{id}")
            .unwrap_or_else(|| panic!("{list}"));
        assert_eq!(user_t["name"], "user", "{era}: {user_t}");
        assert_eq!(user_t["description"], "A user by numeric id.", "{era}: {user_t}");
        assert_eq!(user_t["mimeType"], "text/plain", "{era}: {user_t}");
        for t in [
            "flags://{on}",
            "repos://{owner}/{repo}/readme",
            "files:///{+path}",
            "items://{itemId}",
            "docs://{name}",
            "state://greeting/{who}",
        ] {
            assert!(
                arr.iter().any(|x| x["uriTemplate"] == t),
                "{era}: {t} not in {list}"
            );
        }
        assert!(
            !arr.iter().any(|x| x["uriTemplate"] == "config://app"),
            "{era}: fixed resources are not templates"
        );
    }
}

#[tokio::test]
async fn typed_template_variables_are_parsed_from_the_uri() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("users://41").await.unwrap();
        assert_eq!(text_of(&r), "user #41 (next 42)", "{era}");
        assert_eq!(contents_json(&r)[0]["mimeType"], "text/plain", "{era}");
        let r = c.read_resource("flags://true").await.unwrap();
        assert_eq!(text_of(&r), "flag is ON", "{era}");
        let r = c.read_resource("flags://false").await.unwrap();
        assert_eq!(text_of(&r), "flag is OFF", "{era}");
        let r = c.read_resource("items://9").await.unwrap();
        assert_eq!(text_of(&r), "item 9", "{era}");
    }
}

#[tokio::test]
async fn template_variable_of_the_wrong_type_is_not_found() {
    for (era, c) in both(resources_server).await {
        assert_not_found(era, &c, "users://abc").await;
        assert_not_found(era, &c, "users://-1").await;
        assert_not_found(era, &c, "flags://maybe").await;
    }
}

#[tokio::test]
async fn two_template_variables() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("repos://rust-lang/rust/readme").await.unwrap();
        assert_eq!(text_of(&r), "rust-lang/rust", "{era}");
    }
}

#[tokio::test]
async fn reserved_expansion_matches_slashes() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("files:///etc/app/config.toml").await.unwrap();
        assert_eq!(text_of(&r), "path=etc/app/config.toml", "{era}");
        assert_eq!(r.contents[0].uri(), "files:///etc/app/config.toml", "{era}");
    }
}

#[tokio::test]
async fn option_none_is_resource_not_found() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("docs://exists").await.unwrap();
        assert_eq!(text_of(&r), "the document", "{era}");
        assert_not_found(era, &c, "docs://missing").await;
    }
}

#[tokio::test]
async fn option_none_of_a_struct_is_resource_not_found() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("records://1").await.unwrap();
        let body: Value = serde_json::from_str(text_of(&r)).unwrap();
        assert_eq!(body, json!({"theme": "record", "size": 1}), "{era}");
        assert_not_found(era, &c, "records://2").await;
    }
}

#[tokio::test]
async fn result_resource_ok_and_err() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("fallible://1").await.unwrap();
        assert_eq!(contents_json(&r)[0]["mimeType"], "application/json", "{era}");
        let body: Value = serde_json::from_str(text_of(&r)).unwrap();
        assert_eq!(body, json!({"theme": "fallible", "size": 0}), "{era}");
        assert_not_found(era, &c, "fallible://0").await;
    }
}

#[tokio::test]
async fn state_and_context_in_a_resource() {
    for (era, c) in both(resources_server).await {
        let r = c.read_resource("state://greeting/world").await.unwrap();
        let version = if era == "modern" {
            ProtocolVersion::LATEST
        } else {
            ProtocolVersion::LATEST_LEGACY
        };
        assert_eq!(text_of(&r), format!("Hello world ({version})"), "{era}");
    }
}

#[tokio::test]
async fn resource_functions_stay_callable() {
    assert_eq!(user::call(1), "user #1 (next 2)");
    assert_eq!(readme::call("a".into(), "b".into()).await, "a/b");
    assert_eq!(bytes::call().await.bytes, vec![0, 1, 2, 255]);
    assert_eq!(doc::call("missing".into()), None);
}

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

/// Review a piece of code.
#[prompt]
fn review(
    #[arg(desc = "The code to review")] code: String,
    /// The programming language.
    language: Option<String>,
) -> String {
    format!(
        "Review this {} code:\n{code}",
        language.unwrap_or_else(|| "unknown".into())
    )
}

/// A conversation.
#[prompt(
    name = "chat-start",
    title = "Start a chat",
    description = "Begins a conversation"
)]
async fn chat(topic: String) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user_text(format!("Let's talk about {topic}.")),
        PromptMessage::assistant_text("Sure."),
    ]
}

/// A full result.
#[prompt]
fn full(#[arg(desc = "How many items")] count: u32, #[arg(default = 2)] step: u32) -> GetPromptResult {
    let mut result = GetPromptResult::new(vec![PromptMessage::user_text(format!("{}", count * step))]);
    result.description = Some(format!("{count} items, step {step}"));
    result
}

/// A fallible prompt.
#[prompt]
fn fallible_prompt(ok: bool, ctx: Context) -> Result<String, McpError> {
    let _ = ctx;
    if ok {
        Ok("fine".into())
    } else {
        Err(McpError::invalid_params("ok must be true"))
    }
}

/// Takes state.
#[prompt]
fn stateful_prompt(g: State<Greeting>) -> String {
    let Greeting(text) = &*g;
    text.clone()
}

fn prompts_server() -> Server {
    Server::new("prompts", "1.0.0")
        .prompt(review)
        .prompt(chat)
        .prompt(full)
        .prompt(fallible_prompt)
        .prompt(stateful_prompt)
        .state(Greeting("Hi from state".into()))
}

fn messages(r: &GetPromptResult) -> Value {
    serde_json::to_value(&r.messages).unwrap()
}

#[tokio::test]
async fn prompt_arguments_are_listed() {
    for (era, c) in both(prompts_server).await {
        let list = serde_json::to_value(c.list_prompts().await.unwrap().prompts).unwrap();
        let find = |name: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{era}: {name} not in {list}"))
        };
        let review_p = find("review");
        assert_eq!(
            review_p["description"], "Review a piece of code.",
            "{era}: {review_p}"
        );
        let mut args = review_p["arguments"].as_array().unwrap().clone();
        args.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        assert_eq!(
            Value::Array(args),
            json!([
                {"name": "code", "description": "The code to review", "required": true},
                {"name": "language", "description": "The programming language.", "required": false},
            ]),
            "{era}: {review_p}"
        );

        let chat_p = find("chat-start");
        assert_eq!(chat_p["title"], "Start a chat", "{era}: {chat_p}");
        assert_eq!(chat_p["description"], "Begins a conversation", "{era}: {chat_p}");
        assert_eq!(
            chat_p["arguments"],
            json!([{"name": "topic", "required": true}]),
            "{era}: {chat_p}"
        );

        let full_p = find("full");
        let args = full_p["arguments"].as_array().unwrap();
        let step = args.iter().find(|a| a["name"] == "step").unwrap();
        assert_eq!(
            step["required"], false,
            "{era}: defaulted prompt args are optional: {full_p}"
        );

        let fp = find("fallible_prompt");
        assert_eq!(
            fp["arguments"],
            json!([{"name": "ok", "required": true}]),
            "{era}: {fp}"
        );
        let sp = find("stateful_prompt");
        assert!(
            sp.get("arguments").is_none() || sp["arguments"] == json!([]),
            "{era}: {sp}"
        );
    }
}

#[tokio::test]
async fn prompt_returning_string_is_one_user_message() {
    for (era, c) in both(prompts_server).await {
        let r = c
            .get_prompt("review", json!({"code": "fn x() {}", "language": "Rust"}))
            .await
            .unwrap();
        assert_eq!(
            messages(&r),
            json!([{"role": "user", "content": {"type": "text", "text": "Review this Rust code:\nfn x() {}"}}]),
            "{era}"
        );
        let r = c.get_prompt("review", json!({"code": "y"})).await.unwrap();
        assert_eq!(
            r.messages[0].content.as_text(),
            Some("Review this unknown code:\ny"),
            "{era}"
        );
    }
}

#[tokio::test]
async fn prompt_returning_messages() {
    for (era, c) in both(prompts_server).await {
        let r = c
            .get_prompt("chat-start", json!({"topic": "Rust"}))
            .await
            .unwrap();
        assert_eq!(
            messages(&r),
            json!([
                {"role": "user", "content": {"type": "text", "text": "Let's talk about Rust."}},
                {"role": "assistant", "content": {"type": "text", "text": "Sure."}},
            ]),
            "{era}"
        );
    }
}

#[tokio::test]
async fn prompt_returning_get_prompt_result_with_numeric_string_arguments() {
    for (era, c) in both(prompts_server).await {
        let r = c.get_prompt("full", json!({"count": "3"})).await.unwrap();
        assert_eq!(r.description.as_deref(), Some("3 items, step 2"), "{era}");
        assert_eq!(r.messages[0].content.as_text(), Some("6"), "{era}");
        let r = c
            .get_prompt("full", json!({"count": "3", "step": "5"}))
            .await
            .unwrap();
        assert_eq!(r.messages[0].content.as_text(), Some("15"), "{era}");
    }
}

#[tokio::test]
async fn prompt_argument_errors() {
    for (era, c) in both(prompts_server).await {
        let e = c
            .get_prompt("full", json!({"count": "three"}))
            .await
            .expect_err("not a number");
        let rpc = e.rpc().unwrap_or_else(|| panic!("{era}: {e}"));
        assert_eq!(rpc.code, -32602, "{era}: {rpc:?}");
        assert!(rpc.message.contains("count"), "{era}: {rpc:?}");

        let e = c
            .get_prompt("review", json!({}))
            .await
            .expect_err("code is required");
        let rpc = e.rpc().unwrap_or_else(|| panic!("{era}: {e}"));
        assert_eq!(rpc.code, -32602, "{era}: {rpc:?}");
        assert!(rpc.message.contains("code"), "{era}: {rpc:?}");
    }
}

#[tokio::test]
async fn prompt_result_ok_and_mcp_error() {
    for (era, c) in both(prompts_server).await {
        let r = c
            .get_prompt("fallible_prompt", json!({"ok": "true"}))
            .await
            .unwrap();
        assert_eq!(r.messages[0].content.as_text(), Some("fine"), "{era}");
        let e = c
            .get_prompt("fallible_prompt", json!({"ok": "false"}))
            .await
            .expect_err("the prompt fails");
        let rpc = e.rpc().unwrap_or_else(|| panic!("{era}: {e}"));
        assert_eq!(rpc.code, -32602, "{era}: {rpc:?}");
        assert!(rpc.message.ends_with("ok must be true"), "{era}: {rpc:?}");
    }
}

#[tokio::test]
async fn prompt_with_state() {
    let c = TestClient::legacy(prompts_server()).await.unwrap();
    let r = c.get_prompt("stateful_prompt", json!({})).await.unwrap();
    assert_eq!(r.messages[0].content.as_text(), Some("Hi from state"));
}

#[tokio::test]
async fn prompt_functions_stay_callable() {
    assert_eq!(review::call("c".into(), None), "Review this unknown code:\nc");
    assert_eq!(chat::call("t".into()).await.len(), 2);
}

// ---------------------------------------------------------------------------
// Both eras
// ---------------------------------------------------------------------------

fn everything() -> Server {
    tools_server()
        .tool(extractors)
        .tool(hit_counter)
        .tool(length)
        .tool(ret_struct)
        .tool(ret_result_struct)
        .state(Counter {
            hits: AtomicU64::new(0),
        })
}

#[tokio::test]
async fn both_eras_see_the_same_tool_definitions() {
    let modern = TestClient::modern(everything()).await.unwrap();
    let legacy = TestClient::legacy(everything()).await.unwrap();
    let m = serde_json::to_value(modern.list_tools().await.unwrap().tools).unwrap();
    let l = serde_json::to_value(legacy.list_tools().await.unwrap().tools).unwrap();
    assert_eq!(m.as_array().unwrap().len(), 19, "{m}");
    assert_eq!(m, l);
}
