//! OTLP export (feature `otel`): request spans reach a collector, as children
//! of the trace context the client sent in `_meta`.
#![cfg(feature = "otel")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use mcp_serve::client::ClientOptions;
use mcp_serve::prelude::*;
use mcp_serve::testing::TestClient;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt as _;

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

#[tokio::test]
async fn request_spans_are_exported_under_the_callers_trace() {
    // A collector on loopback that keeps what it receives.
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let sink = Arc::clone(&sink);
            async move {
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    sink.lock().unwrap().push(v);
                }
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (otel, guard) = mcp_serve::telemetry::otel::layer_to(
        "otel-test",
        &format!("http://{addr}/v1/traces"),
        mcp_serve::telemetry::otel::OtlpProtocol::Json,
    )
    .unwrap();
    let subscriber = tracing_subscriber::registry().with(otel);
    let _default = tracing::subscriber::set_default(subscriber);

    let server = Server::new("t", "1").tool(add).into_handle().unwrap();
    let client = TestClient::connect(&server, ClientOptions::default())
        .await
        .unwrap();
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent = "00f067aa0ba902b7";
    let r = client
        .request_raw(
            "tools/call",
            Some(json!({
                "name": "add",
                "arguments": {"a": 1, "b": 2},
                "_meta": {"traceparent": format!("00-{trace_id}-{parent}-01")}
            })),
        )
        .await
        .unwrap();
    assert_eq!(r["content"][0]["text"], "3");
    // Dropping the guard flushes the batch on the exporter's own thread.
    tokio::task::spawn_blocking(move || drop(guard)).await.unwrap();

    let mut spans = Vec::new();
    for _ in 0..50 {
        spans = received
            .lock()
            .unwrap()
            .iter()
            .flat_map(|b| b["resourceSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|rs| rs["scopeSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|ss| ss["spans"].as_array().cloned().unwrap_or_default())
            .collect::<Vec<Value>>();
        if !spans.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let span = spans
        .iter()
        .find(|s| s["name"] == "mcp.request")
        .unwrap_or_else(|| panic!("no mcp.request span exported: {spans:?}"));
    assert_eq!(
        span["traceId"].as_str().map(str::to_lowercase).as_deref(),
        Some(trace_id),
        "{span}"
    );
    assert_eq!(
        span["parentSpanId"].as_str().map(str::to_lowercase).as_deref(),
        Some(parent),
        "{span}"
    );
    let attrs = span["attributes"].to_string();
    assert!(
        attrs.contains("tools/call") && attrs.contains("add"),
        "method and tool are attributes: {attrs}"
    );
    let body = received.lock().unwrap()[0].to_string();
    assert!(
        body.contains("otel-test"),
        "the service name is the resource's: {body}"
    );
}
