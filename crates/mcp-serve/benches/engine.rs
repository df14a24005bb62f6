//! Engine micro-benchmarks: parse → dispatch → serialize, without a transport.
//!
//! Each iteration hands one request frame to `Connection::handle` and awaits
//! `Reply::resolve`, so what is measured is the JSON-RPC parse, era selection,
//! method dispatch, argument validation, the handler and the serialization of
//! the response. The tools are `inline`, as quick tools should be, so the
//! numbers are the engine's; `*/add_blocking_pool` measures the same tool
//! run the default way for a plain `fn`, on tokio's blocking pool.
//!
//! ```text
//! cargo bench -p mcp-serve --bench engine
//! ```

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use mcp_serve::engine::Connection;
use mcp_serve::prelude::*;
use mcp_serve::tool::Tool;
use serde_json::{Value, json};

const MODERN: &str = "2026-07-28";
const LEGACY: &str = "2025-11-25";

/// Echo the text back.
#[tool(inline)]
fn echo(text: String) -> String {
    text
}

/// Add two numbers.
#[tool(inline)]
fn add(a: f64, b: f64) -> String {
    (a + b).to_string()
}

/// Add two numbers, on the blocking pool.
#[tool]
fn add_pooled(a: f64, b: f64) -> String {
    (a + b).to_string()
}

fn bench_server() -> Server {
    Server::new("bench", "0.0.0")
        .tool(echo)
        .tool(add)
        .tool(add_pooled)
}

/// The modern `_meta` the bench load generator sends with every request.
fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": { "name": "mcp-bench", "version": "0.1.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn frame(id: u64, method: &str, mut params: Value, modern: bool) -> Vec<u8> {
    if modern {
        params
            .as_object_mut()
            .expect("params is an object")
            .insert("_meta".into(), modern_meta());
    }
    serde_json::to_vec(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
        .expect("serializable")
}

fn echo_frame(modern: bool) -> Vec<u8> {
    frame(
        7,
        "tools/call",
        json!({ "name": "echo", "arguments": { "text": "bench-0-7" } }),
        modern,
    )
}

fn add_frame(modern: bool) -> Vec<u8> {
    frame(
        7,
        "tools/call",
        json!({ "name": "add", "arguments": { "a": 7.0, "b": 0.5 } }),
        modern,
    )
}

fn add_pooled_frame(modern: bool) -> Vec<u8> {
    frame(
        7,
        "tools/call",
        json!({ "name": "add_pooled", "arguments": { "a": 7.0, "b": 0.5 } }),
        modern,
    )
}

async fn roundtrip(conn: &Connection, bytes: &[u8]) -> Vec<u8> {
    conn.handle(bytes, None)
        .resolve()
        .await
        .expect("a request is answered")
}

/// `initialize` + `notifications/initialized` at the legacy revision.
async fn legacy_connection(server: Server) -> (ServerHandle, Connection) {
    let handle = server.into_handle().expect("registers");
    let conn = handle.connect(None);
    let init = frame(
        0,
        "initialize",
        json!({
            "protocolVersion": LEGACY,
            "capabilities": {},
            "clientInfo": { "name": "mcp-bench", "version": "0.1.0" },
        }),
        false,
    );
    let r: Value = serde_json::from_slice(&roundtrip(&conn, &init).await).expect("json");
    assert!(r.get("result").is_some(), "initialize failed: {r}");
    let n = serde_json::to_vec(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })).unwrap();
    assert!(conn.handle(&n, None).resolve().await.is_none());
    (handle, conn)
}

