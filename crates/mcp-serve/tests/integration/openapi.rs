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
