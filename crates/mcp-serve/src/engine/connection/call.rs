//! Running a handler-backed request (`tools/call`, `resources/read`,
//! `prompts/get`, `completion/complete`): its span, its cancellation,
//! how its handler asks the client for input (server→client requests on a
//! legacy session, Multi Round-Trip Requests answering `input_required` on
//! a modern one), and the handler's [`Context`](crate::context::Context).

use std::sync::Arc;

use futures::future::BoxFuture;
use mcp_serve_core::jsonrpc::RequestId;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{Answer, Connection, Reply, Scope, error_reply};
use crate::context::{Interaction, Peer};
use crate::engine::input::{Digest, Mrtr};
use crate::engine::methods::{self, MethodResult};
use crate::engine::shape::Cache;
use crate::error::McpError;

impl Connection {
    /// Runs a handler-backed method (`tools/call`, `resources/read`,
    /// `prompts/get`, `completion/complete`).
    pub(super) fn dispatch_call(
        &self,
        scope: Scope,
        method: &str,
        params: Map<String, Value>,
        shared_connection: bool,
    ) -> Reply {
        let shared = &self.inner.shared;
        let id = scope.id.clone();
        // A request that came through middleware has its token already.
        let token = if shared_connection {
            CancellationToken::new()
        } else {
            self.lock_in_flight().entry(id.clone()).or_default().clone()
        };
        let mut params = params;
        let (interaction, mrtr) = match self.interaction(&scope, method, &mut params) {
            Ok(i) => i,
            Err(e) => {
                if !shared_connection {
                    self.lock_in_flight().remove(&id);
                }
                return error_reply(Some(&id), &e.into_error_object());
            }
        };
        let version = scope.version;
        // Fields are only evaluated when a subscriber wants the span.
        let span = tracing::debug_span!(
            "mcp.request",
            method,
            target = %params
                .get("name")
                .or_else(|| params.get("uri"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default(),
            id = %id,
            protocol = %version,
            // W3C trace context from `_meta`, for correlating with the caller's trace.
            traceparent = scope.meta.get().get("traceparent").and_then(serde_json::Value::as_str).unwrap_or_default(),
            outcome = tracing::field::Empty,
        );
        // Only a `_meta` naming a trace parent has one to adopt: others stay unparsed.
        if cfg!(feature = "otel") && scope.meta.raw().is_some_and(|m| m.contains("traceparent")) {
            crate::telemetry::adopt_parent(&span, scope.meta.get());
        }
        // The scope is not needed after this: its `_meta` moves into the context.
        let limit = shared.options.call_timeout.unwrap_or_else(|| {
            scope
                .http
                .is_some()
                .then_some(crate::engine::DEFAULT_HTTP_CALL_TIMEOUT)
        });
        let method_name: std::borrow::Cow<'static, str> = match method {
            "tools/call" => "tools/call".into(),
            "resources/read" => "resources/read".into(),
            "prompts/get" => "prompts/get".into(),
            "completion/complete" => "completion/complete".into(),
            other => other.to_owned().into(),
        };
        let cx = self.context_owned(scope, token.clone(), interaction);
        let log_scope = crate::telemetry::bridge_installed().then(|| cx.clone());
        use crate::telemetry::in_handler_scope;
        let fut = match method {
            "tools/call" => Call::Tool(in_handler_scope(
                log_scope,
                methods::call_tool_result(shared, params, cx),
            )),
            "resources/read" => Call::Other(in_handler_scope(
                log_scope,
                methods::read_resource(shared, params, cx),
            )),
            "prompts/get" => Call::Other(in_handler_scope(
                log_scope,
                methods::get_prompt(shared, params, cx),
            )),
            "completion/complete" => {
                Call::Other(in_handler_scope(log_scope, methods::complete(shared, params, cx)))
            }
            // A method an extension adds (dispatch checked it exists).
            other => {
                let run = shared
                    .options
                    .extensions
                    .method(other, version)
                    .and_then(|m| match &m.serve {
                        crate::engine::extensions::Serve::Handler(run) => Some(Arc::clone(run)),
                        crate::engine::extensions::Serve::Engine(_) => None,
                    });
                let name = other.to_owned();
                Call::Other(in_handler_scope(
                    log_scope,
                    Box::pin(async move {
                        let Some(run) = run else {
                            return Err(McpError(mcp_serve_core::jsonrpc::ErrorObject::method_not_found(
                                &name,
                            )));
                        };
                        run(params, cx).await.map(|v| (v, Cache::No))
                    }),
                ))
            }
        };
        let conn = self.clone();
        Reply::Later(Box::pin(
            async move {
                let started = std::time::Instant::now();
                let fut = fut.run();
                let fut = async move {
                    let Some(limit) = limit else { return fut.await };
                    match tokio::time::timeout(limit, fut).await {
                        Ok(done) => done,
                        Err(_) => timed_out(&method_name, limit),
                    }
                };
                // On a shared connection the token is never registered, so
                // nothing can cancel it (closing the response drops this
                // future instead): no need to wait on it.
                let result = match mrtr {
                    None if shared_connection => Some(fut.await),
                    None => tokio::select! {
                        biased;
                        () = token.cancelled() => None,
                        r = fut => Some(r),
                    },
                    Some((mrtr, digest)) => tokio::select! {
                        biased;
                        () = token.cancelled(), if !shared_connection => None,
                        r = fut => Some(r),
                        () = mrtr.needed.notified() => {
                            Some(Done::Other(Ok(input_required(&conn.inner.shared.state_keys, &mrtr, &digest).await)))
                        }
                    },
                };
                if !shared_connection {
                    conn.lock_in_flight().remove(&id);
                }
                let outcome = match &result {
                    None => "cancelled",
                    Some(Done::Tool(Ok(_)) | Done::Other(Ok(_))) => "ok",
                    Some(Done::Tool(Err(_)) | Done::Other(Err(_))) => "error",
                };
                tracing::Span::current().record("outcome", outcome);
                tracing::debug!(
                    elapsed_us = started.elapsed().as_micros() as u64,
                    "request finished"
                );
                // A cancelled request gets no response.
                Some(match result? {
                    Done::Tool(r) => conn.finish_tool(&id, version, r),
                    Done::Other(r) => conn.finish(&id, version, r),
                })
            }
            .instrument(span),
        ))
    }

    /// [`Connection::finish`] for a `tools/call`: the common result (text
    /// blocks only) is written straight from its type.
    fn finish_tool(
        &self,
        id: &RequestId,
        version: ProtocolVersion,
        result: Result<mcp_serve_core::types::CallToolResult, McpError>,
    ) -> Answer {
        match result {
            Ok(r) => match crate::engine::shape::encode_text_result(&self.inner.shared, id, version, &r) {
                Some(bytes) => Answer { bytes, error: None },
                None => self.finish(id, version, Ok((methods::to_value(&r), Cache::No))),
            },
            Err(e) => self.finish(id, version, Err(e)),
        }
    }

    /// How handlers of this request ask the client for input: server→client
    /// requests on a legacy connection, MRTR for modern requests (whose
    /// `inputResponses` and `requestState` are taken out of `params` here).
    #[allow(clippy::type_complexity)]
    pub(in crate::engine) fn interaction(
        &self,
        scope: &Scope,
        method: &str,
        params: &mut Map<String, Value>,
    ) -> Result<(Interaction, Option<(Arc<Mrtr>, Digest)>), McpError> {
        if scope.version.is_legacy() {
            return Ok((Some(Arc::clone(&self.inner.requests) as _), None));
        }
        let responses = params.remove("inputResponses");
        let state = params.remove("requestState");
        let method: &'static str = match method {
            "tools/call" => "tools/call",
            "resources/read" => "resources/read",
            "prompts/get" => "prompts/get",
            _ => return Ok((None, None)),
        };
        let subject = scope.caller();
        let (mut answers, digest) = match state {
            None | Some(Value::Null) => (
                Map::new(),
                Digest::Deferred {
                    method,
                    params: scope.params_raw.clone(),
                    subject,
                },
            ),
            Some(Value::String(s)) => {
                let digest = crate::engine::input::bound_to(
                    crate::engine::input::request_digest(method, params),
                    subject.as_deref(),
                );
                let answers = crate::engine::input::verify_state(&self.inner.shared.state_keys, &digest, &s)?;
                (answers, Digest::Ready(digest))
            }
            Some(_) => return Err(McpError::invalid_params("requestState: must be a string")),
        };
        match responses {
            None | Some(Value::Null) => {}
            Some(Value::Object(new)) => answers.extend(new),
            Some(_) => return Err(McpError::invalid_params("inputResponses: must be an object")),
        }
        let mrtr = Arc::new(Mrtr::new(answers));
        Ok((Some(Arc::clone(&mrtr) as _), Some((mrtr, digest))))
    }

