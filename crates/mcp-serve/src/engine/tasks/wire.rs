//! The extension's wire shapes (SEP-2663 names: `ttlMs`, `pollIntervalMs`,
//! flat `CreateTaskResult`, `DetailedTask`) and its errors.

use mcp_serve_core::jsonrpc::{ErrorObject, RequestId, encode_error, encode_result};
use mcp_serve_core::types::TaskStatus;
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value, json};

use crate::engine::Shared;
use crate::engine::connection::{Answer, Reply};
use crate::engine::shape::{Cache, shape};
use crate::tasks::{TaskRecord, TaskStoreError};

pub(super) fn unknown(task_id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!(
        "Failed to retrieve task: Task not found (unknown, or expired and purged): {task_id}"
    ))
    .with_data(json!({ "taskId": task_id }))
}

pub(super) fn store_error(e: &TaskStoreError) -> ErrorObject {
    ErrorObject::internal(e)
}

pub(super) fn rejected(id: &RequestId, e: &ErrorObject) -> Reply {
    Reply::Rejected {
        bytes: encode_error(Some(id), e),
        code: e.code,
    }
}

pub(super) fn error_answer(id: &RequestId, e: &ErrorObject) -> Answer {
    Answer {
        bytes: encode_error(Some(id), e),
        error: Some(e.code),
    }
}

pub(super) fn result_answer(
    shared: &Shared,
    id: &RequestId,
    version: ProtocolVersion,
    mut value: Value,
) -> Answer {
    shape(shared, version, Cache::No, &mut value);
    match encode_result(id, &value) {
        Ok(bytes) => Answer { bytes, error: None },
        Err(e) => error_answer(id, &ErrorObject::internal(e)),
    }
}

/// The `Task` fields every task shape shares (SEP-2663 wire names).
pub(super) fn task_fields(t: &TaskRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("taskId".into(), json!(t.task_id));
    m.insert("status".into(), json!(t.status));
    if let Some(s) = &t.status_message {
        m.insert("statusMessage".into(), json!(s));
    }
    m.insert("createdAt".into(), json!(t.created_at));
    m.insert("lastUpdatedAt".into(), json!(t.last_updated_at));
    m.insert("ttlMs".into(), json!(t.ttl_ms));
    m.insert("pollIntervalMs".into(), json!(t.poll_interval_ms));
    m
}

/// `CreateTaskResult`: `Result & Task`, flat, `resultType: "task"`.
pub(super) fn created(t: &TaskRecord) -> Value {
    let mut m = task_fields(t);
    m.insert("resultType".into(), json!("task"));
    Value::Object(m)
}

/// `DetailedTask`: the task plus what its status carries (outstanding input
/// requests, the result, the error).
pub(crate) fn detailed(t: &TaskRecord) -> Value {
    let mut m = task_fields(t);
    match t.status {
        TaskStatus::InputRequired => {
            m.insert("inputRequests".into(), Value::Object(t.input_requests.clone()));
        }
        TaskStatus::Completed => {
            m.insert("result".into(), t.result.clone().unwrap_or_else(|| json!({})));
        }
        TaskStatus::Failed => {
            let e = t
                .error
                .clone()
                .unwrap_or_else(|| ErrorObject::internal("the task failed"));
            m.insert("error".into(), serde_json::to_value(e).unwrap_or(Value::Null));
        }
        TaskStatus::Working | TaskStatus::Cancelled => {}
    }
    Value::Object(m)
}
