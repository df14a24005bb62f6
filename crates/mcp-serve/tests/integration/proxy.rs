//! The proxy: a backend server's catalog served through mcp-serve's engine,
//! for every pairing of front and backend era, with input requests, progress
//! and logs routed to the front call that caused them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions, Era};
use mcp_serve::context::Elicitation;
use mcp_serve::prelude::*;
use mcp_serve::protocol::jsonrpc::ErrorObject;
use mcp_serve::protocol::types::{ClientCapabilities, LoggingLevel};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::proxy::Proxy;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    /// Your name.
    name: String,
}

/// Ask for a name, greet through the client's model, count the roots.
#[tool]
async fn introduce(ctx: Context) -> Result<String, ToolError> {
    let name = match ctx.elicit::<Name>("What is your name?").await? {
        Elicitation::Accept(n) => n.name,
        Elicitation::Decline | Elicitation::Cancel => return Ok("no name given".into()),
    };
    let greeting = ctx.sample_text(&format!("Greet {name}"), 50).await?;
    let roots = ctx.roots().await?;
    Ok(format!("{greeting} ({} roots)", roots.len()))
}

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Work in three steps, reporting progress and logging.
#[tool]
async fn work(ctx: Context) -> &'static str {
    for i in 1..=3 {
        ctx.progress(f64::from(i), Some(3.0), Some("step")).await;
        ctx.log(LoggingLevel::Info, format!("step {i}")).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    "done"
}

/// A greeting prompt.
#[prompt]
fn hello(name: String) -> String {
    format!("Say hello to {name}")
}

/// A user's profile.
#[resource("users://{id}/profile", mime = "application/json")]
fn profile(id: u32) -> String {
    json!({ "id": id }).to_string()
}

/// The app's configuration.
#[resource("config://app")]
fn config() -> &'static str {
    "debug=true"
}

fn backend() -> mcp_serve::server::ServerHandle {
    Server::new("backend", "2.0.0")
        .tool(introduce)
        .tool(add)
        .tool(work)
        .prompt(hello)
        .resource(profile)
        .resource(config)
        .into_handle()
        .unwrap()
}

async fn front(backend_era: Era) -> (mcp_serve::server::ServerHandle, mcp_serve::server::ServerHandle) {
    let backend = backend();
    let proxy = Proxy::new();
    let options = proxy.client_options(ClientOptions {
        era: backend_era,
        ..Default::default()
    });
    let client = Client::connect_in_memory(&backend, options).await.unwrap();
    (proxy.mirror(client).await.unwrap(), backend)
}

fn answering(era: Era, asked: Arc<Mutex<Vec<String>>>) -> ClientOptions {
    ClientOptions {
        era,
        capabilities: serde_json::from_value::<ClientCapabilities>(
            json!({"elicitation": {}, "sampling": {}, "roots": {}}),
        )
        .unwrap(),
        ..Default::default()
    }
    .on_input(move |method, _params| {
        asked.lock().unwrap().push(method.clone());
        async move {
            match method.as_str() {
                "elicitation/create" => Ok(json!({"action": "accept", "content": {"name": "Ada"}})),
                "sampling/createMessage" => Ok(
                    json!({"role": "assistant", "content": {"type": "text", "text": "Hello, Ada!"}, "model": "m"}),
                ),
                "roots/list" => Ok(json!({"roots": [{"uri": "file:///a"}, {"uri": "file:///b"}]})),
                other => Err(ErrorObject::method_not_found(other)),
            }
        }
    })
}

const LEGACY: Era = Era::Legacy(ProtocolVersion::V2025_11_25);
const PAIRS: [(Era, Era); 4] = [
    (Era::Modern, Era::Modern),
    (Era::Modern, LEGACY),
    (LEGACY, Era::Modern),
    (LEGACY, LEGACY),
];

