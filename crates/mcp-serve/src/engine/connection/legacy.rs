//! What only a legacy session has: the `initialize` handshake and the
//! session state it sets up (revision, client info and capabilities, log
//! level, resource subscriptions), `logging/setLevel`,
//! `resources/subscribe`/`unsubscribe`, and the session's task-augmented
//! `tools/call`s with their `tasks/*` methods (2025-11-25).

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::{ErrorObject, RequestId, encode_error, encode_result};
use mcp_serve_core::meta;
use mcp_serve_core::types::{ClientCapabilities, Implementation, LoggingLevel};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};

use super::params::DeserializeValue;
use super::{Answer, Connection, Reply, Scope, error_reply};
use crate::engine::methods::{self, MethodResult};
use crate::engine::shape::Cache;
use crate::error::McpError;

/// The state a legacy `initialize` sets up.
pub(super) struct LegacySession {
    pub(super) version: ProtocolVersion,
    pub(super) client_info: Option<Arc<Implementation>>,
    pub(super) capabilities: Arc<ClientCapabilities>,
    pub(super) initialized: AtomicBool,
    pub(super) log_level: Mutex<Option<LoggingLevel>>,
    /// URIs the client subscribed to with `resources/subscribe`.
    pub(super) subscriptions: Mutex<std::collections::HashSet<String>>,
    /// Bumped by every change to the above, so a transport that keeps
    /// sessions in a shared store knows when to save one.
    pub(super) generation: std::sync::atomic::AtomicU64,
}

impl LegacySession {
    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::Release);
    }
}

