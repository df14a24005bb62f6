//! OpenAPI → tools (feature `openapi`) on a real-world document: the Swagger
//! Petstore v3 (tests/fixtures/openapi/petstore.yaml, Apache-2.0). Every
//! operation converts, every schema compiles, and calls of each kind run
//! end to end against a local server playing the Petstore's routes.
#![cfg(feature = "openapi")]

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Response, StatusCode};
use mcp_serve::openapi::{OpenApi, ParamLocation, RouteKind, RouteMap};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::ResourceContents;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

const PETSTORE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/openapi/petstore.yaml"
);

/// A request the local Petstore saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: axum::http::HeaderMap,
    body: String,
}

/// Serves the Petstore routes the calls below use, under `/api/v3`, and
/// records every request.
async fn petstore() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |req: Request| {
        let log = Arc::clone(&log);
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
            let body = String::from_utf8_lossy(&body).into_owned();
            let path = parts.uri.path().to_owned();
            log.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                uri: parts.uri.to_string(),
                headers: parts.headers.clone(),
                body: body.clone(),
            });
            let json = |status: StatusCode, v: Value| {
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Body::from(v.to_string()))
                    .unwrap()
            };
            let pet = |id: i64| json!({ "id": id, "name": "Rex", "photoUrls": [], "status": "available" });
            match (parts.method.as_str(), path.as_str()) {
                ("GET", "/api/v3/pet/1") => json(StatusCode::OK, pet(1)),
                ("GET", p) if p.starts_with("/api/v3/pet/") && !p.ends_with("findByStatus") => json(
                    StatusCode::NOT_FOUND,
                    json!({ "code": 404, "message": "Pet not found" }),
                ),
                ("GET", "/api/v3/pet/findByStatus") => json(StatusCode::OK, json!([pet(1), pet(2)])),
                ("POST", "/api/v3/pet") => {
                    let mut sent: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    sent["id"] = json!(10);
                    json(StatusCode::OK, sent)
                }
                ("DELETE", "/api/v3/pet/1") => Response::new(Body::empty()),
                ("GET", "/api/v3/store/inventory") => {
                    if parts.headers.get("api_key").is_some() {
                        json(StatusCode::OK, json!({ "available": 3, "sold": 1 }))
                    } else {
                        json(StatusCode::UNAUTHORIZED, json!({ "message": "no api_key" }))
                    }
                }
                ("GET", "/api/v3/user/login") => Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from("\"logged in user session:42\""))
                    .unwrap(),
                // Redirects: to another origin (the same server as `localhost`), and within this one.
                ("GET", "/api/v3/user/logout") => {
                    let host = parts.headers["host"]
                        .to_str()
                        .unwrap()
                        .replace("127.0.0.1", "localhost");
                    Response::builder()
                        .status(StatusCode::FOUND)
                        .header("location", format!("http://{host}/api/v3/store/inventory"))
                        .body(Body::empty())
                        .unwrap()
                }
                ("GET", "/api/v3/user/ann") => Response::builder()
                    .status(StatusCode::TEMPORARY_REDIRECT)
                    .header("location", "/api/v3/pet/1")
                    .body(Body::empty())
                    .unwrap(),
                _ => json(StatusCode::BAD_REQUEST, json!({ "message": "unexpected call" })),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/api/v3"), seen)
}

