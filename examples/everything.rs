//! The "everything" server: every tool, resource and prompt the official MCP
//! conformance suite (`@modelcontextprotocol/conformance`) asks of a server
//! under test, with the exact names and texts its scenarios check.
//!
//! ```text
//! cargo run --example everything -- --http 127.0.0.1:3000   # Streamable HTTP at /mcp
//! scripts/conformance.sh                                    # runs the suite against it
//! ```
//!
//! The tools that ask the client for input (sampling, elicitation, roots) are
//! written once for both protocol eras: legacy sessions get real
//! server→client requests, modern (2026-07-28) requests get an
//! `input_required` result and are re-run with the answers (multi round-trip
//! requests, SEP-2322). Where a scenario prescribes the exact `inputRequests`
//! key or schema, the tool passes it verbatim through `ctx.input_request`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_serve::prelude::*;
use mcp_serve::prompt::{IntoPrompt, Prompt};
use mcp_serve::protocol::types::{
    BlobResourceContents, CreateMessageResult, ElicitAction, ElicitResult, Root, TextResourceContents,
};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::tool::{IntoTool, Tool};
use serde::Serialize;
use serde_json::{Value, json};

/// A 1×1 PNG, base64.
const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A tiny WAV file, base64.
const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

fn png() -> ContentBlock {
    ContentBlock::image(PNG, "image/png")
}

fn text_resource(uri: &str, mime: &str, text: &str) -> TextResourceContents {
    TextResourceContents::new(uri, text).with_mime_type(mime)
}

// ---------------------------------------------------------------------------
// Asking the client for input
// ---------------------------------------------------------------------------

/// `elicitation/create` params for a form: `mode: "form"` is added for
/// clients of 2025-11-25 and later (older revisions have no modes).
fn form(ctx: &Context, message: &str, schema: Value) -> Value {
    let mut params = json!({ "message": message, "requestedSchema": schema });
    if ctx.protocol_version() >= ProtocolVersion::V2025_11_25 {
        params["mode"] = json!("form");
    }
    params
}

/// A schema of one required string field.
fn one_string(field: &str) -> Value {
    json!({
        "type": "object",
        "properties": { field: { "type": "string" } },
        "required": [field]
    })
}

/// The client's answer to an elicitation, checked (a malformed answer is a
/// protocol error, -32602).
fn elicit_result(answer: Value) -> Result<ElicitResult, McpError> {
    serde_json::from_value(answer)
        .map_err(|e| McpError::invalid_params(format!("the elicitation answer is malformed: {e}")))
}

/// `action=<action>, content={...}`, as the scenarios print an elicitation answer.
fn describe(result: &ElicitResult) -> String {
    let action = serde_json::to_value(result.action).unwrap_or_default();
    let content = Value::Object(result.content.clone().unwrap_or_default());
    format!("action={}, content={content}", action.as_str().unwrap_or("?"))
}

/// Sends an elicitation and reads the answer.
async fn elicit_raw(ctx: &Context, key: Option<&str>, params: Value) -> Result<ElicitResult, McpError> {
    ctx.require_capability("elicitation", None)?;
    elicit_result(ctx.input_request(key, "elicitation/create", params).await?)
}

/// The string field `field` of an accepted elicitation; `None` when the user
/// declined or cancelled.
fn accepted_string(result: &ElicitResult, field: &str) -> Result<Option<String>, McpError> {
    if result.action != ElicitAction::Accept {
        return Ok(None);
    }
    result
        .content
        .as_ref()
        .and_then(|c| c.get(field))
        .and_then(Value::as_str)
        .map(|v| Some(v.to_owned()))
        .ok_or_else(|| McpError::invalid_params(format!("the accepted form has no string field `{field}`")))
}

/// `sampling/createMessage` params for one user prompt.
fn sampling_params(prompt: &str, max_tokens: u64) -> Value {
    json!({
        "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
        "maxTokens": max_tokens
    })
}

