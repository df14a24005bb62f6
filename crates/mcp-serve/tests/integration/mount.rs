//! Mounting: another server's tools, resources, templates and prompts served
//! under a prefix, live, with the caller's request (progress, logs, input
//! requests) reaching the mounted handlers in both eras.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{Client, ClientError, ClientOptions, Era, RequestOptions, Subscription};
use mcp_serve::context::Elicitation;
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::protocol::jsonrpc::ErrorObject;
use mcp_serve::protocol::types::{
    ClientCapabilities, CreateMessageRequestParams, LoggingLevel, Root, SamplingMessage, SubscriptionFilter,
};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::server::ServerHandle;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const LEGACY: Era = Era::Legacy(ProtocolVersion::V2025_11_25);
const ERAS: [Era; 2] = [Era::Modern, LEGACY];

struct Units(&'static str);

/// Tomorrow's weather.
#[tool]
fn forecast(city: String, units: State<Units>) -> String {
    format!("Sunny in {city}, 21 {}", units.0.0)
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct City {
    /// Which city.
    city: String,
}

/// Ask where, report progress and log, then answer.
#[tool]
async fn ask_city(ctx: Context) -> Result<String, ToolError> {
    let city = match ctx.elicit::<City>("Which city?").await? {
        Elicitation::Accept(c) => c.city,
        Elicitation::Decline | Elicitation::Cancel => return Ok("no city".into()),
    };
    ctx.progress(1.0, Some(2.0), Some("looking")).await;
    ctx.log(LoggingLevel::Info, format!("looking up {city}")).await;
    ctx.progress(2.0, Some(2.0), Some("done")).await;
    Ok(format!("Rain in {city}"))
}

/// Which server's handle a mounted handler sees.
#[tool]
fn whoami(ctx: Context) -> String {
    ctx.server().info().name.clone()
}

/// A weather report prompt.
#[prompt]
fn report(city: String) -> String {
    format!("Write a weather report for {city}")
}

/// The units the weather server uses.
#[resource("config://units")]
fn units_config() -> &'static str {
    "metric"
}

/// A city's weather page.
#[resource("weather://{city}/today")]
fn today(city: String) -> String {
    format!("today in {city}")
}

fn weather() -> Server {
    Server::new("weather", "1.0.0")
        .state(Units("C"))
        .tool(forecast)
        .tool(ask_city)
        .tool(whoami)
        .prompt(report)
        .resource(units_config)
        .resource(today)
}

async fn connect(handle: &ServerHandle, era: Era) -> TestClient {
    TestClient::connect(
        handle,
        ClientOptions {
            era,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn tool_names(client: &Client) -> Vec<String> {
    client
        .list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect()
}

fn text(v: &impl serde::Serialize, pointer: &str) -> Value {
    serde_json::to_value(v)
        .unwrap()
        .pointer(pointer)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Local: the main server's own.
#[tool]
fn local() -> &'static str {
    "main"
}

#[tokio::test]
async fn a_mounted_server_is_served_under_its_prefix_in_both_eras() {
    let main = Server::new("main", "1.0.0")
        .tool(local)
        .mount("weather", weather())
        .into_handle()
        .unwrap();
    for era in ERAS {
        let client = connect(&main, era).await;
        assert_eq!(
            tool_names(&client).await,
            ["local", "weather_forecast", "weather_ask_city", "weather_whoami"],
            "{era:?}"
        );
        let r = client
            .call_tool("weather_forecast", json!({"city": "Oslo"}))
            .await
            .unwrap();
        assert_eq!(
            r.content[0].as_text(),
            Some("Sunny in Oslo, 21 C"),
            "the mounted tool reads its own server's state"
        );
        let r = client.call_tool("weather_whoami", json!({})).await.unwrap();
        assert_eq!(
            r.content[0].as_text(),
            Some("weather"),
            "Context::server is the mounted server"
        );
        // The mounted tool's schema still checks the arguments.
        let r = client
            .call_tool("weather_forecast", json!({"city": 3}))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        assert!(
            client
                .call_tool("forecast", json!({"city": "Oslo"}))
                .await
                .is_err()
        );

        let resources = client.list_resources().await.unwrap().resources;
        assert_eq!(resources[0].uri, "weather+config://units");
        let read = client.read_resource("weather+config://units").await.unwrap();
        assert_eq!(text(&read.contents[0], "/text"), "metric");
        let templates = client.list_resource_templates().await.unwrap().resource_templates;
        assert_eq!(templates[0].uri_template, "weather+weather://{city}/today");
        let read = client
            .read_resource("weather+weather://Rome/today")
            .await
            .unwrap();
        assert_eq!(text(&read.contents[0], "/text"), "today in Rome");
        assert_eq!(
            text(&read.contents[0], "/uri"),
            "weather+weather://Rome/today",
            "the contents name the URI the client read"
        );
        assert!(client.read_resource("config://units").await.is_err());

        let prompts = client.list_prompts().await.unwrap().prompts;
        assert_eq!(prompts[0].name, "weather_report");
        let p = client
            .get_prompt("weather_report", json!({"city": "Lima"}))
            .await
            .unwrap();
        assert_eq!(
            text(&p.messages[0], "/content/text"),
            "Write a weather report for Lima"
        );
    }
}

fn answering(era: Era, asked: Arc<Mutex<Vec<String>>>) -> ClientOptions {
    ClientOptions {
        era,
        capabilities: serde_json::from_value::<ClientCapabilities>(json!({"elicitation": {}})).unwrap(),
        ..Default::default()
    }
    .on_input(move |method, _params| {
        asked.lock().unwrap().push(method.clone());
        async move {
            match method.as_str() {
                "elicitation/create" => Ok(json!({"action": "accept", "content": {"city": "Bergen"}})),
                other => Err(ErrorObject::method_not_found(other)),
            }
        }
    })
}

#[tokio::test]
async fn elicitation_progress_and_logs_work_through_the_mount() {
    let main = Server::new("main", "1.0.0")
        .mount("weather", weather())
        .into_handle()
        .unwrap();
    for era in ERAS {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let client = TestClient::connect(&main, answering(era, asked.clone()))
            .await
            .unwrap();
        let mut rx = client.notifications().unwrap();
        if matches!(era, Era::Legacy(_)) {
            client
                .request_raw("logging/setLevel", Some(json!({"level": "info"})))
                .await
                .unwrap();
        }
        let mut params =
            json!({"name": "weather_ask_city", "arguments": {}, "_meta": {"progressToken": "p"}});
        if era == Era::Modern {
            params["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
        }
        let r = tokio::time::timeout(
            Duration::from_secs(20),
            client.request_raw("tools/call", Some(params)),
        )
        .await
        .unwrap_or_else(|_| panic!("{era:?}: no answer"))
        .unwrap();
        assert_eq!(r["content"][0]["text"], "Rain in Bergen", "{era:?}: {r}");
        assert_eq!(*asked.lock().unwrap(), ["elicitation/create"], "{era:?}");
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
        assert_eq!(progress, [1.0, 2.0], "{era:?}");
        assert_eq!(logs, [json!("looking up Bergen")], "{era:?}");
    }
}

/// Every list change and the updates of `uri`, in either era.
async fn listen(client: &TestClient, uri: &str) -> Subscription {
    let filter = SubscriptionFilter::default()
        .tools_changes()
        .prompts_changes()
        .resources_changes()
        .resource(uri);
    tokio::time::timeout(Duration::from_secs(10), client.listen(filter))
        .await
        .expect("listen answers in time")
        .unwrap()
}

async fn next_notification(sub: &mut Subscription, method: &str) -> Value {
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = sub.next().await.expect("the subscription is open");
            if n.method == method {
                return n.params.unwrap_or(Value::Null);
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {method}"))
}

/// Rainfall today.
#[tool]
fn rain() -> &'static str {
    "2 mm"
}

/// The weather server, and a server `main` with it mounted as `weather`.
fn weather_mounted() -> (ServerHandle, ServerHandle) {
    let weather = weather().into_handle().unwrap();
    let main = Server::new("main", "1.0.0")
        .mount("weather", &weather)
        .into_handle()
        .unwrap();
    (weather, main)
}

#[tokio::test]
async fn the_mount_is_live() {
    let (weather, main) = weather_mounted();
    for era in ERAS {
        let client = connect(&main, era).await;
        let mut rx = listen(&client, "x://none").await;
        weather.add_tool(rain).unwrap();
        next_notification(&mut rx, "notifications/tools/list_changed").await;
        assert!(
            tool_names(&client).await.contains(&"weather_rain".to_owned()),
            "{era:?}"
        );
        let r = client.call_tool("weather_rain", json!({})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("2 mm"));

        assert!(weather.disable_tool("rain"));
        next_notification(&mut rx, "notifications/tools/list_changed").await;
        assert!(!tool_names(&client).await.contains(&"weather_rain".to_owned()));
        assert!(client.call_tool("weather_rain", json!({})).await.is_err());
        assert!(weather.remove_tool("rain"));

        assert!(weather.remove_prompt("report"));
        next_notification(&mut rx, "notifications/prompts/list_changed").await;
        assert!(client.list_prompts().await.unwrap().prompts.is_empty());
        weather.add_prompt(report).unwrap();
        next_notification(&mut rx, "notifications/prompts/list_changed").await;
        assert_eq!(
            client.list_prompts().await.unwrap().prompts[0].name,
            "weather_report"
        );
    }
}

#[tokio::test]
async fn resource_updates_of_the_mounted_server_reach_subscribers() {
    let (weather, main) = weather_mounted();
    for era in ERAS {
        let client = connect(&main, era).await;
        let mut rx = listen(&client, "weather+config://units").await;
        weather.notify_resource_updated("config://units");
        let p = next_notification(&mut rx, "notifications/resources/updated").await;
        assert_eq!(p["uri"], "weather+config://units", "{era:?}");
    }
}

#[tokio::test]
async fn the_parents_choices_outlive_the_childs_changes() {
    let (weather, main) = weather_mounted();
    assert!(main.disable_tool("weather_forecast"));
    weather.add_tool(rain).unwrap();
    let client = connect(&main, Era::Modern).await;
    let names = tool_names(&client).await;
    assert!(names.contains(&"weather_rain".to_owned()));
    assert!(
        !names.contains(&"weather_forecast".to_owned()),
        "disabled in the parent, it stays so when the child changes: {names:?}"
    );
}

#[tokio::test]
async fn mounts_nest_and_stay_live() {
    let weather = weather().into_handle().unwrap();
    let region = Server::new("region", "1.0.0")
        .mount("weather", &weather)
        .into_handle()
        .unwrap();
    let main = Server::new("main", "1.0.0")
        .mount_separator(".")
        .mount("eu", &region)
        .into_handle()
        .unwrap();
    assert!(main.tool_names().contains(&"eu.weather_forecast".to_owned()));
    weather.add_tool(rain).unwrap();
    assert!(
        main.tool_names().contains(&"eu.weather_rain".to_owned()),
        "a change two mounts down shows at the top: {:?}",
        main.tool_names()
    );
    let client = connect(&main, Era::Modern).await;
    let r = client
        .call_tool("eu.weather_forecast", json!({"city": "Graz"}))
        .await
        .unwrap();
    assert_eq!(r.content[0].as_text(), Some("Sunny in Graz, 21 C"));
    let read = client.read_resource("eu+weather+config://units").await.unwrap();
    assert_eq!(text(&read.contents[0], "/text"), "metric");
    assert!(
        weather.mount("loop", &main).is_err(),
        "a server cannot mount one that contains it"
    );
}

#[test]
fn clashes_and_bad_prefixes_are_refused_when_the_server_is_built() {
    /// The main server's own forecast.
    #[tool]
    fn weather_forecast() -> &'static str {
        "cloudy"
    }
    let e = Server::new("main", "1.0.0")
        .tool(weather_forecast)
        .mount("weather", weather())
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("weather_forecast") && e.contains("clashes"), "{e}");
    let e = Server::new("main", "1.0.0")
        .mount("weather", weather())
        .tool(weather_forecast)
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("weather_forecast"), "{e}");
    let e = Server::new("main", "1.0.0")
        .mount("w", weather())
        .mount("w", Server::new("other", "1.0.0"))
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("mount `w`") && e.contains("another prefix"), "{e}");
    for bad in ["", "9lives", "we ather", "a+b", "a_b"] {
        let e = Server::new("main", "1.0.0")
            .mount(bad, weather())
            .into_handle()
            .unwrap_err()
            .to_string();
        assert!(e.contains("a prefix is a letter"), "{bad:?}: {e}");
    }
    // A broken child is reported as itself.
    let e = Server::new("main", "1.0.0")
        .mount("w", Server::new("w", "1.0.0").tool(forecast))
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("State<"), "{e}");
}

