//! Tasks in both eras: task-augmented `tools/call` for legacy 2025-11-25
//! sessions, and the `io.modelcontextprotocol/tasks` extension (SEP-2663)
//! for modern 2026-07-28 clients, from the same `#[tool(task)]` declarations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::context::Elicitation;
use mcp_serve::engine::Reply;
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::{ClientCapabilities, ElicitationCapability, JsonObject};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::server::ServerHandle;
use mcp_serve::tasks::{InMemoryTaskStore, TaskConfig};
use mcp_serve::testing::TestClient;
use mcp_serve::tool::{IntoTool, Tool};
use serde_json::{Value, json};

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

#[tokio::test]
async fn legacy_clients_hear_when_a_task_ends() {
    let c = client().await;
    let mut notes = c.notifications().unwrap();
    let created = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "slow", "arguments": {"ms": 10}, "task": {}})),
        )
        .await
        .unwrap();
    let task_id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let note = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = notes.recv().await.unwrap();
            if n.method == "notifications/tasks/status" {
                return n;
            }
        }
    })
    .await
    .unwrap();
    let params = note.params.unwrap();
    assert_eq!(params["taskId"], task_id.as_str());
    assert_eq!(params["status"], "completed");
    assert!(params.get("ttl").is_some(), "2025-11-25 wire names: {params}");
}

/// A task that logs, then asks for a confirmation (defined below for both eras).
#[tool(task)]
async fn log_then_confirm(ctx: Context) -> Result<String, McpError> {
    ctx.info("checking").await;
    confirm_with(&ctx).await
}

/// An elicitation the client has received, and the way to answer it.
type Asked = (Value, tokio::sync::oneshot::Sender<Value>);

/// A legacy 2025-11-25 session (logging at `info`) whose elicitations are
/// handed to the test, with `log_then_confirm` started as a task; returns
/// the client, the questions, its notifications, and the task id.
async fn legacy_task_waiting_for_input() -> (
    TestClient,
    tokio::sync::mpsc::UnboundedReceiver<Asked>,
    tokio::sync::mpsc::UnboundedReceiver<mcp_serve::protocol::jsonrpc::Notification>,
    String,
) {
    let (asked_tx, asked) = tokio::sync::mpsc::unbounded_channel::<Asked>();
    let server = Server::new("tasks", "1.0.0")
        .tool(log_then_confirm)
        .into_handle()
        .unwrap();
    let mut capabilities = ClientCapabilities::default();
    capabilities.elicitation = Some(ElicitationCapability::default());
    let options = ClientOptions {
        era: Era::Legacy(ProtocolVersion::V2025_11_25),
        capabilities,
        ..Default::default()
    }
    .on_input(move |_method, params| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let _ = asked_tx.send((params, tx));
        async move { Ok(rx.await.unwrap_or(Value::Null)) }
    });
    let c = TestClient::connect(&server, options).await.unwrap();
    c.request_raw("logging/setLevel", Some(json!({"level": "info"})))
        .await
        .unwrap();
    let notes = c.notifications().unwrap();
    let created = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "log_then_confirm", "arguments": {}, "task": {}})),
        )
        .await
        .unwrap();
    let task_id = created["task"]["taskId"].as_str().unwrap().to_owned();
    (c, asked, notes, task_id)
}

