//! An MCP server protected by API keys, as in the guide's example: clients
//! send `X-API-Key: <key>` (or `Authorization: Bearer <key>`).
//!
//! ```sh
//! MCP_SERVE_API_KEY=change-me cargo run --example auth_api_key -- --http 127.0.0.1:8000
//! curl -H 'X-API-Key: change-me' ...
//! ```
//!
//! For many keys, put them in a file (`KEY SUBJECT [SCOPE ...]` per line)
//! and set `MCP_SERVE_API_KEYS_FILE` instead: any server built with
//! `Server::run` reads it.

use mcp_serve::auth::{ApiKeys, Auth, Principal};
use mcp_serve::prelude::*;

/// Look up a customer's open orders.
#[tool(annotations(read_only))]
async fn open_orders(customer: String, ctx: Context) -> String {
    let caller = ctx.principal().map_or("?", |p| p.subject.as_str());
    format!("{customer} has 2 open orders (asked by {caller})")
}

fn main() -> anyhow::Result<()> {
    let key = std::env::var("MCP_SERVE_API_KEY").map_err(|_| {
        anyhow::anyhow!(
            "set MCP_SERVE_API_KEY to the key clients must send (keep it out of the command line)"
        )
    })?;
    let keys = ApiKeys::new().key(key, Principal::new("api-client").with_scopes(["orders:read"]));
    Server::new("orders", "1.0.0")
        .tool(open_orders)
        .auth(
            Auth::from_requests()
                .scopes_supported(["orders:read"])
                .verifier(keys)
                .api_key_header("x-api-key"),
        )
        .run_blocking()?;
    Ok(())
}
