//! Lists filtered by what the caller may use (`Auth::filter_lists`): two
//! callers with different scopes see different lists in both eras, pages
//! walk the caller's own list, and only a filtered result is
//! `cacheScope: "private"`.

use mcp_serve::auth::{ApiKeys, Auth, Principal};
use mcp_serve::prelude::*;
use mcp_serve::prompt::Prompt;
use mcp_serve::protocol::types::CacheScope;
use mcp_serve::resource::Resource;
use mcp_serve::testing::TestClient;
use mcp_serve::tool::Tool;
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::http::{BOTH, LEGACY, client, initialize_body, json_body, modern_request, send};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct NoArgs {}

fn tool(name: &str, scopes: &[&str]) -> Tool {
    let text = name.to_owned();
    Tool::new(name)
        .scopes(scopes.iter().copied())
        .raw_handler(move |_, _| {
            let text = text.clone();
            async move { Ok(CallToolResult::text(text)) }
        })
}

/// Tools: two for anyone, one needing `files:write`, one `admin`; a
/// resource needing `files`, a template needing `admin`, a prompt needing
/// `prompts`. Public cache hints, so a private result is the filter's doing.
/// Pages of two.
fn server() -> Server {
    Server::new("scoped", "1.0.0")
        .page_size(2)
        .cache_hints(30_000, CacheScope::Public)
        .tool(tool("whoami", &[]))
        .tool(tool("admin_reset", &["admin"]))
        .tool(tool("echo", &[]))
        .tool(tool("files_write", &["files:write"]))
        .resource(Resource::new("config://app").text("{}"))
        .resource(Resource::new("file:///secret").scopes(["files"]).text("s"))
        .resource(Resource::new("users://{id}").scopes(["admin"]).text("u"))
        .prompt(Prompt::new("hello").handler(|_: NoArgs, _ctx: Context| async { "hi" }))
        .prompt(
            Prompt::new("triage")
                .scopes(["prompts"])
                .handler(|_: NoArgs, _ctx: Context| async { "triage" }),
        )
}

fn keys() -> ApiKeys {
    ApiKeys::new()
        .key("k-reader", Principal::new("reader").with_scopes(["read"]))
        // `files` covers `files:write`, as when the call is enforced.
        .key("k-files", Principal::new("filer").with_scopes(["files"]))
        .key(
            "k-admin",
            Principal::new("root").with_scopes(["admin", "files:write", "prompts"]),
        )
}

struct Running {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(server: Server, filter: bool) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let handle = server.into_handle().expect("fixture");
    let auth = Auth::new(&url).verifier(keys()).filter_lists(filter);
    let task = tokio::spawn(async move {
        let _ = serve_listener(
            &handle,
            listener,
            HttpOptions::default().auth(auth),
            std::future::pending(),
        )
        .await;
    });
    Running { url, task }
}

