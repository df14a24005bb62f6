//! Task-augmented `tools/call` for legacy 2025-11-25 sessions.

use std::time::Duration;

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::testing::TestClient;
use serde_json::json;

/// Sleep a while, then answer.
#[tool(task)]
async fn slow(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms} ms")
}

/// Must run as a task.
#[tool(task = "required")]
async fn batch() -> &'static str {
    "batched"
}

/// Never a task.
#[tool]
fn quick() -> &'static str {
    "quick"
}

async fn client() -> TestClient {
    let server = Server::new("tasks", "1.0.0")
        .tool(slow)
        .tool(batch)
        .tool(quick)
        .into_handle()
        .unwrap();
    let options = ClientOptions {
        era: Era::Legacy(ProtocolVersion::V2025_11_25),
        ..Default::default()
    };
    TestClient::connect(&server, options).await.unwrap()
}

#[tokio::test]
async fn a_task_runs_in_the_background_and_its_result_waits() {
    let c = client().await;
    let tools = c.list_tools().await.unwrap();
    let slow_def = tools.tools.iter().find(|t| t.name == "slow").unwrap();
    assert_eq!(
        serde_json::to_value(&slow_def.execution).unwrap(),
        json!({"taskSupport": "optional"})
    );

    let created = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "slow", "arguments": {"ms": 200}, "task": {"ttl": 60000}})),
        )
        .await
        .unwrap();
    let task_id = created["task"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(created["task"]["status"], "working");
    assert!(created["task"]["createdAt"].as_str().unwrap().ends_with('Z'));

    let got = c
        .request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(got["status"], "working");
    let listed = c.request_raw("tasks/list", None).await.unwrap();
    assert_eq!(listed["tasks"][0]["taskId"], task_id.as_str());

    // tasks/result blocks until the end, then returns the tool's result.
    let result = c
        .request_raw("tasks/result", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(result["content"][0]["text"], "slept 200 ms");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        task_id.as_str()
    );
    let got = c
        .request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(got["status"], "completed");

    // An ended task cannot be cancelled.
    let err = c
        .request_raw("tasks/cancel", Some(json!({"taskId": task_id})))
        .await
        .unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32602);
}

#[tokio::test]
async fn cancelling_a_task_is_final() {
    let c = client().await;
    let created = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "slow", "arguments": {"ms": 60000}, "task": {}})),
        )
        .await
        .unwrap();
    let task_id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let cancelled = c
        .request_raw("tasks/cancel", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    let err = c
        .request_raw("tasks/result", Some(json!({"taskId": task_id})))
        .await
        .unwrap_err();
    assert!(err.rpc().unwrap().message.contains("cancelled"));
    let got = c
        .request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(got["status"], "cancelled");
}

#[tokio::test]
async fn task_support_is_enforced() {
    let c = client().await;
    let err = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "quick", "arguments": {}, "task": {}})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32601);
    let err = c.call_tool("batch", json!({})).await.unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32601);
    let err = c
        .request_raw("tasks/get", Some(json!({"taskId": "nope"})))
        .await
        .unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32602);
}