#[tokio::test]
async fn a_legacy_task_waiting_for_input_is_input_required_and_its_messages_name_it() {
    let (c, mut asked, mut notes, task_id) = legacy_task_waiting_for_input().await;
    let related = json!({ "taskId": task_id });

    // The elicitation names its task, and the task waits for the answer.
    let (params, answer) = tokio::time::timeout(Duration::from_secs(5), asked.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(params["_meta"]["io.modelcontextprotocol/related-task"], related);
    let status = c
        .request_raw("tasks/get", Some(json!({ "taskId": task_id })))
        .await
        .unwrap();
    assert_eq!(status["status"], "input_required", "{status}");

    answer
        .send(json!({"action": "accept", "content": {"confirm": true}}))
        .unwrap();
    let result = c
        .request_raw("tasks/result", Some(json!({ "taskId": task_id })))
        .await
        .unwrap();
    assert_eq!(result["content"][0]["text"], "confirmed");
    assert_eq!(result["_meta"]["io.modelcontextprotocol/related-task"], related);

    // What the client heard, in order: the log (tagged), input_required,
    // working again, completed.
    let mut heard = Vec::new();
    while heard.last().map(String::as_str) != Some("completed") {
        let n = tokio::time::timeout(Duration::from_secs(5), notes.recv())
            .await
            .unwrap()
            .unwrap();
        let p = n.params.unwrap_or_default();
        match n.method.as_str() {
            "notifications/message" => {
                assert_eq!(p["_meta"]["io.modelcontextprotocol/related-task"], related);
                heard.push(format!("log {}", p["data"].as_str().unwrap_or_default()));
            }
            "notifications/tasks/status" => {
                assert_eq!(p["taskId"], task_id.as_str());
                heard.push(p["status"].as_str().unwrap_or_default().to_owned());
            }
            _ => {}
        }
    }
    assert_eq!(heard, ["log checking", "input_required", "working", "completed"]);
}

#[tokio::test]
async fn a_legacy_task_cancelled_while_waiting_for_input_stays_cancelled() {
    let (c, mut asked, mut notes, task_id) = legacy_task_waiting_for_input().await;
    let (_, answer) = tokio::time::timeout(Duration::from_secs(5), asked.recv())
        .await
        .unwrap()
        .unwrap();
    let get = json!({ "taskId": task_id });
    let status = c.request_raw("tasks/get", Some(get.clone())).await.unwrap();
    assert_eq!(status["status"], "input_required", "{status}");
    let cancelled = c.request_raw("tasks/cancel", Some(get.clone())).await.unwrap();
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    // A late answer changes nothing.
    let _ = answer.send(json!({"action": "accept", "content": {"confirm": true}}));
    let status = c.request_raw("tasks/get", Some(get)).await.unwrap();
    assert_eq!(status["status"], "cancelled", "{status}");
    while let Ok(n) = notes.try_recv() {
        if n.method == "notifications/tasks/status" {
            let p = n.params.unwrap_or_default();
            assert_ne!(p["status"], "working", "a cancelled task went back to work: {p}");
        }
    }
}

// ---------------------------------------------------------------------------
// The io.modelcontextprotocol/tasks extension (2026-07-28)
// ---------------------------------------------------------------------------

const EXT: &str = "io.modelcontextprotocol/tasks";

/// Fails as a tool: an `isError` result.
#[tool(task)]
async fn tool_error() -> Result<String, ToolError> {
    Err(ToolError::new("it broke"))
}

/// Fails with a JSON-RPC error.
#[tool(task)]
async fn protocol_error() -> Result<String, McpError> {
    Err(McpError::internal("the backend is down"))
}

/// Panics.
#[tool(task)]
async fn panics() -> String {
    panic!("a bug in the tool")
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Confirm {
    confirm: bool,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Asks for a confirmation, then answers.
#[tool(task)]
async fn confirm(ctx: Context) -> Result<String, McpError> {
    confirm_with(&ctx).await
}

async fn confirm_with(ctx: &Context) -> Result<String, McpError> {
    Ok(match ctx.elicit::<Confirm>("Sure?").await? {
        Elicitation::Accept(Confirm { confirm: true }) => "confirmed".into(),
        _ => "not confirmed".into(),
    })
}

/// Asks two questions at once.
#[tool(task)]
async fn two_questions(ctx: Context) -> Result<String, McpError> {
    let (a, b) = tokio::join!(ctx.elicit::<Name>("First?"), ctx.elicit::<Name>("Second?"));
    let name = |e: Elicitation<Name>| match e {
        Elicitation::Accept(n) => n.name,
        _ => "-".into(),
    };
    Ok(format!("{} and {}", name(a?), name(b?)))
}

/// Asks for a name as an ordinary call, then greets from a task.
#[tool(task = "required")]
async fn greet_later(ctx: Context) -> Result<String, McpError> {
    let name = match ctx.elicit::<Name>("Your name?").await? {
        Elicitation::Accept(n) => n.name,
        _ => "nobody".into(),
    };
    ctx.begin_task().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    Ok(format!("Hello, {name}"))
}

/// Sets its flag when dropped: the work was stopped (or ended).
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Sleeps a day; `stopped` is set once the work is dropped.
fn sleeper(stopped: Arc<AtomicBool>) -> Tool {
    Tool::new("sleeper")
        .description("Sleep a day.")
        .task_support(mcp_serve::protocol::types::TaskSupport::Optional)
        .raw_handler(move |_, _| {
            let guard = Dropped(Arc::clone(&stopped));
            async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(86_400)).await;
                Ok(CallToolResult::text("slept"))
            }
        })
}

/// Waits until `flag` is set.
async fn until(flag: &AtomicBool) {
    for _ in 0..500 {
        if flag.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the work was not stopped");
}

fn modern_server(config: TaskConfig) -> ServerHandle {
    Server::new("tasks", "1.0.0")
        .tool(slow)
        .tool(batch)
        .tool(quick)
        .tool(tool_error)
        .tool(protocol_error)
        .tool(panics)
        .tool(confirm)
        .tool(two_questions)
        .tool(greet_later.into_tool().deferred_task())
        .tasks(config)
        .into_handle()
        .unwrap()
}

fn capabilities(extension: bool) -> ClientCapabilities {
    let mut extensions = JsonObject::new();
    if extension {
        extensions.insert(EXT.into(), json!({}));
    }
    let mut capabilities = ClientCapabilities::default();
    capabilities.elicitation = Some(ElicitationCapability::default());
    capabilities.extensions = Some(extensions);
    capabilities
}

async fn modern(server: &ServerHandle, extension: bool) -> TestClient {
    let options = ClientOptions {
        era: Era::Modern,
        capabilities: capabilities(extension),
        ..Default::default()
    };
    TestClient::connect(server, options).await.unwrap()
}

async fn call(c: &TestClient, name: &str, arguments: Value) -> Value {
    c.request_raw("tools/call", Some(json!({"name": name, "arguments": arguments})))
        .await
        .unwrap()
}

async fn get(c: &TestClient, task_id: &str) -> Value {
    c.request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap()
}

/// Polls `tasks/get` until the status is one of `wanted`.
async fn wait_for(c: &TestClient, task_id: &str, wanted: &[&str]) -> Value {
    for _ in 0..500 {
        let t = get(c, task_id).await;
        if wanted.iter().any(|w| t["status"] == *w) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("task {task_id} never reached {wanted:?}");
}

fn code(e: &mcp_serve::client::ClientError) -> i64 {
    e.rpc().map_or(0, |r| r.code)
}

#[tokio::test]
async fn modern_tasks_are_created_and_polled_to_completion() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, true).await;
    let discovered = c.request_raw("server/discover", None).await.unwrap();
    assert_eq!(discovered["capabilities"]["extensions"][EXT], json!({}));
    assert!(discovered["capabilities"].get("tasks").is_none());

    let created = call(&c, "slow", json!({"ms": 100})).await;
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["status"], "working");
    assert!(created.get("task").is_none(), "flat CreateTaskResult: {created}");
    assert!(created.get("ttl").is_none() && created.get("pollInterval").is_none());
    assert!(created["ttlMs"].as_u64().unwrap() > 0);
    assert!(created["pollIntervalMs"].as_u64().unwrap() > 0);
    assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
    let task_id = created["taskId"].as_str().unwrap().to_owned();
    assert_eq!(task_id.len(), 32, "128 random bits");

    // Durable on creation: an immediate tasks/get finds it.
    let working = get(&c, &task_id).await;
    assert_eq!(working["resultType"], "complete");
    assert_eq!(working["status"], "working");
    assert!(working.get("result").is_none());

    let done = wait_for(&c, &task_id, &["completed"]).await;
    assert_eq!(done["result"]["content"][0]["text"], "slept 100 ms");
    assert_eq!(done["result"]["resultType"], "complete");
    assert!(
        done["result"]["_meta"]
            .get("io.modelcontextprotocol/related-task")
            .is_none()
    );
    assert!(done.get("requestState").is_none());

    // A tool that is never a task ignores the legacy `task` param.
    let r = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "quick", "arguments": {}, "task": {"ttl": 1000}})),
        )
        .await
        .unwrap();
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["content"][0]["text"], "quick");
}