    pub(in crate::engine) fn context(
        &self,
        scope: &Scope,
        cancel: CancellationToken,
        interaction: Interaction,
    ) -> crate::context::Context {
        self.context_owned(scope.clone(), cancel, interaction)
    }

    /// [`Connection::context`] for a scope that is no longer needed.
    pub(super) fn context_owned(
        &self,
        scope: Scope,
        cancel: CancellationToken,
        interaction: Interaction,
    ) -> crate::context::Context {
        self.task_context(scope, cancel, interaction, None)
    }

    /// [`Connection::context_owned`] for a handler that runs as a legacy
    /// task: its messages name the task, and its input requests move the
    /// task to `input_required` until answered.
    pub(super) fn task_context(
        &self,
        scope: Scope,
        cancel: CancellationToken,
        interaction: Interaction,
        task: Option<Arc<crate::engine::tasks::TaskEntry>>,
    ) -> crate::context::Context {
        self.request_context(Some(scope.id.clone()), scope, cancel, interaction, task)
    }

    /// The [`Context`](crate::context::Context) of a request (`id`), or of
    /// a notification (no id).
    pub(super) fn request_context(
        &self,
        id: Option<RequestId>,
        scope: Scope,
        cancel: CancellationToken,
        interaction: Interaction,
        task: Option<Arc<crate::engine::tasks::TaskEntry>>,
    ) -> crate::context::Context {
        crate::context::Context {
            inner: Arc::new(crate::context::RequestInfo {
                id,
                meta: scope.meta,
                version: scope.version,
                client_info: scope.client_info,
                client_capabilities: scope.capabilities,
                log_level: scope.log_level,
                http: scope.http,
                served: Arc::clone(&self.inner.shared) as _,
                peer: scope
                    .stream
                    .map_or_else(|| self.inner.peer.clone(), |s| Peer(Some(s))),
                cancel,
                interaction,
                task: task.map(|t| t as _),
                last_progress: std::sync::Mutex::new(None),
            }),
        }
    }
}

