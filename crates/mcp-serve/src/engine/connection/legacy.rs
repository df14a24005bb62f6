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
    /// Tags the session's tasks in the task store (random, so unguessable,
    /// and kept with the session so every replica finds its tasks).
    pub(super) task_key: String,
}

/// A fresh session task key.
pub(super) fn new_task_key() -> String {
    format!("{:032x}", rand::random::<u128>())
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
            task_key: new_task_key(),
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
                let ttl_ms = t.get("ttl").and_then(Value::as_u64);
                let Some(session) = self.inner.legacy.get().map(|s| s.task_key.clone()) else {
                    return Some(error_reply(
                        Some(&scope.id),
                        &ErrorObject::invalid_request("tasks need an initialized session"),
                    ));
                };
                let conn = self.clone();
                let scope = scope.clone();
                let mut call_params = params.clone();
                call_params.remove("task");
                Some(Reply::Later(Box::pin(async move {
                    Some(conn.start_task(&scope, &session, ttl_ms, call_params).await)
                })))
            }
        }
    }

    /// Creates a legacy task (durably: a `tasks/get` right after, on any
    /// replica, finds it), starts its work, and answers `CreateTaskResult`.
    async fn start_task(
        &self,
        scope: &Scope,
        session: &str,
        ttl_ms: Option<u64>,
        call_params: Map<String, Value>,
    ) -> Answer {
        let shared = Arc::clone(&self.inner.shared);
        let entry = match self
            .inner
            .tasks
            .create(&shared, session, ttl_ms, &self.inner.session_end)
            .await
        {
            Ok(e) => e,
            Err(e) => return answer_error(&scope.id, &e),
        };
        let record = match crate::engine::tasks::legacy::read(&shared, session, &entry.id()).await {
            Ok(Some(t)) => t,
            Ok(None) => return answer_error(&scope.id, &crate::engine::tasks::legacy::unknown(&entry.id())),
            Err(e) => return answer_error(&scope.id, &e),
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
        let fut = methods::call_tool(&shared, call_params, cx);
        let work = Box::pin(async move { fut.await.map(|(v, _)| v).map_err(McpError::into_error_object) });
        let ttl = std::time::Duration::from_millis(record.ttl_ms);
        tokio::spawn(crate::engine::tasks::legacy::run(
            Arc::clone(&self.inner.tasks),
            entry,
            ttl,
            work,
            self.inner.peer.clone(),
        ));
        let task = serde_json::to_value(crate::engine::tasks::legacy::wire(&record)).unwrap_or(Value::Null);
        match encode_result(&scope.id, &json!({ "task": task })) {
            Ok(bytes) => Answer { bytes, error: None },
            Err(e) => answer_error(&scope.id, &ErrorObject::internal(e)),
        }
    }

    /// `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`: from the
    /// task store, so any replica serving the session answers.
    pub(super) fn task_method(&self, id: &RequestId, method: &str, params: &Map<String, Value>) -> Reply {
        use crate::engine::tasks::legacy;
        let Some(session) = self.inner.legacy.get().map(|s| s.task_key.clone()) else {
            return error_reply(
                Some(id),
                &ErrorObject::invalid_request("tasks need an initialized session"),
            );
        };
        let task_id = params.get("taskId").and_then(Value::as_str).map(str::to_owned);
        if method != "tasks/list" && task_id.is_none() {
            return error_reply(
                Some(id),
                &ErrorObject::invalid_params("missing required string field `taskId`"),
            );
        }
        let task_id = task_id.unwrap_or_default();
        let shared = Arc::clone(&self.inner.shared);
        let tasks = Arc::clone(&self.inner.tasks);
        let id = id.clone();
        let method = method.to_owned();
        Reply::Later(Box::pin(async move {
            let value = match method.as_str() {
                "tasks/list" => legacy::list(&shared, &tasks, &session)
                    .await
                    .map(|tasks| json!({ "tasks": tasks })),
                "tasks/get" => match legacy::read(&shared, &session, &task_id).await {
                    Ok(Some(t)) => Ok(serde_json::to_value(legacy::wire(&t)).unwrap_or(Value::Null)),
                    Ok(None) => Err(legacy::unknown(&task_id)),
                    Err(e) => Err(e),
                },
                "tasks/cancel" => legacy::cancel(&shared, &tasks, &session, &task_id)
                    .await
                    .map(|t| serde_json::to_value(t).unwrap_or(Value::Null)),
                _ => legacy::outcome(&shared, &tasks, &session, &task_id)
                    .await
                    .map(|mut v| {
                        if let Value::Object(m) = &mut v {
                            let meta = m.entry("_meta").or_insert_with(|| json!({}));
                            if let Value::Object(meta) = meta {
                                meta.insert(meta::RELATED_TASK.into(), json!({ "taskId": task_id }));
                            }
                        }
                        v
                    }),
            };
            Some(match value {
                Ok(v) => match encode_result(&id, &v) {
                    Ok(bytes) => Answer { bytes, error: None },
                    Err(e) => answer_error(&id, &ErrorObject::internal(e)),
                },
                Err(e) => answer_error(&id, &e),
            })
        }))
    }
}

fn answer_error(id: &RequestId, e: &ErrorObject) -> Answer {
    Answer {
        bytes: encode_error(Some(id), e),
        error: Some(e.code),
    }
}

fn encode(id: &RequestId, value: &Value) -> Reply {
    Reply::Now(encode_result(id, value).unwrap_or_else(|e| encode_error(Some(id), &ErrorObject::internal(e))))
}
