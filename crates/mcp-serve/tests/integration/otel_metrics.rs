//! Timing metrics in the telemetry (feature `otel`): the `Timing` middleware
//! records `mcp.server.operation.duration` as the OpenTelemetry semantic
//! conventions for MCP describe it, read here with the SDK's in-memory
//! exporter, and sent over OTLP by `telemetry::otel::meter_to`.
#![cfg(feature = "otel")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use mcp_serve::client::{ClientOptions, Era};
use mcp_serve::middleware::Timing;
use mcp_serve::prelude::*;
use mcp_serve::protocol::version::ProtocolVersion;
use mcp_serve::telemetry::otel::{OtlpProtocol, meter_to};
use mcp_serve::testing::TestClient;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, HistogramDataPoint, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use serde_json::{Value, json};

/// Takes a quarter of a second.
#[tool]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(250)).await;
    "done"
}

/// Always fails, as a tool error the model reads.
#[tool]
fn broken() -> Result<String, ToolError> {
    Err(ToolError::new("out of order"))
}

/// One data point of the histogram: its attributes, count and sum.
struct Point {
    attrs: Vec<(String, String)>,
    count: u64,
    sum: f64,
    bounds: Vec<f64>,
}

impl Point {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn points(exporter: &InMemoryMetricExporter) -> Vec<Point> {
    let mut out = Vec::new();
    for rm in exporter.get_finished_metrics().unwrap() {
        for sm in rm.scope_metrics() {
            for m in sm.metrics() {
                if m.name() != "mcp.server.operation.duration" {
                    continue;
                }
                assert_eq!(m.unit(), "s");
                let AggregatedMetrics::F64(MetricData::Histogram(h)) = m.data() else {
                    panic!("not an f64 histogram: {:?}", m.data());
                };
                out.extend(h.data_points().map(|p: &HistogramDataPoint<f64>| {
                    Point {
                        attrs: p
                            .attributes()
                            .map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned()))
                            .collect(),
                        count: p.count(),
                        sum: p.sum(),
                        bounds: p.bounds().collect(),
                    }
                }));
            }
        }
    }
    out
}

// On the paused clock the quarter second is exact.
#[tokio::test(start_paused = true)]
async fn request_latencies_become_the_mcp_operation_duration_histogram() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    let timing = Timing::new().with_meter(&provider.meter("test"));
    let handle = Server::new("t", "1")
        .tool(slow)
        .tool(broken)
        .middleware(timing.clone())
        .into_handle()
        .unwrap();
    let legacy = ClientOptions {
        era: Era::Legacy(ProtocolVersion::V2025_11_25),
        ..Default::default()
    };
    let old = TestClient::connect(&handle, legacy).await.unwrap();
    old.call_tool("slow", json!({})).await.unwrap();
    old.call_tool("slow", json!({})).await.unwrap();
    let new = TestClient::connect(&handle, ClientOptions::default())
        .await
        .unwrap();
    new.call_tool("slow", json!({})).await.unwrap();
    new.call_tool("broken", json!({})).await.unwrap();
    new.list_tools().await.unwrap();
    let err = new
        .request_raw("prompts/get", Some(json!({ "name": "nope" })))
        .await
        .unwrap_err();
    assert_eq!(err.rpc().unwrap().code, -32602);
    provider.force_flush().unwrap();

    let points = points(&exporter);
    let find = |method: &str, tool: Option<&str>, version: &str| {
        points
            .iter()
            .find(|p| {
                p.attr("mcp.method.name") == Some(method)
                    && p.attr("gen_ai.tool.name") == tool
                    && p.attr("mcp.protocol.version") == Some(version)
            })
            .unwrap_or_else(|| panic!("no point for {method} {tool:?} {version}"))
    };
    let slow_old = find("tools/call", Some("slow"), "2025-11-25");
    assert_eq!(slow_old.count, 2);
    assert!((slow_old.sum - 0.5).abs() < 1e-3, "{}", slow_old.sum);
    assert_eq!(slow_old.attr("gen_ai.operation.name"), Some("execute_tool"));
    assert_eq!(slow_old.attr("error.type"), None);
    assert_eq!(
        slow_old.bounds,
        [
            0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0
        ]
    );
    let slow_new = find("tools/call", Some("slow"), "2026-07-28");
    assert_eq!(slow_new.count, 1);
    assert!((slow_new.sum - 0.25).abs() < 1e-3, "{}", slow_new.sum);
    assert_eq!(
        find("tools/call", Some("broken"), "2026-07-28").attr("error.type"),
        Some("tool_error")
    );
    let listed = find("tools/list", None, "2026-07-28");
    assert_eq!(listed.attr("gen_ai.operation.name"), None);
    let failed = find("prompts/get", None, "2026-07-28");
    assert_eq!(failed.attr("error.type"), Some("-32602"));
    assert_eq!(failed.attr("rpc.response.status_code"), Some("-32602"));
    // The snapshot is kept alongside.
    assert_eq!(timing.snapshot().tools["slow"].count, 3);
}

#[tokio::test]
async fn the_histogram_is_exported_over_otlp() {
    // A collector on loopback that keeps what it receives.
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/v1/metrics",
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

    let (meter, guard) = meter_to(
        "metrics-test",
        &format!("http://{addr}/v1/metrics"),
        OtlpProtocol::Json,
    )
    .unwrap();
    let handle = Server::new("t", "1")
        .tool(broken)
        .middleware(Timing::new().with_meter(&meter))
        .into_handle()
        .unwrap();
    let client = TestClient::connect(&handle, ClientOptions::default())
        .await
        .unwrap();
    client.call_tool("broken", json!({})).await.unwrap();
    // Dropping the guard exports on the reader's own thread.
    tokio::task::spawn_blocking(move || drop(guard)).await.unwrap();

    let mut body = String::new();
    for _ in 0..50 {
        body = received.lock().unwrap().iter().map(Value::to_string).collect();
        if body.contains("mcp.server.operation.duration") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(body.contains("mcp.server.operation.duration"), "{body}");
    assert!(
        body.contains("gen_ai.tool.name") && body.contains("broken"),
        "{body}"
    );
    assert!(
        body.contains("metrics-test"),
        "the service name is the resource's: {body}"
    );
}
