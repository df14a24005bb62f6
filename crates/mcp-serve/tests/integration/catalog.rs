//! Catalog control (issue 14, item 4), in both eras through `TestClient`:
//! tags and tag rules with their `list_changed` notifications, tool
//! transforms, and the tool search transform.

use std::collections::BTreeSet;
use std::time::Duration;

use mcp_serve::client::{ClientError, Era};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::SubscriptionFilter;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::testing::TestClient;
use mcp_serve::tool::{ArgTransform, CallError, TAGS_META, ToolSearch, ToolTransform};
use serde_json::{Value, json};
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(10);
const ERAS: [Era; 2] = [Era::Modern, Era::Legacy(ProtocolVersion::LATEST_LEGACY)];

// ---------------------------------------------------------------- fixture

/// Add two numbers.
#[tool(tags = ["math"])]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Delete every record in the database.
#[tool(tags = ["admin", "danger"])]
fn wipe() -> &'static str {
    "wiped"
}

/// The audit log.
#[resource("audit://log", tags = ["admin"])]
fn audit_log() -> &'static str {
    "nothing happened"
}

/// A user's profile.
#[resource("users://{id}", tags = ["people"])]
fn profile(id: u64) -> String {
    format!("user {id}")
}

/// Summarise the audit log.
#[prompt(tags = ["admin"])]
fn audit_summary() -> &'static str {
    "Summarise the audit log."
}

/// Say hello.
#[prompt]
fn hello() -> &'static str {
    "Hello!"
}

fn server() -> Server {
    Server::new("catalog", "1.0.0")
        .tool(add)
        .tool(wipe)
        .resource(audit_log)
        .resource(profile)
        .prompt(audit_summary)
        .prompt(hello)
}

async fn client(server: Server, era: Era) -> TestClient {
    TestClient::with_era(server, era).await.unwrap()
}

async fn tool_names(c: &TestClient) -> Vec<String> {
    c.list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect()
}

async fn prompt_names(c: &TestClient) -> Vec<String> {
    c.list_prompts()
        .await
        .unwrap()
        .prompts
        .into_iter()
        .map(|p| p.name)
        .collect()
}

async fn resource_uris(c: &TestClient) -> Vec<String> {
    c.list_resources()
        .await
        .unwrap()
        .resources
        .into_iter()
        .map(|r| r.uri)
        .collect()
}

async fn template_uris(c: &TestClient) -> Vec<String> {
    c.list_resource_templates()
        .await
        .unwrap()
        .resource_templates
        .into_iter()
        .map(|t| t.uri_template)
        .collect()
}

fn rpc(e: ClientError) -> (i64, String) {
    match e {
        ClientError::Rpc(e) => (e.code, e.message),
        other => panic!("not a JSON-RPC error: {other}"),
    }
}

/// The method of the next list change a client hears: the session's
/// notifications (legacy), or a `subscriptions/listen` stream (modern).
enum Changes {
    Legacy(tokio::sync::mpsc::UnboundedReceiver<mcp_serve::protocol::jsonrpc::Notification>),
    Modern(mcp_serve::client::Subscription),
}

impl Changes {
    async fn watch(c: &TestClient) -> Changes {
        match c.era() {
            Era::Modern => {
                let filter = SubscriptionFilter::default()
                    .tools_changes()
                    .resources_changes()
                    .prompts_changes();
                Changes::Modern(timeout(LIMIT, c.listen(filter)).await.unwrap().unwrap())
            }
            _ => Changes::Legacy(c.notifications().expect("notifications taken once")),
        }
    }

    async fn next(&mut self) -> String {
        let n = match self {
            Changes::Legacy(rx) => timeout(LIMIT, rx.recv()).await.expect("a notification in time"),
            Changes::Modern(sub) => timeout(LIMIT, sub.next()).await.expect("a notification in time"),
        };
        n.expect("the stream is open").method
    }

    /// The next `n` list changes, as a set (their order across kinds is not
    /// promised).
    async fn next_set(&mut self, n: usize) -> BTreeSet<String> {
        let mut got = BTreeSet::new();
        for _ in 0..n {
            got.insert(self.next().await);
        }
        got
    }
}

