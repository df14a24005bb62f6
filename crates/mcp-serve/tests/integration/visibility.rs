//! `middleware::Visibility`: what one request sees, decided per caller or by
//! a filter the client declares, in both eras; hidden components answer as
//! unknown ones do.

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::middleware::{ComponentKind, Visibility};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::server::ServerHandle;
use mcp_serve::testing::TestClient;
use mcp_serve::tool::ToolSearch;
use serde_json::{Value, json};

const ERAS: [Era; 2] = [Era::Modern, Era::Legacy(ProtocolVersion::V2025_11_25)];

/// A client-declared filter: `{"tags": [..]}` shows only those tags.
const FILTER: &str = "com.example/only-tags";

/// Open an invoice.
#[tool(tags = ["billing"])]
fn invoice(id: u32) -> String {
    format!("invoice {id}")
}

/// Deploy a build.
#[tool(tags = ["ops"])]
fn deploy() -> &'static str {
    "deployed"
}

/// Say hello.
#[tool]
fn hello() -> &'static str {
    "hello"
}

/// The billing ledger.
#[resource("ledger://current", tags = ["billing"])]
fn ledger() -> &'static str {
    "balance: 0"
}

/// An invoice document.
#[resource("invoices://{id}", tags = ["billing"])]
fn invoice_doc(id: u32) -> String {
    format!("invoice document {id}")
}

/// Summarise a runbook.
#[prompt(tags = ["ops"])]
fn runbook(step: String) -> String {
    format!("Run step {step}")
}

/// Visible when the client declared no filter, or the component has one of
/// the tags it asked for.
fn rule() -> Visibility {
    Visibility::new(|cx, c| match cx.client_extension(FILTER) {
        None => true,
        Some(settings) => {
            let wanted: Vec<&str> = settings["tags"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            c.tags.iter().any(|t| wanted.contains(&t.as_str()))
        }
    })
}

fn server() -> ServerHandle {
    Server::new("vis", "1.0.0")
        .tool(invoice)
        .tool(deploy)
        .tool(hello)
        .resource(ledger)
        .resource(invoice_doc)
        .prompt(runbook)
        .middleware(rule())
        .into_handle()
        .unwrap()
}

fn options(era: Era, tags: Option<&[&str]>) -> ClientOptions {
    let mut options = ClientOptions {
        era,
        ..Default::default()
    };
    if let Some(tags) = tags {
        let mut ext = serde_json::Map::new();
        ext.insert(FILTER.into(), json!({ "tags": tags }));
        options.capabilities.extensions = Some(ext);
    }
    options
}

async fn tools(client: &TestClient) -> Vec<String> {
    client
        .list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[tokio::test]
async fn each_client_sees_what_its_declared_filter_allows() {
    let server = server();
    for era in ERAS {
        let all = TestClient::connect(&server, options(era, None)).await.unwrap();
        assert_eq!(tools(&all).await, ["invoice", "deploy", "hello"], "{era:?}");

        let billing = TestClient::connect(&server, options(era, Some(&["billing"])))
            .await
            .unwrap();
        assert_eq!(tools(&billing).await, ["invoice"], "{era:?}");
        let resources = billing.list_resources().await.unwrap().resources;
        assert_eq!(resources.len(), 1);
        assert_eq!(
            billing
                .list_resource_templates()
                .await
                .unwrap()
                .resource_templates[0]
                .uri_template,
            "invoices://{id}"
        );
        assert!(
            billing.list_prompts().await.unwrap().prompts.is_empty(),
            "{era:?}"
        );
        let r = billing.call_tool("invoice", json!({"id": 7})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("invoice 7"));
        assert!(billing.read_resource("invoices://3").await.is_ok());

        // Hidden ones answer as unknown ones do, to the letter.
        let hidden = billing.call_tool("deploy", json!({})).await.unwrap_err();
        let unknown = billing.call_tool("no_such_tool", json!({})).await.unwrap_err();
        let (h, u) = (hidden.rpc().unwrap(), unknown.rpc().unwrap());
        assert_eq!(h.code, u.code, "{era:?}");
        assert_eq!(
            h.message.replace("deploy", "X"),
            u.message.replace("no_such_tool", "X")
        );
        let e = billing
            .get_prompt("runbook", json!({"step": "1"}))
            .await
            .unwrap_err();
        let unknown = billing.get_prompt("nope", json!({})).await.unwrap_err();
        assert_eq!(
            e.rpc().unwrap().message.replace("runbook", "X"),
            unknown.rpc().unwrap().message.replace("nope", "X")
        );
        let ops = TestClient::connect(&server, options(era, Some(&["ops"])))
            .await
            .unwrap();
        let e = ops.read_resource("ledger://current").await.unwrap_err();
        let unknown = ops.read_resource("ledger://nope").await.unwrap_err();
        assert_eq!(e.rpc().unwrap().code, unknown.rpc().unwrap().code, "{era:?}");
        let e = ops
            .request_raw(
                "completion/complete",
                Some(json!({"ref": {"type": "ref/resource", "uri": "invoices://{id}"}, "argument": {"name": "id", "value": "1"}})),
            )
            .await;
        assert!(e.is_err(), "completing a hidden template is refused: {e:?}");
        assert!(ops.get_prompt("runbook", json!({"step": "1"})).await.is_ok());
    }
}

#[tokio::test]
async fn filtered_modern_lists_are_private_to_the_caller() {
    let server = Server::new("vis", "1.0.0")
        .tool(invoice)
        .tool(hello)
        .cache_hints(60_000, mcp_serve::protocol::types::CacheScope::Public)
        .middleware(rule())
        .into_handle()
        .unwrap();
    let client = TestClient::connect(&server, options(Era::Modern, Some(&["billing"])))
        .await
        .unwrap();
    let raw = client.request_raw("tools/list", Some(json!({}))).await.unwrap();
    assert_eq!(raw["cacheScope"], "private", "{raw}");
    assert_eq!(raw["tools"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_tool_searchs_call_tool_is_checked_too() {
    let server = Server::new("vis", "1.0.0")
        .tool(invoice)
        .tool(deploy)
        .tool_search(ToolSearch::bm25())
        .middleware(Visibility::new(|_cx, c| {
            c.kind != ComponentKind::Tool || !c.tags.iter().any(|t| t == "ops")
        }))
        .into_handle()
        .unwrap();
    let client = TestClient::connect(&server, options(Era::Modern, None))
        .await
        .unwrap();
    let r = client
        .call_tool("call_tool", json!({"name": "deploy", "arguments": {}}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert_eq!(r.content[0].as_text(), Some("Unknown tool: deploy"));
    let r = client
        .call_tool("call_tool", json!({"name": "invoice", "arguments": {"id": 1}}))
        .await
        .unwrap();
    assert_eq!(r.content[0].as_text(), Some("invoice 1"));
}
