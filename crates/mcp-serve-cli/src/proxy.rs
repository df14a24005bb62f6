//! `mcp-serve proxy`: serve a server through another transport, and through
//! both protocol eras: a stdio server over Streamable HTTP (plus the legacy
//! `/sse` endpoint), or an HTTP server over stdio for clients that only start
//! commands (what `mcp-remote` does). The front is mcp-serve's own engine, so
//! a legacy-only backend is reachable by modern clients and the other way
//! round; see `mcp_serve::proxy`.
//!
//! With `--config FILE` and no target, every server of that client config
//! goes behind one endpoint, each namespaced by its name (the gateway:
//! `mcp_serve::proxy::Gateway`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use mcp_serve::proxy::{Gateway, GatewayConfig, Proxy, TargetStatus};
use mcp_serve::server::Server;

use crate::exit::Failure;
use crate::target::TargetArgs;

/// `mcp-serve proxy`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcp-serve proxy --http 127.0.0.1:8080 -- ./my-stdio-server --flag\n      (clients connect to http://127.0.0.1:8080/mcp, or /sse for the 2024-11-05 transport)\n  mcp-serve proxy https://example.com/mcp -H 'Authorization: Bearer TOKEN'\n      (an MCP client that starts commands runs this to reach a remote server)\n  mcp-serve proxy --protocol 2025-03-26 --http 127.0.0.1:8080 -- ./old-server\n  mcp-serve proxy --config mcp.json --http 127.0.0.1:8080\n      (every server of the config behind one endpoint: tool `add` of server `calc` is `calc_add`)"
)]
pub(crate) struct ProxyArgs {
    /// The backend server (a path, URL or name from .mcp.json) unless it follows `--`. With `--config FILE`
    /// and no server, every server of FILE is served, each namespaced by its name (`calc_add`).
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
    let addr = parse_addr(args.http.as_deref())?;
    if args.items.is_empty() && args.target.command.is_empty() {
        if let Some(file) = args.target.config.clone() {
            return gateway(&args, &file, addr).await;
        }
    }
    let target = args.target.resolve(&mut args.items)?;
    if !args.items.is_empty() {
        return Err(Failure::usage(format!(
            "unexpected arguments: {} (a server command with arguments goes after `--`)",
            args.items.join(" ")
        )));
    }
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

fn parse_addr(http: Option<&str>) -> anyhow::Result<Option<SocketAddr>> {
    match http {
        Some(a) => Ok(Some(a.parse().map_err(|_| {
            Failure::usage(format!("--http `{a}` is not an address like 127.0.0.1:8080"))
        })?)),
        None => Ok(None),
    }
}

/// Serves every server of a client config behind one endpoint.
async fn gateway(
    args: &ProxyArgs,
    file: &std::path::Path,
    addr: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    if !args.target.headers.is_empty() || !args.target.env.is_empty() || args.target.sse {
        return Err(Failure::usage(
            "--header, --env and --sse apply to one server; with a whole --config put them in each entry \
             (\"headers\", \"env\", \"type\": \"sse\")",
        ));
    }
    let config = GatewayConfig::from_file(file).map_err(|e| Failure::usage(e.to_string()))?;
    let mut base = args.target.options()?;
    base.info.name = "mcp-serve-gateway".into();
    let call_timeout = args.target.timeout.map_or(Duration::from_secs(3600), Into::into);
    let names: Vec<String> = config.names().map(str::to_owned).collect();
    let gateway = Gateway::new(Server::new("mcp-serve-gateway", env!("CARGO_PKG_VERSION")))
        .config(config)
        .client_options(base)
        .call_timeout(call_timeout)
        .start()
        .await?;
    for (name, status) in gateway.status() {
        match status {
            TargetStatus::Up => eprintln!("mcp-serve proxy: `{name}` is up"),
            TargetStatus::Down { reason } => {
                eprintln!("mcp-serve proxy: `{name}` is down ({reason}); retrying in the background");
            }
            _ => {}
        }
    }
    match addr {
        Some(addr) => {
            eprintln!(
                "mcp-serve proxy: {} server(s) of {} ({}) are served at http://{addr}/mcp (and http://{addr}/sse for 2024-11-05 clients)",
                names.len(),
                file.display(),
                names.join(", ")
            );
            gateway.serve_http(addr).await?;
        }
        None => gateway.serve_stdio().await?,
    }
    Ok(ExitCode::SUCCESS)
}
