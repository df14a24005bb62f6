//! `subscriptions/listen` (2026-07-28): acknowledgement, filtered and tagged
//! notifications, cancellation.

use std::time::Duration;

use mcp_serve::engine::Reply;
use mcp_serve::prelude::*;
use mcp_serve::tool::Tool;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

fn meta() -> Value {
    json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}})
}

async fn next(rx: &mut mpsc::Receiver<Vec<u8>>) -> Value {
    let bytes = timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("no message")
        .expect("closed");
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test(start_paused = true)]
async fn listen_acknowledges_then_forwards_only_what_was_asked() {
    let handle = Server::new("subs", "1.0.0").tool(add).into_handle().unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let conn = handle.connect(Some(tx));
    let listen = json!({"jsonrpc": "2.0", "id": "listen-1", "method": "subscriptions/listen", "params": {
        "_meta": meta(),
        "notifications": {"toolsListChanged": true, "resourceSubscriptions": ["config://app"]}}});
    let Reply::Later(stream) = conn.handle(&serde_json::to_vec(&listen).unwrap(), None) else {
        panic!("listen must stay open");
    };
    let running = tokio::spawn(stream);

    let ack = next(&mut rx).await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "listen-1"
    );
    assert_eq!(ack["params"]["notifications"]["toolsListChanged"], true);
    assert!(ack["params"]["notifications"].get("promptsListChanged").is_none());

    // A prompt change was not asked for; a tool change and the watched resource were.
    handle
        .add_prompt(
            mcp_serve::prompt::Prompt::new("p").raw_handler(|_, _| async { Ok(GetPromptResult::default()) }),
        )
        .unwrap();
    handle.notify_resource_updated("other://x");
    handle
        .add_tool(Tool::new("later").raw_handler(|_, _| async { Ok(CallToolResult::text("ok")) }))
        .unwrap();
    handle.notify_resource_updated("config://app");
    let n = next(&mut rx).await;
    assert_eq!(n["method"], "notifications/tools/list_changed", "{n}");
    assert_eq!(
        n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "listen-1"
    );
    let n = next(&mut rx).await;
    assert_eq!(n["method"], "notifications/resources/updated", "{n}");
    assert_eq!(n["params"]["uri"], "config://app");

    // Cancelling ends the stream without a response.
    let cancel =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "listen-1"}});
    assert!(matches!(
        conn.handle(&serde_json::to_vec(&cancel).unwrap(), None),
        Reply::None
    ));
    let out = timeout(Duration::from_secs(5), running)
        .await
        .expect("stream did not end")
        .unwrap();
    assert!(out.is_none(), "a cancelled subscription gets no response");
    handle
        .add_tool(Tool::new("after").raw_handler(|_, _| async { Ok(CallToolResult::text("ok")) }))
        .unwrap();
    assert!(
        timeout(Duration::from_millis(200), rx.recv()).await.is_err(),
        "nothing after cancellation"
    );
}

#[tokio::test]
async fn listen_is_modern_only_and_checks_its_filter() {
    let handle = Server::new("subs", "1.0.0").into_handle().unwrap();
    let (tx, _rx) = mpsc::channel(8);
    let conn = handle.connect(Some(tx));
    let bad = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
        "params": {"_meta": meta(), "notifications": [1]}});
    let out = conn
        .handle(&serde_json::to_vec(&bad).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["error"]["code"], -32602, "{v}");
    // A legacy session has no subscriptions/listen.
    let init = json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    conn.handle(&serde_json::to_vec(&init).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let legacy = json!({"jsonrpc": "2.0", "id": 3, "method": "subscriptions/listen", "params": {}});
    let out = conn
        .handle(&serde_json::to_vec(&legacy).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["error"]["code"], -32601, "{v}");
}