#[tokio::test]
async fn runtime_mounts_and_unmounts_tell_clients() {
    let main = Server::new("main", "1.0.0").tool(local).into_handle().unwrap();
    let client = connect(&main, Era::Modern).await;
    let mut rx = listen(&client, "x://none").await;
    let weather = weather().into_handle().unwrap();
    main.mount("weather", &weather).unwrap();
    next_notification(&mut rx, "notifications/tools/list_changed").await;
    assert_eq!(tool_names(&client).await.len(), 4);
    assert!(main.unmount("weather"));
    next_notification(&mut rx, "notifications/tools/list_changed").await;
    assert_eq!(tool_names(&client).await, ["local"]);
    // The child no longer reports to the parent.
    weather.add_tool(rain).unwrap();
    assert_eq!(main.tool_names(), ["local"]);
    // A runtime clash is refused and leaves the parent as it was.
    let clash = Server::new("c", "1.0.0").tool(local).into_handle().unwrap();
    main.tool_names();
    main.add_tool(
        mcp_serve::tool::Tool::new("x_local").raw_handler(|_, _| async { Ok(CallToolResult::text("mine")) }),
    )
    .unwrap();
    assert!(main.mount("x", &clash).is_err());
    assert_eq!(main.mounts(), Vec::<String>::new());
}

