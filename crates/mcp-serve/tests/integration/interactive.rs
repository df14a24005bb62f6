//! Asking the client for input from a handler, written once and served to
//! both eras: legacy server→client requests and modern multi round-trip
//! requests (InputRequiredResult, signed requestState).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::context::Elicitation;
use mcp_serve::prelude::*;
use mcp_serve::protocol::jsonrpc::ErrorObject;
use mcp_serve::protocol::types::ClientCapabilities;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    /// Your name.
    name: String,
}

/// Counts how often the handler body runs (replays in the modern era).
struct Runs(AtomicUsize);

/// Greet the user by the name they give, in the words of the client's model.
#[tool]
async fn introduce(ctx: Context, runs: State<Runs>) -> Result<String, ToolError> {
    runs.0.0.fetch_add(1, Ordering::SeqCst);
    let name = match ctx.elicit::<Name>("What is your name?").await? {
        Elicitation::Accept(n) => n.name,
        Elicitation::Decline | Elicitation::Cancel => return Ok("no name given".into()),
    };
    let greeting = ctx.sample_text(&format!("Greet {name}"), 50).await?;
    let roots = ctx.roots().await?;
    Ok(format!("{greeting} ({} roots)", roots.len()))
}

fn capabilities() -> ClientCapabilities {
    serde_json::from_value(json!({"elicitation": {}, "sampling": {}, "roots": {}})).unwrap()
}

fn answering(asked: Arc<std::sync::Mutex<Vec<String>>>) -> ClientOptions {
    ClientOptions {
        capabilities: capabilities(),
        ..Default::default()
    }
    .on_input(move |method, params| {
        asked.lock().unwrap().push(method.clone());
        async move {
            match method.as_str() {
                "elicitation/create" => {
                    assert_eq!(params["message"], "What is your name?");
                    assert_eq!(params["requestedSchema"]["properties"]["name"]["type"], "string");
                    Ok(json!({"action": "accept", "content": {"name": "Ada"}}))
                }
                "sampling/createMessage" => {
                    assert_eq!(params["messages"][0]["content"]["text"], "Greet Ada");
                    Ok(json!({"role": "assistant", "content": {"type": "text", "text": "Hello, Ada!"}, "model": "test"}))
                }
                "roots/list" => Ok(json!({"roots": [{"uri": "file:///work", "name": "work"}]})),
                other => Err(ErrorObject::method_not_found(other)),
            }
        }
    })
}

async fn connect(era: Era, options: ClientOptions) -> (TestClient, Arc<Runs>) {
    let runs = Arc::new(Runs(AtomicUsize::new(0)));
    let server = Server::new("interactive", "1.0.0")
        .tool(introduce)
        .state(Runs(AtomicUsize::new(0)))
        .into_handle()
        .unwrap();
    let _ = &runs;
    let client = TestClient::connect(&server, ClientOptions { era, ..options })
        .await
        .unwrap();
    (client, runs)
}

#[tokio::test]
async fn the_same_handler_elicits_samples_and_lists_roots_in_both_eras() {
    for era in [
        Era::Modern,
        Era::Legacy(ProtocolVersion::V2025_11_25),
        Era::Legacy(ProtocolVersion::V2025_06_18),
    ] {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (client, _) = connect(era, answering(asked.clone())).await;
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            client.call_tool("introduce", json!({})),
        )
        .await
        .expect("no answer")
        .unwrap();
        assert_eq!(r.is_error, None, "{era:?}: {r:?}");
        assert_eq!(r.content[0].as_text(), Some("Hello, Ada! (1 roots)"), "{era:?}");
        assert_eq!(
            *asked.lock().unwrap(),
            ["elicitation/create", "sampling/createMessage", "roots/list"],
            "{era:?}: each input is asked exactly once"
        );
    }
}