#[tokio::test]
async fn tool_errors_complete_and_protocol_errors_and_panics_fail() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, true).await;

    let t = call(&c, "tool_error", json!({})).await;
    let t = wait_for(&c, t["taskId"].as_str().unwrap(), &["completed", "failed"]).await;
    assert_eq!(t["status"], "completed");
    assert_eq!(t["result"]["isError"], true);

    let t = call(&c, "protocol_error", json!({})).await;
    let t = wait_for(&c, t["taskId"].as_str().unwrap(), &["completed", "failed"]).await;
    assert_eq!(t["status"], "failed");
    assert_eq!(t["error"]["code"], -32603);
    assert!(
        t["error"]["message"]
            .as_str()
            .unwrap()
            .contains("backend is down")
    );
    assert!(t["statusMessage"].as_str().is_some());
    assert!(t.get("result").is_none());

    let t = call(&c, "panics", json!({})).await;
    let t = wait_for(&c, t["taskId"].as_str().unwrap(), &["completed", "failed"]).await;
    assert_eq!(t["status"], "failed");
    assert_eq!(t["error"]["code"], -32603);
    // The server keeps serving.
    assert_eq!(call(&c, "quick", json!({})).await["content"][0]["text"], "quick");
}

#[tokio::test]
async fn cancelling_stops_the_work_and_is_idempotent() {
    let stopped = Arc::new(AtomicBool::new(false));
    let server = Server::new("tasks", "1.0.0")
        .tool(sleeper(Arc::clone(&stopped)))
        .into_handle()
        .unwrap();
    let c = modern(&server, true).await;
    let t = call(&c, "sleeper", json!({})).await;
    let task_id = t["taskId"].as_str().unwrap().to_owned();
    let ack = c
        .request_raw("tasks/cancel", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(ack["resultType"], "complete");
    for field in ["taskId", "status", "result", "error", "inputRequests"] {
        assert!(ack.get(field).is_none(), "ack-only: {ack}");
    }
    let t = get(&c, &task_id).await;
    assert_eq!(t["status"], "cancelled");
    // Cancelling an ended task is acknowledged alike.
    let again = c
        .request_raw("tasks/cancel", Some(json!({"taskId": task_id})))
        .await
        .unwrap();
    assert_eq!(again["resultType"], "complete");
    until(&stopped).await;
}

#[tokio::test]
async fn input_required_then_update_resumes_the_task() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, true).await;
    let t = call(&c, "confirm", json!({})).await;
    assert_eq!(t["resultType"], "task");
    let task_id = t["taskId"].as_str().unwrap().to_owned();

    let t = wait_for(&c, &task_id, &["input_required"]).await;
    let requests = t["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1);
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["params"]["message"], "Sure?");
    assert!(t.get("requestState").is_none());

    // Unknown keys are ignored; a bad answer to a real key is refused.
    let ack = c
        .request_raw(
            "tasks/update",
            Some(json!({"taskId": task_id, "inputResponses": {"nope": {"action": "accept"}}})),
        )
        .await
        .unwrap();
    assert_eq!(ack, json!({"resultType": "complete", "_meta": ack["_meta"]}));
    let err = c
        .request_raw(
            "tasks/update",
            Some(json!({"taskId": task_id, "inputResponses": {key.clone(): 5}})),
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), -32602);
    assert_eq!(get(&c, &task_id).await["status"], "input_required");

    let ack = c
        .request_raw(
            "tasks/update",
            Some(json!({"taskId": task_id, "inputResponses": {
                key.clone(): {"action": "accept", "content": {"confirm": true}}
            }})),
        )
        .await
        .unwrap();
    assert_eq!(ack["resultType"], "complete");
    let t = wait_for(&c, &task_id, &["completed", "failed"]).await;
    assert_eq!(t["result"]["content"][0]["text"], "confirmed", "{t}");
}