/// Counts the requests it sees and the names in them.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Middleware for Seen {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let label = format!("{} {}", req.method(), req.name().unwrap_or_default());
        self.0.lock().unwrap().push(label);
        next.run(req).await
    }
}

/// Shouts the mounted tool's answers.
struct Shout(Arc<AtomicUsize>);

impl Middleware for Shout {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        self.0.fetch_add(1, Ordering::SeqCst);
        let mut r = next.run(req).await?;
        if let Some(t) = r["content"][0]["text"].as_str() {
            r["content"][0]["text"] = json!(t.to_uppercase());
        }
        Ok(r)
    }
}

#[tokio::test]
async fn middleware_applies_per_mount() {
    let shouted = Arc::new(AtomicUsize::new(0));
    let outer = Seen::default();
    let main = Server::new("main", "1.0.0")
        .middleware(outer.clone())
        .tool(local)
        .mount("weather", weather().middleware(Shout(Arc::clone(&shouted))))
        .into_handle()
        .unwrap();
    for era in ERAS {
        let client = connect(&main, era).await;
        let r = client
            .call_tool("weather_forecast", json!({"city": "Oslo"}))
            .await
            .unwrap();
        assert_eq!(r.content[0].as_text(), Some("SUNNY IN OSLO, 21 C"), "{era:?}");
        let r = client.call_tool("local", json!({})).await.unwrap();
        assert_eq!(
            r.content[0].as_text(),
            Some("main"),
            "the mounted server's middleware does not wrap the parent's tools"
        );
    }
    assert_eq!(shouted.load(Ordering::SeqCst), 2);
    let seen = outer.0.lock().unwrap().clone();
    assert!(
        seen.contains(&"tools/call weather_forecast".to_owned()),
        "the parent's middleware sees the prefixed name: {seen:?}"
    );
}