const TOOLS: &str = "notifications/tools/list_changed";
const RESOURCES: &str = "notifications/resources/list_changed";
const PROMPTS: &str = "notifications/prompts/list_changed";

// ---------------------------------------------------------------- tags

#[tokio::test]
async fn tags_are_published_in_meta() {
    for era in ERAS {
        let c = client(server(), era).await;
        let tools = c.list_tools().await.unwrap().tools;
        let wiped = tools.iter().find(|t| t.name == "wipe").unwrap();
        assert_eq!(
            wiped.meta.as_ref().unwrap()[TAGS_META],
            json!(["admin", "danger"])
        );
        let resources = c.list_resources().await.unwrap().resources;
        assert_eq!(resources[0].meta.as_ref().unwrap()[TAGS_META], json!(["admin"]));
        let templates = c.list_resource_templates().await.unwrap().resource_templates;
        assert_eq!(templates[0].meta.as_ref().unwrap()[TAGS_META], json!(["people"]));
        let prompts = c.list_prompts().await.unwrap().prompts;
        assert_eq!(prompts[0].meta.as_ref().unwrap()[TAGS_META], json!(["admin"]));
        // Untagged: no `_meta` made up.
        assert!(prompts[1].meta.is_none(), "{era:?}");
    }
}

#[tokio::test]
async fn disabling_a_tag_hides_every_kind_and_refuses_use_as_unknown() {
    for era in ERAS {
        let c = client(server(), era).await;
        // What an unknown component answers, to compare with.
        let unknown_tool = rpc(c.call_tool("nope", json!({})).await.unwrap_err());
        let unknown_resource = rpc(c.read_resource("audit://nope").await.unwrap_err());
        let unknown_prompt = rpc(c.get_prompt("nope", json!({})).await.unwrap_err());

        assert!(c.server().disable_tag("admin"));
        assert!(!c.server().disable_tag("admin"), "already excluded");
        assert_eq!(tool_names(&c).await, ["add"]);
        assert!(resource_uris(&c).await.is_empty());
        assert_eq!(template_uris(&c).await, ["users://{id}"]);
        assert_eq!(prompt_names(&c).await, ["hello"]);

        let e = rpc(c.call_tool("wipe", json!({})).await.unwrap_err());
        assert_eq!(e.0, unknown_tool.0);
        assert_eq!(e.1, unknown_tool.1.replace("nope", "wipe"));
        let e = rpc(c.read_resource("audit://log").await.unwrap_err());
        assert_eq!(e.0, unknown_resource.0);
        assert_eq!(e.1, unknown_resource.1.replace("audit://nope", "audit://log"));
        let e = rpc(c.get_prompt("audit_summary", json!({})).await.unwrap_err());
        assert_eq!(e.0, unknown_prompt.0);
        assert_eq!(e.1, unknown_prompt.1.replace("nope", "audit_summary"));

        assert!(c.server().enable_tag("admin"));
        assert_eq!(tool_names(&c).await, ["add", "wipe"]);
        let r = c.call_tool("wipe", json!({})).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("wiped"));
        assert_eq!(c.read_resource("audit://log").await.unwrap().contents.len(), 1);
        assert!(c.get_prompt("audit_summary", json!({})).await.is_ok());
    }
}

