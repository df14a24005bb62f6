//! The quickstart's `add(a, b)` behind logging and rate-limit middleware,
//! with the rest of issue 14's toolbox around it: a typed middleware hook
//! that counts tool calls, tags (an `admin` group hidden from clients), a
//! tool made from `add` by a transform, and a small custom extension that
//! reports the counts.
//!
//! ```text
//! cargo run --example middleware                          # stdio
//! cargo run --example middleware -- --http 127.0.0.1:8000 # Streamable HTTP at /mcp
//! RUST_LOG=warn cargo run --example middleware            # quieter: no request log on stderr
//! ```
//!
//! What a client sees:
//! - `tools/list`: `add` and `increment` (`add` with `b` fixed to 1), both
//!   tagged `math` in `_meta["io.mcp-serve/tags"]`; `reset_counts` is
//!   tagged `admin`, which the server excludes, so it is neither listed nor
//!   callable.
//! - `add` may be called 20 times per 10 s by one caller (and anything 600
//!   times a minute); past that the call fails with JSON-RPC error `-32000`
//!   whose `data.retryAfterMs` says when to come back.
//! - `capabilities.extensions["com.example/call-counts"]` is advertised
//!   (`{"resetsWith": "reset_counts"}`), and its method `counts/get`
//!   answers `{"counts": {"add": 3, ...}}`: the tool calls the counting
//!   middleware saw, by tool name.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::extension::Extension;
use mcp_serve::middleware::{Logging, McpRequest, McpResult, Middleware, Next, RateLimit};
use mcp_serve::prelude::*;
use mcp_serve::tool::{ArgTransform, ToolTransform};
use serde_json::json;

/// The extension's identifier.
const COUNTS: &str = "com.example/call-counts";

/// Calls per tool, as the counting middleware saw them.
#[derive(Default)]
struct Counts(Mutex<BTreeMap<String, u64>>);

/// Add two numbers.
#[tool(annotations(read_only, idempotent), tags = ["math"])]
async fn add(#[arg(desc = "The first number")] a: f64, #[arg(desc = "The second number")] b: f64) -> f64 {
    a + b
}

/// Forget the call counts.
#[tool(tags = ["admin"])]
fn reset_counts(counts: State<Arc<Counts>>) -> &'static str {
    let counts: &Counts = &counts;
    counts
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
    "reset"
}

/// Counts tool calls by name: a typed hook that sees only `tools/call`.
struct CountCalls(Arc<Counts>);

impl Middleware for CountCalls {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        if let Some(name) = req.name() {
            let mut counts = self.0.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *counts.entry(name.to_owned()).or_default() += 1;
        }
        next.run(req).await
    }
}

fn main() -> anyhow::Result<()> {
    // The request log goes to stderr (stdout is the stdio transport's).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "mcp_serve=info".into()),
        )
        .init();
    let counts = Arc::new(Counts::default());
    let report = Arc::clone(&counts);
    let extension = Extension::new(COUNTS)
        .settings(json!({ "resetsWith": "reset_counts" }))
        .method("counts/get", move |_: serde_json::Value, _cx: Context| {
            let counts = Arc::clone(&report);
            async move {
                let counts = counts
                    .0
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                Ok(json!({ "counts": counts }))
            }
        });
    let increment = ToolTransform::new("add")
        .name("increment")
        .description("Add one to a number.")
        .arg("a", ArgTransform::new().rename("n").description("The number"))
        .arg("b", ArgTransform::fixed(json!(1)));
    Server::new("middleware-demo", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Arithmetic behind logging and rate limits; counts/get of com.example/call-counts reports calls.",
        )
        // Outermost first: every request is logged, then limited, then counted.
        .middleware(Logging::new().with_arguments())
        .middleware(RateLimit::per_caller(600, Duration::from_secs(60)).tool(
            "add",
            20,
            Duration::from_secs(10),
        ))
        .middleware(CountCalls(Arc::clone(&counts)))
        .extension(extension)
        .tool(add)
        .tool(reset_counts)
        .transform_tool(increment)
        .exclude_tags(["admin"])
        .state(counts)
        // stdio, or HTTP with `--http 127.0.0.1:8000`.
        .run_blocking()?;
    Ok(())
}