/// The text of the client's sampling answer, checked.
fn sampled_text(answer: Value) -> Result<String, McpError> {
    let result: CreateMessageResult = serde_json::from_value(answer)
        .map_err(|e| McpError::invalid_params(format!("the sampling answer is malformed: {e}")))?;
    let content = serde_json::to_value(&result.content).unwrap_or_default();
    Ok(match &content {
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        block => block["text"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Sends a sampling request and returns the text of the answer.
async fn sample_raw(ctx: &Context, key: Option<&str>, params: Value) -> Result<String, McpError> {
    ctx.require_capability("sampling", None)?;
    sampled_text(ctx.input_request(key, "sampling/createMessage", params).await?)
}

/// The client's roots, checked.
async fn roots_raw(ctx: &Context, key: Option<&str>) -> Result<Vec<Root>, McpError> {
    ctx.require_capability("roots", None)?;
    let answer = ctx.input_request(key, "roots/list", json!({})).await?;
    let roots = answer
        .get("roots")
        .cloned()
        .ok_or_else(|| McpError::invalid_params("the roots answer has no `roots` array"))?;
    serde_json::from_value(roots)
        .map_err(|e| McpError::invalid_params(format!("the roots answer is malformed: {e}")))
}

/// `uri (name), ...` of the client's roots.
fn list_roots(roots: &[Root]) -> String {
    if roots.is_empty() {
        return "none".to_owned();
    }
    roots
        .iter()
        .map(|r| match &r.name {
            Some(name) => format!("{} ({name})", r.uri),
            None => r.uri.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------

/// Returns a simple text response.
#[tool]
fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Returns a PNG image.
#[tool]
fn test_image_content() -> ContentBlock {
    png()
}

/// Returns a WAV audio clip.
#[tool]
fn test_audio_content() -> ContentBlock {
    ContentBlock::audio(WAV, "audio/wav")
}

/// Returns an embedded text resource.
#[tool]
fn test_embedded_resource() -> ContentBlock {
    ContentBlock::resource(text_resource(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    ))
}

/// Returns text, an image and an embedded resource.
#[tool]
fn test_multiple_content_types() -> Vec<ContentBlock> {
    vec![
        ContentBlock::text("Multiple content types test:"),
        png(),
        ContentBlock::resource(text_resource(
            "test://mixed-content-resource",
            "application/json",
            &json!({ "test": "data", "value": 123 }).to_string(),
        )),
    ]
}

/// Sends three info log messages while it runs.
#[tool]
async fn test_tool_with_logging(ctx: Context) -> &'static str {
    ctx.info("Tool execution started").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool processing data").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    ctx.info("Tool execution completed").await;
    "Tool with logging executed successfully"
}

/// Sends an info log message; clients that did not ask for logs get none.
#[tool]
async fn test_logging_tool(ctx: Context) -> &'static str {
    ctx.info("test_logging_tool ran").await;
    "Logging tool executed"
}

/// Reports progress 0, 50 and 100 of 100 when the client sends a progress token.
#[tool]
async fn test_tool_with_progress(ctx: Context) -> String {
    for (i, done) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ctx.progress(done, Some(100.0), None).await;
    }
    match ctx.meta().get("progressToken") {
        Some(token) => format!("Progress reported with token {token}"),
        None => "No progress token: nothing reported".to_owned(),
    }
}

/// Always fails.
#[tool]
fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Closes its SSE stream mid-call so the client reconnects (SEP-1699).
#[tool]
async fn test_reconnection(ctx: Context) -> &'static str {
    // SEP-1699: hang up the SSE connection mid-call; the client resumes with
    // Last-Event-ID and receives the result below.
    ctx.close_sse_stream().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
}

/// Asks the client's model to answer a prompt (sampling).
#[tool]
async fn test_sampling(
    #[arg(desc = "The prompt to send to the LLM")] prompt: String,
    ctx: Context,
) -> Result<String, McpError> {
    let text = sample_raw(&ctx, None, sampling_params(&prompt, 100)).await?;
    Ok(format!("LLM response: {text}"))
}

/// Asks the user for input (elicitation).
#[tool]
async fn test_elicitation(
    #[arg(desc = "The message to show the user")] message: String,
    ctx: Context,
) -> Result<String, McpError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "username": { "type": "string", "description": "User's response" },
            "email": { "type": "string", "description": "User's email address" }
        },
        "required": ["username", "email"]
    });
    let result = elicit_raw(&ctx, None, form(&ctx, &message, schema)).await?;
    Ok(format!("User response: {}", describe(&result)))
}