#[tokio::test]
async fn every_petstore_operation_converts_and_every_schema_compiles() {
    let api = OpenApi::load(PETSTORE).await.unwrap();
    assert_eq!(api.title(), "Swagger Petstore - OpenAPI 3.0");
    let generated = api.build().unwrap();
    assert!(generated.skipped.is_empty(), "{:?}", generated.skipped);
    // The document has 19 operations: all are tools by default.
    assert_eq!(generated.tools.len(), 19);
    assert!(generated.resources.is_empty());
    let client = TestClient::modern(generated.register(Server::new("petstore", "1")))
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap().tools;
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "addPet",
            "createUser",
            "createUsersWithListInput",
            "deleteOrder",
            "deletePet",
            "deleteUser",
            "findPetsByStatus",
            "findPetsByTags",
            "getInventory",
            "getOrderById",
            "getPetById",
            "getUserByName",
            "loginUser",
            "logoutUser",
            "placeOrder",
            "updatePet",
            "updatePetWithForm",
            "updateUser",
            "uploadFile"
        ]
    );
    let mut outputs = 0;
    for tool in &tools {
        let input = serde_json::to_value(&tool.input_schema).unwrap();
        assert_eq!(input["type"], "object", "{}", tool.name);
        jsonschema::draft202012::new(&input).unwrap_or_else(|e| panic!("{}: {e}\n{input:#}", tool.name));
        if let Some(output) = &tool.output_schema {
            jsonschema::draft202012::new(output).unwrap_or_else(|e| panic!("{}: {e}\n{output:#}", tool.name));
            assert_eq!(output["type"], "object");
            outputs += 1;
        }
        assert!(
            tool.description.as_deref().is_some_and(|d| !d.is_empty()),
            "{}",
            tool.name
        );
    }
    // The 14 operations whose first 2xx answer has a JSON schema have an output schema.
    assert_eq!(outputs, 14);
    let by_name = |n: &str| tools.iter().find(|t| t.name == n).unwrap();
    // A flattened `Pet` body: its required properties are required arguments.
    let add = serde_json::to_value(&by_name("addPet").input_schema).unwrap();
    assert_eq!(add["required"], json!(["name", "photoUrls"]));
    assert_eq!(
        add["properties"]["category"]["properties"]["name"]["type"],
        "string"
    );
    // A path parameter and a header parameter.
    let delete = serde_json::to_value(&by_name("deletePet").input_schema).unwrap();
    assert_eq!(delete["properties"]["petId"]["type"], "integer");
    assert_eq!(delete["properties"]["api_key"]["type"], "string");
    // The octet-stream upload is one `body` argument.
    let upload = serde_json::to_value(&by_name("uploadFile").input_schema).unwrap();
    assert!(upload["properties"]["body"].is_object(), "{upload:#}");
    // An array response is wrapped in an object.
    let find = by_name("findPetsByStatus").output_schema.clone().unwrap();
    assert_eq!(find["properties"]["result"]["type"], "array");
}

#[tokio::test]
async fn petstore_calls_run_end_to_end_against_a_local_server() {
    let (base, seen) = petstore().await;
    // Cargo sets CARGO_PKG_NAME for the tests it runs: a real environment
    // variable for the key, which the test cannot set itself (no `unsafe`).
    let key = std::env::var("CARGO_PKG_NAME").unwrap();
    let generated = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url(&base)
        .api_key_env("CARGO_PKG_NAME")
        .rename("findPetsByStatus", "find_pets")
        .build()
        .unwrap();
    let tools: Vec<String> = generated.tools.iter().map(|t| t.name().to_owned()).collect();
    // The API key comes from the spec's `api_key` header scheme: no longer an argument.
    assert!(tools.contains(&"find_pets".to_owned()));
    let client = TestClient::modern(generated.register(Server::new("petstore", "1")))
        .await
        .unwrap();
    let delete = client
        .list_tools()
        .await
        .unwrap()
        .tools
        .into_iter()
        .find(|t| t.name == "deletePet")
        .unwrap();
    assert!(
        delete
            .input_schema
            .get("properties")
            .and_then(|p| p.get("api_key"))
            .is_none()
    );

    // Path parameter, object output.
    let r = client
        .call_tool("getPetById", json!({ "petId": 1 }))
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    assert_eq!(r.structured_content.as_ref().unwrap()["name"], "Rex");

    // Query parameter, array output wrapped as `result`.
    let r = client
        .call_tool("find_pets", json!({ "status": "available" }))
        .await
        .unwrap();
    assert_eq!(r.structured_content.as_ref().unwrap()["result"][1]["id"], 2);
    assert_eq!(
        serde_json::from_str::<Value>(r.content[0].as_text().unwrap()).unwrap()[0]["id"],
        1
    );

    // A flattened JSON body.
    let r = client
        .call_tool(
            "addPet",
            json!({ "name": "Tom", "photoUrls": ["http://x/1.png"], "category": { "id": 1, "name": "cats" } }),
        )
        .await
        .unwrap();
    assert_eq!(r.structured_content.as_ref().unwrap()["id"], 10);

    // A path parameter and a header.
    let r = client
        .call_tool("deletePet", json!({ "petId": 1 }))
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");

    // The API key from the environment.
    let r = client.call_tool("getInventory", json!({})).await.unwrap();
    assert_eq!(r.structured_content.as_ref().unwrap()["available"], 3);

    // Two query parameters, a string answer.
    let r = client
        .call_tool("loginUser", json!({ "username": "ann", "password": "p w&d" }))
        .await
        .unwrap();
    assert_eq!(
        r.structured_content.as_ref().unwrap()["result"],
        "logged in user session:42"
    );

    // A 404 is a tool error with the status and the body's message.
    let r = client
        .call_tool("getPetById", json!({ "petId": 7 }))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    let text = r.content[0].as_text().unwrap();
    assert!(text.contains("404") && text.contains("Pet not found"), "{text}");

    // A redirect within the API is followed; one to another origin is not,
    // so the API key does not travel there.
    let r = client
        .call_tool("getUserByName", json!({ "username": "ann" }))
        .await
        .unwrap();
    assert_eq!(r.structured_content.as_ref().unwrap()["name"], "Rex", "{r:?}");
    let r = client.call_tool("logoutUser", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(r.content[0].as_text().unwrap().contains("302"), "{r:?}");
    assert!(
        !seen
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.headers["host"].to_str().unwrap().starts_with("localhost")),
        "the cross-origin redirect was followed"
    );

    // Arguments the schema refuses never reach the API.
    let before = seen.lock().unwrap().len();
    let e = client.call_tool("getPetById", json!({ "petId": "seven" })).await;
    assert!(e.as_ref().map_or(true, |r| r.is_error == Some(true)), "{e:?}");
    assert_eq!(seen.lock().unwrap().len(), before);

    let seen = seen.lock().unwrap().clone();
    let find = seen.iter().find(|s| s.uri.contains("findByStatus")).unwrap();
    assert_eq!(find.uri, "/api/v3/pet/findByStatus?status=available");
    let add = seen.iter().find(|s| s.method == "POST").unwrap();
    assert_eq!(add.headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_str::<Value>(&add.body).unwrap(),
        json!({ "name": "Tom", "photoUrls": ["http://x/1.png"], "category": { "id": 1, "name": "cats" } })
    );
    let inventory = seen.iter().find(|s| s.uri.contains("inventory")).unwrap();
    assert_eq!(inventory.headers["api_key"], key.as_str());
    let login = seen.iter().find(|s| s.uri.contains("login")).unwrap();
    assert_eq!(login.uri, "/api/v3/user/login?username=ann&password=p+w%26d");
}

