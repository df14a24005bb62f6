//! OpenAPI → tools on a large real-world document: GitHub's REST API
//! description, `generated/api.github.com.json` of the npm package
//! `@octokit/openapi` 23.0.2 (MIT; OpenAPI 3.0.3, about 13 MB, 1,200
//! operations). It is too large to commit: scripts/openapi-test.sh installs
//! it from tests/openapi-large/package-lock.json and runs these tests with
//! `--ignored`, the document's path in `MCP_SERVE_GITHUB_OPENAPI` and a
//! token in `MCP_SERVE_GITHUB_TOKEN`. Without them they fail, so a plain
//! `cargo test` lists them as ignored instead of passing them.
//!
//! Every operation converts (counted from the document here, independently
//! of the converter), every input and output schema compiles as JSON Schema
//! 2020-12, and calls of each kind run against a local stand-in for the API
//! that records what it got.
#![cfg(feature = "openapi")]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Response, StatusCode};
use mcp_serve::openapi::OpenApi;
use mcp_serve::prelude::*;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

const DOCUMENT_VAR: &str = "MCP_SERVE_GITHUB_OPENAPI";
const TOKEN_VAR: &str = "MCP_SERVE_GITHUB_TOKEN";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn document_path() -> String {
    std::env::var(DOCUMENT_VAR).unwrap_or_else(|_| {
        panic!("{DOCUMENT_VAR} must name @octokit/openapi's api.github.com.json: run scripts/openapi-test.sh")
    })
}

fn read_document() -> Value {
    let path = document_path();
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The document's operations as (`operationId`, `METHOD /path`), read
/// straight from its `paths` (GitHub's path items hold no `$ref`s).
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(item.get("$ref").is_none(), "{path}");
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let id = op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path}"));
                ops.push((id.to_owned(), format!("{} {path}", method.to_uppercase())));
            }
        }
    }
    ops
}

#[tokio::test]
#[ignore = "needs GitHub's OpenAPI document: scripts/openapi-test.sh runs it"]
async fn every_github_operation_converts_and_every_schema_compiles() {
    let doc = read_document();
    assert_eq!(doc["openapi"], "3.0.3");
    let ops = operations(&doc);
    // @octokit/openapi 23.0.2 has 1,223 operations (update with the pin):
    // another count means the reading above missed some.
    assert_eq!(ops.len(), 1223);
    // The tool names: the operationIds with `/` (not allowed in a tool
    // name) as `_`; none collides.
    let expected: BTreeSet<String> = ops.iter().map(|(id, _)| id.replace('/', "_")).collect();
    assert_eq!(expected.len(), ops.len());

    let started = Instant::now();
    let api = OpenApi::load(&document_path()).await.unwrap();
    let loaded = started.elapsed();
    assert_eq!(api.version(), "23.0.2");
    let generated = api.build().unwrap();
    let built = started.elapsed() - loaded;
    let skipped: Vec<String> = generated.skipped.iter().map(ToString::to_string).collect();
    assert!(
        skipped.is_empty(),
        "{} left out:\n{}",
        skipped.len(),
        skipped.join("\n")
    );
    assert!(generated.resources.is_empty());
    assert_eq!(generated.tools.len(), ops.len());
    let names: BTreeSet<String> = generated.tools.iter().map(|t| t.name().to_owned()).collect();
    assert_eq!(names, expected);

    let client = TestClient::modern(generated.register(Server::new("github", "1")))
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap().tools;
    assert_eq!(tools.len(), ops.len());
    let listed = started.elapsed() - loaded - built;
    let listed_bytes = serde_json::to_vec(&tools).unwrap().len();
    let compiling = Instant::now();
    let mut outputs = 0;
    let mut bad = Vec::new();
    for tool in &tools {
        let input = serde_json::to_value(&tool.input_schema).unwrap();
        assert_eq!(input["type"], "object", "{}", tool.name);
        if let Err(e) = jsonschema::draft202012::new(&input) {
            bad.push(format!("{} input: {e}", tool.name));
        }
        if let Some(output) = &tool.output_schema {
            assert_eq!(output["type"], "object", "{}", tool.name);
            if let Err(e) = jsonschema::draft202012::new(output) {
                bad.push(format!("{} output: {e}", tool.name));
            }
            outputs += 1;
        }
        assert!(
            tool.description.as_deref().is_some_and(|d| !d.is_empty()),
            "{}",
            tool.name
        );
    }
    assert!(
        bad.is_empty(),
        "{} schemas do not compile:\n{}",
        bad.len(),
        bad.join("\n")
    );
    let compiled = compiling.elapsed();

    // Every operation whose first 2xx answer has a JSON schema has an output
    // schema; counted from the document.
    let with_output = ops
        .iter()
        .filter(|(_, route)| {
            let (method, path) = route.split_once(' ').unwrap();
            let responses = doc["paths"][path][method.to_lowercase()]["responses"]
                .as_object()
                .unwrap();
            let first_2xx = responses.iter().find(|(code, _)| code.starts_with('2'));
            first_2xx.is_some_and(|(_, r)| {
                let r = resolve(&doc, r);
                r["content"].as_object().is_some_and(|c| {
                    c.iter()
                        .any(|(media, m)| media.contains("json") && m.get("schema").is_some())
                })
            })
        })
        .count();
    assert_eq!(outputs, with_output);
    println!(
        "github: {} operations, {} tools ({outputs} with an output schema); load {loaded:.2?}, build {built:.2?}, tools/list {listed:.2?} ({:.1} MB), schemas compiled in {compiled:.2?}",
        ops.len(),
        tools.len(),
        listed_bytes as f64 / 1e6,
    );
}

