//! Middleware: order, short-circuits, rewritten params and results, list
//! filtering, the request's context, tower's own layers, in both eras and
//! over HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::error::McpError;
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::testing::TestClient;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use serde_json::{Value, json};

/// Add two numbers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Ten seconds of rest.
#[tool]
async fn nap() -> String {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "rested".into()
}

/// Not for everyone.
#[tool(tags = ["vault"])]
fn secret() -> String {
    "the vault code".into()
}

/// Wait a minute.
#[tool]
async fn slow() -> String {
    tokio::time::sleep(Duration::from_secs(60)).await;
    "done".into()
}

/// A server on 127.0.0.1 over Streamable HTTP, for the length of a test.
pub(super) struct Served {
    pub(super) url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), mcp_serve::transport::TransportError>>,
}

impl Served {
    pub(super) async fn start(handle: mcp_serve::server::ServerHandle) -> Served {
        Self::start_with(handle, |_| HttpOptions::default()).await
    }

    /// With options made knowing the server's URL.
    pub(super) async fn start_with(
        handle: mcp_serve::server::ServerHandle,
        options: impl FnOnce(&str) -> HttpOptions,
    ) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let options = options(&url);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve_listener(&handle, listener, options, async {
                let _ = stopped.await;
            })
            .await
        });
        Served { url, stop, task }
    }

    /// Stops it and waits until it has.
    pub(super) async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

pub(super) fn eras() -> [Era; 2] {
    [Era::Modern, Era::Legacy(ProtocolVersion::LATEST_LEGACY)]
}

fn text(r: &CallToolResult) -> String {
    match &r.content[0] {
        ContentBlock::Text(t) => t.text.clone(),
        other => panic!("not text: {other:?}"),
    }
}

/// Records what it sees, before and after the rest of the chain.
struct Record {
    tag: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Middleware for Record {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let method = req.method();
        self.log.lock().unwrap().push(format!("{}>{method}", self.tag));
        let out = next.run(req).await;
        self.log.lock().unwrap().push(format!("<{}", self.tag));
        out
    }
}

#[tokio::test]
async fn layers_run_in_the_order_added_around_every_request_in_both_eras() {
    for era in eras() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let server = Server::new("mw", "1.0.0")
            .middleware(Record {
                tag: "a",
                log: Arc::clone(&log),
            })
            .middleware(Record {
                tag: "b",
                log: Arc::clone(&log),
            })
            .tool(add);
        let client = TestClient::with_era(server, era).await.unwrap();
        log.lock().unwrap().clear();
        let r = client.call_tool("add", json!({"a": 2, "b": 3})).await.unwrap();
        assert_eq!(text(&r), "5");
        assert_eq!(
            *log.lock().unwrap(),
            ["a>tools/call", "b>tools/call", "<b", "<a"],
            "{era:?}"
        );
        log.lock().unwrap().clear();
        client.list_tools().await.unwrap();
        assert_eq!(log.lock().unwrap()[0], "a>tools/list", "{era:?}");
    }
}

#[tokio::test]
async fn the_handshake_goes_through_middleware_in_each_era() {
    for (era, expected) in [
        (Era::Modern, "server/discover"),
        (Era::Legacy(ProtocolVersion::LATEST_LEGACY), "initialize"),
    ] {
        let log = Arc::new(Mutex::new(Vec::new()));
        let server = Server::new("mw", "1.0.0").middleware(Record {
            tag: "a",
            log: Arc::clone(&log),
        });
        let _client = TestClient::with_era(server, era).await.unwrap();
        assert!(
            log.lock().unwrap().iter().any(|l| l == &format!("a>{expected}")),
            "{era:?}: {:?}",
            log.lock().unwrap()
        );
    }
}

/// Refuses `secret`, answers `add` itself for 0 + 0, and doubles `b`.
struct Gate;

impl Middleware for Gate {
    async fn on_call_tool(&self, mut req: McpRequest, next: Next) -> McpResult {
        match req.name() {
            Some("secret") => return Err(McpError::invalid_params("secret is not for you")),
            Some("add") if req.arguments().is_some_and(|a| a["a"] == 0 && a["b"] == 0) => {
                return Ok(json!({"content": [{"type": "text", "text": "zero, from the gate"}]}));
            }
            _ => {}
        }
        if let Some(Value::Object(args)) = req.params.get_mut("arguments") {
            if let Some(b) = args.get("b").and_then(Value::as_i64) {
                args.insert("b".into(), json!(b * 2));
            }
        }
        next.run(req).await
    }

