//! `tasks/get`, `tasks/update`, `tasks/cancel`, and the task watch behind
//! `notifications/tasks` on `subscriptions/listen`. All work on the store
//! only, so any replica sharing it serves them.

use std::sync::Arc;

use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::types::TaskStatus;
use serde_json::{Map, Value, json};

use super::modern::TaskRuntime;
use super::wire::{detailed, error_answer, rejected, result_answer, store_error, unknown};
use crate::engine::Shared;
use crate::engine::connection::{Reply, Scope};
use crate::tasks::TaskRecord;

/// Which task method.
#[derive(Clone, Copy)]
enum Op {
    Get,
    Update,
    Cancel,
}

/// `tasks/get`, `tasks/update`, `tasks/cancel` of a modern request.
pub(super) fn method(
    shared: &Arc<Shared>,
    scope: &Scope,
    method: &str,
    mut params: Map<String, Value>,
) -> Reply {
    let id = scope.id.clone();
    let op = match method {
        "tasks/get" => Op::Get,
        "tasks/update" => Op::Update,
        _ => Op::Cancel,
    };
    let task_id = match params.get("taskId") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return rejected(&id, &ErrorObject::invalid_params("taskId: must be a string")),
        None => {
            return rejected(
                &id,
                &ErrorObject::invalid_params("missing required string field `taskId`"),
            );
        }
    };
    let responses = if matches!(op, Op::Update) {
        match params.remove("inputResponses") {
            Some(Value::Object(m)) => m,
            Some(_) => {
                return rejected(
                    &id,
                    &ErrorObject::invalid_params("inputResponses: must be an object of answers by key"),
                );
            }
            None => {
                return rejected(
                    &id,
                    &ErrorObject::invalid_params("missing required field `inputResponses`"),
                );
            }
        }
    } else {
        Map::new()
    };
    let shared = Arc::clone(shared);
    let version = scope.version;
    let caller = scope.caller();
    Reply::Later(Box::pin(async move {
        // Another caller's task is as unknown as one that never was.
        let r = match owned_by(&shared.tasks, &task_id, caller.as_deref()).await {
            Err(e) => Err(e),
            Ok(()) => match op {
                Op::Get => get(&shared.tasks, &task_id).await,
                Op::Update => update(&shared.tasks, &task_id, responses).await,
                Op::Cancel => cancel(&shared.tasks, &task_id).await,
            },
        };
        Some(match r {
            Ok(v) => result_answer(&shared, &id, version, v),
            Err(e) => error_answer(&id, &e),
        })
    }))
}

/// Refuses a task that belongs to another subject than `caller`.
async fn owned_by(rt: &TaskRuntime, task_id: &str, caller: Option<&str>) -> Result<(), ErrorObject> {
    match rt.store().get(task_id).await {
        // A legacy session's task is not a modern request's to see.
        Ok(Some(t)) if t.session.is_some() => Err(unknown(task_id)),
        Ok(Some(t)) if t.owner.is_some() && t.owner.as_deref() != caller => Err(unknown(task_id)),
        Ok(_) => Ok(()),
        Err(e) => Err(store_error(&e)),
    }
}

async fn get(rt: &TaskRuntime, task_id: &str) -> Result<Value, ErrorObject> {
    match rt.read(task_id).await {
        Ok(Some(t)) => Ok(detailed(&t)),
        Ok(None) => Err(unknown(task_id)),
        Err(e) => Err(store_error(&e)),
    }
}

