//! A client for the client scenarios of the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`). The suite starts a mock server and
//! runs `conformance_client <url>` with `MCP_CONFORMANCE_SCENARIO` set (and
//! `MCP_CONFORMANCE_CONTEXT`, JSON, for some scenarios); the mock checks what
//! the client did.
//!
//! The era is never forced: every scenario goes through `Era::Auto` detection,
//! so the legacy scenarios also check the fall-back from the modern probe.
//!
//! ```sh
//! cargo build -p mcp-serve --example conformance_client
//! bash tests/conformance/suite.sh client target/debug/examples/conformance_client --scenario initialize
//! ```
//! (`scripts/conformance-client.sh` runs every scenario this client passes.)

use std::process::ExitCode;

use mcp_serve::client::{Client, ClientOptions};
use mcp_serve::protocol::jsonrpc::ErrorObject;
use mcp_serve::protocol::types::{ClientCapabilities, Implementation, Root};
use serde_json::{Map, Value, json};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: conformance_client <server url>   (with MCP_CONFORMANCE_SCENARIO set)");
        return ExitCode::from(2);
    };
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or(Value::Null);
    match run(&scenario, &url, &context).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance_client: scenario {scenario:?} against {url}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn options() -> ClientOptions {
    let capabilities: ClientCapabilities = serde_json::from_value(json!({
        "elicitation": {}, "sampling": {}, "roots": {}
    }))
    .unwrap_or_default();
    ClientOptions {
        info: Implementation::new("mcp-serve-conformance-client", env!("CARGO_PKG_VERSION")),
        capabilities,
        ..Default::default()
    }
    .roots(vec![
        Root::new("file:///tmp/conformance").with_name("conformance"),
    ])
    .on_input(|method, params| async move { answer(&method, &params) })
}

/// The user the conformance suite imagines: accepts every form with its
/// defaults (SEP-1034), and "samples" a fixed text.
fn answer(method: &str, params: &Value) -> Result<Value, ErrorObject> {
    match method {
        "elicitation/create" => {
            let mut content = Map::new();
            if let Some(Value::Object(props)) = params.pointer("/requestedSchema/properties") {
                for (name, schema) in props {
                    if let Some(default) = schema.get("default") {
                        content.insert(name.clone(), default.clone());
                    }
                }
            }
            Ok(json!({ "action": "accept", "content": content }))
        }
        "sampling/createMessage" => Ok(json!({
            "role": "assistant",
            "content": { "type": "text", "text": "This is a sampled answer." },
            "model": "conformance-model",
            "stopReason": "endTurn",
        })),
        other => Err(ErrorObject::method_not_found(other)),
    }
}

async fn run(scenario: &str, url: &str, context: &Value) -> anyhow::Result<()> {
    let client = Client::connect_http(url, options()).await?;
    eprintln!(
        "connected: {:?} era, {:?}",
        client.era(),
        client.server_info().map(|i| i.name)
    );
    let result = exercise(&client, scenario, context).await;
    client.close().await;
    result
}

async fn exercise(client: &Client, scenario: &str, context: &Value) -> anyhow::Result<()> {
    match scenario {
        "initialize" | "json-schema-ref-no-deref" => {
            client.list_tools().await?;
        }
        "tools_call" => {
            client.list_tools().await?;
            let r = client.call_tool("add_numbers", json!({ "a": 5, "b": 3 })).await?;
            eprintln!("add_numbers: {:?}", r.content);
        }
        "sep-2322-client-request-state" => {
            client.list_tools().await?;
            for tool in [
                "test_mrtr_echo_state",
                "test_mrtr_no_state",
                "test_mrtr_unrelated",
                "test_mrtr_no_result_type",
            ] {
                client.call_tool(tool, json!({})).await?;
            }
        }
        "http-custom-headers" => {
            client.list_tools().await?;
            for call in context["toolCalls"].as_array().into_iter().flatten() {
                let name = call["name"].as_str().unwrap_or_default();
                client.call_tool(name, call["arguments"].clone()).await?;
            }
        }
        "json-schema-2020-12-preservation" => {
            let tools = client.list_tools().await?;
            let focal = tools
                .tools
                .iter()
                .find(|t| t.name != "json_schema_echo")
                .ok_or_else(|| anyhow::anyhow!("the server lists no tool to echo"))?;
            client
                .call_tool("json_schema_echo", json!({ "schema": focal.input_schema }))
                .await?;
        }
        // initialize + elicitation + sse-retry + headers scenarios, and any
        // new one: use everything the server offers.
        _ => everything(client).await?,
    }
    Ok(())
}

/// Lists everything and uses each item once.
async fn everything(client: &Client) -> anyhow::Result<()> {
    let caps = client.server_capabilities().unwrap_or_default();
    let tools = client.list_tools().await?;
    for tool in &tools.tools {
        let r = client
            .call_tool(&tool.name, sample_arguments(&tool.input_schema))
            .await?;
        eprintln!("{}: {:?}", tool.name, r.content);
    }
    if caps.resources.is_some() {
        for resource in client.list_resources().await?.resources {
            client.read_resource(&resource.uri).await?;
        }
    }
    if caps.prompts.is_some() {
        for prompt in client.list_prompts().await?.prompts {
            let mut args = Map::new();
            for a in prompt.arguments.iter().flatten() {
                args.insert(a.name.clone(), json!("x"));
            }
            client.get_prompt(&prompt.name, Value::Object(args)).await?;
        }
    }
    Ok(())
}

/// Arguments that satisfy a simple object schema: every property, with a
/// value of its type.
fn sample_arguments(schema: &Value) -> Value {
    let mut args = Map::new();
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (name, prop) in props {
            let value = match prop.get("type").and_then(Value::as_str) {
                _ if prop.get("default").is_some() => prop["default"].clone(),
                Some("string") => json!("us-west1"),
                Some("integer") => json!(1),
                Some("number") => json!(1.5),
                Some("boolean") => json!(true),
                Some("array") => json!([]),
                Some("object") => sample_arguments(prop),
                _ => json!("x"),
            };
            args.insert(name.clone(), value);
        }
    }
    Value::Object(args)
}