    async fn on_list_tools(&self, req: McpRequest, next: Next) -> McpResult {
        let mut out = next.run(req).await?;
        if let Some(Value::Array(tools)) = out.get_mut("tools") {
            tools.retain(|t| t["name"] != "secret");
        }
        Ok(out)
    }
}

#[tokio::test]
async fn middleware_short_circuits_rewrites_params_and_filters_lists() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0").middleware(Gate).tool(add).tool(secret);
        let client = TestClient::with_era(server, era).await.unwrap();

        let e = client.call_tool("secret", json!({})).await.unwrap_err();
        assert!(e.to_string().contains("secret is not for you"), "{era:?}: {e}");

        let r = client.call_tool("add", json!({"a": 0, "b": 0})).await.unwrap();
        assert_eq!(text(&r), "zero, from the gate", "{era:?}");

        // 1 + 2*3: the handler saw the rewritten argument.
        let r = client.call_tool("add", json!({"a": 1, "b": 3})).await.unwrap();
        assert_eq!(text(&r), "7", "{era:?}");

        let names: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .tools
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["add"], "{era:?}");
    }
}

/// Stamps every tool result with the era and the client's name.
struct Stamp;

impl Middleware for Stamp {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        let cx = req.context();
        let stamp = format!(
            "{} via {}",
            cx.protocol_version(),
            cx.client_info().map(|c| c.name.clone()).unwrap_or_default()
        );
        let mut out = next.run(req).await?;
        out["structuredContent"] = json!({ "stamp": stamp });
        Ok(out)
    }
}

#[tokio::test]
async fn middleware_reads_the_request_context_and_rewrites_results() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0").middleware(Stamp).tool(add);
        let client = TestClient::with_era(server, era).await.unwrap();
        let r = client.call_tool("add", json!({"a": 1, "b": 1})).await.unwrap();
        let stamp = r.structured_content.unwrap()["stamp"]
            .as_str()
            .unwrap()
            .to_owned();
        let version = match era {
            Era::Modern => "2026-07-28",
            _ => ProtocolVersion::LATEST_LEGACY.as_str(),
        };
        assert!(stamp.starts_with(version), "{era:?}: {stamp}");
        assert!(stamp.ends_with(" via mcp-serve-client"), "{era:?}: {stamp}");
    }
}

#[tokio::test(start_paused = true)]
async fn towers_timeout_layer_applies_to_calls() {
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(5)))
            .tool(slow)
            .tool(add);
        let client = TestClient::with_era(server, era).await.unwrap();
        let started = tokio::time::Instant::now();
        let e = client.call_tool("slow", json!({})).await.unwrap_err();
        assert_eq!(started.elapsed(), Duration::from_secs(5), "{era:?}");
        assert!(e.to_string().contains("timed out"), "{era:?}: {e}");
        // A quick call is untouched.
        let r = client.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap();
        assert_eq!(text(&r), "3");
    }
}