/// Accepts answers to outstanding input requests (others are ignored, as
/// SEP-2663 says); the task is `working` again once none is outstanding.
async fn update(
    rt: &TaskRuntime,
    task_id: &str,
    responses: Map<String, Value>,
) -> Result<Value, ErrorObject> {
    let mut bad = None;
    let r = rt
        .update(task_id, |t| {
            if t.status.is_terminal() {
                return false;
            }
            let mut changed = false;
            for (k, v) in &responses {
                if !t.input_requests.contains_key(k) {
                    continue;
                }
                if !v.is_object() {
                    bad = Some(k.clone());
                    return false;
                }
                t.input_requests.remove(k);
                t.input_responses.insert(k.clone(), v.clone());
                changed = true;
            }
            if changed && t.input_requests.is_empty() && t.status == TaskStatus::InputRequired {
                t.status = TaskStatus::Working;
                t.status_message = None;
            }
            changed
        })
        .await;
    if let Some(k) = bad {
        return Err(ErrorObject::invalid_params(format!(
            "inputResponses.{k}: must be an object (the result of the input request)"
        )));
    }
    match r {
        Ok(Some(_)) => {
            match rt.runner(task_id) {
                Some(runner) => runner.wake.notify_one(),
                None => rt.announce(task_id),
            }
            Ok(json!({}))
        }
        Ok(None) => Err(unknown(task_id)),
        Err(e) => Err(store_error(&e)),
    }
}

/// Cancels a task that has not ended (an ended one is acknowledged alike:
/// the ack is idempotent), and stops its work if it runs here.
async fn cancel(rt: &TaskRuntime, task_id: &str) -> Result<Value, ErrorObject> {
    let r = rt
        .update(task_id, |t| {
            if t.status.is_terminal() {
                return false;
            }
            t.status = TaskStatus::Cancelled;
            t.status_message = Some("cancelled by the client".into());
            t.input_requests.clear();
            true
        })
        .await;
    match r {
        Ok(Some(_)) => {
            match rt.runner(task_id) {
                Some(runner) => runner.cancel.cancel(),
                None => rt.announce(task_id),
            }
            Ok(json!({}))
        }
        Ok(None) => Err(unknown(task_id)),
        Err(e) => Err(store_error(&e)),
    }
}

/// Task ids one `subscriptions/listen` may watch.
pub(crate) const MAX_WATCHED: usize = 100;

/// The tasks a `subscriptions/listen` stream reports on (`notifications/tasks`).
///
/// Watched by polling the store at the poll interval rather than by a
/// process-local signal, so changes made on another replica are reported too.
pub(crate) struct TaskWatch {
    /// Task id and what was last reported of it (see `seen`).
    tasks: Vec<(String, u64)>,
}

/// A digest of what a client sees of a task: lease renewals change the
/// record's revision but are not news to report.
fn seen(t: &TaskRecord) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    detailed(t).to_string().hash(&mut h);
    h.finish()
}

impl TaskWatch {
    /// Watches the known, unexpired tasks among `ids` (at most
    /// [`MAX_WATCHED`]) that `caller` may see; the ack lists
    /// [`TaskWatch::ids`].
    pub(crate) async fn new(rt: &TaskRuntime, ids: &[String], caller: Option<&str>) -> Self {
        let mut tasks = Vec::new();
        for id in ids.iter().take(MAX_WATCHED) {
            if tasks.iter().any(|(t, _): &(String, u64)| t == id) {
                continue;
            }
            if let Ok(Some(t)) = rt.store().get(id).await {
                if t.session.is_none() && (t.owner.is_none() || t.owner.as_deref() == caller) {
                    let digest = seen(&t);
                    tasks.push((t.task_id, digest));
                }
            }
        }
        TaskWatch { tasks }
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.tasks.iter().map(|(id, _)| id.clone()).collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The `notifications/tasks` params (a `DetailedTask`) of every watched
    /// task that changed since the last call; tasks that ended or expired
    /// are reported (if ended) and then no longer watched.
    pub(crate) async fn changes(&mut self, rt: &TaskRuntime) -> Vec<Value> {
        let mut out = Vec::new();
        let mut keep = Vec::with_capacity(self.tasks.len());
        for (id, before) in std::mem::take(&mut self.tasks) {
            match rt.read(&id).await {
                Ok(Some(t)) => {
                    let now = seen(&t);
                    if now != before {
                        out.push(detailed(&t));
                    }
                    if !t.status.is_terminal() {
                        keep.push((id, now));
                    }
                }
                Ok(None) => {}
                // A failing store is tried again at the next tick.
                Err(_) => keep.push((id, before)),
            }
        }
        self.tasks = keep;
        out
    }
}