#[tokio::test]
async fn get_routes_become_resources_and_templates_by_route_map() {
    let (base, _seen) = petstore().await;
    let generated = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url(&base)
        .header("api_key", "special-key")
        .route_map(RouteMap::new(RouteKind::Exclude).tags(["user"]))
        .get_as_resources()
        .resource_scheme("petstore")
        .build()
        .unwrap();
    let mut tools: Vec<&str> = generated.tools.iter().map(|t| t.name()).collect();
    tools.sort_unstable();
    // What is not a GET stays a tool; the user routes are gone.
    assert_eq!(
        tools,
        [
            "addPet",
            "deleteOrder",
            "deletePet",
            "placeOrder",
            "updatePet",
            "updatePetWithForm",
            "uploadFile"
        ]
    );
    let mut uris: Vec<&str> = generated.resources.iter().map(|r| r.uri()).collect();
    uris.sort_unstable();
    assert_eq!(
        uris,
        [
            "petstore://pet/findByStatus",
            "petstore://pet/findByTags",
            "petstore://pet/{petId}",
            "petstore://store/inventory",
            "petstore://store/order/{orderId}"
        ]
    );
    let client = TestClient::legacy(generated.register(Server::new("petstore", "1")))
        .await
        .unwrap();
    let templates = client.list_resource_templates().await.unwrap().resource_templates;
    assert_eq!(templates.len(), 2);
    let r = client.read_resource("petstore://pet/1").await.unwrap();
    let ResourceContents::Text(t) = &r.contents[0] else {
        panic!("{r:?}")
    };
    assert_eq!(t.mime_type.as_deref(), Some("application/json"));
    assert_eq!(serde_json::from_str::<Value>(&t.text).unwrap()["name"], "Rex");
    let r = client.read_resource("petstore://pet/findByStatus").await.unwrap();
    let ResourceContents::Text(t) = &r.contents[0] else {
        panic!("{r:?}")
    };
    assert_eq!(serde_json::from_str::<Value>(&t.text).unwrap()[1]["id"], 2);
    let r = client.read_resource("petstore://store/inventory").await.unwrap();
    let ResourceContents::Text(t) = &r.contents[0] else {
        panic!("{r:?}")
    };
    assert!(t.text.contains("available"));
    // A 404 from the API is the protocol's "resource not found".
    let e = client.read_resource("petstore://pet/9").await.unwrap_err();
    assert!(e.to_string().contains("not found"), "{e}");
}

