//! A gateway: several MCP servers behind one endpoint, each in its own
//! namespace. Here two servers in this process (`calc` and `text`), plus
//! every server of an MCP client config file if one is given (Claude
//! Desktop's / Cursor's `mcpServers`, or VS Code's `servers`): child
//! processes and remote HTTP servers of either protocol era.
//!
//! ```text
//! cargo run --example gateway                                   # stdio
//! cargo run --example gateway -- --http 127.0.0.1:8080          # Streamable HTTP at /mcp
//! cargo run --example gateway -- mcp.json --http 127.0.0.1:8080 # plus the servers of mcp.json
//! mcp-serve call http://127.0.0.1:8080/mcp calc_add a=2 b=3
//! ```
//!
//! Tool `add` of `calc` is served as `calc_add`; a resource `notes://x` of
//! a config's server `files` as `files+notes://x`. A server that is down is
//! reported in the lists' `_meta` (`io.mcp-serve/gateway`) and its tools
//! answer with an error saying so, while the gateway retries it with backoff.

use std::time::Duration;

use mcp_serve::prelude::*;
use mcp_serve::proxy::{Gateway, GatewayConfig, TargetStatus, Transport};

/// Add two numbers.
#[tool]
fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// Upper-case a text.
#[tool]
fn upper(text: String) -> String {
    text.to_uppercase()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let http = match args.iter().position(|a| a == "--http") {
        Some(i) => Some(
            args.get(i + 1)
                .ok_or_else(|| anyhow::anyhow!("--http takes an address like 127.0.0.1:8080"))?
                .parse::<std::net::SocketAddr>()?,
        ),
        None => None,
    };
    let config = args.iter().find(|a| a.ends_with(".json"));

    let calc = Server::new("calc", "1.0.0").tool(add).into_handle()?;
    let text = Server::new("text", "1.0.0").tool(upper).into_handle()?;
    let mut gateway = Gateway::new(Server::new("gateway", "1.0.0"))
        .target("calc", Transport::in_memory(calc))
        .target("text", Transport::in_memory(text))
        .connect_timeout(Duration::from_secs(10))
        .call_timeout(Duration::from_secs(300))
        .backoff(Duration::from_millis(500), Duration::from_secs(30));
    if let Some(file) = config {
        gateway = gateway.config(GatewayConfig::from_file(file)?);
    }
    let gateway = gateway.start().await?;
    for (name, status) in gateway.status() {
        match status {
            TargetStatus::Up => eprintln!("gateway: {name} is up"),
            TargetStatus::Down { reason } => eprintln!("gateway: {name} is down ({reason}), retrying"),
            _ => {}
        }
    }
    match http {
        Some(addr) => {
            eprintln!("gateway: serving http://{addr}/mcp");
            gateway.serve_http(addr).await?;
        }
        None => gateway.serve_stdio().await?,
    }
    Ok(())
}