/// Asks the user to fill in a form whose fields have defaults (SEP-1034).
#[tool]
async fn test_elicitation_sep1034_defaults(ctx: Context) -> Result<String, McpError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "name": { "type": "string", "description": "User name", "default": "John Doe" },
            "age": { "type": "integer", "description": "User age", "default": 30 },
            "score": { "type": "number", "description": "User score", "default": 95.5 },
            "status": {
                "type": "string",
                "description": "User status",
                "enum": ["active", "inactive", "pending"],
                "default": "active"
            },
            "verified": { "type": "boolean", "description": "Verification status", "default": true }
        },
        "required": []
    });
    let message = "Please review and update the form fields with defaults";
    let result = elicit_raw(&ctx, None, form(&ctx, message, schema)).await?;
    Ok(format!("Elicitation completed: {}", describe(&result)))
}

/// Asks the user to pick from enum fields of every kind (SEP-1330).
#[tool]
async fn test_elicitation_sep1330_enums(ctx: Context) -> Result<String, McpError> {
    let schema = json!({
        "type": "object",
        "properties": {
            "untitledSingle": {
                "type": "string",
                "description": "Select one option",
                "enum": ["option1", "option2", "option3"]
            },
            "titledSingle": {
                "type": "string",
                "description": "Select one option with titles",
                "oneOf": [
                    { "const": "value1", "title": "First Option" },
                    { "const": "value2", "title": "Second Option" },
                    { "const": "value3", "title": "Third Option" }
                ]
            },
            "legacyEnum": {
                "type": "string",
                "description": "Select one option (legacy)",
                "enum": ["opt1", "opt2", "opt3"],
                "enumNames": ["Option One", "Option Two", "Option Three"]
            },
            "untitledMulti": {
                "type": "array",
                "description": "Select multiple options",
                "minItems": 1,
                "maxItems": 3,
                "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
            },
            "titledMulti": {
                "type": "array",
                "description": "Select multiple options with titles",
                "minItems": 1,
                "maxItems": 3,
                "items": {
                    "anyOf": [
                        { "const": "value1", "title": "First Choice" },
                        { "const": "value2", "title": "Second Choice" },
                        { "const": "value3", "title": "Third Choice" }
                    ]
                }
            }
        },
        "required": []
    });
    let message = "Please select options from the enum fields";
    let result = elicit_raw(&ctx, None, form(&ctx, message, schema)).await?;
    Ok(format!("Elicitation completed: {}", describe(&result)))
}

/// Elicits input while the call streams (2026-07-28: an input-required result).
#[tool]
async fn test_streaming_elicitation(ctx: Context) -> Result<String, McpError> {
    let result = elicit_raw(&ctx, None, form(&ctx, "What is your name?", one_string("name"))).await?;
    Ok(format!("Elicitation completed: {}", describe(&result)))
}

// Multi round-trip requests (2026-07-28, SEP-2322): the exact keys and params
// of the `input-required-result-*` scenarios. In legacy sessions the same
// tools send real server→client requests.

/// `What is your name?` (key `user_name`), as the input-required scenarios ask it.
async fn ask_name(ctx: &Context) -> Result<Option<String>, McpError> {
    let params = json!({ "message": "What is your name?", "requestedSchema": one_string("name") });
    let result = elicit_raw(ctx, Some("user_name"), params).await?;
    accepted_string(&result, "name")
}

/// Greets the user by the name they give (one elicitation, key `user_name`).
#[tool]
async fn test_input_required_result_elicitation(ctx: Context) -> Result<String, McpError> {
    Ok(match ask_name(&ctx).await? {
        Some(name) => format!("Hello, {name}!"),
        None => "No name given.".to_owned(),
    })
}

/// Asks the client's model a question (one sampling request, key `capital_question`).
#[tool]
async fn test_input_required_result_sampling(ctx: Context) -> Result<String, McpError> {
    let params = sampling_params("What is the capital of France?", 100);
    let answer = sample_raw(&ctx, Some("capital_question"), params).await?;
    Ok(format!("The model answered: {answer}"))
}