#[tokio::test]
async fn list_changed_only_for_the_kinds_a_tag_toggle_changed() {
    for era in ERAS {
        let c = client(server(), era).await;
        let mut changes = Changes::watch(&c).await;

        // `danger` tags one tool only.
        assert!(c.server().disable_tag("danger"));
        assert_eq!(changes.next().await, TOOLS, "{era:?}");
        // A tag nothing has changes no list: nothing is sent.
        assert!(c.server().disable_tag("unused"));
        // `people` tags one template only.
        assert!(c.server().disable_tag("people"));
        assert_eq!(
            changes.next().await,
            RESOURCES,
            "{era:?}: nothing for `unused` first"
        );
        // `admin` tags a tool (already hidden by `danger`), a resource and a prompt.
        assert!(c.server().disable_tag("admin"));
        assert_eq!(
            changes.next_set(2).await,
            BTreeSet::from([RESOURCES.into(), PROMPTS.into()])
        );
        // Showing `danger` again shows nothing (`admin` still hides `wipe`).
        assert!(c.server().enable_tag("danger"));
        assert!(c.server().enable_tag("admin"));
        assert_eq!(
            changes.next_set(3).await,
            BTreeSet::from([TOOLS.into(), RESOURCES.into(), PROMPTS.into()]),
            "{era:?}"
        );
        assert_eq!(tool_names(&c).await, ["add", "wipe"]);

        // Disabling by name a tool a tag already hides changes no list.
        assert!(c.server().disable_tag("math"));
        assert_eq!(changes.next().await, TOOLS);
        assert!(c.server().disable_tool("add"));
        assert!(c.server().enable_tag("math"));
        assert!(c.server().disable_prompt("hello"));
        assert_eq!(changes.next().await, PROMPTS, "{era:?}: nothing for `add`");
        assert!(tool_names(&c).await == ["wipe"]);
    }
}

#[tokio::test]
async fn build_time_rules_and_precedence() {
    for era in ERAS {
        // Only `math` and `admin`; `danger` excluded wins over `admin`.
        let s = server().include_tags(["math", "admin"]).exclude_tags(["danger"]);
        let c = client(s, era).await;
        assert_eq!(tool_names(&c).await, ["add"]);
        assert_eq!(resource_uris(&c).await, ["audit://log"]);
        assert!(template_uris(&c).await.is_empty(), "`people` is not included");
        // Untagged components are not in an allowlist either.
        assert_eq!(prompt_names(&c).await, ["audit_summary"]);
        assert_eq!(
            c.server().included_tags(),
            Some(vec!["admin".to_owned(), "math".to_owned()])
        );
        assert_eq!(c.server().excluded_tags(), ["danger"]);

        // Enabling a tag that is not in the allowlist adds it.
        assert!(c.server().enable_tag("people"));
        assert_eq!(template_uris(&c).await, ["users://{id}"]);
        assert_eq!(c.read_resource("users://7").await.unwrap().contents.len(), 1);
        // A name rule and a tag rule both have to allow.
        assert!(c.server().enable_tag("danger"));
        assert_eq!(tool_names(&c).await, ["add", "wipe"]);
        assert!(c.server().disable_tool("wipe"));
        assert_eq!(tool_names(&c).await, ["add"]);
        assert!(c.server().disable_tag("admin"));
        assert!(c.server().enable_tool("wipe"), "the name flag changes");
        assert_eq!(tool_names(&c).await, ["add"], "but `admin` still hides it");
    }
}

#[tokio::test]
async fn tools_added_at_run_time_follow_the_rules() {
    let c = client(server().exclude_tags(["beta"]), Era::Modern).await;
    let late = mcp_serve::tool::Tool::new("late")
        .tag("beta")
        .raw_handler(|_, _| async { Ok(CallToolResult::text("late")) });
    c.server().add_tool(late).unwrap();
    assert_eq!(tool_names(&c).await, ["add", "wipe"]);
    assert!(c.server().enable_tag("beta"));
    assert_eq!(tool_names(&c).await, ["add", "wipe", "late"]);
}

// ---------------------------------------------------------------- transforms

/// A search result.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Hits {
    query: String,
    limit: u32,
    lang: String,
}

/// Search the document index.
#[tool(tags = ["docs"])]
fn search(
    #[arg(desc = "Words to look for.")] q: String,
    limit: u32,
    lang: Option<String>,
) -> Result<Hits, ToolError> {
    Ok(Hits {
        query: q,
        limit,
        lang: lang.unwrap_or_else(|| "any".into()),
    })
}

fn find() -> ToolTransform {
    ToolTransform::new("search")
        .name("find")
        .description("Find documents about a topic.")
        .arg("q", ArgTransform::new().rename("topic").description("The topic."))
        .arg("limit", ArgTransform::fixed(json!(5)))
        .arg("lang", ArgTransform::new().default(json!("en")))
        .hide_source()
}

