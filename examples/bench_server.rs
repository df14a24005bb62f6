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
//! PORT=8001 target/release/examples/bench_server --gateway http://127.0.0.1:8000/mcp
//!     # a gateway in front of that server: its tools as `b_echo` and `b_add`
//! ```
//!
//! By default both protocol eras are served on every transport: 2026-07-28
//! stateless requests, and `initialize`-based legacy sessions (2025-11-25 and
//! older). `--legacy` (or `MODE=stateful`, the peers' switch) serves only the
//! session revisions, like rmcp's stateful mode: every client `initialize`s
//! and gets an `Mcp-Session-Id`.
//!
//! Authorization rows (bench/run.sh): `--auth jwt` requires an HS256 JWT for
//! `http://127.0.0.1:$PORT/mcp`, `--auth api-key` an API key, both made from
//! the secret in `BENCH_AUTH_SECRET` (never the command line).
//! `--print-credential` prints what a client must send as
//! `Authorization: Bearer …` (the JWT is minted here, valid for a day) and exits.
//!
//! ```text
//! export BENCH_AUTH_SECRET=$(head -c 32 /dev/urandom | base64)
//! TOKEN=$(PORT=8000 target/release/examples/bench_server --auth jwt --print-credential)
//! PORT=8000 target/release/examples/bench_server --auth jwt
//! ```

use mcp_serve::auth::{Algorithm, ApiKeys, Auth, DecodingKey, JwtVerifier, Principal};
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

/// How callers are authenticated (`--auth`).
#[derive(Clone, Copy, PartialEq)]
enum AuthMode {
    Jwt,
    ApiKey,
}

fn auth_mode(args: &[String]) -> anyhow::Result<Option<AuthMode>> {
    let Some(i) = args.iter().position(|a| a == "--auth") else {
        return Ok(None);
    };
    match args.get(i + 1).map(String::as_str) {
        Some("jwt") => Ok(Some(AuthMode::Jwt)),
        Some("api-key") => Ok(Some(AuthMode::ApiKey)),
        other => anyhow::bail!("--auth takes `jwt` or `api-key`, got {other:?}"),
    }
}

fn secret() -> anyhow::Result<String> {
    std::env::var("BENCH_AUTH_SECRET")
        .ok()
        .filter(|s| s.len() >= 16)
        .ok_or_else(|| {
            anyhow::anyhow!("--auth needs BENCH_AUTH_SECRET (at least 16 bytes) in the environment")
        })
}

/// The canonical URI clients reach the bench server by: tokens are minted for it.
fn resource() -> anyhow::Result<String> {
    let port = std::env::var("PORT").map_err(|_| anyhow::anyhow!("--auth needs PORT"))?;
    Ok(format!("http://127.0.0.1:{port}/mcp"))
}

/// What a client sends as `Authorization: Bearer …` in `mode`.
fn credential(mode: AuthMode) -> anyhow::Result<String> {
    let secret = secret()?;
    if mode == AuthMode::ApiKey {
        return Ok(secret);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let claims = serde_json::json!({"iss": "mcp-serve-bench", "sub": "bench", "aud": resource()?,
        "iat": now, "exp": now + 86_400, "scope": "tools"});
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())?;
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &key,
    )?)
}

fn auth(mode: AuthMode) -> anyhow::Result<Auth> {
    let secret = secret()?;
    let auth = Auth::new(resource()?);
    Ok(match mode {
        AuthMode::Jwt => auth.verifier(
            JwtVerifier::with_key(DecodingKey::from_secret(secret.as_bytes())?, Algorithm::HS256)
                .issuer("mcp-serve-bench"),
        ),
        AuthMode::ApiKey => auth.verifier(ApiKeys::new().key(secret, Principal::new("bench"))),
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--print-credential") {
        let mode = auth_mode(&args)?.ok_or_else(|| anyhow::anyhow!("--print-credential needs --auth"))?;
        println!("{}", credential(mode)?);
        return Ok(());
    }
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

/// `--gateway URL`: the gateway's front at PORT, one target `b` at URL
/// (Streamable HTTP, the modern era), for the proxy-overhead row.
async fn gateway(url: &str) -> anyhow::Result<()> {
    use mcp_serve::client::{ClientOptions, Era};
    use mcp_serve::proxy::{Gateway, Transport};
    let port: u16 = std::env::var("PORT")
        .map_err(|_| anyhow::anyhow!("--gateway needs PORT"))?
        .parse()
        .map_err(|_| anyhow::anyhow!("PORT must be a port number"))?;
    let gateway = Gateway::new(Server::new("mcp-serve-bench-gateway", env!("CARGO_PKG_VERSION")))
        .target("b", Transport::http(url))
        .client_options(ClientOptions::default().era(Era::Modern))
        .start()
        .await?;
    anyhow::ensure!(
        gateway.status()["b"].is_up(),
        "the backend at {url} is not up: {:?}",
        gateway.status()
    );
    gateway
        .serve_http(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .await?;
    Ok(())
}

async fn serve(args: Vec<String>) -> anyhow::Result<()> {
    let flag = |name: &str| args.iter().any(|a| a == name);
    if let Some(i) = args.iter().position(|a| a == "--gateway") {
        let url = args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("--gateway takes the backend's URL"))?;
        return gateway(url).await;
    }
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
    if let Some(mode) = auth_mode(&args)? {
        server = server.auth(auth(mode)?);
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