#[tokio::test]
async fn partial_answers_keep_the_task_waiting_for_the_rest() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, true).await;
    let t = call(&c, "two_questions", json!({})).await;
    let task_id = t["taskId"].as_str().unwrap().to_owned();
    let t = wait_for(&c, &task_id, &["input_required"]).await;
    let keys: Vec<String> = t["inputRequests"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 2, "{t}");

    let answer = |name: &str| json!({"action": "accept", "content": {"name": name}});
    c.request_raw(
        "tasks/update",
        Some(json!({"taskId": task_id, "inputResponses": {keys[0].clone(): answer("Ada")}})),
    )
    .await
    .unwrap();
    let t = get(&c, &task_id).await;
    assert_eq!(t["status"], "input_required");
    let left: Vec<&String> = t["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(left, vec![&keys[1]]);

    c.request_raw(
        "tasks/update",
        Some(json!({"taskId": task_id, "inputResponses": {keys[1].clone(): answer("Grace")}})),
    )
    .await
    .unwrap();
    let t = wait_for(&c, &task_id, &["completed", "failed"]).await;
    assert_eq!(t["result"]["content"][0]["text"], "Ada and Grace");
}

#[tokio::test]
async fn without_the_extension_there_are_no_tasks() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, false).await;
    // An optional task tool runs synchronously.
    let r = call(&c, "slow", json!({"ms": 1})).await;
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["content"][0]["text"], "slept 1 ms");
    // A required one is refused with -32021, naming the extension.
    let err = c
        .request_raw("tools/call", Some(json!({"name": "batch", "arguments": {}})))
        .await
        .unwrap_err();
    let rpc = err.rpc().unwrap();
    assert_eq!(rpc.code, -32021);
    assert_eq!(
        rpc.data.as_ref().unwrap()["requiredCapabilities"]["extensions"][EXT],
        json!({})
    );
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let err = c
            .request_raw(method, Some(json!({"taskId": "x", "inputResponses": {}})))
            .await
            .unwrap_err();
        assert_eq!(code(&err), -32021, "{method}");
    }
    // The per-request capability decides, not an earlier one.
    let r = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "batch", "arguments": {}, "_meta": {
                "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXT: {}}}
            }})),
        )
        .await
        .unwrap();
    assert_eq!(r["resultType"], "task");
}