#[tokio::test]
async fn a_transformed_tool_has_the_new_schema_and_calls_the_source() {
    for era in ERAS {
        let c = client(Server::new("t", "1").tool(search).transform_tool(find()), era).await;
        let tools = c.list_tools().await.unwrap().tools;
        assert_eq!(tools.len(), 1, "the source is hidden");
        let t = &tools[0];
        assert_eq!(t.name, "find");
        assert_eq!(t.description.as_deref(), Some("Find documents about a topic."));
        let props = t.input_schema["properties"].as_object().unwrap();
        assert_eq!(props.keys().collect::<Vec<_>>(), ["lang", "topic"]);
        assert_eq!(props["topic"]["description"], "The topic.");
        assert_eq!(props["lang"]["default"], "en");
        assert_eq!(t.input_schema["required"], json!(["topic"]));
        // The output schema carries over, and the tags.
        assert_eq!(
            t.output_schema.as_ref().unwrap()["properties"]["limit"]["type"],
            "integer"
        );
        assert_eq!(t.meta.as_ref().unwrap()[TAGS_META], json!(["docs"]));

        let r = c.call_tool("find", json!({ "topic": "rust" })).await.unwrap();
        assert_eq!(
            r.structured_content,
            Some(json!({ "query": "rust", "limit": 5, "lang": "en" }))
        );
        // A hidden argument cannot be set, under either name.
        let r = c
            .call_tool(
                "find",
                json!({ "topic": "rust", "limit": 99, "q": "x", "lang": "de" }),
            )
            .await
            .unwrap();
        assert_eq!(
            r.structured_content,
            Some(json!({ "query": "rust", "limit": 5, "lang": "de" }))
        );
        // The new schema is enforced, naming the new argument.
        let r = c.call_tool("find", json!({ "lang": "de" })).await.unwrap();
        assert_eq!(r.is_error, Some(true));
        let text = r.content[0].as_text().unwrap();
        assert!(text.contains("find") && text.contains("topic"), "{text}");
        let r = c.call_tool("find", json!({ "topic": 3 })).await.unwrap();
        assert_eq!(r.is_error, Some(true), "{:?}", r.content);
        // The source is disabled by name: unknown to clients, back on demand.
        assert!(
            c.call_tool("search", json!({ "q": "x", "limit": 1 }))
                .await
                .is_err()
        );
        assert!(c.server().enable_tool("search"));
        assert_eq!(tool_names(&c).await, ["search", "find"]);
    }
}

#[tokio::test]
async fn a_wrapper_post_processes_and_the_source_still_checks_its_arguments() {
    let shout = ToolTransform::new("search")
        .name("shout_search")
        .output_schema(None)
        .wrap(|mut args, forward| async move {
            if args.get("q").and_then(Value::as_str) == Some("forbidden") {
                return Err(CallError::from(ToolError::new("not that")));
            }
            if args.get("q").and_then(Value::as_str) == Some("bad") {
                // The source's schema still applies to what the wrapper sends.
                args.insert("limit".into(), json!("many"));
            }
            let r = forward.call(args).await?;
            let hits = r.structured_content.unwrap_or_default();
            Ok(CallToolResult::text(
                hits["query"].as_str().unwrap_or_default().to_uppercase(),
            ))
        });
    for era in ERAS {
        let c = client(
            Server::new("t", "1").tool(search).transform_tool(shout.clone()),
            era,
        )
        .await;
        let listed = c.list_tools().await.unwrap().tools;
        assert!(listed[1].output_schema.is_none());
        let r = c
            .call_tool("shout_search", json!({ "q": "rust", "limit": 2 }))
            .await
            .unwrap();
        assert_eq!(r.content[0].as_text(), Some("RUST"));
        let r = c
            .call_tool("shout_search", json!({ "q": "forbidden", "limit": 2 }))
            .await
            .unwrap();
        assert_eq!(
            (r.is_error, r.content[0].as_text()),
            (Some(true), Some("not that"))
        );
        let r = c
            .call_tool("shout_search", json!({ "q": "bad", "limit": 2 }))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        assert!(
            r.content[0].as_text().unwrap().contains("limit"),
            "{:?}",
            r.content
        );
    }
}