/// Lists the client's roots (one `roots/list` request, key `client_roots`).
#[tool]
async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, McpError> {
    let roots = roots_raw(&ctx, Some("client_roots")).await?;
    Ok(format!("Client roots: {}", list_roots(&roots)))
}

/// Asks for a confirmation (key `confirm`) and says `state-ok` once the
/// answer arrives with the signed `requestState` it was asked under.
#[tool]
async fn test_input_required_result_request_state(ctx: Context) -> Result<String, McpError> {
    let schema = json!({
        "type": "object",
        "properties": { "ok": { "type": "boolean" } },
        "required": ["ok"]
    });
    let params = json!({ "message": "Please confirm", "requestedSchema": schema });
    let result = elicit_raw(&ctx, Some("confirm"), params).await?;
    // A requestState that fails verification never reaches this handler (-32602).
    Ok(format!("state-ok: {}", describe(&result)))
}

/// Asks for a name, a greeting and the roots at once (keys `user_name`,
/// `greeting`, `client_roots` in one input-required result).
#[tool]
async fn test_input_required_result_multiple_inputs(ctx: Context) -> Result<String, McpError> {
    let (name, greeting, roots) = tokio::join!(
        ask_name(&ctx),
        sample_raw(&ctx, Some("greeting"), sampling_params("Generate a greeting", 50)),
        roots_raw(&ctx, Some("client_roots")),
    );
    let name = name?.unwrap_or_else(|| "anonymous".to_owned());
    Ok(format!("{} {name}! Roots: {}", greeting?, list_roots(&roots?)))
}

/// Asks two questions, one per round (keys `step1`, then `step2`).
#[tool]
async fn test_input_required_result_multi_round(ctx: Context) -> Result<String, McpError> {
    let params = json!({ "message": "Step 1: What is your name?", "requestedSchema": one_string("name") });
    let step1 = elicit_raw(&ctx, Some("step1"), params).await?;
    let name = accepted_string(&step1, "name")?.unwrap_or_else(|| "anonymous".to_owned());
    let params = json!({
        "message": "Step 2: What is your favorite color?",
        "requestedSchema": one_string("color")
    });
    let step2 = elicit_raw(&ctx, Some("step2"), params).await?;
    let color = accepted_string(&step2, "color")?.unwrap_or_else(|| "none".to_owned());
    Ok(format!("{name}'s favorite color: {color}"))
}

/// Asks for a confirmation (key `confirm`) under an HMAC-signed `requestState`;
/// a tampered state is rejected (-32602) before the handler runs.
#[tool]
async fn test_input_required_result_tampered_state(ctx: Context) -> Result<String, McpError> {
    let schema = json!({
        "type": "object",
        "properties": { "ok": { "type": "boolean" } },
        "required": ["ok"]
    });
    let params = json!({ "message": "Please confirm", "requestedSchema": schema });
    let result = elicit_raw(&ctx, Some("confirm"), params).await?;
    Ok(format!("Confirmed: {}", describe(&result)))
}

/// Asks only for what the client declared: a name (elicitation, key
/// `user_name`), a greeting (sampling, key `greeting`) and the roots (key
/// `client_roots`), each when the capability is there.
#[tool]
async fn test_input_required_result_capabilities(ctx: Context) -> Result<String, McpError> {
    let declared = |capability: &str| ctx.require_capability(capability, None).is_ok();
    let (elicitation, sampling, roots) = (declared("elicitation"), declared("sampling"), declared("roots"));
    let (name, greeting, roots) = tokio::join!(
        async {
            match elicitation {
                true => ask_name(&ctx)
                    .await
                    .map(|n| n.unwrap_or_else(|| "anonymous".to_owned())),
                false => Ok("(no elicitation capability)".to_owned()),
            }
        },
        async {
            match sampling {
                true => sample_raw(&ctx, Some("greeting"), sampling_params("Generate a greeting", 50)).await,
                false => Ok("(no sampling capability)".to_owned()),
            }
        },
        async {
            match roots {
                true => roots_raw(&ctx, Some("client_roots"))
                    .await
                    .map(|r| list_roots(&r)),
                false => Ok("(no roots capability)".to_owned()),
            }
        },
    );
    Ok(format!(
        "name: {}; greeting: {}; roots: {}",
        name?, greeting?, roots?
    ))
}

