//! How each era carries a handler's input requests (`Context::elicit`,
//! `sample`, `roots`): the engine's side of
//! [`AskClient`](crate::context::AskClient). Legacy sessions send a real
//! request to the client and wait for its answer; modern clients get a
//! multi round-trip request (see `input`).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use mcp_serve_core::jsonrpc::{Request, RequestId};
use serde_json::{Value, json};

use super::input::{Mrtr, PendingRequests};
use super::tasks::TaskEntry;
use crate::context::{AskClient, Context, Peer, RunningTask, Served};
use crate::error::McpError;

/// How long a legacy client has to answer a server request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

impl AskClient for Mrtr {
    fn ask<'a>(
        &'a self,
        _cx: &'a Context,
        key: Option<&'a str>,
        method: &'a str,
        params: Value,
    ) -> BoxFuture<'a, Result<Value, McpError>> {
        Box::pin(async move {
            let key = key.map_or_else(|| self.next_key(method), str::to_owned);
            if let Some(answer) = self.answer(&key) {
                return Ok(answer);
            }
            self.need(key.clone(), json!({ "method": method, "params": params }));
            // Plain MRTR: the engine now answers InputRequiredResult and
            // drops this handler. In a task: the answer comes with tasks/update.
            Ok(self.wait(&key).await)
        })
    }

    fn begin_task(&self) -> bool {
        self.request_begin()
    }
}

impl AskClient for PendingRequests {
    fn ask<'a>(
        &'a self,
        cx: &'a Context,
        _key: Option<&'a str>,
        method: &'a str,
        params: Value,
    ) -> BoxFuture<'a, Result<Value, McpError>> {
        Box::pin(ask_session(self, None, cx, method, params))
    }
}

/// A legacy request that runs as a task: its input requests move the task to
/// `input_required` until they are answered.
pub(crate) struct TaskAsk {
    pub(crate) requests: Arc<PendingRequests>,
    pub(crate) task: Arc<TaskEntry>,
}

impl AskClient for TaskAsk {
    fn ask<'a>(
        &'a self,
        cx: &'a Context,
        _key: Option<&'a str>,
        method: &'a str,
        params: Value,
    ) -> BoxFuture<'a, Result<Value, McpError>> {
        Box::pin(ask_session(&self.requests, Some(&self.task), cx, method, params))
    }
}

/// Sends a server→client request on the session and waits for the answer.
async fn ask_session(
    pending: &PendingRequests,
    task: Option<&Arc<TaskEntry>>,
    cx: &Context,
    method: &str,
    params: Value,
) -> Result<Value, McpError> {
    let peer = &cx.inner.peer;
    if peer.0.is_none() {
        return Err(McpError::internal(
            "this transport cannot carry requests to the client",
        ));
    }
    let (id, answer) = pending.register();
    // Forget the request however this future ends (answered, cancelled, dropped).
    struct Forget<'a>(&'a PendingRequests, RequestId);
    impl Drop for Forget<'_> {
        fn drop(&mut self) {
            self.0.forget(&self.1);
        }
    }
    let _forget = Forget(pending, id.clone());
    let mut params = params;
    cx.tag_task(&mut params);
    // A task waiting for this answer is `input_required` until it comes.
    let waiting = match task {
        Some(task) => Some(InputWait::new(task, peer).await),
        None => None,
    };
    let frame =
        serde_json::to_vec(&Request::new(id.clone(), method, Some(params))).map_err(McpError::internal)?;
    peer.send(frame).await;
    let outcome = tokio::select! {
        r = answer => r.map_err(|_| McpError::internal("the connection closed before the client answered")),
        () = cx.cancelled() => Err(McpError::internal("the request was cancelled")),
        () = tokio::time::sleep(ANSWER_TIMEOUT) => Err(McpError::internal(format!("the client did not answer {method} in time"))),
    };
    if let Some(waiting) = waiting {
        // Recorded before the handler goes on, so `working` precedes its end.
        waiting.done().await;
    }
    outcome?.map_err(McpError::from)
}

/// Holds a legacy task in `input_required` while one of its input requests
/// is unanswered, and tells the client of each status change
/// (`notifications/tasks/status`, advisory).
struct InputWait {
    task: Arc<TaskEntry>,
    peer: Peer,
    settled: bool,
}

impl InputWait {
    async fn new(task: &Arc<TaskEntry>, peer: &Peer) -> Self {
        task.input_asked();
        if let Some(t) = task.sync_input_status().await {
            tell(peer, &t);
        }
        InputWait {
            task: Arc::clone(task),
            peer: peer.clone(),
            settled: false,
        }
    }

    /// The request was answered (or given up).
    async fn done(mut self) {
        self.settled = true;
        self.task.input_settled();
        if let Some(t) = self.task.sync_input_status().await {
            tell(&self.peer, &t);
        }
    }
}

/// Not awaited (this also runs after `Drop`): when the client is not
/// reading, a status change can be missed; `tasks/get` still tells.
fn tell(peer: &Peer, t: &crate::tasks::TaskRecord) {
    if let Some(tx) = &peer.0 {
        let _ = tx.try_send(super::tasks::legacy::status_notification(t));
    }
}

impl Drop for InputWait {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // Dropped while waiting (the handler was cancelled).
        self.task.input_settled();
        let task = Arc::clone(&self.task);
        let peer = self.peer.clone();
        // The store is async; the change is ordered after the one `new` made
        // by the task's status lock.
        tokio::spawn(async move {
            if let Some(t) = task.sync_input_status().await {
                tell(&peer, &t);
            }
        });
    }
}

impl RunningTask for TaskEntry {
    fn id(&self) -> String {
        TaskEntry::id(self)
    }
}

impl Served for super::Shared {
    fn state(&self) -> &crate::context::StateMap {
        &self.state
    }

    fn tags_of(&self, method: &str, name: &str) -> Vec<String> {
        let catalog = self.catalog.load();
        match method {
            "tools/call" => catalog.tools.get(name).map(|t| t.tags.clone()),
            "prompts/get" => catalog.prompts.get(name).map(|p| p.tags.clone()),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                catalog.find_resource(name).map(|(r, _)| r.source.tags.clone())
            }
            "resources/templates/list" => catalog.templates.get(name).map(|t| t.source.tags.clone()),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn read_resource(
        &self,
        uri: &str,
        cx: Context,
    ) -> BoxFuture<'static, Result<Vec<mcp_serve_core::types::ResourceContents>, McpError>> {
        let found = self.catalog.load().find_resource(uri);
        let Some((entry, vars)) = found else {
            let err = McpError::resource_not_found(uri);
            return Box::pin(std::future::ready(Err(err)));
        };
        let vars = vars
            .into_iter()
            .map(|(k, v)| {
                let v = super::catalog::coerce(&entry.typed_vars, &k, v);
                (k, v)
            })
            .collect();
        (entry.handler)(uri.to_owned(), vars, cx)
    }

    fn is_search_call(&self, name: &str) -> bool {
        self.catalog
            .load()
            .search
            .as_ref()
            .is_some_and(|s| s.is_call(name))
    }

    fn tool_annotations(&self, name: &str) -> Option<mcp_serve_core::types::ToolAnnotations> {
        self.catalog.load().tools.get(name)?.def.annotations.clone()
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}
