//! Extensions: declared in capabilities, their methods and notifications
//! served in both eras, the client's declarations read per request,
//! mistakes refused when the server is built.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::middleware::eras;
use mcp_serve::client::{ClientError, ClientOptions, Era};
use mcp_serve::extension::Extension;
use mcp_serve::middleware::{McpRequest, McpResult, Middleware, Next};
use mcp_serve::prelude::*;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};

const ID: &str = "com.example/reverse";

#[derive(serde::Deserialize)]
struct Reverse {
    text: String,
}

fn reverse() -> Extension {
    Extension::new(ID).settings(json!({ "maxLength": 100 })).method(
        "reverse/text",
        |p: Reverse, cx: Context| async move {
            let declared = cx.client_extension(ID).map(|s| Value::Object(s.clone()));
            Ok(json!({
                "text": p.text.chars().rev().collect::<String>(),
                "clientSettings": declared,
            }))
        },
    )
}

fn declaring(era: Era) -> ClientOptions {
    let mut options = ClientOptions {
        era,
        ..Default::default()
    };
    let mut ext = serde_json::Map::new();
    ext.insert(ID.into(), json!({ "style": "unicode" }));
    options.capabilities.extensions = Some(ext);
    options
}

#[tokio::test]
async fn an_extension_is_advertised_and_served_in_both_eras() {
    for era in eras() {
        let handle = Server::new("ext", "1.0.0")
            .extension(reverse())
            .into_handle()
            .unwrap();
        let client = TestClient::connect(&handle, declaring(era)).await.unwrap();
        let caps = client.server_capabilities().unwrap();
        assert_eq!(
            caps.extensions.as_ref().unwrap()[ID],
            json!({ "maxLength": 100 }),
            "{era:?}"
        );
        let r = client
            .request_raw("reverse/text", Some(json!({ "text": "abc" })))
            .await
            .unwrap();
        assert_eq!(r["text"], "cba", "{era:?}");
        // The handler saw what this client declared.
        assert_eq!(r["clientSettings"], json!({ "style": "unicode" }), "{era:?}");
        if matches!(era, Era::Modern) {
            assert_eq!(r["resultType"], "complete");
        }
        let e = client
            .request_raw("reverse/text", Some(json!({ "txt": "abc" })))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ClientError::Rpc(o) if o.code == -32602),
            "{era:?}: {e}"
        );
        assert!(e.to_string().contains("text"), "{e}");
    }
}

#[tokio::test]
async fn a_required_extension_refuses_clients_that_did_not_declare_it() {
    for era in eras() {
        let handle = Server::new("ext", "1.0.0")
            .extension(reverse().require_client_support())
            .into_handle()
            .unwrap();
        let plain = TestClient::connect(
            &handle,
            ClientOptions {
                era,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = plain
            .request_raw("reverse/text", Some(json!({ "text": "abc" })))
            .await
            .unwrap_err();
        let ClientError::Rpc(o) = &e else { panic!("{e}") };
        assert_eq!(
            o.code,
            mcp_serve::protocol::error::code::MISSING_REQUIRED_CLIENT_CAPABILITY,
            "{era:?}"
        );
        assert_eq!(
            o.data.as_ref().unwrap()["requiredCapabilities"]["extensions"][ID],
            json!({})
        );
        let declared = TestClient::connect(&handle, declaring(era)).await.unwrap();
        declared
            .request_raw("reverse/text", Some(json!({ "text": "abc" })))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_tasks_extension_is_advertised_next_to_declared_ones() {
    /// Runs long.
    #[tool(task)]
    async fn long_job() -> String {
        "done".into()
    }
    let server = Server::new("ext", "1.0.0").extension(reverse()).tool(long_job);
    let client = TestClient::modern(server).await.unwrap();
    let ext = client.server_capabilities().unwrap().extensions.unwrap();
    assert!(ext.contains_key(ID));
    assert!(ext.contains_key("io.modelcontextprotocol/tasks"));
}

#[tokio::test]
async fn extension_notifications_reach_their_handler() {
    #[derive(serde::Deserialize)]
    struct Seen {
        id: String,
    }
    for era in eras() {
        let (tx, rx) = tokio::sync::oneshot::channel::<(String, bool)>();
        let tx = Arc::new(Mutex::new(Some(tx)));
        let ext = Extension::new("com.example/receipts").notification(
            "notifications/receipts/seen",
            move |p: Seen, cx: Context| {
                let tx = Arc::clone(&tx);
                async move {
                    if let Some(tx) = tx.lock().unwrap().take() {
                        let _ = tx.send((p.id, cx.request_id().is_none()));
                    }
                }
            },
        );
        let server = Server::new("ext", "1.0.0").extension(ext);
        let client = TestClient::with_era(server, era).await.unwrap();
        client
            .notify("notifications/receipts/seen", Some(json!({ "id": "m-1" })))
            .await
            .unwrap();
        let (id, _version) = tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(id, "m-1", "{era:?}");
    }
}

#[tokio::test]
async fn mistaken_extensions_are_refused_when_the_server_is_built() {
    let cases = [
        (
            Server::new("e", "1").extension(Extension::new("reverse")),
            "{vendor-prefix}/{name}",
        ),
        (
            Server::new("e", "1").extension(Extension::new("com..example/x")),
            "prefix",
        ),
        (
            Server::new("e", "1").extension(Extension::new("com.example/")),
            "name",
        ),
        (
            Server::new("e", "1").extension(
                Extension::new("com.example/x").method("tools/call", |_: Value, _| async { Ok(json!({})) }),
            ),
            "core protocol",
        ),
        (
            Server::new("e", "1").extension(reverse()).extension(reverse()),
            "twice",
        ),
        (
            Server::new("e", "1").extension(reverse()).extension(
                Extension::new("com.example/other")
                    .method("reverse/text", |_: Value, _| async { Ok(json!({})) }),
            ),
            "already added by `com.example/reverse`",
        ),
    ];
    for (server, expected) in cases {
        let e = server.into_handle().unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }
}

/// Counts the methods it sees.
struct Seen(Arc<Mutex<Vec<String>>>);

impl Middleware for Seen {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        self.0.lock().unwrap().push(req.method().to_owned());
        next.run(req).await
    }
}

#[tokio::test]
async fn extension_methods_go_through_middleware_and_http() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handle = Server::new("ext", "1.0.0")
        .middleware(Seen(Arc::clone(&seen)))
        .extension(reverse())
        .into_handle()
        .unwrap();
    let served = super::middleware::Served::start(handle).await;
    let url = served.url.clone();
    for era in eras() {
        let client = mcp_serve::client::Client::connect_http(&url, declaring(era))
            .await
            .unwrap();
        let r = client
            .request_raw("reverse/text", Some(json!({ "text": "xyz" })))
            .await
            .unwrap();
        assert_eq!(r["text"], "zyx", "{era:?}");
        assert_eq!(r["clientSettings"], json!({ "style": "unicode" }), "{era:?}");
    }
    assert_eq!(
        seen.lock()
            .unwrap()
            .iter()
            .filter(|m| *m == "reverse/text")
            .count(),
        2
    );
    served.stop().await;
}
