//! # mcp-serve
//!
//! Build [Model Context Protocol](https://modelcontextprotocol.io) servers
//! from plain Rust functions. One handler codebase serves both protocol eras:
//! the stateless 2026-07-28 revision and the `initialize`-based revisions
//! 2025-11-25 back to 2024-11-05.
//!
//! ```
//! use mcp_serve::prelude::*;
//!
//! /// Add two numbers.
//! #[tool]
//! async fn add(a: f64, b: f64) -> f64 { a + b }
//!
//! /// Review a piece of code.
//! #[prompt]
//! fn review(code: String, language: Option<String>) -> String {
//!     format!("Review this {} code:\n{code}", language.unwrap_or_default())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
//! let server = Server::new("demo", "1.0.0").tool(add).prompt(review);
//! // server.run().await?;   // stdio, or --http ADDR
//! let client = mcp_serve::testing::TestClient::modern(server).await?;
//! let r = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await?;
//! assert_eq!(r.content[0].as_text(), Some("5"));
//! # Ok(()) }
//! ```
//!
//! ## Layout
//! Layers, lowest first; each module depends only on its own layer and the
//! ones below (a test checks it):
//! - [`protocol`]: the wire types (re-exported from `mcp-serve-core`).
//! - handler API: [`tool`], [`resource`], [`prompt`] (what a server offers,
//!   written with the `#[tool]`, `#[resource]`, `#[prompt]` macros or built
//!   at run time), [`context`] (what a handler can know about its request:
//!   `Context`, `State<T>`, `_meta`, HTTP headers and extensions),
//!   [`error`], [`tasks`] (background tool calls and the pluggable
//!   [`TaskStore`](tasks::TaskStore)), [`telemetry`].
//! - [`engine`]: the protocol core both eras share, and
//!   [`ServerHandle`](engine::ServerHandle), which transports connect to.
//! - [`transport`]: stdio and Streamable HTTP, written on the engine's
//!   public API only; `cluster` (feature `redis`): state shared by
//!   replicas, in Redis.
//! - [`server`]: the [`Server`](server::Server) builder and its runners.
//! - [`client`], [`testing`], [`proxy`]: a dual-era client, the
//!   `TestClient`, and proxying another server; `openapi`: an HTTP API's
//!   OpenAPI document as tools and resources.
//!
//! ## Serving the open internet
//! What a server does with hostile or careless input, by default:
//! - **Bounded input.** A message is capped as a whole (stdio:
//!   [`StdioOptions::max_message_bytes`](transport::stdio::StdioOptions),
//!   4 MiB; HTTP: the body limit of
//!   [`HttpOptions`](transport::http::HttpOptions)), and the strings the
//!   engine works on are capped one by one: URIs 8 KiB, names 128 bytes,
//!   cursors and task ids 1 KiB, completion values 4 KiB (see
//!   [`engine::limits`]). Past a cap the request gets `-32602` (Invalid
//!   params) naming the field and the cap.
//! - **Linear work.** Matching a URI against resource templates takes time
//!   linear in the URI's length ([`resource::UriTemplate::match_uri`]).
//! - **Plain `fn` handlers run on the blocking pool.** A `#[tool]`,
//!   `#[resource]` or `#[prompt]` on a non-`async` function runs it with
//!   `tokio::task::spawn_blocking`, so a slow one holds neither the stdio
//!   reader nor other requests. The hop costs microseconds per call: a
//!   function that always finishes in microseconds may say
//!   `#[tool(inline)]` to run where the request is handled. An `async`
//!   handler runs on the runtime and must not block it.
//! - **A panic fails one request.** A handler that panics gets its request
//!   a JSON-RPC internal error (`-32603`); the server goes on serving.
//! - **Unexpected errors are masked over HTTP.** Panics, errors turned
//!   into a `ToolError` by `?`, and internal errors reach an HTTP client as
//!   a generic message with the request id; the full error goes to the log
//!   (`tracing`, target `mcp_serve::handler`). Messages written for the
//!   model (`ToolError::new`, `McpError::invalid_params`...) are sent as
//!   they are. Over stdio, whose one client runs the server, errors are sent
//!   in full. [`Server::mask_errors`](server::Server::mask_errors) sets it
//!   for every transport.
//!
//! ## Features
//! A stdio tool server needs none of the default features; each pulls in its
//! own dependencies:
//! - `http` (default): Streamable HTTP and HTTP+SSE serving (hyper).
//! - `client` (default): [`client`], [`testing`], [`proxy`] and the
//!   in-memory transport (reqwest, rustls).
//! - `validate` (default): full JSON Schema validation of tool arguments
//!   (jsonschema). Without it, the plain schemas `#[tool]` generates are
//!   still checked, and typed arguments still name the field that is wrong.
//! - `telemetry` (default): `telemetry::ClientLogLayer` (tracing-subscriber).
//! - `otel`: OTLP export of the request spans.
//! - `openapi`: [`openapi`], an HTTP API's OpenAPI document served as tools,
//!   resources and templates (adds `client`, a YAML parser).
//! - `redis`: `cluster`, state shared by replicas behind a load balancer
//!   (legacy sessions), in Redis or Valkey (redis-rs).
//!
//! ```toml
//! # A stdio-only server: no HTTP stack, TLS or schema validator.
//! mcp-serve = { version = "0.1", default-features = false }
//! ```

pub mod auth;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "redis")]
pub mod cluster;
pub mod complete;
pub mod context;
pub mod engine;
pub mod error;
pub mod extension;
pub mod middleware;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod prompt;
#[cfg(feature = "client")]
pub mod proxy;
pub mod resource;
pub mod schema;
pub mod server;
pub mod tasks;
pub mod telemetry;
#[cfg(feature = "client")]
pub mod testing;
pub mod tool;
pub mod transport;
#[cfg(any(feature = "http", feature = "client"))]
mod wake_gate;

#[doc(hidden)]
pub mod probe;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

/// The wire types, JSON-RPC framing and versions (the `mcp-serve-core` crate).
pub mod protocol {
    pub use mcp_serve_core::*;
}

/// The `#[tool]`, `#[resource]` and `#[prompt]` attribute macros.
pub mod macros {
    pub use mcp_serve_macros::{prompt, resource, tool};
}

/// What a server author needs in scope.
///
/// ```
/// use mcp_serve::prelude::*;
/// let _ = Server::new("demo", "1.0.0");
/// ```
pub mod prelude {
    pub use crate::context::{ClientInfo, Context, HttpRequest, RequestMeta, State};
    pub use crate::error::{McpError, ToolError};
    pub use crate::protocol::types::{
        CallToolResult, ContentBlock, GetPromptResult, LoggingLevel, PromptMessage, ResourceContents, Role,
        ToolAnnotations,
    };
    pub use crate::resource::Blob;
    pub use crate::server::{Server, ServerHandle};
    pub use crate::tool::Json;
    pub use mcp_serve_macros::{prompt, resource, tool};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::probe;
    pub use futures::future::BoxFuture;
    pub use schemars;
    pub use serde;
    pub use serde_json;

    /// Runs a plain `fn` handler (`#[tool] fn ...`) on tokio's blocking
    /// pool, so that however long it takes, the transport's reader and the
    /// other requests go on. Its panic resumes here, where the engine turns
    /// it into an error for this request alone.
    pub async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        match tokio::task::spawn_blocking(f).await {
            Ok(out) => out,
            Err(e) => match e.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                // Only when the runtime shuts down before the handler started.
                Err(_) => panic!("the runtime shut down before the handler could run"),
            },
        }
    }
}
