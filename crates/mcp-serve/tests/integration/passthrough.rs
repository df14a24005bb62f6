//! A gateway hands a modern caller's calls to a modern HTTP target as they
//! came: the target sees the caller's own client info and progress token,
//! streams its progress and log messages to the caller, and asks for input
//! in its result, which the caller answers through the gateway; the answer
//! carries the gateway's identity, and a target that goes away is reported.
//! All over real HTTP on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{Client, ClientOptions, Era};
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::protocol::jsonrpc::Notification;
use mcp_serve::protocol::types::Implementation;
use mcp_serve::proxy::{Gateway, GatewayHandle, Transport};
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use serde_json::{Value, json};

use super::gateway::{answering, greet, wait_for};

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Who is calling, as this server sees it: client name and progress token.
#[tool]
fn caller(ctx: Context) -> String {
    let name = ctx.client_info().map(|i| i.name.clone()).unwrap_or_default();
    let token = ctx.meta().get("progressToken").cloned().unwrap_or(Value::Null);
    format!("{name}|{token}")
}

/// Serves `handle` on 127.0.0.1 until `stop` ends; its `/mcp` URL.
async fn serve(handle: ServerHandle, stop: impl std::future::Future<Output = ()> + Send + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = serve_listener(&handle, listener, HttpOptions::default(), stop).await;
    });
    url
}

/// A modern client that answers input requests and keeps the notifications it gets.
async fn front_client(url: &str) -> (Client, Arc<Mutex<Vec<Notification>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&seen);
    let options = ClientOptions {
        info: Implementation::new("front-client", "1.0.0"),
        ..answering(Era::Modern)
    }
    .on_notification(move |n| keep.lock().unwrap().push(n));
    let client = Client::connect_http(url, options)
        .await
        .expect("connect to the gateway");
    (client, seen)
}

/// `backend` served over HTTP, behind a gateway with `front` as its front
/// server, itself served over HTTP; a front client; the sender that stops
/// the backend; the front's URL.
async fn gateway_over_http(
    backend: ServerHandle,
    front: Server,
) -> (
    GatewayHandle,
    Client,
    Arc<Mutex<Vec<Notification>>>,
    tokio::sync::oneshot::Sender<()>,
    String,
) {
    let (stop_backend, stopped) = tokio::sync::oneshot::channel();
    let backend_url = serve(backend, async {
        let _ = stopped.await;
    })
    .await;
    let gateway = Gateway::new(front)
        .target("calc", Transport::http(backend_url))
        .start()
        .await
        .unwrap();
    // The front lives as long as the test's runtime.
    let front_url = serve(gateway.server().clone(), std::future::pending()).await;
    let (client, seen) = front_client(&front_url).await;
    (gateway, client, seen, stop_backend, front_url)
}