#[tokio::test]
async fn a_transform_without_a_name_replaces_its_source() {
    let in_place = ToolTransform::new("add").arg("b", ArgTransform::new().default(json!(1)));
    let c = client(
        Server::new("t", "1").tool(add).transform_tool(in_place),
        Era::Modern,
    )
    .await;
    assert_eq!(tool_names(&c).await, ["add"]);
    let r = c.call_tool("add", json!({ "a": 41 })).await.unwrap();
    assert_eq!(r.content[0].as_text(), Some("42"));
}

#[tokio::test]
async fn transform_mistakes_are_refused_when_the_server_is_built() {
    let err = |s: Server| s.into_handle().unwrap_err().to_string();
    let e = err(Server::new("t", "1").transform_tool(find()).tool(search));
    assert!(
        e.contains("no tool of that name") && e.contains("before the transform"),
        "{e}"
    );
    let e = err(Server::new("t", "1")
        .tool(search)
        .transform_tool(ToolTransform::new("search").arg("query", ArgTransform::new())));
    assert!(
        e.contains("no argument `query`") && e.contains("lang, limit, q"),
        "{e}"
    );
    let e = err(Server::new("t", "1")
        .tool(search)
        .transform_tool(ToolTransform::new("search").arg("q", ArgTransform::hidden())));
    assert!(e.contains("ArgTransform::fixed"), "{e}");
    let e = err(Server::new("t", "1")
        .tool(search)
        .tool(add)
        .transform_tool(ToolTransform::new("search").name("add")));
    assert!(e.contains("two tools are registered as `add`"), "{e}");
    let e = err(Server::new("t", "1")
        .tool(search)
        .transform_tool(ToolTransform::new("search").name("bad name")));
    assert!(e.contains("is invalid"), "{e}");
}

#[tokio::test]
async fn a_transform_added_at_run_time_is_announced() {
    for era in ERAS {
        let c = client(Server::new("t", "1").tool(search), era).await;
        let mut changes = Changes::watch(&c).await;
        c.server().transform_tool(find()).unwrap();
        assert_eq!(changes.next().await, TOOLS);
        assert_eq!(tool_names(&c).await, ["find"]);
        assert!(c.server().transform_tool(ToolTransform::new("missing")).is_err());
    }
}

// ---------------------------------------------------------------- tool search

/// Reverse a piece of text.
#[tool]
fn reverse_text(text: String) -> String {
    text.chars().rev().collect()
}

/// Read a file from the workspace.
#[tool]
fn read_file(path: String) -> String {
    format!("contents of {path}")
}

/// Multiply two numbers.
#[tool(tags = ["math"])]
fn multiply(x: f64, y: f64) -> f64 {
    x * y
}

/// Show what this server can do.
#[tool]
fn help() -> &'static str {
    "search, then call"
}

fn big() -> Server {
    Server::new("big", "1.0.0")
        .tool(add)
        .tool(multiply)
        .tool(reverse_text)
        .tool(read_file)
        .tool(help)
        .tool_search(ToolSearch::bm25().always_visible(["help"]).max_results(3))
}