#[tokio::test]
async fn scopes_and_tags_come_along() {
    let child = Server::new("admin", "1.0.0").tool(
        mcp_serve::tool::Tool::new("wipe")
            .scopes(["admin"])
            .tag("danger")
            .raw_handler(|_, _| async { Ok(CallToolResult::text("wiped")) }),
    );
    let main = Server::new("main", "1.0.0")
        .mount("ops", child)
        .into_handle()
        .unwrap();
    assert_eq!(main.required_scopes("tools/call", "ops_wipe"), ["admin"]);
    assert!(main.disable_tag("danger"));
    assert!(main.tool_names().contains(&"ops_wipe".to_owned()));
    let client = connect(&main, Era::Modern).await;
    assert!(
        tool_names(&client).await.is_empty(),
        "the parent's tag rules hide it"
    );
}

#[tokio::test]
async fn completions_reach_the_mounted_server() {
    let child = Server::new("b", "1").prompt(
        mcp_serve::prompt::Prompt::new("lang")
            .arguments(vec![serde_json::from_value(json!({"name": "language"})).unwrap()])
            .complete("language", |value: String, cx: Context| async move {
                vec![format!("{value}-{}", cx.server().info().name)]
            })
            .raw_handler(|_args, _cx| async { Ok(mcp_serve::protocol::types::GetPromptResult::default()) }),
    );
    let main = Server::new("main", "1.0.0")
        .mount("b", child)
        .into_handle()
        .unwrap();
    let client = connect(&main, Era::Modern).await;
    let r = client
        .request_raw(
            "completion/complete",
            Some(json!({"ref": {"type": "ref/prompt", "name": "b_lang"}, "argument": {"name": "language", "value": "ru"}})),
        )
        .await
        .unwrap();
    assert_eq!(r["completion"]["values"], json!(["ru-b"]));
}