#[tokio::test]
async fn the_catalog_and_calls_pass_through_in_every_era_pairing() {
    for (front_era, backend_era) in PAIRS {
        let (front, _backend) = front(backend_era).await;
        assert_eq!(
            front.info().name,
            "backend",
            "the proxy presents the backend's identity"
        );
        let client = TestClient::connect(
            &front,
            ClientOptions {
                era: front_era,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let names: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .tools
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            names,
            ["introduce", "add", "work"],
            "{front_era:?} <- {backend_era:?}"
        );
        let r = client.call_tool("add", json!({"a": 2, "b": 3})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("5"));
        let meta = client
            .request_raw(
                "tools/call",
                Some(json!({"name": "add", "arguments": {"a": 2, "b": 3}})),
            )
            .await
            .unwrap();
        assert!(
            meta.get("_meta")
                .and_then(|m| m.get("io.modelcontextprotocol/serverInfo"))
                .is_none()
                || front_era == Era::Modern,
            "the backend's era-specific _meta does not leak to a legacy front: {meta}"
        );
        assert!(
            meta.get("resultType").is_none() || front_era == Era::Modern,
            "a legacy front gets a legacy result: {meta}"
        );
        // Bad arguments are refused by the front with the same schema.
        let r = client.call_tool("add", json!({"a": "x", "b": 3})).await.unwrap();
        assert_eq!(r.is_error, Some(true));

        let read = client.read_resource("config://app").await.unwrap();
        assert_eq!(
            serde_json::to_value(&read.contents[0]).unwrap()["text"],
            "debug=true"
        );
        let read = client.read_resource("users://7/profile").await.unwrap();
        assert_eq!(
            serde_json::to_value(&read.contents[0]).unwrap()["text"],
            r#"{"id":7}"#
        );
        let templates = client.list_resource_templates().await.unwrap().resource_templates;
        assert_eq!(templates[0].uri_template, "users://{id}/profile");

        let p = client.get_prompt("hello", json!({"name": "Bo"})).await.unwrap();
        assert_eq!(
            serde_json::to_value(&p.messages[0]).unwrap()["content"]["text"],
            "Say hello to Bo"
        );
        let e = client.call_tool("nope", json!({})).await.unwrap_err();
        assert!(e.rpc().is_some(), "an unknown tool is the front's protocol error");
    }
}

#[tokio::test]
async fn input_requests_reach_the_front_client_in_every_era_pairing() {
    for (front_era, backend_era) in PAIRS {
        let (front, _backend) = front(backend_era).await;
        let asked = Arc::new(Mutex::new(Vec::new()));
        let client = TestClient::connect(&front, answering(front_era, asked.clone()))
            .await
            .unwrap();
        let r = tokio::time::timeout(Duration::from_secs(20), client.call_tool("introduce", json!({})))
            .await
            .unwrap_or_else(|_| panic!("{front_era:?} <- {backend_era:?}: no answer"))
            .unwrap();
        assert_eq!(
            r.content[0].as_text(),
            Some("Hello, Ada! (2 roots)"),
            "{front_era:?} <- {backend_era:?}: {r:?}"
        );
        assert_eq!(
            *asked.lock().unwrap(),
            ["elicitation/create", "sampling/createMessage", "roots/list"],
            "{front_era:?} <- {backend_era:?}: the front client is asked each question once"
        );
    }
}

#[tokio::test]
async fn progress_and_logs_reach_the_front_call() {
    for (front_era, backend_era) in PAIRS {
        let (front, _backend) = front(backend_era).await;
        let client = TestClient::connect(
            &front,
            ClientOptions {
                era: front_era,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut rx = client.notifications().unwrap();
        if matches!(front_era, Era::Legacy(_)) {
            client
                .request_raw("logging/setLevel", Some(json!({"level": "info"})))
                .await
                .unwrap();
        }
        let mut params = json!({"name": "work", "arguments": {}, "_meta": {"progressToken": "t1"}});
        if front_era == Era::Modern {
            params["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
        }
        let r = client.request_raw("tools/call", Some(params)).await.unwrap();
        assert_eq!(r["content"][0]["text"], "done");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut progress = Vec::new();
        let mut logs = Vec::new();
        while let Ok(n) = rx.try_recv() {
            let p = n.params.unwrap_or(Value::Null);
            match n.method.as_str() {
                "notifications/progress" => {
                    assert_eq!(p["progressToken"], "t1", "the front's own token comes back");
                    progress.push(p["progress"].as_f64().unwrap());
                }
                "notifications/message" => logs.push(p["data"].clone()),
                _ => {}
            }
        }
        assert_eq!(
            progress.last(),
            Some(&3.0),
            "{front_era:?} <- {backend_era:?}: {progress:?}"
        );
        assert_eq!(
            logs,
            [json!("step 1"), json!("step 2"), json!("step 3")],
            "{front_era:?} <- {backend_era:?}"
        );
    }
}

#[tokio::test]
async fn backend_list_changes_reach_the_front() {
    let (front, backend) = front(LEGACY).await;
    let client = TestClient::connect(
        &front,
        ClientOptions {
            era: LEGACY,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut rx = client.notifications().unwrap();
    assert!(backend.remove_tool("add"));
    let changed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = rx.recv().await.unwrap();
            if n.method == "notifications/tools/list_changed" {
                break;
            }
        }
    })
    .await;
    assert!(changed.is_ok(), "the front announces the change");
    // The refresh may still be running when the first notification arrives.
    for _ in 0..50 {
        if front.tool_names() == ["introduce", "work"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let names: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["introduce", "work"]);
}

#[tokio::test]
async fn completions_are_forwarded() {
    let backend = Server::new("b", "1")
        .prompt(
            mcp_serve::prompt::Prompt::new("lang")
                .arguments(vec![serde_json::from_value(json!({"name": "language"})).unwrap()])
                .raw_handler(|_args, _cx| async {
                    Ok(mcp_serve::protocol::types::GetPromptResult::default())
                })
                .complete("language", |value: String, _cx| async move {
                    ["rust", "ruby", "python"]
                        .into_iter()
                        .filter(|l| l.starts_with(&value))
                        .map(str::to_owned)
                        .collect()
                }),
        )
        .into_handle()
        .unwrap();
    let proxy = Proxy::new();
    let client = Client::connect_in_memory(&backend, proxy.client_options(ClientOptions::default()))
        .await
        .unwrap();
    let front = proxy.mirror(client).await.unwrap();
    let client = TestClient::connect(&front, ClientOptions::default())
        .await
        .unwrap();
    let r = client
        .request_raw(
            "completion/complete",
            Some(json!({"ref": {"type": "ref/prompt", "name": "lang"}, "argument": {"name": "language", "value": "ru"}})),
        )
        .await
        .unwrap();
    assert_eq!(r["completion"]["values"], json!(["rust", "ruby"]));
}
