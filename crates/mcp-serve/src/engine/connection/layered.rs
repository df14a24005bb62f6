//! A request through the server's middleware chain: the chain sees the
//! method, the parameters and a [`Context`](crate::context::Context), and
//! its innermost service hands the (possibly rewritten) parameters back to
//! dispatch. The engine's answer is read back into the result the chain
//! sees, and whatever the chain returns is encoded for the client. Only a
//! server with middleware pays for this.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::{Connection, Reply, Scope};
use crate::engine::shape::Cache;
use crate::error::McpError;
use crate::middleware::{Chain, McpRequest};

/// The methods middleware wraps, as static names; `None` for the rest
/// (streams, and unknown methods, which are refused as before).
pub(super) fn wrapped(method: &str, version: ProtocolVersion) -> Option<&'static str> {
    Some(match method {
        "tools/call" => "tools/call",
        "tools/list" => "tools/list",
        "resources/read" => "resources/read",
        "resources/list" => "resources/list",
        "resources/templates/list" => "resources/templates/list",
        "resources/subscribe" => "resources/subscribe",
        "resources/unsubscribe" => "resources/unsubscribe",
        "prompts/get" => "prompts/get",
        "prompts/list" => "prompts/list",
        "completion/complete" => "completion/complete",
        "server/discover" => "server/discover",
        "logging/setLevel" => "logging/setLevel",
        "ping" if version.is_legacy() => "ping",
        "tasks/get" => "tasks/get",
        "tasks/result" => "tasks/result",
        "tasks/list" => "tasks/list",
        "tasks/cancel" => "tasks/cancel",
        "tasks/update" => "tasks/update",
        _ => return None,
    })
}

/// The engine's answer as the chain sees it.
#[derive(serde::Deserialize)]
struct Answered {
    result: Option<Value>,
    error: Option<ErrorObject>,
}

impl Connection {
    /// Runs `method` through `chain`; `serve` is the engine's own work on
    /// the parameters the chain passes in.
    pub(super) fn through(
        &self,
        chain: &Arc<Chain>,
        scope: Scope,
        method: std::borrow::Cow<'static, str>,
        params: Map<String, Value>,
        shared_connection: bool,
        serve: impl Fn(&Connection, Scope, Map<String, Value>) -> Reply + Send + Sync + 'static,
    ) -> Reply {
        let id = scope.id.clone();
        let version = scope.version;
        // The request's cancellation token, registered before the chain
        // runs: `notifications/cancelled` reaches the middleware's Context,
        // and the handler's call uses the same token (see `dispatch_call`).
        let token = CancellationToken::new();
        if !shared_connection {
            self.lock_in_flight().insert(id.clone(), token.clone());
        }
        let cx = self.context_owned(scope.clone(), token, None);
        // A request the engine answers with nothing (cancelled) gets no
        // response, whatever the chain made of it.
        let cancelled = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancelled);
        let conn = self.clone();
        let continuation: crate::middleware::Continuation = Arc::new(move |params| {
            let reply = serve(&conn, scope.clone(), params);
            let flag = Arc::clone(&flag);
            Box::pin(async move {
                let Some(bytes) = reply.resolve().await else {
                    flag.store(true, Ordering::Release);
                    return Err(McpError::internal("the request was cancelled"));
                };
                match serde_json::from_slice::<Answered>(&bytes) {
                    Ok(Answered { error: Some(e), .. }) => Err(McpError(e)),
                    Ok(Answered { result: Some(r), .. }) => Ok(r),
                    _ => Err(McpError::internal("the engine's answer was unreadable")),
                }
            })
        });
        let req = McpRequest::new(method, params, cx, continuation);
        let chain = Arc::clone(chain);
        let conn = self.clone();
        Reply::Later(Box::pin(async move {
            let result = crate::middleware::run(&chain, req).await;
            if !shared_connection {
                // A chain that answered without the engine leaves it here.
                conn.lock_in_flight().remove(&id);
            }
            if cancelled.load(Ordering::Acquire) {
                return None;
            }
            // Results come back dressed for the era already; dressing again
            // adds nothing.
            Some(conn.finish(&id, version, result.map(|v| (v, Cache::No))))
        }))
    }
}