/// Ask the client's model what to wear.
#[tool]
async fn advise(city: String, ctx: Context) -> Result<String, ToolError> {
    let mut request = CreateMessageRequestParams::new(
        vec![SamplingMessage::user_text(format!("What to wear in {city}?"))],
        42,
    );
    request.system_prompt = Some("You dress people for the weather.".into());
    let answer = ctx.sample(request).await?;
    let content = serde_json::to_value(&answer.content).unwrap_or(Value::Null);
    let said = content["text"].as_str().unwrap_or("(no text)");
    Ok(format!("{said} (by {})", answer.model))
}

/// The places the client shares.
#[tool]
async fn places(ctx: Context) -> Result<String, ToolError> {
    let roots = ctx.roots().await?;
    Ok(roots
        .iter()
        .map(|r| format!("{}={}", r.name.as_deref().unwrap_or("-"), r.uri))
        .collect::<Vec<_>>()
        .join(","))
}

/// A client that shares two roots and answers sampling requests, keeping
/// every input request it is sent.
fn sampling_client(era: Era, asked: Arc<Mutex<Vec<(String, Value)>>>) -> ClientOptions {
    ClientOptions {
        era,
        capabilities: serde_json::from_value::<ClientCapabilities>(json!({"sampling": {}})).unwrap(),
        ..Default::default()
    }
    .roots(vec![
        Root::new("file:///home/me/trips").with_name("trips"),
        Root::new("file:///home/me/photos").with_name("photos"),
    ])
    .on_input(move |method, params| {
        asked.lock().unwrap().push((method.clone(), params));
        async move {
            match method.as_str() {
                "sampling/createMessage" => Ok(json!({
                    "role": "assistant",
                    "content": {"type": "text", "text": "Bring an umbrella"},
                    "model": "test-model",
                    "stopReason": "endTurn"
                })),
                other => Err(ErrorObject::method_not_found(other)),
            }
        }
    })
}

