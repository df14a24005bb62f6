//! A call over HTTP wakes the server's worker threads for its I/O and for
//! nothing else. The parts of one request hand each other data within one
//! task (the request body, the handler's answer and stream, the gateway's
//! connection to its target); were the task woken by its own hand-offs,
//! tokio's multi-threaded scheduler would requeue it and wake an idle
//! worker each time. Counted with the runtime's unpark hook, on runtimes of
//! their own, with the client on the test's thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_serve::client::{Client, ClientOptions};
use mcp_serve::prelude::*;
use mcp_serve::proxy::{Gateway, Transport};
use mcp_serve::transport::http::{HttpOptions, serve_listener};
use serde_json::json;

/// Add two numbers (inline: a blocking-pool hop would wake the worker too).
#[tool(inline)]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Calls counted after the warm-up.
const CALLS: usize = 200;

/// A two-worker runtime that counts how often its workers wake.
fn counted() -> (tokio::runtime::Runtime, Arc<AtomicUsize>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let w = Arc::clone(&wakes);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_unpark(move || {
            w.fetch_add(1, Ordering::Relaxed);
        })
        .build()
        .expect("runtime");
    (rt, wakes)
}

/// Serves `handle` on 127.0.0.1 from `rt`; its `/mcp` URL.
fn serve(rt: &tokio::runtime::Runtime, handle: mcp_serve::server::ServerHandle) -> String {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind 127.0.0.1:0");
    let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
    rt.spawn(async move {
        let _ = serve_listener(&handle, listener, HttpOptions::default(), std::future::pending()).await;
    });
    url
}

/// A server with the `add` tool, served from `rt`; its `/mcp` URL.
fn calc_on(rt: &tokio::runtime::Runtime) -> String {
    let handle = Server::new("calc", "1.0.0")
        .tool(add)
        .into_handle()
        .expect("server");
    serve(rt, handle)
}

/// Worker wakes per call of `tool` at `url` (a client on this thread),
/// after a warm-up.
fn wakes_per_call(url: &str, tool: &str, counters: &[&AtomicUsize]) -> Vec<f64> {
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    client_rt.block_on(async {
        let client = Client::connect_http(url, ClientOptions::default())
            .await
            .expect("connect");
        let call = || client.call_tool(tool, json!({"a": 1, "b": 2}));
        for _ in 0..20 {
            call().await.expect("warm-up call");
        }
        let before: Vec<usize> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        for _ in 0..CALLS {
            let r = call().await.expect("call");
            assert_ne!(r.is_error, Some(true), "{r:?}");
        }
        let per_call: Vec<f64> = counters
            .iter()
            .zip(before)
            .map(|(c, b)| (c.load(Ordering::Relaxed) - b) as f64 / CALLS as f64)
            .collect();
        eprintln!("worker wakes per call of {tool}: {per_call:.2?}");
        per_call
    })
}

#[test]
fn a_call_wakes_the_server_only_for_its_io() {
    let (server_rt, server_wakes) = counted();
    let url = calc_on(&server_rt);
    let per_call = wakes_per_call(&url, "add", &[&server_wakes]);
    // One wake when the request arrives; a self-inflicted one on each
    // hand-off would make it two or three.
    assert!(
        per_call[0] < 1.5,
        "the server's workers woke {:.2} times per call",
        per_call[0]
    );
}

#[test]
fn a_proxied_call_wakes_the_gateway_only_for_its_io() {
    let (backend_rt, backend_wakes) = counted();
    let backend_url = calc_on(&backend_rt);
    let (gateway_rt, gateway_wakes) = counted();
    let gateway = gateway_rt
        .block_on(
            Gateway::new(Server::new("gateway", "1.0.0"))
                .target("calc", Transport::http(backend_url))
                .start(),
        )
        .expect("gateway");
    let url = serve(&gateway_rt, gateway.server().clone());
    let per_call = wakes_per_call(&url, "calc_add", &[&gateway_wakes, &backend_wakes]);
    // Two wakes: the request from the client, the answer from the target.
    assert!(
        per_call[0] < 2.5,
        "the gateway's workers woke {:.2} times per call",
        per_call[0]
    );
    assert!(
        per_call[1] < 1.5,
        "the target's workers woke {:.2} times per call",
        per_call[1]
    );
}
