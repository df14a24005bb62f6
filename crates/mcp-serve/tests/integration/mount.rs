//! Mounting: another server's tools, resources, templates and prompts served
//! under a prefix, live, with the caller's request (progress, logs, input
//! requests) reaching the mounted handlers in both eras.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::client::{ClientOptions, Era, Subscription};
use mcp_serve::context::Elicitation;
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::protocol::jsonrpc::ErrorObject;
use mcp_serve::protocol::types::{ClientCapabilities, LoggingLevel, SubscriptionFilter};
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::server::ServerHandle;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

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

async fn tool_names(client: &TestClient) -> Vec<String> {
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

#[tokio::test]
async fn the_mount_is_live() {
    let weather = weather().into_handle().unwrap();
    let main = Server::new("main", "1.0.0")
        .mount("weather", &weather)
        .into_handle()
        .unwrap();
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
    let weather = weather().into_handle().unwrap();
    let main = Server::new("main", "1.0.0")
        .mount("weather", &weather)
        .into_handle()
        .unwrap();
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
    let weather = weather().into_handle().unwrap();
    let main = Server::new("main", "1.0.0")
        .mount("weather", &weather)
        .into_handle()
        .unwrap();
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