#[tokio::test]
async fn sampling_and_roots_work_through_the_mount() {
    // Both ways a mounted call is made: straight to the handler, and
    // through the child's own middleware.
    for wrapped in [false, true] {
        let child_saw = Seen::default();
        let mut trips = Server::new("trips", "1.0.0").tool(advise).tool(places);
        if wrapped {
            trips = trips.middleware(child_saw.clone());
        }
        let main = Server::new("main", "1.0.0")
            .mount("trips", trips)
            .into_handle()
            .unwrap();
        for era in ERAS {
            let case = format!("{era:?}, child middleware: {wrapped}");
            let asked = Arc::new(Mutex::new(Vec::new()));
            let client = TestClient::connect(&main, sampling_client(era, asked.clone()))
                .await
                .unwrap();
            let r = tokio::time::timeout(
                Duration::from_secs(20),
                client.call_tool("trips_advise", json!({"city": "Bergen"})),
            )
            .await
            .unwrap_or_else(|_| panic!("{case}: no answer"))
            .unwrap();
            assert_eq!(r.is_error, None, "{case}: {r:?}");
            assert_eq!(
                r.content[0].as_text(),
                Some("Bring an umbrella (by test-model)"),
                "{case}: the mounted tool gets the client's sample"
            );
            let asked = asked.lock().unwrap().clone();
            assert_eq!(asked.len(), 1, "{case}: one sampling request: {asked:?}");
            let (method, params) = &asked[0];
            assert_eq!(method, "sampling/createMessage", "{case}");
            assert_eq!(params["maxTokens"], 42, "{case}: {params}");
            assert_eq!(
                params["systemPrompt"], "You dress people for the weather.",
                "{case}: {params}"
            );
            assert_eq!(
                params["messages"],
                json!([{"role": "user", "content": {"type": "text", "text": "What to wear in Bergen?"}}]),
                "{case}: the client sees the request the mounted tool made"
            );

            let r = tokio::time::timeout(
                Duration::from_secs(20),
                client.call_tool("trips_places", json!({})),
            )
            .await
            .unwrap_or_else(|_| panic!("{case}: no answer"))
            .unwrap();
            assert_eq!(
                r.content[0].as_text(),
                Some("trips=file:///home/me/trips,photos=file:///home/me/photos"),
                "{case}: the mounted tool gets the client's roots: {r:?}"
            );
        }
        let saw = child_saw.0.lock().unwrap().clone();
        assert_eq!(
            saw.contains(&"tools/call advise".to_owned()),
            wrapped,
            "the child's middleware wraps the call: {saw:?}"
        );
    }
}

/// What a hanging mounted handler saw.
#[derive(Default)]
struct Hanging {
    started: tokio::sync::Notify,
    cancelled: tokio::sync::Notify,
    dropped: tokio::sync::Notify,
}

struct OnDrop(Arc<Hanging>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.dropped.notify_one();
    }
}

/// A server whose `hang` tool waits forever, telling `seen` when it starts,
/// when its cancellation token fires and when its future is dropped.
fn hanging(seen: &Arc<Hanging>) -> Server {
    let seen = Arc::clone(seen);
    Server::new("slow", "1.0.0").tool(mcp_serve::tool::Tool::new("hang").raw_handler(move |_, ctx| {
        let seen = Arc::clone(&seen);
        async move {
            let _guard = OnDrop(Arc::clone(&seen));
            let (watcher, flag) = (ctx.clone(), Arc::clone(&seen));
            tokio::spawn(async move {
                watcher.cancelled().await;
                flag.cancelled.notify_one();
            });
            seen.started.notify_one();
            std::future::pending::<()>().await;
            Ok(CallToolResult::text("woke up"))
        }
    }))
}

