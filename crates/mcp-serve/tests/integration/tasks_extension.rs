//! The tasks extension as one of the server's extensions: advertised by the
//! extension registry (modern era only, while a tool may run as a task),
//! its methods refused to clients that did not declare it with the same
//! error as any required extension, wrapped by middleware, and its
//! identifier not available to a server's own extension.

use std::sync::{Arc, Mutex};

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::extension::Extension;
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::protocol::error::code::{METHOD_NOT_FOUND, MISSING_REQUIRED_CLIENT_CAPABILITY};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

const TASKS: &str = "io.modelcontextprotocol/tasks";

/// May run as a task.
#[tool(task)]
async fn job() -> String {
    "done".into()
}

/// Never a task.
#[tool]
fn plain() -> &'static str {
    "plain"
}

fn options(era: Era, extensions: &[&str]) -> ClientOptions {
    let mut options = ClientOptions {
        era,
        ..Default::default()
    };
    if !extensions.is_empty() {
        options.capabilities.extensions = Some(
            extensions
                .iter()
                .map(|id| ((*id).to_owned(), json!({})))
                .collect(),
        );
    }
    options
}

const LEGACY: Era = Era::Legacy(ProtocolVersion::V2025_11_25);

#[tokio::test]
async fn tasks_are_offered_as_an_extension_in_the_modern_era_only() {
    let handle = Server::new("t", "1").tool(job).into_handle().unwrap();
    let modern = TestClient::connect(&handle, options(Era::Modern, &[]))
        .await
        .unwrap();
    let caps = modern.server_capabilities().unwrap();
    assert_eq!(caps.extensions.as_ref().unwrap()[TASKS], json!({}));

    // The 2025-11-25 session has the core tasks capability instead.
    let legacy = TestClient::connect(&handle, options(LEGACY, &[])).await.unwrap();
    let caps = serde_json::to_value(legacy.server_capabilities().unwrap()).unwrap();
    assert_eq!(
        caps["tasks"],
        json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } })
    );
    assert!(caps.get("extensions").is_none(), "{caps}");

    // Nothing to offer without a tool that may run as a task.
    let handle = Server::new("t", "1").tool(plain).into_handle().unwrap();
    let modern = TestClient::connect(&handle, options(Era::Modern, &[]))
        .await
        .unwrap();
    assert!(modern.server_capabilities().unwrap().extensions.is_none());
}

#[tokio::test]
async fn tasks_methods_need_the_extension_like_any_required_extension() {
    let custom = Extension::new("com.example/echo")
        .method("echo/say", |p: Value, _cx: Context| async move { Ok(p) })
        .require_client_support();
    let handle = Server::new("t", "1")
        .tool(job)
        .extension(custom)
        .into_handle()
        .unwrap();
    let modern = TestClient::connect(&handle, options(Era::Modern, &[]))
        .await
        .unwrap();
    for (method, id) in [
        ("tasks/get", TASKS),
        ("tasks/cancel", TASKS),
        ("echo/say", "com.example/echo"),
    ] {
        let e = modern
            .request_raw(method, Some(json!({ "taskId": "x" })))
            .await
            .unwrap_err();
        let rpc = e.rpc().unwrap();
        assert_eq!(rpc.code, MISSING_REQUIRED_CLIENT_CAPABILITY, "{method}");
        assert_eq!(
            rpc.message,
            format!(
                "Missing required client capability: {method} needs the {id} extension; \
                 declare it under extensions in _meta[\"io.modelcontextprotocol/clientCapabilities\"]"
            )
        );
        assert_eq!(
            rpc.data.as_ref().unwrap()["requiredCapabilities"]["extensions"][id],
            json!({})
        );
    }
    // A session declares extensions at initialize, and is told so.
    let legacy = TestClient::connect(&handle, options(LEGACY, &[])).await.unwrap();
    let e = legacy.request_raw("echo/say", Some(json!({}))).await.unwrap_err();
    assert!(
        e.rpc()
            .unwrap()
            .message
            .ends_with("the client's capabilities at initialize"),
        "{e}"
    );
    // The extension's tasks/update is no method of the 2025-11-25 core utility.
    let legacy = TestClient::connect(&handle, options(LEGACY, &[TASKS]))
        .await
        .unwrap();
    let e = legacy
        .request_raw(
            "tasks/update",
            Some(json!({ "taskId": "x", "inputResponses": {} })),
        )
        .await
        .unwrap_err();
    assert_eq!(e.rpc().unwrap().code, METHOD_NOT_FOUND);
    // Declared, the methods are served (an unknown task is a parameter error).
    let modern = TestClient::connect(&handle, options(Era::Modern, &[TASKS]))
        .await
        .unwrap();
    let e = modern
        .request_raw("tasks/get", Some(json!({ "taskId": "x" })))
        .await
        .unwrap_err();
    assert_eq!(e.rpc().unwrap().code, -32602);
}

/// Records the methods it sees.
struct Seen(Arc<Mutex<Vec<String>>>);

impl Middleware for Seen {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        self.0.lock().unwrap().push(req.method().to_owned());
        next.run(req).await
    }
}

#[tokio::test]
async fn tasks_methods_go_through_middleware_in_both_eras() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handle = Server::new("t", "1")
        .tool(job)
        .middleware(Seen(Arc::clone(&seen)))
        .into_handle()
        .unwrap();
    let modern = TestClient::connect(&handle, options(Era::Modern, &[TASKS]))
        .await
        .unwrap();
    let created = modern
        .request_raw("tools/call", Some(json!({ "name": "job", "arguments": {} })))
        .await
        .unwrap();
    assert_eq!(created["resultType"], "task");
    let id = created["taskId"].clone();
    modern
        .request_raw("tasks/get", Some(json!({ "taskId": id })))
        .await
        .unwrap();
    let legacy = TestClient::connect(&handle, options(LEGACY, &[])).await.unwrap();
    legacy.request_raw("tasks/list", None).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    for method in ["tools/call", "tasks/get", "tasks/list"] {
        assert!(seen.iter().any(|m| m == method), "{method} not in {seen:?}");
    }
}

#[tokio::test]
async fn a_server_cannot_declare_the_tasks_extension_itself() {
    let e = Server::new("t", "1")
        .extension(Extension::new(TASKS))
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("built into the engine"), "{e}");
}