#[tokio::test]
async fn unreachable_apis_and_oversized_answers_are_tool_errors() {
    let (base, _seen) = petstore().await;
    let small = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url(&base)
        .max_response_bytes(20)
        .build()
        .unwrap();
    let client = TestClient::modern(small.register(Server::new("p", "1")))
        .await
        .unwrap();
    let r = client
        .call_tool("getPetById", json!({ "petId": 1 }))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        r.content[0]
            .as_text()
            .unwrap()
            .contains("larger than the 20 bytes"),
        "{r:?}"
    );

    // Nothing listens on a port we just closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url(format!("http://127.0.0.1:{port}/api/v3"))
        .build()
        .unwrap();
    let client = TestClient::modern(down.register(Server::new("p", "1")))
        .await
        .unwrap();
    let r = client.call_tool("getInventory", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        r.content[0].as_text().unwrap().contains("cannot connect"),
        "{r:?}"
    );
}

/// The paused clock jumps to the deadline as soon as everything waits.
#[tokio::test(start_paused = true)]
async fn an_api_that_never_answers_times_out() {
    // A server that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let slow = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url(format!("http://{addr}"))
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let client = TestClient::modern(slow.register(Server::new("p", "1")))
        .await
        .unwrap();
    let r = client.call_tool("getInventory", json!({})).await.unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(
        r.content[0]
            .as_text()
            .unwrap()
            .contains("did not answer within 20s"),
        "{r:?}"
    );
    hold.abort();
}

#[tokio::test]
async fn configuration_mistakes_say_what_to_do() {
    let spec = json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" },
        "servers": [{ "url": "/relative" }], "paths": {} });
    let e = OpenApi::from_value(spec)
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("base URL") && e.contains("--base-url"), "{e}");
    let e = OpenApi::load("/no/such/openapi.yaml")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("/no/such/openapi.yaml"), "{e}");
    let e = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url("http://127.0.0.1:9")
        .api_key_env_at(ParamLocation::Header, "api_key", "MCP_SERVE_TEST_UNSET_VARIABLE")
        .build()
        .unwrap_err()
        .to_string();
    assert!(e.contains("MCP_SERVE_TEST_UNSET_VARIABLE is not set"), "{e}");
}

/// The bearer token's variable: set only for the child process that
/// [`the_bearer_token_from_the_environment_reaches_the_api`] starts.
const BEARER_VAR: &str = "MCP_SERVE_TEST_OPENAPI_BEARER_TOKEN";