async fn within(what: &str, fut: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

#[tokio::test]
async fn cancellation_reaches_the_mounted_handler() {
    for (era, wrapped) in [
        (Era::Modern, false),
        (LEGACY, false),
        (Era::Modern, true),
        (LEGACY, true),
    ] {
        let case = format!("{era:?}, child middleware: {wrapped}");
        let seen = Arc::new(Hanging::default());
        let mut slow = hanging(&seen);
        if wrapped {
            slow = slow.middleware(Seen::default());
        }
        let main = Server::new("main", "1.0.0")
            .tool(local)
            .mount("slow", slow)
            .into_handle()
            .unwrap();
        let client = connect(&main, era).await;
        let stop = CancellationToken::new();
        let call = {
            let (client, stop) = (client.clone(), stop.clone());
            tokio::spawn(async move {
                client
                    .call_tool_with("slow_hang", json!({}), RequestOptions::default().cancel(stop))
                    .await
            })
        };
        within(
            &format!("{case}: the mounted handler to start"),
            seen.started.notified(),
        )
        .await;
        stop.cancel();
        let r = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .unwrap_or_else(|_| panic!("{case}: the call ends"))
            .unwrap();
        assert!(matches!(r, Err(ClientError::Cancelled)), "{case}: {r:?}");
        within(
            &format!("{case}: the mounted handler's cancellation token"),
            seen.cancelled.notified(),
        )
        .await;
        within(
            &format!("{case}: the mounted handler to be dropped"),
            seen.dropped.notified(),
        )
        .await;
        // The connection still serves.
        let r = client.call_tool("local", json!({})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("main"), "{case}");
    }
}

/// Today's tide.
#[resource("tide://now")]
fn tide() -> &'static str {
    "high"
}

/// The next tide at a port.
#[resource("tide://{port}/next")]
fn next_tide(port: String) -> String {
    format!("low at {port} by noon")
}

async fn resource_uris(client: &TestClient) -> Vec<String> {
    let r = client.list_resources().await.unwrap().resources;
    r.into_iter().map(|r| r.uri).collect()
}

async fn template_uris(client: &TestClient) -> Vec<String> {
    let t = client.list_resource_templates().await.unwrap().resource_templates;
    t.into_iter().map(|t| t.uri_template).collect()
}

#[tokio::test]
async fn resources_added_to_and_removed_from_the_child_come_and_go() {
    let (weather, main) = weather_mounted();
    for era in ERAS {
        let client = connect(&main, era).await;
        let mut rx = listen(&client, "x://none").await;

        weather.add_resource(tide).unwrap();
        next_notification(&mut rx, "notifications/resources/list_changed").await;
        assert_eq!(
            resource_uris(&client).await,
            ["weather+config://units", "weather+tide://now"],
            "{era:?}"
        );
        let read = client.read_resource("weather+tide://now").await.unwrap();
        assert_eq!(text(&read.contents[0], "/text"), "high", "{era:?}");
        assert_eq!(text(&read.contents[0], "/uri"), "weather+tide://now", "{era:?}");

        weather.add_resource(next_tide).unwrap();
        next_notification(&mut rx, "notifications/resources/list_changed").await;
        assert_eq!(
            template_uris(&client).await,
            ["weather+weather://{city}/today", "weather+tide://{port}/next"],
            "{era:?}"
        );
        let read = client.read_resource("weather+tide://Bergen/next").await.unwrap();
        assert_eq!(
            text(&read.contents[0], "/text"),
            "low at Bergen by noon",
            "{era:?}"
        );

        assert!(weather.remove_resource("tide://now"));
        next_notification(&mut rx, "notifications/resources/list_changed").await;
        assert_eq!(
            resource_uris(&client).await,
            ["weather+config://units"],
            "{era:?}"
        );
        assert!(
            client.read_resource("weather+tide://now").await.is_err(),
            "{era:?}"
        );

        assert!(weather.remove_resource("tide://{port}/next"));
        next_notification(&mut rx, "notifications/resources/list_changed").await;
        assert_eq!(
            template_uris(&client).await,
            ["weather+weather://{city}/today"],
            "{era:?}"
        );
        assert!(
            client.read_resource("weather+tide://Bergen/next").await.is_err(),
            "{era:?}"
        );
    }
}

