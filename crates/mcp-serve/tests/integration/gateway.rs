//! The gateway: several backends behind one front, each namespaced; every
//! era on each side; a target that is down reported and retried with
//! backoff on tokio's paused clock; input requests, progress and logs routed
//! to the front call; list changes of a target reaching the front.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{Client, ClientError, ClientOptions, Era};
use mcp_serve::context::Elicitation;
use mcp_serve::prelude::*;
use mcp_serve::protocol::jsonrpc::{ErrorObject, Notification};
use mcp_serve::protocol::types::{ClientCapabilities, LoggingLevel};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::proxy::{GATEWAY_META, Gateway, GatewayConfig, GatewayHandle, TargetStatus, Transport};
use mcp_serve::server::ServerHandle;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};
use tokio::time::Instant;

const LEGACY: Era = Era::Legacy(ProtocolVersion::V2025_11_25);

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Upper-case a text.
#[tool]
fn upper(text: String) -> String {
    text.to_uppercase()
}

/// Take a long time.
#[tool]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub(super) struct Name {
    /// Your name.
    pub(super) name: String,
}

/// Ask for a name, report progress, log, and greet through the client's model.
#[tool]
pub(super) async fn greet(ctx: Context) -> Result<String, ToolError> {
    ctx.progress(1.0, Some(2.0), Some("asking")).await;
    ctx.log(LoggingLevel::Info, "asking for a name").await;
    let name = match ctx.elicit::<Name>("What is your name?").await? {
        Elicitation::Accept(n) => n.name,
        Elicitation::Decline | Elicitation::Cancel => return Ok("no name".into()),
    };
    let greeting = ctx.sample_text(&format!("Greet {name}"), 50).await?;
    ctx.progress(2.0, Some(2.0), Some("done")).await;
    Ok(greeting)
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

fn calc() -> ServerHandle {
    Server::new("calc", "1.0.0")
        .tool(add)
        .tool(slow)
        .tool(greet)
        .prompt(hello)
        .resource(profile)
        .into_handle()
        .unwrap()
}

fn text() -> ServerHandle {
    Server::new("text", "1.0.0").tool(upper).into_handle().unwrap()
}

/// A target reached in memory in `era`.
fn in_era(server: ServerHandle, era: Era) -> Transport {
    Transport::custom(move |options: ClientOptions| {
        let server = server.clone();
        async move { Client::connect_in_memory(&server, options.era(era)).await }
    })
}

async fn names(client: &Client) -> Vec<String> {
    let mut n: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn targets_of_both_eras_are_namespaced_behind_one_front_of_both_eras() {
    for (a, b) in [(Era::Modern, LEGACY), (LEGACY, Era::Modern)] {
        let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
            .target("calc", in_era(calc(), a))
            .target("text", in_era(text(), b))
            .start()
            .await
            .unwrap();
        assert!(
            gateway.status().values().all(TargetStatus::is_up),
            "{:?}",
            gateway.status()
        );
        for front_era in [Era::Modern, LEGACY] {
            let client = TestClient::connect(gateway.server(), ClientOptions::default().era(front_era))
                .await
                .unwrap();
            assert_eq!(
                names(&client).await,
                ["calc_add", "calc_greet", "calc_slow", "text_upper"],
                "{front_era:?}"
            );
            let r = client
                .call_tool("calc_add", json!({"a": 2, "b": 3}))
                .await
                .unwrap();
            assert_eq!(r.content[0].as_text(), Some("5"));
            let r = client
                .call_tool("text_upper", json!({"text": "hi"}))
                .await
                .unwrap();
            assert_eq!(r.content[0].as_text(), Some("HI"));
            let p = client
                .get_prompt("calc_hello", json!({"name": "Ada"}))
                .await
                .unwrap();
            assert_eq!(
                serde_json::to_value(&p.messages[0].content).unwrap()["text"],
                "Say hello to Ada"
            );
            let templates = client.list_resource_templates().await.unwrap().resource_templates;
            assert_eq!(templates[0].uri_template, "calc+users://{id}/profile");
            let r = client.read_resource("calc+users://7/profile").await.unwrap();
            let body = serde_json::to_value(&r.contents[0]).unwrap();
            assert_eq!(body["text"], json!({"id": 7}).to_string());
            assert_eq!(body["uri"], "users://7/profile", "the backend's own answer");
            let list = client.request_raw("tools/list", Some(json!({}))).await.unwrap();
            assert!(list["_meta"].get(GATEWAY_META).is_none(), "nothing down: {list}");
            let e = client.call_tool("calc_nope", json!({})).await.unwrap_err();
            assert!(
                e.rpc().is_some(),
                "an unknown tool of an up target stays a protocol error"
            );
        }
    }
}

pub(super) fn answering(era: Era) -> ClientOptions {
    ClientOptions {
        era,
        capabilities: serde_json::from_value::<ClientCapabilities>(json!({"elicitation": {}, "sampling": {}}))
            .unwrap(),
        ..Default::default()
    }
    .on_input(|method, _params| async move {
        match method.as_str() {
            "elicitation/create" => Ok(json!({"action": "accept", "content": {"name": "Ada"}})),
            "sampling/createMessage" => {
                Ok(json!({"role": "assistant", "content": {"type": "text", "text": "Hello, Ada!"}, "model": "m"}))
            }
            other => Err(ErrorObject::method_not_found(other)),
        }
    })
}

#[tokio::test]
async fn input_requests_progress_and_logs_reach_the_front_call() {
    for (front_era, backend_era) in [(Era::Modern, LEGACY), (LEGACY, Era::Modern), (LEGACY, LEGACY)] {
        let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
            .target("calc", in_era(calc(), backend_era))
            .start()
            .await
            .unwrap();
        let client = TestClient::connect(gateway.server(), answering(front_era))
            .await
            .unwrap();
        let mut rx = client.notifications().unwrap();
        if matches!(front_era, Era::Legacy(_)) {
            client
                .request_raw("logging/setLevel", Some(json!({"level": "info"})))
                .await
                .unwrap();
        }
        let mut params = json!({"name": "calc_greet", "arguments": {}, "_meta": {"progressToken": "p"}});
        if front_era == Era::Modern {
            params["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
        }
        let r = tokio::time::timeout(
            Duration::from_secs(20),
            client.request_raw("tools/call", Some(params)),
        )
        .await
        .expect("an answer")
        .unwrap();
        assert_eq!(
            r["content"][0]["text"], "Hello, Ada!",
            "{front_era:?} <- {backend_era:?}: {r}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (mut progress, mut logs) = (Vec::new(), Vec::new());
        while let Ok(n) = rx.try_recv() {
            let p = n.params.unwrap_or(Value::Null);
            match n.method.as_str() {
                "notifications/progress" => {
                    assert_eq!(p["progressToken"], "p");
                    progress.push(p["progress"].as_f64().unwrap());
                }
                "notifications/message" => logs.push(p["data"].clone()),
                _ => {}
            }
        }
        // A modern front runs the handler again once the input is in (the
        // multi-round-trip flow), so the first step may be reported twice.
        progress.dedup();
        logs.dedup();
        assert_eq!(progress, [1.0, 2.0], "{front_era:?} <- {backend_era:?}");
        assert_eq!(
            logs,
            [json!("asking for a name")],
            "{front_era:?} <- {backend_era:?}"
        );
    }
}

/// A target that answers only while `up` is set, keeping the latest
/// connection so a test can cut it, and the time of every attempt.
#[derive(Clone, Default)]
struct Flaky {
    up: Arc<AtomicBool>,
    attempts: Arc<Mutex<Vec<Instant>>>,
    last: Arc<Mutex<Option<Client>>>,
}

impl Flaky {
    fn transport(&self, server: ServerHandle) -> Transport {
        let this = self.clone();
        Transport::custom(move |options: ClientOptions| {
            let this = this.clone();
            let server = server.clone();
            async move {
                this.attempts.lock().unwrap().push(Instant::now());
                if !this.up.load(Ordering::SeqCst) {
                    return Err(ClientError::Protocol("connection refused".into()));
                }
                let client = Client::connect_in_memory(&server, options).await?;
                *this.last.lock().unwrap() = Some(client.clone());
                Ok(client)
            }
        })
    }

    fn gaps(&self) -> Vec<u128> {
        let a = self.attempts.lock().unwrap();
        a.windows(2).map(|w| (w[1] - w[0]).as_millis()).collect()
    }
}

pub(super) async fn wait_for(gateway: &GatewayHandle, name: &str, up: bool) {
    for _ in 0..600 {
        if gateway.status()[name].is_up() == up {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} never became {}", if up { "up" } else { "down" });
}

async fn next_list_changed(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Notification>) {
    tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(n) = rx.recv().await {
            if n.method == "notifications/tools/list_changed" {
                return;
            }
        }
        panic!("the notification stream ended");
    })
    .await
    .expect("a tools/list_changed");
}

/// Holds a target's `prompts/list` until the test lets it go: the gateway
/// lists a target's prompts after adding its tools, before marking it up.
struct HoldPrompts(Arc<tokio::sync::Semaphore>);

impl mcp_serve::middleware::Middleware for HoldPrompts {
    async fn on_list_prompts(
        &self,
        req: mcp_serve::middleware::McpRequest,
        next: mcp_serve::middleware::Next,
    ) -> mcp_serve::middleware::McpResult {
        let _ = self.0.acquire().await;
        next.run(req).await
    }
}

#[tokio::test]
async fn lists_are_announced_again_when_a_target_is_back_up() {
    let hold = Arc::new(tokio::sync::Semaphore::new(0));
    let calc = Server::new("calc", "1.0.0")
        .tool(add)
        .middleware(HoldPrompts(Arc::clone(&hold)))
        .into_handle()
        .unwrap();
    let flaky = Flaky::default();
    let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("calc", flaky.transport(calc))
        .target("text", Transport::in_memory(text()))
        .backoff(Duration::from_millis(50), Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let client = TestClient::connect(gateway.server(), ClientOptions::default().era(LEGACY))
        .await
        .unwrap();
    let mut rx = client.notifications().unwrap();
    flaky.up.store(true, Ordering::SeqCst);
    // Its tools are added, and announced, while it is still down: lists leave them out.
    next_list_changed(&mut rx).await;
    assert_eq!(names(&client).await, ["text_upper"]);
    assert!(!gateway.status()["calc"].is_up());
    // Once it is up, clients are told to list again, and then they show.
    hold.add_permits(1000);
    next_list_changed(&mut rx).await;
    wait_for(&gateway, "calc", true).await;
    assert_eq!(names(&client).await, ["calc_add", "text_upper"]);
}

#[tokio::test(start_paused = true)]
async fn a_down_target_is_reported_retried_with_backoff_and_comes_back() {
    let flaky = Flaky::default();
    let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("calc", flaky.transport(calc()))
        .target("text", Transport::in_memory(text()))
        .backoff(Duration::from_millis(100), Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    assert_eq!(
        gateway.status()["calc"],
        TargetStatus::Down {
            reason: "connection refused".into()
        }
    );
    assert!(
        gateway.status()["text"].is_up(),
        "one target down does not take the others"
    );
    let client = TestClient::connect(gateway.server(), ClientOptions::default().era(LEGACY))
        .await
        .unwrap();
    let mut rx = client.notifications().unwrap();
    assert_eq!(names(&client).await, ["text_upper"]);
    for method in [
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
    ] {
        let list = client.request_raw(method, Some(json!({}))).await.unwrap();
        assert_eq!(
            list["_meta"][GATEWAY_META],
            json!({"down": {"calc": "connection refused"}}),
            "{method}: {list}"
        );
    }
    let r = client
        .call_tool("calc_add", json!({"a": 1, "b": 2}))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let said = r.content[0].as_text().unwrap();
    assert!(
        said.contains("`calc`") && said.contains("connection refused"),
        "{said}"
    );
    let e = client
        .get_prompt("calc_hello", json!({"name": "x"}))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("`calc`"), "{e}");
    let e = client.read_resource("calc+users://1/profile").await.unwrap_err();
    assert!(e.to_string().contains("`calc`"), "{e}");

    // Retried at 100, 200, 400, 400 ms: doubling up to the maximum.
    tokio::time::sleep(Duration::from_millis(1150)).await;
    assert_eq!(flaky.gaps(), [100, 200, 400, 400]);

    flaky.up.store(true, Ordering::SeqCst);
    next_list_changed(&mut rx).await;
    wait_for(&gateway, "calc", true).await;
    assert_eq!(
        names(&client).await,
        ["calc_add", "calc_greet", "calc_slow", "text_upper"]
    );
    let list = client.request_raw("tools/list", Some(json!({}))).await.unwrap();
    assert!(list["_meta"].get(GATEWAY_META).is_none(), "{list}");
    let r = client
        .call_tool("calc_add", json!({"a": 1, "b": 2}))
        .await
        .unwrap();
    assert_eq!(r.content[0].as_text(), Some("3"));

    // The connection drops: its tools go, with a list change, and it is retried
    // from the initial backoff.
    flaky.up.store(false, Ordering::SeqCst);
    let before = flaky.attempts.lock().unwrap().len();
    let cut = Instant::now();
    let last = flaky.last.lock().unwrap().take().unwrap();
    last.close().await;
    next_list_changed(&mut rx).await;
    wait_for(&gateway, "calc", false).await;
    assert_eq!(names(&client).await, ["text_upper"]);
    let TargetStatus::Down { reason } = &gateway.status()["calc"] else {
        unreachable!()
    };
    assert!(reason.contains("ended") || reason.contains("refused"), "{reason}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let attempts = flaky.attempts.lock().unwrap()[before..].to_vec();
    assert!(!attempts.is_empty(), "reconnection was tried");
    assert!(
        attempts[0] - cut <= Duration::from_millis(1200),
        "the loss is noticed within a second, then retried after the initial backoff"
    );

    // And once more back.
    flaky.up.store(true, Ordering::SeqCst);
    wait_for(&gateway, "calc", true).await;
    assert_eq!(
        names(&client).await,
        ["calc_add", "calc_greet", "calc_slow", "text_upper"]
    );
}

#[tokio::test(start_paused = true)]
async fn connect_and_call_timeouts_apply() {
    let never =
        Transport::custom(|_options: ClientOptions| std::future::pending::<Result<Client, ClientError>>());
    let started = Instant::now();
    let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("stuck", never)
        .target("calc", Transport::in_memory(calc()))
        .connect_timeout(Duration::from_secs(3))
        .call_timeout(Duration::from_secs(5))
        .health_interval(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(4),
        "start waits for the first attempt only: {waited:?}"
    );
    let TargetStatus::Down { reason } = &gateway.status()["stuck"] else {
        panic!("{:?}", gateway.status())
    };
    assert!(reason.contains("connect timeout of 3s"), "{reason}");

    let client = TestClient::connect(gateway.server(), ClientOptions::default())
        .await
        .unwrap();
    let started = Instant::now();
    let e = client.call_tool("calc_slow", json!({})).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "the call timeout ends the call: {waited:?} {e:?}"
    );
    let failed = match e {
        Ok(r) => r.is_error == Some(true),
        Err(_) => true,
    };
    assert!(failed);
    // A slow tool is not a dead target: the ping still answers.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(gateway.status()["calc"].is_up());
}

#[tokio::test]
async fn a_targets_list_changes_reach_the_front() {
    let backend = calc();
    let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("calc", in_era(backend.clone(), LEGACY))
        .target("text", Transport::in_memory(text()))
        .start()
        .await
        .unwrap();
    let client = TestClient::connect(gateway.server(), ClientOptions::default().era(LEGACY))
        .await
        .unwrap();
    let mut rx = client.notifications().unwrap();
    assert!(backend.remove_tool("slow"));
    next_list_changed(&mut rx).await;
    for _ in 0..50 {
        if !gateway.server().tool_names().contains(&"calc_slow".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(names(&client).await, ["calc_add", "calc_greet", "text_upper"]);
}

#[tokio::test]
async fn the_front_keeps_its_own_tools_and_names_are_checked() {
    let gateway = Gateway::new(Server::new("gateway", "1.0.0").tool(upper))
        .target("calc", Transport::in_memory(calc()))
        .start()
        .await
        .unwrap();
    let client = TestClient::connect(gateway.server(), ClientOptions::default())
        .await
        .unwrap();
    assert_eq!(
        names(&client).await,
        ["calc_add", "calc_greet", "calc_slow", "upper"]
    );

    let e = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("my server", Transport::in_memory(text()))
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("`my server`"), "{e}");
}

#[tokio::test]
async fn a_config_file_with_a_missing_program_serves_the_rest() {
    let dir = std::env::temp_dir().join(format!("mcp-gateway-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mcp.json");
    std::fs::write(
        &file,
        r#"{"mcpServers": {"gone": {"command": "/nonexistent/mcp-server", "args": ["x"]}}}"#,
    )
    .unwrap();
    let config = GatewayConfig::from_file(&file).unwrap();
    let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .config(config)
        .target("text", Transport::in_memory(text()))
        .start()
        .await
        .unwrap();
    assert!(!gateway.status()["gone"].is_up());
    assert!(gateway.status()["text"].is_up());
    let client = TestClient::connect(gateway.server(), ClientOptions::default())
        .await
        .unwrap();
    let r = client.call_tool("gone_anything", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(r.content[0].as_text().unwrap().contains("`gone`"));
    std::fs::write(&file, r#"{"mcpServers": {"bad": {"url": "ftp://x"}}}"#).unwrap();
    let e = GatewayConfig::from_file(&file).unwrap_err().to_string();
    assert!(
        e.contains("`bad`") && e.contains("http://") && e.contains("mcp.json"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The legacy session this call came in on, as the HTTP+SSE transport's
/// message URL names it.
#[tool]
fn session(ctx: Context) -> String {
    ctx.http()
        .and_then(|parts| parts.uri.query())
        .unwrap_or("no session")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sse_target_serves_every_front_client_on_one_session() {
    let backend = Server::new("old", "1.0.0")
        .tool(add)
        .tool(session)
        .into_handle()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sse_url = format!("http://{}/sse", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let options = mcp_serve::transport::http::HttpOptions::default();
        let _ =
            mcp_serve::transport::http::serve_listener(&backend, listener, options, std::future::pending())
                .await;
    });
    let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("old", Transport::sse(sse_url))
        .start()
        .await
        .unwrap();
    assert!(gateway.status()["old"].is_up(), "{:?}", gateway.status());
    let mut sessions = Vec::new();
    for era in [Era::Modern, LEGACY, Era::Modern] {
        let client = TestClient::connect(gateway.server(), ClientOptions::default().era(era))
            .await
            .unwrap();
        assert_eq!(names(&client).await, ["old_add", "old_session"], "{era:?}");
        let r = tokio::time::timeout(
            Duration::from_secs(20),
            client.call_tool("old_add", json!({"a": 2, "b": 3})),
        )
        .await
        .expect("an answer in time")
        .unwrap();
        assert_eq!(r.content[0].as_text(), Some("5"), "{era:?}");
        let r = client.call_tool("old_session", json!({})).await.unwrap();
        sessions.push(r.content[0].as_text().unwrap().to_owned());
    }
    assert!(sessions[0].contains("sessionId="), "{sessions:?}");
    assert!(
        sessions.iter().all(|s| *s == sessions[0]),
        "one session with the target for every front client: {sessions:?}"
    );
}

/// Reports three steps and answers at once.
#[tool]
async fn steps(ctx: Context) -> &'static str {
    for step in 1..=3 {
        ctx.progress(f64::from(step), Some(3.0), None).await;
    }
    "done"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_targets_last_progress_reaches_the_front_before_its_answer() {
    // The answer and the notifications travel apart inside the gateway (the
    // answer to its waiter, notifications through the relaying task); the
    // answer must not overtake what the target said before it.
    for (front_era, backend_era) in [
        (Era::Modern, LEGACY),
        (LEGACY, LEGACY),
        (Era::Modern, Era::Modern),
    ] {
        let backend = Server::new("calc", "1.0.0").tool(steps).into_handle().unwrap();
        let gateway = Gateway::new(Server::new("gateway", "1.0.0"))
            .target("calc", in_era(backend, backend_era))
            .start()
            .await
            .unwrap();
        let client = TestClient::connect(gateway.server(), ClientOptions::default().era(front_era))
            .await
            .unwrap();
        let mut rx = client.notifications().unwrap();
        for round in 0..30 {
            let token = format!("p{round}");
            let r = tokio::time::timeout(
                Duration::from_secs(20),
                client.request_raw(
                    "tools/call",
                    Some(json!({"name": "calc_steps", "arguments": {}, "_meta": {"progressToken": token}})),
                ),
            )
            .await
            .expect("an answer")
            .unwrap();
            assert_eq!(r["content"][0]["text"], "done", "{r}");
            let mut last = None;
            while let Ok(n) = rx.try_recv() {
                let p = n.params.unwrap_or(Value::Null);
                if n.method == "notifications/progress" && p["progressToken"] == token.as_str() {
                    last = p["progress"].as_f64();
                }
            }
            assert_eq!(last, Some(3.0), "{front_era:?} <- {backend_era:?}, round {round}");
        }
    }
}