/// A tool with a hand-written JSON Schema 2020-12 input schema, listed
/// verbatim: `$schema`, `$defs` with an `$anchor`, `$ref`, `allOf`/`anyOf`,
/// `if`/`then`/`else`, `additionalProperties: false` (SEP-1613, SEP-2106).
fn json_schema_2020_12_tool() -> Tool {
    Tool::new("json_schema_2020_12_tool")
        .description("Tool with JSON Schema 2020-12 features")
        .input_schema(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": {
                        "street": { "type": "string" },
                        "city": { "type": "string" }
                    }
                }
            },
            "properties": {
                "name": { "type": "string" },
                "address": { "$ref": "#/$defs/address" },
                "contactMethod": { "type": "string", "enum": ["phone", "email"] },
                "phone": { "type": "string" },
                "email": { "type": "string" }
            },
            "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
            "if": {
                "properties": { "contactMethod": { "const": "phone" } },
                "required": ["contactMethod"]
            },
            "then": { "required": ["phone"] },
            "else": { "required": ["email"] },
            "additionalProperties": false
        }))
        .raw_handler(|args, _ctx| async move {
            Ok(CallToolResult::text(format!(
                "JSON Schema 2020-12 tool called with: {}",
                serde_json::Value::Object(args)
            )))
        })
}

/// A tool whose `region` argument is mirrored into the `Mcp-Param-Region`
/// HTTP header (`x-mcp-header`, SEP-2243).
fn test_custom_headers() -> Tool {
    Tool::new("test_custom_headers")
        .description("Echoes its region argument, which clients mirror into the Mcp-Param-Region header.")
        .input_schema(json!({
            "type": "object",
            "properties": {
                "region": {
                    "type": "string",
                    "description": "The region, also sent as the Mcp-Param-Region header",
                    "x-mcp-header": "Region"
                }
            },
            "required": ["region"]
        }))
        .raw_handler(|args, _ctx| async move {
            let region = args.get("region").and_then(|v| v.as_str()).unwrap_or_default();
            Ok(CallToolResult::text(format!("Region: {region}")))
        })
}

/// A tool that needs the client's `sampling` capability: clients that did not
/// declare it get `MissingRequiredClientCapabilityError` (-32021).
#[tool]
async fn test_missing_capability(ctx: Context) -> Result<String, McpError> {
    let text = sample_raw(&ctx, None, sampling_params("Say hello", 50)).await?;
    Ok(format!("LLM response: {text}"))
}

/// A tool that `test_trigger_tool_change` shows and hides.
#[tool]
fn test_dynamic_tool() -> &'static str {
    "The dynamic tool is here."
}

/// Changes the tool list (shows or hides `test_dynamic_tool`), so clients are
/// told `notifications/tools/list_changed`.
#[tool]
fn test_trigger_tool_change(ctx: Context) -> &'static str {
    let server = ctx.server();
    if server.disable_tool("test_dynamic_tool") {
        "test_dynamic_tool hidden"
    } else {
        server.enable_tool("test_dynamic_tool");
        "test_dynamic_tool shown"
    }
}

/// Changes the prompt list (shows or hides `test_dynamic_prompt`), so clients
/// are told `notifications/prompts/list_changed`.
#[tool]
fn test_trigger_prompt_change(ctx: Context) -> &'static str {
    let server = ctx.server();
    if server.disable_prompt("test_dynamic_prompt") {
        "test_dynamic_prompt hidden"
    } else {
        server.enable_prompt("test_dynamic_prompt");
        "test_dynamic_prompt shown"
    }
}

// ---------------------------------------------------------------------------
// Tasks: the io.modelcontextprotocol/tasks extension (modern clients that
// declare it get a task handle) and the 2025-11-25 tasks utility (legacy
// clients that send `task`), from the same `#[tool(task)]` declarations.
// ---------------------------------------------------------------------------