/// The `InputRequiredResult` for a handler stopped by missing input: every
/// input request it (and any concurrent branch of it) made, and the answers
/// so far, signed.
pub(in crate::engine) async fn input_required(
    keys: &crate::engine::RequestStateKeys,
    mrtr: &Mrtr,
    digest: &Digest,
) -> (Value, Cache) {
    // Let concurrently started input requests of the same handler register.
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    let requests: Map<String, Value> = mrtr.take_pending().into_iter().collect();
    let state = crate::engine::input::sign_state(keys, &digest.get(), &mrtr.answers());
    (
        json!({ "resultType": "input_required", "inputRequests": requests, "requestState": state }),
        Cache::No,
    )
}

/// A handler-backed call: `tools/call` keeps its result typed.
enum Call {
    Tool(BoxFuture<'static, Result<mcp_serve_core::types::CallToolResult, McpError>>),
    Other(BoxFuture<'static, MethodResult>),
}

enum Done {
    Tool(Result<mcp_serve_core::types::CallToolResult, McpError>),
    Other(MethodResult),
}

/// The answer to a call stopped by the call timeout: for a tool, a result
/// the model can read.
fn timed_out(method: &str, limit: std::time::Duration) -> Done {
    let message = timeout_message(method, limit);
    if method == "tools/call" {
        Done::Tool(Ok(crate::error::ToolError::new(message).into_result()))
    } else {
        Done::Other(Err(McpError::internal(message)))
    }
}

/// What a call stopped by the call timeout says, logged as a warning.
pub(super) fn timeout_message(method: &str, limit: std::time::Duration) -> String {
    tracing::warn!(target: "mcp_serve::handler", method, limit_s = limit.as_secs_f64(), "call timed out");
    format!(
        "{method} did not finish within {} s and was stopped",
        limit.as_secs_f64()
    )
}

impl Call {
    async fn run(self) -> Done {
        match self {
            Call::Tool(f) => Done::Tool(f.await),
            Call::Other(f) => Done::Other(f.await),
        }
    }
}
