//! Tools another server answers, whose modern calls the engine hands on as
//! they came: the client's `_meta` (its revision, capabilities, progress
//! token, log level), its input responses and request state go to the
//! backend unchanged, and the backend's answer comes back as JSON-RPC bytes.
//! A proxy's hop then costs what forwarding costs: no handler context, no
//! result decoded and encoded again, no second set of `_meta` made up.
//!
//! Only the engine's modern `tools/call` path uses it, after the front's
//! middleware (which sees the call and its result as usual), and not for a
//! tool with scopes or a task-augmented call; everything else takes the
//! tool's ordinary handler, which reaches the same backend.

use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::jsonrpc::RequestId;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::error::McpError;

/// A modern `tools/call` to hand on.
// Read by the proxy's passthrough, which needs the client.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) struct Passed {
    /// The client's request id, reused: each modern request has its own
    /// HTTP exchange, so ids of different clients never meet.
    pub(crate) id: RequestId,
    /// The call's parameters without `_meta`, `name` still the front's.
    pub(crate) params: Map<String, Value>,
    /// The client's `_meta`, as it was written.
    pub(crate) meta: Option<String>,
    /// Where the backend's notifications for this call (progress, log
    /// messages) go, when the client takes a stream.
    pub(crate) stream: Option<mpsc::Sender<Vec<u8>>>,
}

/// Sends a modern call on and returns the backend's JSON-RPC response to it.
pub(crate) trait Passthrough: Send + Sync {
    /// The response message (`result` or `error`) for `call`, or why there
    /// is none (the backend is unreachable, timed out, said nothing MCP).
    /// Takes the tool's own handle, so the call's future needs no copies.
    fn pass(self: Arc<Self>, call: Passed) -> BoxFuture<'static, Result<Vec<u8>, McpError>>;
}