#[tokio::test]
async fn modern_rounds_carry_answers_in_a_signed_state() {
    let (client, _) = connect(
        Era::Modern,
        ClientOptions {
            capabilities: capabilities(),
            ..Default::default()
        },
    )
    .await;
    // Without an input handler the client returns the InputRequiredResult as is.
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "sampling": {}, "roots": {}}});
    let first = client
        .request_raw(
            "tools/call",
            Some(json!({"name": "introduce", "arguments": {}, "_meta": meta})),
        )
        .await
        .unwrap();
    assert_eq!(first["resultType"], "input_required", "{first}");
    let requests = first["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1);
    let (key, req) = requests.iter().next().unwrap();
    assert_eq!(req["method"], "elicitation/create");
    let state = first["requestState"].as_str().unwrap().to_owned();

    // Round 2 with the answer: the handler goes on to sampling.
    let answer = json!({ key.clone(): {"action": "accept", "content": {"name": "Ada"}} });
    let second = client
        .request_raw(
            "tools/call",
            Some(json!({"name": "introduce", "arguments": {}, "inputResponses": answer, "requestState": state})),
        )
        .await
        .unwrap();
    assert_eq!(second["resultType"], "input_required");
    let (key2, req2) = second["inputRequests"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_ne!(key2, key);
    assert_eq!(req2["method"], "sampling/createMessage");
    let state2 = second["requestState"].as_str().unwrap();

    // A tampered state is refused with -32602.
    let mut tampered = state2.to_owned();
    let flip = if tampered.ends_with('A') { 'B' } else { 'A' };
    tampered.pop();
    tampered.push(flip);
    let err = client
        .request_raw(
            "tools/call",
            Some(json!({"name": "introduce", "arguments": {}, "requestState": tampered})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32602, "{err}");

    // The state cannot be moved to another request either.
    let err = client
        .request_raw(
            "tools/call",
            Some(json!({"name": "introduce", "arguments": {"x": 1}, "requestState": state2})),
        )
        .await
        .unwrap_err();
    assert!(err.rpc().unwrap().message.contains("different request"), "{err}");
}

#[tokio::test]
async fn missing_capability_is_the_specs_error() {
    // `?` on the capability error in a tool keeps it a protocol error.
    let (client, _) = connect(Era::Modern, ClientOptions::default()).await;
    let err = client.call_tool("introduce", json!({})).await.unwrap_err();
    let e = err.rpc().expect("a JSON-RPC error");
    assert_eq!(e.code, -32021, "{e}");
    assert_eq!(
        e.data.as_ref().unwrap()["requiredCapabilities"],
        json!({"elicitation": {}})
    );
    // Legacy clients get -32602 (the code -32021 is not theirs) with the same data.
    let (legacy, _) = connect(
        Era::Legacy(ProtocolVersion::V2025_11_25),
        ClientOptions::default(),
    )
    .await;
    let err = legacy.call_tool("introduce", json!({})).await.unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32602);
}

/// Ask for confirmation, then report whether it was given (explicit key).
#[tool]
async fn confirm(ctx: Context) -> Result<String, McpError> {
    ctx.require_capability("elicitation", None)?;
    let v: Value = ctx
        .input_request(
            Some("confirm"),
            "elicitation/create",
            json!({"message": "Sure?", "requestedSchema": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}),
        )
        .await?;
    Ok(format!("action={}", v["action"]))
}

#[tokio::test]
async fn handlers_can_return_the_capability_error_as_a_protocol_error() {
    let server = Server::new("t", "1").tool(confirm).into_handle().unwrap();
    let conn = server.connect(None);
    let frame = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "confirm", "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}});
    let out = conn
        .handle(&serde_json::to_vec(&frame).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["error"]["code"], -32021, "{v}");
    assert_eq!(
        v["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {}})
    );
    // With the capability, the explicit key names the input request.
    let frame = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "confirm", "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}}}});
    let out = conn
        .handle(&serde_json::to_vec(&frame).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["result"]["resultType"], "input_required", "{v}");
    assert!(v["result"]["inputRequests"]["confirm"].is_object(), "{v}");
}

/// Report progress in a tight loop.
#[tool]
async fn busy(ctx: Context) -> &'static str {
    for i in 0..=1000 {
        ctx.progress(f64::from(i), Some(1000.0), None).await;
    }
    "done"
}

#[tokio::test]
async fn progress_in_a_tight_loop_is_rate_limited_but_ends_at_the_total() {
    let handle = Server::new("t", "1").tool(busy).into_handle().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(2048);
    let conn = handle.connect(Some(tx));
    let frame = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "busy", "arguments": {},
        "_meta": {"progressToken": "t", "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    conn.handle(&serde_json::to_vec(&frame).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Ok(bytes) = rx.try_recv() {
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        seen.push(v["params"]["progress"].as_f64().unwrap());
    }
    assert!(
        !seen.is_empty() && seen.len() < 100,
        "{} notifications",
        seen.len()
    );
    assert_eq!(seen.last(), Some(&1000.0), "the final update always goes out");
}
