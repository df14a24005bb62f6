//! `mcp-serve openapi`: serve an HTTP API described by an OpenAPI 3.0 or 3.1
//! document as MCP tools (and, with `--resources`, its `GET` routes as
//! resources and templates), with no code; see `mcp_serve::openapi`.

use std::net::SocketAddr;
use std::process::ExitCode;

use mcp_serve::openapi::{OpenApi, OpenApiError, ParamLocation, RouteKind, RouteMap};
use mcp_serve::prelude::Server;

use crate::exit::Failure;

/// `mcp-serve openapi`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcp-serve openapi https://petstore3.swagger.io/api/v3/openapi.json\n      (an MCP client starts this command: stdio)\n  API_TOKEN=... mcp-serve openapi ./openapi.yaml --base-url http://127.0.0.1:8000 --bearer-env API_TOKEN --http 127.0.0.1:8080\n      (clients connect to http://127.0.0.1:8080/mcp)\n  mcp-serve openapi ./openapi.json --resources --exclude-tag admin --rename getPetById=pet\n\nCredentials come from environment variables, never from the model: their parameters are not tool arguments."
)]
pub(crate) struct OpenApiArgs {
    /// The OpenAPI document: a path or an http(s) URL, JSON or YAML.
    #[arg(value_name = "SPEC")]
    spec: String,
    /// The API's base URL, instead of the document's first server (or, for a document loaded from a URL without servers, its origin).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Serve over Streamable HTTP at this address (e.g. 127.0.0.1:8080) instead of stdio.
    #[arg(long, value_name = "ADDR")]
    http: Option<String>,
    /// A header sent with every call, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Send `Authorization: Bearer <token>`, the token read from this environment variable.
    #[arg(long, value_name = "VAR")]
    bearer_env: Option<String>,
    /// Send the API key read from this environment variable where the document's apiKey scheme says.
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// With --api-key-env: send the key in this header instead of where the document says.
    #[arg(long, value_name = "NAME", requires = "api_key_env")]
    api_key_header: Option<String>,
    /// How long a call to the API may take (e.g. 30s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    timeout: humantime::Duration,
    /// The largest answer accepted from the API, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    max_response_bytes: usize,
    /// Serve GET routes as resources (no path parameters) and resource templates (path parameters).
    #[arg(long)]
    resources: bool,
    /// Leave out operations with this tag (repeatable).
    #[arg(long, value_name = "TAG")]
    exclude_tag: Vec<String>,
    /// Leave out operations whose path matches this pattern, `*` matching anything (repeatable).
    #[arg(long, value_name = "PATTERN")]
    exclude_path: Vec<String>,
    /// Name an operation: `operationId=name` or `GET /path=name` (repeatable).
    #[arg(long, value_name = "OP=NAME")]
    rename: Vec<String>,
}

/// Loads the document and serves it until the client goes (stdin ends, or Ctrl-C for HTTP).
pub(crate) async fn run(args: OpenApiArgs) -> anyhow::Result<ExitCode> {
    let addr: Option<SocketAddr> = match &args.http {
        Some(a) => Some(
            a.parse()
                .map_err(|_| Failure::usage(format!("--http `{a}` is not an address like 127.0.0.1:8080")))?,
        ),
        None => None,
    };
    let mut api = OpenApi::load(&args.spec).await.map_err(config)?;
    if let Some(url) = &args.base_url {
        api = api.base_url(url);
    }
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("--header `{header}` is not `Name: value`")))?;
        api = api.header(name.trim(), value.trim());
    }
    if let Some(var) = &args.bearer_env {
        api = api.bearer_token_env(var);
    }
    if let Some(var) = &args.api_key_env {
        api = match &args.api_key_header {
            Some(name) => api.api_key_env_at(ParamLocation::Header, name, var),
            None => api.api_key_env(var),
        };
    }
    for tag in &args.exclude_tag {
        api = api.route_map(RouteMap::new(RouteKind::Exclude).tags([tag]));
    }
    for pattern in &args.exclude_path {
        api = api.route_map(RouteMap::new(RouteKind::Exclude).path(pattern));
    }
    if args.resources {
        api = api.get_as_resources();
    }
    for rename in &args.rename {
        let (op, name) = rename
            .rsplit_once('=')
            .ok_or_else(|| Failure::usage(format!("--rename `{rename}` is not `operationId=name`")))?;
        api = api.rename(op.trim(), name.trim());
    }
    api = api
        .timeout(args.timeout.into())
        .max_response_bytes(args.max_response_bytes);
    let server = Server::new(api.title().to_owned(), api.version().to_owned());
    let generated = api.build().map_err(config)?;
    for skipped in &generated.skipped {
        eprintln!("mcp-serve openapi: left out {skipped}");
    }
    let (tools, resources) = (generated.tools.len(), generated.resources.len());
    let handle = generated.register(server).into_handle()?;
    match addr {
        Some(addr) => {
            eprintln!(
                "mcp-serve openapi: {} ({tools} tools, {resources} resources and templates) is served at http://{addr}/mcp",
                args.spec
            );
            handle.serve_http(addr).await?;
        }
        None => handle.serve_stdio().await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A document or configuration problem is the user's to fix: a usage error.
fn config(e: OpenApiError) -> anyhow::Error {
    match e {
        OpenApiError::Load { .. } => Failure::connect(e.to_string()),
        other => Failure::usage(other.to_string()),
    }
}
