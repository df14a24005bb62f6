//! Telemetry: `tracing` events inside handlers reach the client as log
//! notifications, at the level it asked for, in both eras.

use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::telemetry::ClientLogLayer;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt as _;

/// Fetch something, logging through `tracing`.
#[tool]
async fn fetch(url: String) -> String {
    tracing::debug!("cache miss");
    tracing::info!(bytes = 42, "fetched {url}");
    tracing::warn!("slow");
    format!("ok {url}")
}

async fn messages(era: Era, level: Option<&str>) -> Vec<Value> {
    let server = Server::new("t", "1").tool(fetch).into_handle().unwrap();
    let client = TestClient::connect(
        &server,
        ClientOptions {
            era,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut rx = client.notifications().unwrap();
    let mut params = json!({"name": "fetch", "arguments": {"url": "a://b"}});
    if let Some(level) = level {
        if era == Era::Modern {
            params["_meta"] = json!({"io.modelcontextprotocol/logLevel": level});
        } else {
            client
                .request_raw("logging/setLevel", Some(json!({"level": level})))
                .await
                .unwrap();
        }
    }
    let r = client.request_raw("tools/call", Some(params)).await.unwrap();
    assert_eq!(r["content"][0]["text"], "ok a://b");
    tokio::task::yield_now().await;
    let mut out = Vec::new();
    while let Ok(n) = rx.try_recv() {
        if n.method == "notifications/message" {
            out.push(n.params.unwrap());
        }
    }
    out
}

#[tokio::test]
async fn handler_tracing_events_become_log_notifications() {
    // The test runtime is single-threaded, so the default subscriber covers the handler.
    let subscriber = tracing_subscriber::registry().with(ClientLogLayer::new());
    let _guard = tracing::subscriber::set_default(subscriber);
    for era in [Era::Modern, Era::Legacy(ProtocolVersion::V2025_11_25)] {
        let got = messages(era, Some("info")).await;
        assert_eq!(
            got,
            [
                json!({"level": "info", "logger": module_path!(), "data": {"message": "fetched a://b", "bytes": 42}}),
                json!({"level": "warning", "logger": module_path!(), "data": "slow"}),
            ],
            "{era:?}: debug is below the asked level; fields become an object"
        );
        let unasked = messages(era, None).await;
        if era == Era::Modern {
            assert!(unasked.is_empty(), "modern: nothing unless the request asks");
        } else {
            // A legacy session gets every level until it calls logging/setLevel.
            assert_eq!(unasked.len(), 3, "{unasked:?}");
            assert_eq!(unasked[0]["level"], "debug");
        }
        assert_eq!(messages(era, Some("error")).await, Vec::<Value>::new(), "{era:?}");
    }
}