#[tokio::test(start_paused = true)]
async fn towers_concurrency_limit_queues_calls() {
    let server = Server::new("mw", "1.0.0")
        .layer(tower::limit::ConcurrencyLimitLayer::new(1))
        .tool(nap);
    let client = Arc::new(TestClient::modern(server).await.unwrap());
    let started = tokio::time::Instant::now();
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let c = Arc::clone(&client);
            tokio::spawn(async move { c.call_tool("nap", json!({})).await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    // One at a time: the second waited for the first.
    assert_eq!(started.elapsed(), Duration::from_secs(20));
}

/// Sees the HTTP request behind each call.
struct UserAgent(Arc<Mutex<Vec<String>>>);

impl Middleware for UserAgent {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        let agent = req
            .context()
            .http()
            .and_then(|h| h.headers.get("user-agent"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        self.0.lock().unwrap().push(agent);
        next.run(req).await
    }
}

#[tokio::test]
async fn middleware_runs_over_http_in_both_eras() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handle = Server::new("mw", "1.0.0")
        .middleware(UserAgent(Arc::clone(&seen)))
        .middleware(Gate)
        .tool(add)
        .tool(secret)
        .into_handle()
        .unwrap();
    let served = Served::start(handle).await;
    let url = served.url.clone();
    for era in eras() {
        let client = mcp_serve::client::Client::connect_http(
            &url,
            ClientOptions {
                era,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let r = client.call_tool("add", json!({"a": 1, "b": 3})).await.unwrap();
        assert_eq!(text(&r), "7", "{era:?}");
        let e = client.call_tool("secret", json!({})).await.unwrap_err();
        assert!(e.to_string().contains("secret is not for you"), "{era:?}: {e}");
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|a| a != "none"), "{seen:?}");
    served.stop().await;
}

/// Refuses whatever reaches it.
struct Refuse;

impl Middleware for Refuse {
    async fn on_request(&self, _req: McpRequest, _next: Next) -> McpResult {
        Err(McpError::invalid_params("refused by policy"))
    }
}

#[tokio::test]
async fn middleware_for_applies_to_the_selected_requests_only() {
    use mcp_serve::middleware::Select;
    for era in eras() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let server = Server::new("mw", "1.0.0")
            .middleware_for(Select::tool("secret"), Refuse)
            .middleware_for(
                Select::methods(["tools/list"]),
                Record {
                    tag: "lists",
                    log: Arc::clone(&log),
                },
            )
            .middleware_for(
                Select::when(|req| req.arguments().is_some_and(|a| a.get("a") == Some(&json!(13)))),
                Refuse,
            )
            .tool(add)
            .tool(secret);
        let client = TestClient::with_era(server, era).await.unwrap();
        let e = client.call_tool("secret", json!({})).await.unwrap_err();
        assert!(e.to_string().contains("refused by policy"), "{era:?}: {e}");
        let r = client.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap();
        assert_eq!(text(&r), "3", "{era:?}");
        let e = client
            .call_tool("add", json!({"a": 13, "b": 2}))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("refused by policy"), "{era:?}: {e}");
        assert_eq!(client.list_tools().await.unwrap().tools.len(), 2);
        let log = log.lock().unwrap().clone();
        assert!(
            log.iter().all(|l| l == "lists>tools/list" || l == "<lists"),
            "{era:?}: {log:?}"
        );
        assert!(log.contains(&"lists>tools/list".to_owned()), "{era:?}: {log:?}");
    }
}

#[tokio::test]
async fn middleware_for_a_tag_applies_to_that_group() {
    use mcp_serve::middleware::Select;
    for era in eras() {
        let server = Server::new("mw", "1.0.0")
            .middleware_for(Select::tags(["vault"]), Refuse)
            .tool(add)
            .tool(secret);
        let client = TestClient::with_era(server, era).await.unwrap();
        let e = client.call_tool("secret", json!({})).await.unwrap_err();
        assert!(e.to_string().contains("refused by policy"), "{era:?}: {e}");
        let r = client.call_tool("add", json!({"a": 1, "b": 2})).await.unwrap();
        assert_eq!(text(&r), "3", "{era:?}");
    }
}

/// Reports whether the client's cancellation reached the middleware.
struct SeesCancel(Arc<Mutex<Option<bool>>>);

impl Middleware for SeesCancel {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        let cx = req.context().clone();
        let out = next.run(req).await;
        *self.0.lock().unwrap() = Some(cx.is_cancelled());
        out
    }
}

#[tokio::test(start_paused = true)]
async fn the_clients_cancellation_reaches_middleware_and_handler() {
    use mcp_serve::client::{ClientError, RequestOptions};
    for era in eras() {
        let seen = Arc::new(Mutex::new(None));
        let server = Server::new("mw", "1.0.0")
            .middleware(SeesCancel(Arc::clone(&seen)))
            .tool(slow);
        let client = TestClient::with_era(server, era).await.unwrap();
        let stop = tokio_util::sync::CancellationToken::new();
        let call = client.request_with(
            "tools/call",
            Some(json!({"name": "slow", "arguments": {}})),
            RequestOptions::default().cancel(stop.clone()),
        );
        let canceller = async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            stop.cancel();
        };
        let (out, ()) = tokio::join!(call, canceller);
        assert!(matches!(out, Err(ClientError::Cancelled)), "{era:?}: {out:?}");
        // The handler stopped (its 60 s never ran out) and the middleware saw why.
        for _ in 0..50 {
            if seen.lock().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(*seen.lock().unwrap(), Some(true), "{era:?}");
    }
}