#[tokio::test]
async fn unknown_ids_and_removed_methods_are_errors() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, true).await;
    for (method, params) in [
        ("tasks/get", json!({"taskId": "0123"})),
        ("tasks/update", json!({"taskId": "0123", "inputResponses": {}})),
        ("tasks/cancel", json!({"taskId": "0123"})),
        ("tasks/get", json!({})),
        ("tasks/get", json!({"taskId": 7})),
        ("tasks/update", json!({"taskId": "0123"})),
        ("tasks/update", json!({"taskId": "0123", "inputResponses": []})),
    ] {
        let err = c.request_raw(method, Some(params.clone())).await.unwrap_err();
        assert_eq!(code(&err), -32602, "{method} {params}");
    }
    for method in ["tasks/result", "tasks/list"] {
        let err = c
            .request_raw(method, Some(json!({"taskId": "0123"})))
            .await
            .unwrap_err();
        assert_eq!(code(&err), -32601, "{method}");
    }
}

// On the paused clock: an hour's time to live passes in no time.
#[tokio::test(start_paused = true)]
async fn tasks_expire_with_their_ttl_and_stop_working() {
    let stopped = Arc::new(AtomicBool::new(false));
    let server = Server::new("tasks", "1.0.0")
        .tool(sleeper(Arc::clone(&stopped)))
        .tool(slow)
        .tasks(TaskConfig::new().ttl(Duration::from_secs(3600)))
        .into_handle()
        .unwrap();
    let c = modern(&server, true).await;
    let t = call(&c, "sleeper", json!({})).await;
    assert_eq!(t["ttlMs"], 3_600_000);
    let task_id = t["taskId"].as_str().unwrap().to_owned();
    assert_eq!(get(&c, &task_id).await["status"], "working");
    tokio::time::sleep(Duration::from_secs(3599)).await;
    assert_eq!(
        get(&c, &task_id).await["status"],
        "working",
        "alive within its time to live"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let err = c
        .request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap_err();
    assert_eq!(code(&err), -32602);
    until(&stopped).await;

    // A finished task stays readable for its whole time to live.
    let server = Server::new("tasks", "1.0.0")
        .tool(slow)
        .tasks(TaskConfig::new().ttl(Duration::from_secs(600)))
        .into_handle()
        .unwrap();
    let c = modern(&server, true).await;
    let t = call(&c, "slow", json!({"ms": 1})).await;
    let task_id = t["taskId"].as_str().unwrap().to_owned();
    wait_for(&c, &task_id, &["completed"]).await;
    tokio::time::sleep(Duration::from_secs(590)).await;
    assert_eq!(get(&c, &task_id).await["status"], "completed");
    tokio::time::sleep(Duration::from_secs(20)).await;
    let err = c
        .request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap_err();
    assert_eq!(
        code(&err),
        -32602,
        "a finished task is forgotten after its time to live"
    );
}

// On the paused clock, as above, for the legacy tasks utility.
#[tokio::test(start_paused = true)]
async fn legacy_tasks_expire_with_their_ttl_and_stop_working() {
    let stopped = Arc::new(AtomicBool::new(false));
    let server = Server::new("tasks", "1.0.0")
        .tool(sleeper(Arc::clone(&stopped)))
        .into_handle()
        .unwrap();
    let options = ClientOptions {
        era: Era::Legacy(ProtocolVersion::V2025_11_25),
        ..Default::default()
    };
    let c = TestClient::connect(&server, options).await.unwrap();
    let created = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "sleeper", "arguments": {}, "task": {"ttl": 30_000}})),
        )
        .await
        .unwrap();
    assert_eq!(created["task"]["ttl"], 30_000);
    let task_id = created["task"]["taskId"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(29)).await;
    assert_eq!(get(&c, &task_id).await["status"], "working");
    assert!(!stopped.load(Ordering::SeqCst));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let err = c
        .request_raw("tasks/get", Some(json!({"taskId": task_id})))
        .await
        .unwrap_err();
    assert_eq!(code(&err), -32602, "an expired task is forgotten");
    until(&stopped).await;
}