/// Serves `handle` over HTTP on 127.0.0.1 behind API keys, lists filtered
/// by the caller's scopes: `k-reader` with the scope `read`, `k-admin` with
/// `admin`. Returns the MCP URL, the
/// base URL, and what stops the server when dropped.
async fn behind_api_keys(handle: ServerHandle) -> (String, String, tokio::sync::oneshot::Sender<()>) {
    use mcp_serve::auth::{ApiKeys, Auth, Principal};
    use mcp_serve::transport::http::{HttpOptions, serve_listener};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let url = format!("{base}/mcp");
    let auth = Auth::new(&url).filter_lists(true).verifier(
        ApiKeys::new()
            .key("k-reader", Principal::new("reader").with_scopes(["read"]))
            .key("k-admin", Principal::new("root").with_scopes(["admin"])),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve_listener(&handle, listener, HttpOptions::default().auth(auth), async {
            let _ = stopped.await;
        })
        .await;
    });
    (url, base, stop)
}

#[tokio::test]
async fn a_mounted_tools_scopes_are_enforced_over_http() {
    use super::http::{client as http_client, json_body, modern_request, send};
    let wiped = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&wiped);
    let ops = Server::new("ops", "1.0.0")
        .tool(
            mcp_serve::tool::Tool::new("wipe")
                .scopes(["admin"])
                .raw_handler(move |_, _| {
                    count.fetch_add(1, Ordering::SeqCst);
                    async { Ok(CallToolResult::text("wiped")) }
                }),
        )
        .tool(free());
    let main = Server::new("main", "1.0.0")
        .tool(local)
        .mount("ops", ops)
        .into_handle()
        .unwrap();
    let (url, base, _stop) = behind_api_keys(main).await;

    // Over plain HTTP: the spec's 403 insufficient_scope, naming the scope.
    let wipe = |key: &str| {
        modern_request(
            &http_client(),
            &url,
            1,
            "tools/call",
            json!({"name": "ops_wipe", "arguments": {}}),
        )
        .header("authorization", format!("Bearer {key}"))
    };
    let resp = send(wipe("k-reader")).await;
    assert_eq!(resp.status(), reqwest::StatusCode::FORBIDDEN);
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(
        challenge,
        format!(
            "Bearer error=\"insufficient_scope\", scope=\"admin\", \
             resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\", \
             error_description=\"this operation needs the scope(s): admin\""
        )
    );
    assert_eq!(wiped.load(Ordering::SeqCst), 0, "the mounted handler did not run");
    let resp = send(wipe("k-admin")).await;
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    let v = json_body(resp).await;
    assert_eq!(v["result"]["content"][0]["text"], "wiped", "{v}");
    assert_eq!(wiped.load(Ordering::SeqCst), 1);

    // Through the client, in both eras: lists and calls agree.
    for era in ERAS {
        let as_key = |key: &str| {
            ClientOptions::default()
                .era(era)
                .header("Authorization", format!("Bearer {key}"))
        };
        let reader = Client::connect_http(&url, as_key("k-reader")).await.unwrap();
        assert_eq!(
            tool_names(&reader).await,
            ["local", "ops_free"],
            "{era:?}: the reader is not shown ops_wipe"
        );
        let r = reader.call_tool("ops_free", json!({})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("free"), "{era:?}");
        let before = wiped.load(Ordering::SeqCst);
        let refused = reader.call_tool("ops_wipe", json!({})).await;
        assert!(
            matches!(refused, Err(ClientError::Http { status: 403, .. })),
            "{era:?}: {refused:?}"
        );
        assert_eq!(
            wiped.load(Ordering::SeqCst),
            before,
            "{era:?}: refused before the handler"
        );
        reader.close().await;

        let admin = Client::connect_http(&url, as_key("k-admin")).await.unwrap();
        assert_eq!(
            tool_names(&admin).await,
            ["local", "ops_wipe", "ops_free"],
            "{era:?}"
        );
        let r = admin.call_tool("ops_wipe", json!({})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("wiped"), "{era:?}");
        admin.close().await;
    }
    assert_eq!(wiped.load(Ordering::SeqCst), 3);
}

/// A tool anyone may call.
fn free() -> mcp_serve::tool::Tool {
    mcp_serve::tool::Tool::new("free").raw_handler(|_, _| async { Ok(CallToolResult::text("free")) })
}
