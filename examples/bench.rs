//! The benchmark server for `../shared/bench`: exactly the two tools every
//! peer exposes, `echo(text)` and `add(a, b)`, both answering with one text
//! block (the same output as the rmcp peer).
//!
//! ```text
//! cargo build --release --example bench
//! target/release/examples/bench                        # stdio
//! target/release/examples/bench --http 127.0.0.1:8000  # Streamable HTTP at /mcp
//! PORT=8000 target/release/examples/bench              # same, as the bench harness starts it
//! PORT=8000 target/release/examples/bench --stdio      # stdio even with PORT set
//! ```
//!
//! Both protocol eras are served on every transport: 2026-07-28 stateless
//! requests, and `initialize`-based legacy sessions (2025-11-25 and older).

use mcp_serve::prelude::*;

/// Echo the text back.
#[tool]
fn echo(text: String) -> String {
    text
}

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> String {
    (a + b).to_string()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = Server::new("mcp-serve-bench", env!("CARGO_PKG_VERSION"))
        .tool(echo)
        .tool(add);
    let stdio = std::env::args().skip(1).any(|a| a == "--stdio");
    let port = std::env::var("PORT").ok().filter(|p| !p.is_empty());
    match (stdio, port) {
        (true, _) => server.serve_stdio().await?,
        (false, Some(port)) => {
            let port: u16 = port.parse()?;
            server
                .serve_http(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
                .await?;
        }
        // `--http ADDR` (or MCP_SERVE_HTTP), else stdio.
        (false, None) => server.run().await?,
    }
    Ok(())
}