/// The names (or URIs) of every page of a modern list as `key` sees it,
/// and each page's `cacheScope`.
async fn modern_list(url: &str, key: &str, method: &str) -> (Vec<String>, Vec<Value>) {
    let (field, id_field) = fields(method);
    let (mut names, mut scopes) = (Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    for id in 1..20 {
        let params = match &cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        };
        let resp = send(
            modern_request(&client(), url, id, method, params)
                .header("authorization", format!("Bearer {key}")),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{method} as {key}");
        let v = json_body(resp).await;
        let result = &v["result"];
        for item in result[field].as_array().unwrap_or_else(|| panic!("{v}")) {
            names.push(item[id_field].as_str().expect("name").to_owned());
        }
        assert_eq!(result["ttlMs"], 30_000, "{v}");
        scopes.push(result["cacheScope"].clone());
        cursor = result["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return (names, scopes);
        }
    }
    panic!("{method} as {key}: the cursors never end");
}

fn fields(method: &str) -> (&'static str, &'static str) {
    match method {
        "tools/list" => ("tools", "name"),
        "prompts/list" => ("prompts", "name"),
        "resources/list" => ("resources", "uri"),
        "resources/templates/list" => ("resourceTemplates", "uriTemplate"),
        _ => unreachable!("{method}"),
    }
}

#[tokio::test]
async fn modern_callers_see_what_their_scopes_allow() {
    let srv = start(server(), true).await;
    let private = || json!("private");
    // Pages of two over each caller's own list: the reader's two tools fit
    // one page; the admin's four take two.
    let (tools, scopes) = modern_list(&srv.url, "k-reader", "tools/list").await;
    assert_eq!(tools, ["whoami", "echo"]);
    assert_eq!(scopes, [private()]);
    let (tools, scopes) = modern_list(&srv.url, "k-files", "tools/list").await;
    assert_eq!(tools, ["whoami", "echo", "files_write"]);
    assert_eq!(scopes, [private(), private()]);
    let (tools, scopes) = modern_list(&srv.url, "k-admin", "tools/list").await;
    assert_eq!(tools, ["whoami", "admin_reset", "echo", "files_write"]);
    assert_eq!(scopes, [private(), private()], "every page of a filtered list");

    let (resources, _) = modern_list(&srv.url, "k-reader", "resources/list").await;
    assert_eq!(resources, ["config://app"]);
    let (resources, _) = modern_list(&srv.url, "k-files", "resources/list").await;
    assert_eq!(resources, ["config://app", "file:///secret"]);
    let (templates, scopes) = modern_list(&srv.url, "k-reader", "resources/templates/list").await;
    assert!(templates.is_empty(), "{templates:?}");
    assert_eq!(scopes, [private()]);
    let (templates, _) = modern_list(&srv.url, "k-admin", "resources/templates/list").await;
    assert_eq!(templates, ["users://{id}"]);
    let (prompts, _) = modern_list(&srv.url, "k-files", "prompts/list").await;
    assert_eq!(prompts, ["hello"]);
    let (prompts, _) = modern_list(&srv.url, "k-admin", "prompts/list").await;
    assert_eq!(prompts, ["hello", "triage"]);

    // Absent from the list, and still refused when called by name.
    let resp = send(
        modern_request(
            &client(),
            &srv.url,
            1,
            "tools/call",
            json!({"name": "admin_reset", "arguments": {}}),
        )
        .header("authorization", "Bearer k-reader"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_cursor_walks_the_callers_own_list() {
    let srv = start(server(), true).await;
    let page = |key: &str, cursor: Option<&str>| {
        let params = cursor.map_or_else(|| json!({}), |c| json!({ "cursor": c }));
        modern_request(&client(), &srv.url, 1, "tools/list", params)
            .header("authorization", format!("Bearer {key}"))
    };
    let first = json_body(send(page("k-admin", None)).await).await;
    let cursor = first["result"]["nextCursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    // The admin's second page is not the reader's: the reader's list has no
    // second page, so the admin's cursor points past its end.
    let theirs = json_body(send(page("k-reader", Some(&cursor))).await).await;
    assert!(
        theirs["result"]["tools"].as_array().is_some_and(Vec::is_empty),
        "{theirs}"
    );
    assert!(theirs["result"].get("nextCursor").is_none(), "{theirs}");
    let mine = json_body(send(page("k-admin", Some(&cursor))).await).await;
    let names: Vec<&str> = mine["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["echo", "files_write"], "{mine}");
    let bad = json_body(send(page("k-reader", Some("mcp-serve:7"))).await).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
}

#[tokio::test]
async fn unfiltered_lists_keep_the_servers_cache_hints() {
    // Filtering off: everyone sees everything, public as the server says.
    let srv = start(server(), false).await;
    let (tools, scopes) = modern_list(&srv.url, "k-reader", "tools/list").await;
    assert_eq!(tools, ["whoami", "admin_reset", "echo", "files_write"]);
    assert_eq!(scopes, [json!("public"), json!("public")]);
    let (templates, _) = modern_list(&srv.url, "k-reader", "resources/templates/list").await;
    assert_eq!(templates, ["users://{id}"]);
    drop(srv);

    // Filtering on, but nothing in the list needs a scope: the list is the
    // same for every caller, so it stays public.
    let open = Server::new("open", "1.0.0")
        .cache_hints(30_000, CacheScope::Public)
        .tool(tool("whoami", &[]))
        .prompt(
            Prompt::new("triage")
                .scopes(["prompts"])
                .handler(|_: NoArgs, _ctx: Context| async { "triage" }),
        );
    let srv = start(open, true).await;
    let (tools, scopes) = modern_list(&srv.url, "k-reader", "tools/list").await;
    assert_eq!(tools, ["whoami"]);
    assert_eq!(scopes, [json!("public")]);
    let (prompts, scopes) = modern_list(&srv.url, "k-reader", "prompts/list").await;
    assert!(prompts.is_empty(), "{prompts:?}");
    assert_eq!(scopes, [json!("private")]);
}

/// A legacy session opened with `key`; its id.
async fn legacy_session(url: &str, key: &str) -> String {
    let resp = send(
        client()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("authorization", format!("Bearer {key}"))
            .json(&initialize_body(LEGACY)),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let sid = resp
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session id")
        .to_owned();
    let done = send(
        client()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", BOTH)
            .header("authorization", format!("Bearer {key}"))
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", LEGACY)
            .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
    )
    .await;
    assert_eq!(done.status(), StatusCode::ACCEPTED);
    sid
}

/// Every page of a legacy list in a session.
async fn legacy_list(url: &str, key: &str, sid: &str, method: &str) -> Vec<String> {
    let (field, id_field) = fields(method);
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for id in 2..20 {
        let params = cursor
            .as_ref()
            .map_or_else(|| json!({}), |c| json!({ "cursor": c }));
        let resp = send(
            client()
                .post(url)
                .header("content-type", "application/json")
                .header("accept", BOTH)
                .header("authorization", format!("Bearer {key}"))
                .header("mcp-session-id", sid)
                .header("mcp-protocol-version", LEGACY)
                .json(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})),
        )
        .await;
        let v = json_body(resp).await;
        let result = &v["result"];
        assert!(
            result.get("cacheScope").is_none(),
            "no cache hints before 2026-07-28: {v}"
        );
        for item in result[field].as_array().unwrap_or_else(|| panic!("{v}")) {
            names.push(item[id_field].as_str().expect("name").to_owned());
        }
        cursor = result["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return names;
        }
    }
    panic!("{method} as {key}: the cursors never end");
}

#[tokio::test]
async fn legacy_sessions_see_what_their_scopes_allow() {
    let srv = start(server(), true).await;
    let reader = legacy_session(&srv.url, "k-reader").await;
    let admin = legacy_session(&srv.url, "k-admin").await;
    assert_eq!(
        legacy_list(&srv.url, "k-reader", &reader, "tools/list").await,
        ["whoami", "echo"]
    );
    assert_eq!(
        legacy_list(&srv.url, "k-admin", &admin, "tools/list").await,
        ["whoami", "admin_reset", "echo", "files_write"]
    );
    assert_eq!(
        legacy_list(&srv.url, "k-reader", &reader, "resources/list").await,
        ["config://app"]
    );
    assert!(
        legacy_list(&srv.url, "k-reader", &reader, "resources/templates/list")
            .await
            .is_empty()
    );
    assert_eq!(
        legacy_list(&srv.url, "k-reader", &reader, "prompts/list").await,
        ["hello"]
    );
    assert_eq!(
        legacy_list(&srv.url, "k-admin", &admin, "prompts/list").await,
        ["hello", "triage"]
    );
}

#[tokio::test]
async fn without_credentials_nothing_is_filtered() {
    // In memory, as over stdio: no principal, every list whole and as the
    // server's cache hints say.
    let client = TestClient::modern(server()).await.expect("connect");
    let tools: Vec<String> = client
        .list_tools()
        .await
        .expect("tools/list")
        .tools
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(tools, ["whoami", "admin_reset", "echo", "files_write"]);
    let prompts = client.list_prompts().await.expect("prompts/list").prompts;
    assert_eq!(prompts.len(), 2);
}
