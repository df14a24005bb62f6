//! The benchmark server for `bench/run.sh` (the harness in `bench/`): exactly the
//! two tools every peer exposes, `echo(text)` and `add(a, b)`, both answering
//! with one text block (the same output as the rmcp peer).
//!
//! ```text
//! cargo build --release --example bench_server
//! target/release/examples/bench_server                        # stdio
//! target/release/examples/bench_server --http 127.0.0.1:8000  # Streamable HTTP at /mcp
//! PORT=8000 target/release/examples/bench_server              # same, as the bench harness starts it
//! PORT=8000 target/release/examples/bench_server --stdio      # stdio even with PORT set
//! PORT=8000 target/release/examples/bench_server --legacy     # session revisions only
//! PORT=8000 target/release/examples/bench_server --middleware # through a no-op middleware
//! ```
//!
//! By default both protocol eras are served on every transport: 2026-07-28
//! stateless requests, and `initialize`-based legacy sessions (2025-11-25 and
//! older). `--legacy` (or `MODE=stateful`, the peers' switch) serves only the
//! session revisions, like rmcp's stateful mode: every client `initialize`s
//! and gets an `Mcp-Session-Id`.

use mcp_serve::middleware::Middleware;
use mcp_serve::prelude::*;

/// Passes every request on: what the chain itself costs.
struct NoOp;

impl Middleware for NoOp {}

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

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdio = args.iter().any(|a| a == "--stdio")
        || (std::env::var_os("PORT").is_none() && !args.iter().any(|a| a.starts_with("--http")));
    // As `Server::run_blocking` chooses (it knows `--http`, not the harness's
    // PORT): one client on stdio, so a single-threaded runtime starts faster
    // and needs no cross-thread wake-ups; HTTP serves many clients on every core.
    let runtime = if stdio {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().enable_all().build()?
    };
    runtime.block_on(serve(args))
}

async fn serve(args: Vec<String>) -> anyhow::Result<()> {
    let flag = |name: &str| args.iter().any(|a| a == name);
    let legacy = flag("--legacy") || std::env::var("MODE").is_ok_and(|m| m == "stateful");
    let mut server = Server::new("mcp-serve-bench", env!("CARGO_PKG_VERSION"))
        .tool(echo)
        .tool(add);
    if legacy {
        server = server.legacy_only();
    }
    if flag("--middleware") {
        server = server.middleware(NoOp);
    }
    let port = std::env::var("PORT").ok().filter(|p| !p.is_empty());
    match (flag("--stdio"), port) {
        (true, _) => server.serve_stdio().await?,
        (false, Some(port)) => {
            let port: u16 = port
                .parse()
                .map_err(|_| anyhow::anyhow!("PORT must be a port number, got {port:?}"))?;
            server
                .serve_http(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
                .await?;
        }
        // `--http ADDR` (or MCP_SERVE_HTTP), else stdio.
        (false, None) => server.run().await?,
    }
    Ok(())
}