/// Checks the answer once, so a fast wrong answer cannot pass as a result.
fn check(bytes: &[u8], want_text: &str) {
    let v: Value = serde_json::from_slice(bytes).expect("the engine emitted invalid JSON");
    let text = v["result"]["content"][0]["text"].as_str();
    assert_eq!(text, Some(want_text), "unexpected answer: {v}");
    assert_ne!(v["result"]["isError"], json!(true), "tool error: {v}");
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn tools_call(c: &mut Criterion) {
    let rt = rt();
    let modern_handle = bench_server().into_handle().expect("registers");
    let modern_conn = modern_handle.connect(None);
    let (_legacy_handle, legacy_conn) = rt.block_on(legacy_connection(bench_server()));

    let cases = [
        ("modern/echo", &modern_conn, echo_frame(true), "bench-0-7"),
        ("modern/add", &modern_conn, add_frame(true), "7.5"),
        ("legacy/echo", &legacy_conn, echo_frame(false), "bench-0-7"),
        ("legacy/add", &legacy_conn, add_frame(false), "7.5"),
        (
            "modern/add_blocking_pool",
            &modern_conn,
            add_pooled_frame(true),
            "7.5",
        ),
        (
            "legacy/add_blocking_pool",
            &legacy_conn,
            add_pooled_frame(false),
            "7.5",
        ),
    ];
    let mut g = c.benchmark_group("tools_call");
    g.throughput(Throughput::Elements(1));
    for (name, conn, bytes, want) in &cases {
        check(&rt.block_on(roundtrip(conn, bytes)), want);
        g.bench_function(*name, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(roundtrip(conn, black_box(bytes)).await) });
        });
    }
    g.finish();

    // Parse only (the JSON-RPC envelope), for scale.
    let mut g = c.benchmark_group("parse");
    let bytes = echo_frame(true);
    g.bench_function("modern/echo", |b| {
        b.iter(|| black_box(mcp_serve::protocol::jsonrpc::parse(black_box(&bytes)).is_ok()));
    });
    g.finish();
}

fn many_tools(n: usize) -> Server {
    let mut server = bench_server();
    for i in 0..n - 2 {
        server = server.tool(
            Tool::new(format!("tool_{i:04}"))
                .description(format!(
                    "Generated tool number {i}, for the tools/list benchmark."
                ))
                .raw_handler(|_args, _ctx| async { Ok(CallToolResult::text("ok")) }),
        );
    }
    server
}

fn tools_list(c: &mut Criterion) {
    let rt = rt();
    let handle = many_tools(1000).into_handle().expect("registers");
    let conn = handle.connect(None);
    let (_legacy_handle, legacy_conn) = rt.block_on(legacy_connection(many_tools(1000)));
    let mut g = c.benchmark_group("tools_list_1000");
    g.throughput(Throughput::Elements(1));
    for (name, conn, bytes) in [
        ("modern", &conn, frame(3, "tools/list", json!({}), true)),
        ("legacy", &legacy_conn, frame(3, "tools/list", json!({}), false)),
    ] {
        let out = rt.block_on(roundtrip(conn, &bytes));
        let v: Value = serde_json::from_slice(&out).expect("json");
        let n = v["result"]["tools"].as_array().map_or(0, Vec::len);
        assert_eq!(n, 1000, "expected 1,000 tools in one page");
        g.bench_function(name, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(roundtrip(conn, black_box(&bytes)).await.len()) });
        });
    }
    g.finish();
}

criterion_group!(benches, tools_call, tools_list);

/// `MCP_BENCH_ITERS=N MCP_BENCH_CASE=modern/echo|modern/add|legacy/echo|list/modern|list/legacy`
/// runs that case N times and exits, for instruction counts under
/// `valgrind --tool=cachegrind` (this VM has no hardware counters): the
/// difference between two runs with different N, divided by the difference
/// in N, is the cost of one request.
fn fixed_iterations() -> bool {
    let (Ok(n), Ok(case)) = (std::env::var("MCP_BENCH_ITERS"), std::env::var("MCP_BENCH_CASE")) else {
        return false;
    };
    let n: usize = n.parse().expect("MCP_BENCH_ITERS is a number");
    let rt = rt();
    let (server, modern, bytes) = match case.as_str() {
        "modern/echo" => (bench_server(), true, echo_frame(true)),
        "modern/add" => (bench_server(), true, add_frame(true)),
        "legacy/echo" => (bench_server(), false, echo_frame(false)),
        "list/modern" => (many_tools(1000), true, frame(3, "tools/list", json!({}), true)),
        "list/legacy" => (many_tools(1000), false, frame(3, "tools/list", json!({}), false)),
        other => panic!("unknown MCP_BENCH_CASE {other}"),
    };
    let (_handle, conn) = if modern {
        let handle = server.into_handle().expect("registers");
        let conn = handle.connect(None);
        (handle, conn)
    } else {
        rt.block_on(legacy_connection(server))
    };
    rt.block_on(async {
        for _ in 0..n {
            black_box(roundtrip(&conn, black_box(&bytes)).await);
        }
    });
    true
}

fn main() {
    if fixed_iterations() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