#[tokio::test]
async fn the_bearer_token_from_the_environment_reaches_the_api() {
    let Ok(token) = std::env::var(BEARER_VAR) else {
        // A test cannot set a variable for itself (no `unsafe`): it runs
        // again, alone, in a child process of this test binary that has it.
        let name = format!(
            "{}::the_bearer_token_from_the_environment_reaches_the_api",
            module_path!().split_once("::").unwrap().1
        );
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let token = format!("tok-{}-{nanos}", std::process::id());
        let child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([name.as_str(), "--exact", "--test-threads=1", "--nocapture"])
            .env(BEARER_VAR, token)
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(std::time::Duration::from_secs(120), child)
            .await
            .expect("the test's child process finishes within 120 s")
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("test result: ok. 1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    };
    let (base, seen) = petstore().await;
    // The Petstore, with getPetById declaring the header the token fills,
    // as some documents do.
    let petstore = std::fs::read_to_string(PETSTORE).unwrap();
    let at = "      operationId: getPetById\n      parameters:\n";
    assert!(petstore.contains(at));
    let declared = petstore.replace(
        at,
        &format!(
            "{at}        - name: Authorization\n          in: header\n          required: true\n          schema:\n            type: string\n"
        ),
    );
    let generated = OpenApi::parse(&declared)
        .unwrap()
        .base_url(&base)
        .bearer_token_env(BEARER_VAR)
        .build()
        .unwrap();
    let client = TestClient::modern(generated.register(Server::new("petstore", "1")))
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap().tools;
    let get = tools.iter().find(|t| t.name == "getPetById").unwrap();
    assert_eq!(get.input_schema["required"], json!(["petId"]), "{get:?}");
    // Neither the token nor a parameter for it is in any tool's schema.
    for tool in &tools {
        let input = serde_json::to_string(&tool.input_schema).unwrap();
        assert!(!input.contains(&token), "{}: {input}", tool.name);
        let props = tool.input_schema.get("properties").and_then(Value::as_object);
        assert!(
            props.is_none_or(|p| !p.keys().any(|k| k.eq_ignore_ascii_case("authorization"))),
            "{}: {input}",
            tool.name
        );
    }
    let r = client
        .call_tool("getPetById", json!({ "petId": 1 }))
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    let r = client
        .call_tool("findPetsByStatus", json!({ "status": "sold" }))
        .await
        .unwrap();
    assert_eq!(r.is_error, None, "{r:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for s in &seen {
        assert_eq!(
            s.headers["authorization"],
            format!("Bearer {token}").as_str(),
            "{s:?}"
        );
        assert_eq!(s.headers.get_all("authorization").iter().count(), 1);
    }
    println!("the API got Authorization: Bearer {token}");
}

/// Serves `GET /api/v3/pet/{n}`: a Pet of exactly `n` bytes as a chunked
/// body with no Content-Length, in 100-byte chunks; `n` = 0 is a body that
/// goes on (up to 64 MiB).
async fn streaming_petstore() -> String {
    use futures::StreamExt;
    let app = axum::Router::new().fallback(|req: Request| async move {
        let n: usize = req
            .uri()
            .path()
            .rsplit('/')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let chunks: futures::stream::BoxStream<'static, Result<bytes::Bytes, std::io::Error>> = if n == 0 {
            let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
            futures::stream::repeat(chunk).take(1024).map(Ok).boxed()
        } else {
            let shell = r#"{"id":1,"name":"","photoUrls":[]}"#;
            let pet = format!(
                r#"{{"id":1,"name":"{}","photoUrls":[]}}"#,
                "x".repeat(n - shell.len())
            );
            assert_eq!(pet.len(), n);
            let pieces: Vec<_> = pet
                .into_bytes()
                .chunks(100)
                .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
                .collect();
            futures::stream::iter(pieces)
                .then(|c| async move {
                    tokio::task::yield_now().await;
                    c
                })
                .boxed()
        };
        Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(chunks))
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/api/v3")
}

#[tokio::test]
async fn a_streamed_answer_over_the_limit_is_a_tool_error() {
    const LIMIT: usize = 1000;
    let base = streaming_petstore().await;
    // The stand-in's answers really are chunked, with no Content-Length.
    let raw = reqwest::get(format!("{base}/pet/{LIMIT}")).await.unwrap();
    assert_eq!(raw.headers()["transfer-encoding"], "chunked");
    assert!(raw.headers().get("content-length").is_none());
    assert_eq!(raw.bytes().await.unwrap().len(), LIMIT);

    let generated = OpenApi::load(PETSTORE)
        .await
        .unwrap()
        .base_url(&base)
        .max_response_bytes(LIMIT)
        .build()
        .unwrap();
    let client = TestClient::modern(generated.register(Server::new("p", "1")))
        .await
        .unwrap();
    // Up to the limit, the answer is read whole.
    for n in [LIMIT - 1, LIMIT] {
        let r = client
            .call_tool("getPetById", json!({ "petId": n }))
            .await
            .unwrap();
        assert_eq!(r.is_error, None, "{n}: {r:?}");
        let pet = r.structured_content.unwrap();
        assert_eq!(pet["name"].as_str().unwrap().len(), n - 33);
    }
    // One byte more, or a body that does not end: a tool error that says why.
    for n in [LIMIT + 1, 0] {
        let r = client
            .call_tool("getPetById", json!({ "petId": n }))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true), "{n}: {r:?}");
        let text = r.content[0].as_text().unwrap();
        assert!(
            text.contains(&format!("larger than the {LIMIT} bytes")),
            "{n}: {text}"
        );
    }
}

