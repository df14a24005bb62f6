//! A modern `tools/call` of a tool another server answers, handed on as it
//! came (see `tool::passthrough`): the backend's response comes back with
//! this server's identity in it. Everything the front would do to the call
//! on the way has been done by then (the headers checked against the body,
//! the middleware chain consulted); what remains is the hop.

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::ErrorObject;
use serde_json::{Map, Value};
use tracing::Instrument;

use super::{Answer, Connection, Reply, Scope};
use crate::tool::passthrough::Passed;

impl Connection {
    /// Hands the call on when its tool allows it and it came as a modern
    /// Streamable HTTP POST (`shared_connection`: its own response stream
    /// carries its progress and logs, and closing it cancels), else gives
    /// `params` back for the ordinary call, which is the one that:
    /// - checks a tool's scopes;
    /// - runs a call as the front's task (a caller that declares the tasks
    ///   extension could otherwise get a task of the target's, which the
    ///   front would not know);
    /// - binds input-request state to an authenticated caller;
    /// - sends progress and logs, and takes `notifications/cancelled`, on a
    ///   connection of its own (stdio, a legacy session, HTTP+SSE).
    pub(super) fn pass_call(
        &self,
        scope: &Scope,
        params: Map<String, Value>,
        shared_connection: bool,
    ) -> Result<Reply, Map<String, Value>> {
        if params.contains_key("task")
            || !shared_connection
            || scope.http.is_none()
            || scope.caller().is_some()
            || crate::engine::extensions::declares(scope, mcp_serve_core::meta::TASKS_EXTENSION)
        {
            return Err(params);
        }
        let shared = &self.inner.shared;
        let found = params.get("name").and_then(Value::as_str).and_then(|name| {
            let catalog = shared.catalog.load();
            let tool = catalog
                .tools
                .get(name)
                .filter(|t| t.enabled && t.scopes.is_empty())?;
            tool.passthrough.clone()
        });
        let Some(passthrough) = found else {
            return Err(params);
        };
        let id = scope.id.clone();
        let target = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let span = tracing::debug_span!(
            "mcp.request",
            method = "tools/call",
            target = %target,
            id = %id,
            protocol = %scope.version,
            passed = true,
            outcome = tracing::field::Empty,
        );
        // Only HTTP calls pass, so the HTTP default applies when none is set.
        let limit = shared
            .options
            .call_timeout
            .unwrap_or(Some(crate::engine::DEFAULT_HTTP_CALL_TIMEOUT));
        let call = passthrough.pass(Passed {
            id: id.clone(),
            params,
            meta: scope.meta.raw().map(str::to_owned),
            stream: scope.stream.clone(),
        });
        // Failures are masked as the ordinary call masks them over HTTP.
        let mask = shared.options.mask_errors.unwrap_or(true);
        let guard = crate::engine::failure::Guard::new(mask, "tools/call", target, Some(&id));
        let shared = std::sync::Arc::clone(shared);
        let version = scope.version;
        Ok(Reply::Later(Box::pin(
            async move {
                let answered = match limit {
                    None => call.await,
                    Some(limit) => match tokio::time::timeout(limit, call).await {
                        Ok(answered) => answered,
                        // As the ordinary call says it: a tool error the model reads.
                        Err(_) => {
                            tracing::Span::current().record("outcome", "timeout");
                            let message = super::call::timeout_message("tools/call", limit);
                            let result = crate::error::ToolError::new(message).into_result();
                            let bytes =
                                crate::engine::shape::encode_text_result(&shared, &id, version, &result)
                                    .unwrap_or_default();
                            return Some(Answer { bytes, error: None });
                        }
                    },
                };
                let encoded = answered.and_then(|bytes| {
                    crate::engine::shape::encode_passed(&shared, &id, &bytes).ok_or_else(|| {
                        crate::error::McpError::internal(
                            "the server behind this tool answered with no JSON-RPC response",
                        )
                    })
                });
                let failed = |e: crate::error::McpError| {
                    let e: ErrorObject = guard.protocol(e).into_error_object();
                    (mcp_serve_core::jsonrpc::encode_error(Some(&id), &e), Some(e.code))
                };
                let (bytes, error) = match encoded {
                    // The target's internal errors are masked like the front's
                    // own, what it said going to this server's log.
                    Ok((bytes, Some(code::INTERNAL_ERROR))) if mask => failed(error_in(&bytes)),
                    // Headers the gateway wrote and the target refused: the
                    // gateway's failure, not the caller's bad request.
                    Ok((bytes, Some(code::HEADER_MISMATCH))) => {
                        failed(crate::error::McpError::internal(format!(
                            "the server behind this tool refused the gateway's request headers: {}",
                            error_in(&bytes).message()
                        )))
                    }
                    Ok(answer) => answer,
                    Err(e) => failed(e),
                };
                tracing::Span::current().record("outcome", if error.is_some() { "error" } else { "ok" });
                Some(Answer { bytes, error })
            }
            .instrument(span),
        )))
    }
}

/// The error in a JSON-RPC error response this server encoded.
fn error_in(response: &[u8]) -> crate::error::McpError {
    #[derive(serde::Deserialize)]
    struct Response {
        error: ErrorObject,
    }
    serde_json::from_slice::<Response>(response).map_or_else(
        |_| crate::error::McpError::internal("the server behind this tool sent an error that is not one"),
        |r| r.error.into(),
    )
}