#[tokio::test]
async fn the_store_is_bounded() {
    let store = Arc::new(InMemoryTaskStore::new(2));
    let server = Server::new("tasks", "1.0.0")
        .tool(slow)
        .tasks(TaskConfig::new().shared_store(store.clone()))
        .into_handle()
        .unwrap();
    let c = modern(&server, true).await;
    for _ in 0..2 {
        assert_eq!(call(&c, "slow", json!({"ms": 60000})).await["resultType"], "task");
    }
    assert_eq!(store.len(), 2);
    let err = c
        .request_raw(
            "tools/call",
            Some(json!({"name": "slow", "arguments": {"ms": 1}})),
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), -32603);
    assert!(err.rpc().unwrap().message.contains("full"));
    // Refused work does not run, and the server keeps serving.
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn a_deferred_task_gathers_input_first_then_becomes_a_task() {
    let server = modern_server(TaskConfig::new());
    let c = modern(&server, true).await;
    // Round 1: an ordinary multi round-trip request, no task yet.
    let first = call(&c, "greet_later", json!({})).await;
    assert_eq!(first["resultType"], "input_required", "{first}");
    assert!(first.get("taskId").is_none());
    let key = first["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    // Round 2: the answer, echoed state; the call becomes a task.
    let second = c
        .request_raw(
            "tools/call",
            Some(json!({
                "name": "greet_later",
                "arguments": {},
                "inputResponses": {key: {"action": "accept", "content": {"name": "Alice"}}},
                "requestState": first["requestState"],
            })),
        )
        .await
        .unwrap();
    assert_eq!(second["resultType"], "task", "{second}");
    assert!(second.get("requestState").is_none());
    assert!(second.get("inputRequests").is_none());
    let t = wait_for(&c, second["taskId"].as_str().unwrap(), &["completed", "failed"]).await;
    assert_eq!(t["result"]["content"][0]["text"], "Hello, Alice");

    // Without the extension a required deferred tool is refused up front.
    let plain = modern(&server, false).await;
    let err = plain
        .request_raw(
            "tools/call",
            Some(json!({"name": "greet_later", "arguments": {}})),
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), -32021);
}