/// Greets by name (an ordinary tool: never a task).
#[tool]
fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// Sleeps `seconds` seconds, then answers; cancellable while it sleeps.
#[tool(task)]
async fn slow_compute(seconds: f64, label: Option<String>) -> String {
    tokio::time::sleep(Duration::from_secs_f64(seconds.clamp(0.0, 3600.0))).await;
    let label = label.unwrap_or_else(|| "slow_compute".to_owned());
    format!("{label}: computed after {seconds} s")
}

/// Fails as a tool (an `isError` result) after about a second; must run as a task.
#[tool(task = "required")]
async fn failing_job() -> Result<String, ToolError> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(ToolError::new("failing_job failed, as it always does"))
}

/// Fails with a JSON-RPC (protocol) error: the task ends `failed`.
#[tool(task)]
async fn protocol_error_job() -> Result<String, McpError> {
    tokio::time::sleep(Duration::from_millis(100)).await;
    Err(McpError::internal("protocol_error_job hit an internal error"))
}

/// Asks to confirm the deletion of `filename` (one elicitation), then answers.
#[tool(task)]
async fn confirm_delete(filename: String, ctx: Context) -> Result<String, McpError> {
    let schema = json!({
        "type": "object",
        "properties": { "confirm": { "type": "boolean" } },
        "required": ["confirm"]
    });
    let answer = elicit_raw(&ctx, None, form(&ctx, &format!("Delete {filename}?"), schema)).await?;
    let confirmed = answer.action == ElicitAction::Accept
        && answer
            .content
            .as_ref()
            .and_then(|c| c.get("confirm"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
    Ok(if confirmed {
        format!("Deleted {filename}")
    } else {
        format!("Kept {filename}")
    })
}

/// Asks two questions at once (two elicitations pending together).
#[tool(task)]
async fn multi_input(ctx: Context) -> Result<String, McpError> {
    let (first, second) = tokio::join!(
        elicit_raw(&ctx, None, form(&ctx, "First: your name?", one_string("name"))),
        elicit_raw(
            &ctx,
            None,
            form(&ctx, "Second: your name again?", one_string("name"))
        ),
    );
    Ok(format!(
        "first: {}; second: {}",
        describe(&first?),
        describe(&second?)
    ))
}

/// Asks for a name synchronously (multi round-trip, key `user_name`), then
/// continues as a task that greets by that name.
#[tool(task = "required")]
async fn test_tool_with_task(ctx: Context) -> Result<String, McpError> {
    let name = ask_name(&ctx).await?.unwrap_or_else(|| "anonymous".to_owned());
    ctx.begin_task().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(format!("Hello, {name}! (from a task)"))
}

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

/// A static text resource.
#[resource("test://static-text", name = "static-text", mime = "text/plain")]
fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (a PNG image).
#[resource("test://static-binary", name = "static-binary", mime = "image/png")]
fn static_binary() -> ResourceContents {
    ResourceContents::Blob(BlobResourceContents::new("test://static-binary", PNG).with_mime_type("image/png"))
}

/// How many times `test_trigger_resource_update` changed `test://watched-resource`.
static WATCHED_UPDATES: AtomicU64 = AtomicU64::new(0);

/// A resource clients can subscribe to (`test_trigger_resource_update` changes it).
#[resource("test://watched-resource", name = "watched-resource", mime = "text/plain")]
fn watched_resource() -> String {
    match WATCHED_UPDATES.load(Ordering::Relaxed) {
        0 => "Watched resource content".to_owned(),
        n => format!("Watched resource content (update {n})"),
    }
}

/// Changes `test://watched-resource`, so subscribed clients are told
/// `notifications/resources/updated`.
#[tool]
fn test_trigger_resource_update(ctx: Context) -> String {
    let n = WATCHED_UPDATES.fetch_add(1, Ordering::Relaxed) + 1;
    ctx.server().notify_resource_updated("test://watched-resource");
    format!("test://watched-resource is now at update {n}")
}

/// What `test://template/{id}/data` holds.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateData {
    id: String,
    template_test: bool,
    data: String,
}

/// Data for an id.
#[resource("test://template/{id}/data", name = "template", mime = "application/json")]
fn template_data(id: String) -> Json<TemplateData> {
    Json(TemplateData {
        data: format!("Data for ID: {id}"),
        id,
        template_test: true,
    })
}

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

/// A simple prompt without arguments.
#[prompt]
fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// A prompt with two required arguments.
#[prompt]
fn test_prompt_with_arguments(
    #[arg(desc = "First test argument")] arg1: String,
    #[arg(desc = "Second test argument")] arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt that embeds a resource.
#[prompt]
fn test_prompt_with_embedded_resource(
    #[arg(desc = "URI of the resource to embed", rename = "resourceUri")] resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::new(
            Role::User,
            ContentBlock::resource(text_resource(
                &resource_uri,
                "text/plain",
                "Embedded resource content for testing.",
            )),
        ),
        PromptMessage::user_text("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::new(Role::User, png()),
        PromptMessage::user_text("Please analyze the image above."),
    ]
}

/// A prompt built from context the user gives (elicitation, key
/// `user_context`): an input-required result on `prompts/get`.
#[prompt]
async fn test_input_required_result_prompt(ctx: Context) -> Result<Vec<PromptMessage>, McpError> {
    let params = json!({
        "message": "What context should the prompt use?",
        "requestedSchema": one_string("context")
    });
    let result = elicit_raw(&ctx, Some("user_context"), params).await?;
    let context = accepted_string(&result, "context")?.unwrap_or_else(|| "(none given)".to_owned());
    Ok(vec![PromptMessage::user_text(format!(
        "Answer using this context: {context}"
    ))])
}

/// A prompt that `test_trigger_prompt_change` shows and hides.
#[prompt]
fn test_dynamic_prompt() -> &'static str {
    "The dynamic prompt is here."
}

