//! The "everything" server: every tool, resource and prompt the official MCP
//! conformance suite (`@modelcontextprotocol/conformance`) asks of a server
//! under test, with the exact names and texts its scenarios check.
//!
//! ```text
//! cargo run --example everything -- --http 127.0.0.1:3000   # Streamable HTTP at /mcp
//! scripts/conformance.sh                                    # runs the suite against it
//! ```
//!
//! Sampling, elicitation, roots and multi-round-trip requests are not built
//! yet: the tools that need them are listed with their input schemas, but
//! calling them returns a tool error saying so.

use std::time::Duration;

use mcp_serve::prelude::*;
use mcp_serve::prompt::{IntoPrompt, Prompt};
use mcp_serve::protocol::error::code;
use mcp_serve::protocol::types::{
    BlobResourceContents, ClientCapabilities, MissingRequiredClientCapabilityErrorData, SamplingCapability,
    TextResourceContents,
};
use mcp_serve::tool::{CallError, IntoTool, Tool};
use serde::Serialize;
use serde_json::json;

/// A 1×1 PNG, base64.
const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A tiny WAV file, base64.
const WAV: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

fn png() -> ContentBlock {
    ContentBlock::image(PNG, "image/png")
}

fn text_resource(uri: &str, mime: &str, text: &str) -> TextResourceContents {
    TextResourceContents {
        mime_type: Some(mime.to_owned()),
        ..TextResourceContents::new(uri, text)
    }
}

/// The tool error of tools that need the interactive protocol.
fn not_implemented(feature: &str) -> ToolError {
    ToolError::new(format!(
        "{feature} is not implemented yet: this server cannot send requests to the client (interactive protocol)"
    ))
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
fn test_sampling(#[arg(desc = "The prompt to send to the LLM")] prompt: String) -> Result<String, ToolError> {
    let _ = prompt;
    Err(not_implemented("Sampling (sampling/createMessage)"))
}

/// Asks the user for input (elicitation).
#[tool]
fn test_elicitation(
    #[arg(desc = "The message to show the user")] message: String,
) -> Result<String, ToolError> {
    let _ = message;
    Err(not_implemented("Elicitation (elicitation/create)"))
}

/// Asks the user to fill in a form whose fields have defaults (SEP-1034).
#[tool]
fn test_elicitation_sep1034_defaults() -> Result<String, ToolError> {
    Err(not_implemented("Elicitation (elicitation/create)"))
}

/// Asks the user to pick from enum fields of every kind (SEP-1330).
#[tool]
fn test_elicitation_sep1330_enums() -> Result<String, ToolError> {
    Err(not_implemented("Elicitation (elicitation/create)"))
}

/// Elicits input while the call streams (2026-07-28: an input-required result).
#[tool]
fn test_streaming_elicitation() -> Result<String, ToolError> {
    Err(not_implemented("Elicitation (input-required results)"))
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
fn test_missing_capability() -> Tool {
    Tool::new("test_missing_capability")
        .description("Needs the client's sampling capability; fails with -32021 when it was not declared.")
        .raw_handler(|_args, ctx| async move {
            let declared = ctx.client_capabilities().is_some_and(|c| c.sampling.is_some());
            if !declared {
                let data = MissingRequiredClientCapabilityErrorData {
                    required_capabilities: ClientCapabilities {
                        sampling: Some(SamplingCapability::default()),
                        ..Default::default()
                    },
                };
                let data = serde_json::to_value(data).unwrap_or_default();
                return Err(CallError::Protocol(
                    McpError::new(
                        code::MISSING_REQUIRED_CLIENT_CAPABILITY,
                        "This tool needs the client's sampling capability",
                    )
                    .with_data(data),
                ));
            }
            Err(CallError::Tool(not_implemented(
                "Sampling (sampling/createMessage)",
            )))
        })
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
    ResourceContents::Blob(BlobResourceContents {
        mime_type: Some("image/png".to_owned()),
        ..BlobResourceContents::new("test://static-binary", PNG)
    })
}

/// A resource clients can subscribe to.
#[resource("test://watched-resource", name = "watched-resource", mime = "text/plain")]
fn watched_resource() -> &'static str {
    "Watched resource content"
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
        .tool(json_schema_2020_12_tool())
        .tool(test_custom_headers())
        .tool(test_missing_capability())
        .tool(test_dynamic_tool.into_tool())
        .tool(test_trigger_tool_change)
        .tool(test_trigger_prompt_change)
        .resource(static_text)
        .resource(static_binary)
        .resource(watched_resource)
        .resource(template_data)
        .prompt(test_simple_prompt)
        .prompt(prompt_with_arguments())
        .prompt(test_prompt_with_embedded_resource)
        .prompt(test_prompt_with_image)
        .prompt(test_dynamic_prompt)
        .run()
        .await?;
    Ok(())
}
