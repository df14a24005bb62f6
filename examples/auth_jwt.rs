//! An MCP server that only answers callers with an access token from your
//! authorization server: JWTs checked against the issuer's keys (found
//! through its metadata, cached, rotated), `aud` = this server's URL, and a
//! tool that needs the `admin` scope.
//!
//! ```sh
//! MCP_SERVE_AUTH_ISSUER=https://auth.example.com cargo run --example auth_jwt -- --http 127.0.0.1:8000
//! ```
//!
//! Clients find the issuer in `/.well-known/oauth-protected-resource/mcp`.
//! Set `MCP_SERVE_AUTH_AUDIENCE` to the URL clients use when it is not the
//! one they send in `Host` (behind a proxy that rewrites it).

use mcp_serve::prelude::*;

/// Who the token says you are.
#[tool(annotations(read_only))]
async fn whoami(ctx: Context) -> String {
    match ctx.principal() {
        Some(p) => format!(
            "{} (client {}, scopes: {})",
            p.subject,
            p.client_id.as_deref().unwrap_or("-"),
            p.scopes.join(" ")
        ),
        None => "anonymous (stdio has no credentials)".into(),
    }
}

/// Reset the server's caches. Needs the `admin` scope.
#[tool(scopes = ["admin"], annotations(destructive))]
async fn admin_reset() -> &'static str {
    "caches reset"
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let over_http = std::env::args().any(|a| a.starts_with("--http"))
        || std::env::var_os("MCP_SERVE_HTTP").is_some()
        || std::env::var_os("PORT").is_some();
    if over_http && std::env::var_os("MCP_SERVE_AUTH_ISSUER").is_none() {
        anyhow::bail!(
            "set MCP_SERVE_AUTH_ISSUER to your authorization server's issuer URL, e.g. \
             MCP_SERVE_AUTH_ISSUER=https://auth.example.com cargo run --example auth_jwt -- --http 127.0.0.1:8000"
        );
    }
    Server::new("auth-jwt", "1.0.0")
        .instructions("whoami tells who the token is for; admin_reset needs the admin scope.")
        .tool(whoami)
        .tool(admin_reset)
        .run_blocking()?;
    Ok(())
}