/// `test_prompt_with_arguments`, with completions for `arg1`.
fn prompt_with_arguments() -> Prompt {
    test_prompt_with_arguments
        .into_prompt()
        .complete("arg1", |typed, _ctx| async move {
            ["hello", "help", "world"]
                .into_iter()
                .filter(|v| v.starts_with(typed.as_str()))
                .map(str::to_owned)
                .collect()
        })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: stdout belongs to the protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();

    Server::new("mcp-serve-everything", env!("CARGO_PKG_VERSION"))
        .instructions("Every tool, resource and prompt of the MCP conformance suite's server scenarios.")
        .tool(test_simple_text)
        .tool(test_image_content)
        .tool(test_audio_content)
        .tool(test_embedded_resource)
        .tool(test_multiple_content_types)
        .tool(test_tool_with_logging)
        .tool(test_logging_tool)
        .tool(test_tool_with_progress)
        .tool(test_error_handling)
        .tool(test_reconnection)
        .tool(test_sampling)
        .tool(test_elicitation)
        .tool(test_elicitation_sep1034_defaults)
        .tool(test_elicitation_sep1330_enums)
        .tool(test_streaming_elicitation)
        .tool(test_input_required_result_elicitation)
        .tool(test_input_required_result_sampling)
        .tool(test_input_required_result_list_roots)
        .tool(test_input_required_result_request_state)
        .tool(test_input_required_result_multiple_inputs)
        .tool(test_input_required_result_multi_round)
        .tool(test_input_required_result_tampered_state)
        .tool(test_input_required_result_capabilities)
        .tool(json_schema_2020_12_tool())
        .tool(test_custom_headers())
        .tool(test_missing_capability)
        .tool(test_dynamic_tool.into_tool())
        .tool(test_trigger_tool_change)
        .tool(test_trigger_prompt_change)
        .tool(test_trigger_resource_update)
        .tool(greet)
        .tool(slow_compute)
        .tool(failing_job)
        .tool(protocol_error_job)
        .tool(confirm_delete)
        .tool(multi_input)
        .tool(test_tool_with_task.into_tool().deferred_task())
        .resource(static_text)
        .resource(static_binary)
        .resource(watched_resource)
        .resource(template_data)
        .prompt(test_simple_prompt)
        .prompt(prompt_with_arguments())
        .prompt(test_prompt_with_embedded_resource)
        .prompt(test_prompt_with_image)
        .prompt(test_dynamic_prompt)
        .prompt(test_input_required_result_prompt)
        .run()
        .await?;
    Ok(())
}