async fn found(c: &TestClient, query: Value) -> Vec<String> {
    let r = c.call_tool("search_tools", query).await.unwrap();
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    r.structured_content.unwrap()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tool_search_lists_two_tools_and_finds_the_rest() {
    for era in ERAS {
        let c = client(big(), era).await;
        assert_eq!(tool_names(&c).await, ["help", "search_tools", "call_tool"]);
        assert_eq!(
            found(&c, json!({ "query": "reverse some text" })).await,
            ["reverse_text"]
        );
        assert_eq!(
            found(&c, json!({ "query": "readFile path" })).await,
            ["read_file"]
        );
        // "multiply" is rarer than "numbers": it ranks first.
        assert_eq!(
            found(&c, json!({ "query": "multiply numbers" })).await,
            ["multiply", "add"]
        );
        assert!(found(&c, json!({ "query": "weather" })).await.is_empty());
        assert_eq!(
            found(&c, json!({ "query": "two numbers", "max_results": 1 }))
                .await
                .len(),
            1
        );

        let r = c
            .call_tool("search_tools", json!({ "query": "reverse" }))
            .await
            .unwrap();
        let hit = &r.structured_content.unwrap()["tools"][0];
        assert_eq!(hit["description"], "Reverse a piece of text.");
        assert_eq!(hit["inputSchema"]["required"], json!(["text"]));

        let r = c
            .call_tool(
                "call_tool",
                json!({ "name": "reverse_text", "arguments": { "text": "abc" } }),
            )
            .await
            .unwrap();
        assert_eq!(r.content[0].as_text(), Some("cba"));
        // Hidden from the list, not disabled: a direct call works.
        let r = c.call_tool("multiply", json!({ "x": 2, "y": 4 })).await.unwrap();
        assert_eq!(r.content[0].as_text(), Some("8"));
    }
}

#[tokio::test]
async fn call_tool_answers_as_a_direct_call_would() {
    for era in ERAS {
        let c = client(big(), era).await;
        // Unknown tool: the same JSON-RPC error.
        let direct = rpc(c.call_tool("nope", json!({})).await.unwrap_err());
        let through = rpc(c
            .call_tool("call_tool", json!({ "name": "nope", "arguments": {} }))
            .await
            .unwrap_err());
        assert_eq!(direct, through);
        // Bad arguments: the same tool error.
        let direct = c.call_tool("add", json!({ "a": "x", "b": 1 })).await.unwrap();
        let through = c
            .call_tool(
                "call_tool",
                json!({ "name": "add", "arguments": { "a": "x", "b": 1 } }),
            )
            .await
            .unwrap();
        assert_eq!(direct.is_error, Some(true));
        assert_eq!(direct.content[0].as_text(), through.content[0].as_text());
        // The search's own tools are not called through it.
        let r = c
            .call_tool("call_tool", json!({ "name": "call_tool", "arguments": {} }))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        // Its own arguments are checked too.
        let r = c
            .call_tool("call_tool", json!({ "arguments": {} }))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
        let long = "word ".repeat(500);
        let r = c
            .call_tool("search_tools", json!({ "query": long }))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "a query over 1000 characters is refused");
        let r = c
            .call_tool("search_tools", json!({ "query": "add", "max_results": 50 }))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "more than max_results is refused");
    }
}

#[tokio::test]
async fn tool_search_skips_what_tags_hide_but_keeps_its_own_tools() {
    for era in ERAS {
        // An allowlist without the search's own tools' (absent) tags still
        // lists them.
        let c = client(big().include_tags(["math"]), era).await;
        assert_eq!(tool_names(&c).await, ["search_tools", "call_tool"]);
        assert_eq!(
            found(&c, json!({ "query": "multiply numbers" })).await,
            ["multiply", "add"]
        );
        assert!(found(&c, json!({ "query": "reverse text" })).await.is_empty());
        assert!(c.server().disable_tag("math"));
        assert!(found(&c, json!({ "query": "multiply numbers" })).await.is_empty());
        let r = c
            .call_tool(
                "call_tool",
                json!({ "name": "multiply", "arguments": { "x": 1, "y": 2 } }),
            )
            .await;
        assert!(r.is_err(), "a hidden tool is unknown through call_tool too");
    }
}

/// A tool that happens to be called `search_tools`.
#[tool]
fn search_tools() -> &'static str {
    ""
}

#[tokio::test]
async fn tool_search_configuration_mistakes_are_refused() {
    let e = Server::new("t", "1")
        .tool(add)
        .tool_search(ToolSearch::bm25().always_visible(["ad"]))
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("`ad`") && e.contains("always_visible"), "{e}");
    let e = Server::new("t", "1")
        .tool(search_tools)
        .tool_search(ToolSearch::bm25())
        .into_handle()
        .unwrap_err()
        .to_string();
    assert!(e.contains("ToolSearch::names"), "{e}");
    let c = client(
        Server::new("t", "1")
            .tool(search_tools)
            .tool_search(ToolSearch::bm25().names("find_tools", "run_tool")),
        Era::Modern,
    )
    .await;
    assert_eq!(tool_names(&c).await, ["find_tools", "run_tool"]);
}
