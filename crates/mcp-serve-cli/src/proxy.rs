//! `mcp-serve proxy`: serve a server through another transport, and through
//! both protocol eras: a stdio server over Streamable HTTP (plus the legacy
//! `/sse` endpoint), or an HTTP server over stdio for clients that only start
//! commands (what `mcp-remote` does). The front is mcp-serve's own engine, so
//! a legacy-only backend is reachable by modern clients and the other way
//! round; see `mcp_serve::proxy`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use mcp_serve::proxy::Proxy;

use crate::exit::Failure;
use crate::target::TargetArgs;

/// `mcp-serve proxy`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcp-serve proxy --http 127.0.0.1:8080 -- ./my-stdio-server --flag\n      (clients connect to http://127.0.0.1:8080/mcp, or /sse for the 2024-11-05 transport)\n  mcp-serve proxy https://example.com/mcp -H 'Authorization: Bearer TOKEN'\n      (an MCP client that starts commands runs this to reach a remote server)\n  mcp-serve proxy --protocol 2025-03-26 --http 127.0.0.1:8080 -- ./old-server"
)]
pub(crate) struct ProxyArgs {
    /// The backend server (a path, URL or name from .mcp.json) unless it follows `--`.
    #[arg(value_name = "TARGET")]
    items: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Serve the front over Streamable HTTP at this address (e.g. 127.0.0.1:8080) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    http: Option<String>,
}

/// Runs the proxy until the front side closes (stdin ends, or Ctrl-C for HTTP).
pub(crate) async fn run(mut args: ProxyArgs) -> anyhow::Result<ExitCode> {
    let target = args.target.resolve(&mut args.items)?;
    if !args.items.is_empty() {
        return Err(Failure::usage(format!(
            "unexpected arguments: {} (a server command with arguments goes after `--`)",
            args.items.join(" ")
        )));
    }
    let addr: Option<SocketAddr> = match &args.http {
        Some(a) => Some(
            a.parse()
                .map_err(|_| Failure::usage(format!("--http `{a}` is not an address like 127.0.0.1:8080")))?,
        ),
        None => None,
    };
    let mut options = args.target.options()?;
    if args.target.timeout.is_none() {
        // Forwarded tool calls can legitimately run long.
        options.timeout = Duration::from_secs(3600);
    }
    let proxy = Proxy::new();
    let client = target.connect(proxy.client_options(options)).await?;
    let front = proxy.mirror(client).await?;
    match addr {
        Some(addr) => {
            eprintln!(
                "mcp-serve proxy: {} is served at http://{addr}/mcp (and http://{addr}/sse for 2024-11-05 clients)",
                target.describe()
            );
            front.serve_http(addr).await?;
        }
        None => front.serve_stdio().await?,
    }
    Ok(ExitCode::SUCCESS)
}