/// A document split over three files, as many APIs publish theirs, served
/// over HTTP with the API itself: the documents' `$ref`s are fetched and
/// resolved relative to the document that holds them, and the tools are
/// built and called from the result.
#[tokio::test]
async fn remote_refs_are_followed_into_tools_and_calls() {
    let main_doc = r#"openapi: 3.1.0
info: {title: Split pets, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - $ref: 'parts/params.yaml#/PetId'
      responses:
        '200':
          description: The pet
          content:
            application/json:
              schema: {$ref: 'parts/schemas/pet.json#/Pet'}
  /pets:
    post:
      operationId: addPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: 'parts/schemas/pet.json#/Pet'}
      responses:
        '201': {description: Added}
"#;
    let params = "PetId:\n  name: id\n  in: path\n  required: true\n  schema: {$ref: 'common.yaml#/Id'}\n";
    let pet = r#"{"Pet": {"type": "object", "required": ["name"],
        "properties": {"id": {"$ref": "../common.yaml#/Id"}, "name": {"type": "string"}}}}"#;
    let common = "Id:\n  type: integer\n  minimum: 1\n";
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |req: Request| {
        let log = Arc::clone(&log);
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
            let path = parts.uri.path().to_owned();
            log.lock().unwrap().push(format!(
                "{} {path} {}",
                parts.method,
                String::from_utf8_lossy(&body)
            ));
            let (status, text) = match (parts.method.as_str(), path.as_str()) {
                ("GET", "/docs/openapi.yaml") => (StatusCode::OK, main_doc.to_owned()),
                ("GET", "/docs/parts/params.yaml") => (StatusCode::OK, params.to_owned()),
                ("GET", "/docs/parts/schemas/pet.json") => (StatusCode::OK, pet.to_owned()),
                ("GET", "/docs/parts/common.yaml") => (StatusCode::OK, common.to_owned()),
                ("GET", "/api/pets/7") => (StatusCode::OK, r#"{"id": 7, "name": "Rex"}"#.to_owned()),
                ("POST", "/api/pets") => (StatusCode::CREATED, r#"{"id": 8, "name": "Tom"}"#.to_owned()),
                _ => (
                    StatusCode::NOT_FOUND,
                    r#"{"message": "no such route"}"#.to_owned(),
                ),
            };
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(text))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let generated = OpenApi::load(&format!("http://{addr}/docs/openapi.yaml"))
        .await
        .unwrap()
        .base_url(format!("http://{addr}/api"))
        .build()
        .unwrap();
    assert!(generated.skipped.is_empty(), "{:?}", generated.skipped);
    let fetched: Vec<String> = seen.lock().unwrap().drain(..).collect();
    for part in ["parts/params.yaml", "parts/schemas/pet.json", "parts/common.yaml"] {
        assert!(
            fetched
                .iter()
                .any(|s| s.starts_with(&format!("GET /docs/{part}"))),
            "{part} was fetched: {fetched:?}"
        );
    }
    let client = TestClient::modern(generated.register(Server::new("pets", "1")))
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap().tools;
    let get = tools.iter().find(|t| t.name == "getPet").unwrap();
    let schema = serde_json::to_value(&get.input_schema).unwrap();
    assert_eq!(schema["properties"]["id"]["type"], "integer", "{schema}");
    assert_eq!(schema["properties"]["id"]["minimum"], 1, "{schema}");
    let output = serde_json::to_value(&get.output_schema).unwrap();
    assert_eq!(output["properties"]["name"]["type"], "string", "{output}");
    let add = tools.iter().find(|t| t.name == "addPet").unwrap();
    let body = serde_json::to_value(&add.input_schema).unwrap().to_string();
    assert!(body.contains(r#""name":{"type":"string"}"#), "{body}");

    let r = client.call_tool("getPet", json!({"id": 7})).await.unwrap();
    assert_ne!(r.is_error, Some(true), "{r:?}");
    assert_eq!(r.structured_content.as_ref().unwrap()["name"], "Rex", "{r:?}");
    let e = client.call_tool("getPet", json!({"id": 0})).await;
    let refused = match e {
        Ok(r) => r.is_error == Some(true),
        Err(_) => true,
    };
    assert!(refused, "id 0 is below the remote schema's minimum");
    let r = client.call_tool("addPet", json!({"name": "Tom"})).await.unwrap();
    assert_ne!(r.is_error, Some(true), "{r:?}");
    let calls: Vec<String> = seen.lock().unwrap().clone();
    assert_eq!(
        calls,
        ["GET /api/pets/7 ", r#"POST /api/pets {"name":"Tom"}"#],
        "{calls:?}"
    );
}