async fn next(rx: &mut tokio::sync::mpsc::Receiver<Vec<u8>>) -> Value {
    let bytes = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn listen_frame(id: &str, extension: bool, task_ids: &[&str]) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities(extension),
        },
        "notifications": {"taskIds": task_ids}}}),
    )
    .unwrap()
}

#[tokio::test]
async fn task_status_notifications_need_the_extension_and_report_the_end() {
    let server = modern_server(TaskConfig::new().poll_interval(Duration::from_millis(20)));
    let c = modern(&server, true).await;
    let t = call(&c, "slow", json!({"ms": 100})).await;
    let task_id = t["taskId"].as_str().unwrap().to_owned();

    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let conn = server.connect(Some(tx));
    match conn.handle(&listen_frame("l0", false, &[&task_id]), None) {
        Reply::Rejected { code, .. } => assert_eq!(code, -32021),
        other => panic!("expected -32021, got {other:?}"),
    }

    let Reply::Later(stream) = conn.handle(&listen_frame("l1", true, &[&task_id, "unknown"]), None) else {
        panic!("listen must stay open");
    };
    let running = tokio::spawn(stream);
    let ack = next(&mut rx).await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["notifications"]["taskIds"], json!([task_id]));
    let n = next(&mut rx).await;
    assert_eq!(n["method"], "notifications/tasks");
    assert_eq!(n["params"]["taskId"], task_id.as_str());
    assert_eq!(n["params"]["status"], "completed");
    assert_eq!(n["params"]["result"]["content"][0]["text"], "slept 100 ms");
    assert_eq!(
        n["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "l1"
    );
    drop(conn);
    running.abort();
}

/// A JSON-RPC response body, whether sent as JSON or as an SSE stream.
async fn rpc_body(resp: reqwest::Response) -> Value {
    let sse = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    let text = resp.text().await.unwrap();
    if !sse {
        return serde_json::from_str(&text).unwrap();
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|m| m.get("id").is_some())
        .unwrap()
}

#[tokio::test]
async fn over_http_tasks_methods_mirror_the_task_id_in_mcp_name() {
    use mcp_serve::transport::http::{HttpOptions, serve_listener};
    let server = modern_server(TaskConfig::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let h = server.clone();
    let serving = tokio::spawn(async move {
        serve_listener(&h, listener, HttpOptions::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    let http = reqwest::Client::new();
    let post = |method: &'static str, name: Option<String>, params: Value, extension: bool| {
        let mut params = params;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities(extension),
        });
        let mut req = http
            .post(&url)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json")
            .header("MCP-Protocol-Version", "2026-07-28")
            .header("Mcp-Method", method)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
        if let Some(name) = name {
            req = req.header("Mcp-Name", name);
        }
        async move {
            let resp = tokio::time::timeout(Duration::from_secs(10), req.send())
                .await
                .unwrap()
                .unwrap();
            (resp.status().as_u16(), rpc_body(resp).await)
        }
    };

    let (status, created) = post(
        "tools/call",
        Some("slow".into()),
        json!({"name": "slow", "arguments": {"ms": 50}}),
        true,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let task_id = created["result"]["taskId"].as_str().unwrap().to_owned();

    let (status, got) = post(
        "tasks/get",
        Some(task_id.clone()),
        json!({"taskId": task_id}),
        true,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["result"]["taskId"], task_id.as_str());

    for name in [Some("another-task".to_owned()), None] {
        let (status, err) = post("tasks/get", name, json!({"taskId": task_id}), true).await;
        assert_eq!(status, 400);
        assert_eq!(err["error"]["code"], -32020, "{err}");
    }
    let (status, err) = post(
        "tasks/cancel",
        Some(task_id.clone()),
        json!({"taskId": task_id}),
        false,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], -32021, "{err}");

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
}