/// A local `$ref` (`#/components/...`) resolved, once.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => v,
    }
}

/// A request the stand-in saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

/// A stand-in for api.github.com on 127.0.0.1 that answers the document's
/// own examples and records every request.
async fn stand_in(doc: &Value) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let example = |name: &str| doc["components"]["examples"][name]["value"].clone();
    let mut repo = example("full-repository-default-response");
    // GitHub's example leaves out `language`, which its schema requires
    // (nullable): a real answer has it.
    for at in ["", "/source"] {
        let r = repo.pointer_mut(at).unwrap();
        assert!(r.get("language").is_none(), "the example changed: {r:#}");
        r["language"] = Value::Null;
    }
    let issue = example("issue");
    let issues = example("issue-items");
    assert!(repo.is_object() && issue.is_object() && issues.is_array());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |req: Request| {
        let log = Arc::clone(&log);
        let (repo, issue, issues) = (repo.clone(), issue.clone(), issues.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
            let body = String::from_utf8_lossy(&body).into_owned();
            let path = parts.uri.path().to_owned();
            log.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                path: path.clone(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts.headers.clone(),
                body: body.clone(),
            });
            let answer = |status: StatusCode, content_type: &str, body: String| {
                Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(Body::from(body))
                    .unwrap()
            };
            let json = |status: StatusCode, v: &Value| answer(status, "application/json; charset=utf-8", v.to_string());
            match (parts.method.as_str(), path.as_str()) {
                ("GET", "/repos/octocat/Hello-World") => json(StatusCode::OK, &repo),
                ("GET", "/repos/octocat/Hello-World/issues") => json(StatusCode::OK, &issues),
                ("POST", "/repos/octocat/Hello-World/issues") => json(StatusCode::CREATED, &issue),
                ("POST", "/markdown/raw") => answer(
                    StatusCode::OK,
                    "text/html;charset=utf-8",
                    format!("<p>{}</p>", body.trim()),
                ),
                ("DELETE", "/repos/octocat/Hello-World/issues/comments/7") => {
                    Response::builder().status(StatusCode::NO_CONTENT).body(Body::empty()).unwrap()
                }
                _ => json(
                    StatusCode::NOT_FOUND,
                    &json!({ "message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404" }),
                ),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
#[ignore = "needs GitHub's OpenAPI document: scripts/openapi-test.sh runs it"]
async fn github_calls_run_end_to_end_against_a_local_stand_in() {
    let doc = read_document();
    let token = std::env::var(TOKEN_VAR)
        .unwrap_or_else(|_| panic!("{TOKEN_VAR} must hold a token: run scripts/openapi-test.sh"));
    let (base, seen) = stand_in(&doc).await;
    let generated = OpenApi::from_value(doc.clone())
        .unwrap()
        .base_url(&base)
        .bearer_token_env(TOKEN_VAR)
        .header("X-GitHub-Api-Version", "2022-11-28")
        .build()
        .unwrap();
    let client = TestClient::modern(generated.register(Server::new("github", "1")))
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap().tools;
    let by_name = |n: &str| {
        tools
            .iter()
            .find(|t| t.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };

    // Path parameters; the answer is the document's example, and it is the
    // structured content, valid against the output schema.
    let r = client
        .call_tool("repos_get", json!({ "owner": "octocat", "repo": "Hello-World" }))
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    let repo = r.structured_content.clone().unwrap();
    assert_eq!(repo["full_name"], "octocat/Hello-World");
    let output = by_name("repos_get").output_schema.clone().unwrap();
    let validator = jsonschema::draft202012::new(&output).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&repo)
        .map(|e| e.to_string())
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Query parameters (an enum, an integer, a comma-separated list), an
    // array answer wrapped as `result`.
    let list = serde_json::to_value(&by_name("issues_list-for-repo").input_schema).unwrap();
    assert_eq!(
        list["properties"]["state"]["enum"],
        json!(["open", "closed", "all"])
    );
    assert_eq!(list["required"], json!(["owner", "repo"]));
    let r = client
        .call_tool(
            "issues_list-for-repo",
            json!({ "owner": "octocat", "repo": "Hello-World", "state": "closed", "labels": "bug,ui", "per_page": 2 }),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    assert_eq!(
        r.structured_content.as_ref().unwrap()["result"][0]["title"],
        "Found a bug"
    );

    // A flattened JSON body.
    let create = serde_json::to_value(&by_name("issues_create").input_schema).unwrap();
    assert!(
        create["required"].as_array().unwrap().contains(&json!("title")),
        "{create:#}"
    );
    let r = client
        .call_tool(
            "issues_create",
            json!({ "owner": "octocat", "repo": "Hello-World", "title": "Found a bug",
                    "body": "I'm having a problem with this.", "labels": ["bug"], "assignees": ["octocat"] }),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    assert_eq!(r.structured_content.as_ref().unwrap()["number"], 1347);

    // A text/plain body: one `body` argument, sent as it is; a text/html answer.
    let r = client
        .call_tool("markdown_render-raw", json!({ "body": "Hello **world**" }))
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    assert_eq!(r.content[0].as_text(), Some("<p>Hello **world**</p>"));

    // A 204 with no body.
    let r = client
        .call_tool(
            "issues_delete-comment",
            json!({ "owner": "octocat", "repo": "Hello-World", "comment_id": 7 }),
        )
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");

    // GitHub's 404 is a tool error with the status and the message.
    let r = client
        .call_tool("repos_get", json!({ "owner": "octocat", "repo": "nope" }))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let text = r.content[0].as_text().unwrap();
    assert!(text.contains("404") && text.contains("Not Found"), "{text}");

    // Arguments the schema refuses (a `state` outside its enum) never reach the API.
    let before = seen.lock().unwrap().len();
    let e = client
        .call_tool(
            "issues_list-for-repo",
            json!({ "owner": "octocat", "repo": "Hello-World", "state": "sideways" }),
        )
        .await;
    assert!(e.as_ref().map_or(true, |r| r.is_error == Some(true)), "{e:?}");
    assert_eq!(seen.lock().unwrap().len(), before);

    let seen = seen.lock().unwrap().clone();
    let routes: Vec<(&str, &str, Option<&str>)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str(), s.query.as_deref()))
        .collect();
    assert_eq!(
        routes,
        [
            ("GET", "/repos/octocat/Hello-World", None),
            (
                "GET",
                "/repos/octocat/Hello-World/issues",
                Some("state=closed&labels=bug%2Cui&per_page=2")
            ),
            ("POST", "/repos/octocat/Hello-World/issues", None),
            ("POST", "/markdown/raw", None),
            ("DELETE", "/repos/octocat/Hello-World/issues/comments/7", None),
            ("GET", "/repos/octocat/nope", None),
        ]
    );
    // Every request carries the token from the environment and the fixed header.
    for s in &seen {
        assert_eq!(
            s.headers["authorization"],
            format!("Bearer {token}").as_str(),
            "{s:?}"
        );
        assert_eq!(s.headers["x-github-api-version"], "2022-11-28", "{s:?}");
    }
    let create = &seen[2];
    assert_eq!(create.headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_str::<Value>(&create.body).unwrap(),
        json!({ "title": "Found a bug", "body": "I'm having a problem with this.", "labels": ["bug"], "assignees": ["octocat"] })
    );
    let raw = &seen[3];
    assert_eq!(raw.headers["content-type"], "text/plain");
    assert_eq!(raw.body, "Hello **world**");
    assert!(seen[0].body.is_empty() && seen[1].body.is_empty());
}