async fn call(client: &Client, params: Value) -> Value {
    tokio::time::timeout(
        Duration::from_secs(20),
        client.request_raw("tools/call", Some(params)),
    )
    .await
    .expect("an answer in time")
    .expect("a result")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modern_call_reaches_a_modern_http_target_as_it_came() {
    let backend = Server::new("calc", "1.0.0")
        .tool(add)
        .tool(caller)
        .tool(greet)
        .into_handle()
        .unwrap();
    let (gateway, client, seen, stop_backend, front_url) =
        gateway_over_http(backend, Server::new("gateway", "1.0.0")).await;

    // The target sees the caller, not the gateway's own client.
    let r = call(
        &client,
        json!({"name": "calc_caller", "arguments": {}, "_meta": {"progressToken": "tok-1"}}),
    )
    .await;
    assert_eq!(r["content"][0]["text"], r#"front-client|"tok-1""#, "{r}");
    // The answer is the gateway's.
    assert_eq!(
        r["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "gateway",
        "{r}"
    );
    assert_eq!(r["resultType"], "complete", "{r}");

    // A caller that declares the tasks extension gets the front's own call
    // (the target could answer it with a task the front would not know).
    let tasking = Client::connect_http(
        &front_url,
        ClientOptions {
            era: Era::Modern,
            info: Implementation::new("tasking-client", "1.0.0"),
            capabilities: serde_json::from_value(
                json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}),
            )
            .unwrap(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let r = call(&tasking, json!({"name": "calc_caller", "arguments": {}})).await;
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("mcp-serve-client|"),
        "{r}"
    );

    let r = call(
        &client,
        json!({"name": "calc_add", "arguments": {"a": 2, "b": 3}}),
    )
    .await;
    assert_eq!(r["content"][0]["text"], "5", "{r}");
    // The target's argument check is the caller's tool error.
    let r = call(&client, json!({"name": "calc_add", "arguments": {"a": "two"}})).await;
    assert_eq!(r["isError"], true, "{r}");

    // Progress and log messages stream through; the target's input request
    // reaches the caller, whose answers reach the target.
    seen.lock().unwrap().clear();
    let r = call(
        &client,
        json!({"name": "calc_greet", "arguments": {}, "_meta": {
            "progressToken": "p", "io.modelcontextprotocol/logLevel": "info"
        }}),
    )
    .await;
    assert_eq!(r["content"][0]["text"], "Hello, Ada!", "{r}");
    let notes = std::mem::take(&mut *seen.lock().unwrap());
    let mut progress: Vec<f64> = notes
        .iter()
        .filter(|n| n.method == "notifications/progress")
        .map(|n| {
            let p = n.params.as_ref().unwrap();
            assert_eq!(p["progressToken"], "p", "{p}");
            p["progress"].as_f64().unwrap()
        })
        .collect();
    progress.dedup();
    assert_eq!(progress, [1.0, 2.0], "{notes:?}");
    assert!(
        notes.iter().any(|n| n.method == "notifications/message"
            && n.params.as_ref().unwrap()["data"] == "asking for a name"),
        "{notes:?}"
    );

    // A target that goes away: the call that finds it gone is an error, the
    // gateway sees it down, and then says so in its tools' answers.
    let _ = stop_backend.send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let gone = client
        .request_raw(
            "tools/call",
            Some(json!({"name": "calc_add", "arguments": {"a": 1, "b": 1}})),
        )
        .await;
    match &gone {
        Err(e) => assert!(e.rpc().is_some(), "{e:?}"),
        Ok(r) => assert_eq!(r["isError"], true, "{r}"),
    }
    wait_for(&gateway, "calc", false).await;
    let r = call(
        &client,
        json!({"name": "calc_add", "arguments": {"a": 1, "b": 1}}),
    )
    .await;
    assert_eq!(r["isError"], true, "{r}");
    assert!(
        r["content"][0]["text"].as_str().unwrap().contains("unavailable"),
        "{r}"
    );
}

/// Front middleware that sees every call and its result, and adds a mark.
#[derive(Clone, Default)]
struct Watch(Arc<Mutex<Vec<Value>>>);

impl Middleware for Watch {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        let mut result = next.run(req).await?;
        self.0.lock().unwrap().push(result.clone());
        result["_meta"]["watched"] = json!(true);
        Ok(result)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn front_middleware_sees_a_passed_call_and_its_result() {
    let backend = Server::new("calc", "1.0.0").tool(caller).into_handle().unwrap();
    let watch = Watch::default();
    let (_gateway, client, _, _stop_backend, _) =
        gateway_over_http(backend, Server::new("gateway", "1.0.0").middleware(watch.clone())).await;
    let r = call(
        &client,
        json!({"name": "calc_caller", "arguments": {}, "_meta": {"progressToken": 7}}),
    )
    .await;
    // Still handed on (the target sees the caller), and still the middleware's to change.
    assert_eq!(r["content"][0]["text"], "front-client|7", "{r}");
    assert_eq!(r["_meta"]["watched"], true, "{r}");
    let seen = watch.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["content"][0]["text"], "front-client|7");
}

/// Fails the way a bug does.
#[tool]
fn boom() -> String {
    panic!("secret detail: /srv/keys/id_rsa")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_targets_internal_error_is_masked_as_the_fronts_own() {
    // The target tells all (its errors unmasked); the front decides what its callers read.
    for (mask, told) in [(true, false), (false, true)] {
        let backend = Server::new("calc", "1.0.0")
            .tool(boom)
            .tool(caller)
            .mask_errors(false)
            .into_handle()
            .unwrap();
        let front = Server::new("gateway", "1.0.0").mask_errors(mask);
        let (_gateway, client, _, _stop_backend, _) = gateway_over_http(backend, front).await;
        // Handed on: the target sees the caller.
        let r = call(&client, json!({"name": "calc_caller", "arguments": {}})).await;
        assert_eq!(r["content"][0]["text"], "front-client|null", "{r}");
        let e = client
            .request_raw("tools/call", Some(json!({"name": "calc_boom", "arguments": {}})))
            .await
            .expect_err("an internal error");
        let e = e.rpc().expect("a JSON-RPC error").clone();
        assert_eq!(e.code, -32603, "mask {mask}: {e:?}");
        assert_eq!(e.message.contains("secret detail"), told, "mask {mask}: {e:?}");
        if mask {
            assert!(e.message.contains("server's log (request"), "{e:?}");
        }
    }
}