impl Connection {
    pub(super) fn initialize(
        &self,
        id: &RequestId,
        params: Map<String, Value>,
        has_modern_meta: bool,
    ) -> Reply {
        if has_modern_meta {
            // 2026-07-28 has no `initialize`: to a modern request it is an unknown method.
            return error_reply(
                Some(id),
                &ErrorObject::new(
                    code::METHOD_NOT_FOUND,
                    "Method not found: initialize (revision 2026-07-28 has no handshake; send requests directly, or server/discover)",
                ),
            );
        }
        if self.inner.legacy.get().is_some() {
            return error_reply(
                Some(id),
                &ErrorObject::invalid_request(
                    "this connection is already initialized; `initialize` may be sent only once",
                ),
            );
        }
        let requested = match params.get("protocolVersion").and_then(Value::as_str) {
            Some(v) => v.to_owned(),
            None => {
                return error_reply(
                    Some(id),
                    &ErrorObject::invalid_params(
                        "initialize: missing required string field `protocolVersion`",
                    ),
                );
            }
        };
        let capabilities = match params.get("capabilities") {
            None => ClientCapabilities::default(),
            Some(v) => match ClientCapabilities::deserialize_value(v) {
                Ok(c) => c,
                Err(e) => {
                    return error_reply(
                        Some(id),
                        &ErrorObject::invalid_params(format!("initialize: capabilities: {e}")),
                    );
                }
            },
        };
        let client_info = match params.get("clientInfo") {
            None => None,
            Some(v) => match serde_json::from_value::<Implementation>(v.clone()) {
                Ok(i) => Some(Arc::new(i)),
                Err(e) => {
                    return error_reply(
                        Some(id),
                        &ErrorObject::invalid_params(format!("initialize: clientInfo: {e}")),
                    );
                }
            },
        };
        let version = ProtocolVersion::negotiate_legacy(&requested);
        let session = LegacySession {
            version,
            client_info,
            capabilities: Arc::new(capabilities),
            initialized: AtomicBool::new(false),
            log_level: Mutex::new(None),
            subscriptions: Mutex::new(std::collections::HashSet::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        };
        if self.inner.legacy.set(session).is_err() {
            return error_reply(
                Some(id),
                &ErrorObject::invalid_request("this connection is already initialized"),
            );
        }
        let result = methods::initialize_result(&self.inner.shared, version);
        encode(id, &result)
    }

    /// `logging/setLevel`: the level of the log notifications this session gets.
    pub(super) fn set_level(&self, params: &Map<String, Value>) -> MethodResult {
        let level = params
            .get("level")
            .cloned()
            .map(serde_json::from_value::<LoggingLevel>);
        match level {
            Some(Ok(level)) => {
                if let Some(s) = self.inner.legacy.get() {
                    *s.log_level
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(level);
                    s.changed();
                }
                Ok((Value::Object(Map::new()), Cache::No))
            }
            Some(Err(e)) => Err(McpError::invalid_params(format!("level: {e}"))),
            None => Err(McpError::invalid_params("missing required field `level`")),
        }
    }

    /// `resources/subscribe` and `resources/unsubscribe`: which URIs this
    /// session hears `notifications/resources/updated` for.
    pub(super) fn subscribe(&self, method: &str, params: &Map<String, Value>) -> MethodResult {
        match (params.get("uri").and_then(Value::as_str), self.inner.legacy.get()) {
            (Some(uri), Some(s)) => {
                let mut subs = s
                    .subscriptions
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let changed = if method == "resources/subscribe" {
                    subs.insert(uri.to_owned())
                } else {
                    subs.remove(uri)
                };
                drop(subs);
                if changed {
                    s.changed();
                }
                Ok((Value::Object(Map::new()), Cache::No))
            }
            (None, _) => Err(McpError::invalid_params("missing required string field `uri`")),
            (Some(_), None) => Err(McpError::invalid_params(
                "resources/subscribe needs an initialized session",
            )),
        }
    }

    /// A legacy `tools/call` carrying `task`: starts it in the background and
    /// answers `CreateTaskResult` (or refuses, per the tool's `taskSupport`).
    pub(super) fn maybe_task(&self, scope: &Scope, params: &Map<String, Value>) -> Option<Reply> {
        use mcp_serve_core::types::TaskSupport;
        let name = params.get("name").and_then(Value::as_str)?;
        let support = self
            .inner
            .shared
            .catalog
            .load()
            .tools
            .get(name)
            .and_then(|t| t.def.execution.as_ref().and_then(|e| e.task_support))
            .unwrap_or(TaskSupport::Forbidden);
        let task = params.get("task").filter(|t| !t.is_null());
        match (task, support) {
            (None, TaskSupport::Required) => Some(error_reply(
                Some(&scope.id),
                &ErrorObject::new(
                    code::METHOD_NOT_FOUND,
                    format!("tool {name} must be called as a task (add `task` to the params)"),
                ),
            )),
            (None, _) => None,
            (Some(_), TaskSupport::Forbidden) => Some(error_reply(
                Some(&scope.id),
                &ErrorObject::new(
                    code::METHOD_NOT_FOUND,
                    format!("tool {name} does not support being called as a task"),
                ),
            )),
            (Some(t), _) => {
                let ttl = t.get("ttl").and_then(Value::as_u64);
                let entry = match self.inner.tasks.create(ttl, &self.inner.closed) {
                    Ok(e) => e,
                    Err(e) => return Some(error_reply(Some(&scope.id), &e)),
                };
                // The call outlives this request: its messages go to the session stream.
                let background = Scope {
                    id: scope.id.clone(),
                    version: scope.version,
                    meta: scope.meta.clone(),
                    client_info: scope.client_info.clone(),
                    capabilities: scope.capabilities.clone(),
                    log_level: scope.log_level,
                    http: scope.http.clone(),
                    stream: None,
                    params_raw: None,
                };
                let ask = crate::engine::ask::TaskAsk {
                    requests: Arc::clone(&self.inner.requests),
                    task: Arc::clone(&entry),
                };
                let cx = self.task_context(
                    background,
                    entry.cancel.clone(),
                    Some(Arc::new(ask)),
                    Some(Arc::clone(&entry)),
                );
                let mut call_params = params.clone();
                call_params.remove("task");
                let fut = methods::call_tool(&self.inner.shared, call_params, cx);
                let runner = Arc::clone(&entry);
                let peer = self.inner.peer.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = runner.cancel.cancelled() => {}
                        r = fut => {
                            if runner.finish(r.map(|(v, _)| v).map_err(McpError::into_error_object)) {
                                // 2025-11-25 `notifications/tasks/status` (optional): the task ended.
                                peer.notify(runner.status_notification()).await;
                            }
                        }
                    }
                });
                let task = serde_json::to_value(entry.snapshot()).unwrap_or(Value::Null);
                Some(encode(&scope.id, &json!({ "task": task })))
            }
        }
    }

    /// `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`.
    pub(super) fn task_method(&self, id: &RequestId, method: &str, params: &Map<String, Value>) -> Reply {
        if method == "tasks/list" {
            let tasks = serde_json::to_value(self.inner.tasks.list()).unwrap_or(Value::Null);
            return encode(id, &json!({ "tasks": tasks }));
        }
        let Some(task_id) = params.get("taskId").and_then(Value::as_str) else {
            return error_reply(
                Some(id),
                &ErrorObject::invalid_params("missing required string field `taskId`"),
            );
        };
        let Some(entry) = self.inner.tasks.get(task_id) else {
            return error_reply(Some(id), &crate::engine::tasks::unknown(task_id));
        };
        let mut related = Map::new();
        related.insert(meta::RELATED_TASK.into(), json!({ "taskId": task_id }));
        let related = Value::Object(related);
        match method {
            "tasks/get" => encode(id, &serde_json::to_value(entry.snapshot()).unwrap_or(Value::Null)),
            "tasks/cancel" => {
                if !entry.cancel() {
                    return error_reply(
                        Some(id),
                        &ErrorObject::invalid_params(format!(
                            "task {task_id} has already ended and cannot be cancelled"
                        )),
                    );
                }
                encode(id, &serde_json::to_value(entry.snapshot()).unwrap_or(Value::Null))
            }
            _ => {
                let id = id.clone();
                Reply::Later(Box::pin(async move {
                    let bytes = match entry.outcome().await {
                        Ok(mut v) => {
                            if let Value::Object(m) = &mut v {
                                let meta = m.entry("_meta").or_insert_with(|| json!({}));
                                if let (Value::Object(meta), Value::Object(rel)) = (meta, related) {
                                    meta.extend(rel);
                                }
                            }
                            encode_result(&id, &v).unwrap_or_default()
                        }
                        Err(e) => encode_error(Some(&id), &e),
                    };
                    Some(Answer { bytes, error: None })
                }))
            }
        }
    }
}

fn encode(id: &RequestId, value: &Value) -> Reply {
    Reply::Now(encode_result(id, value).unwrap_or_else(|e| encode_error(Some(id), &ErrorObject::internal(e))))
}
