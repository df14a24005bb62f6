//! Tasks (`2025-11-25` core; an extension, [`meta::TASKS_EXTENSION`](crate::meta::TASKS_EXTENSION),
//! from `2026-07-28`): durable, pollable execution of `tools/call` and of
//! client-side sampling and elicitation.

use serde::{Deserialize, Serialize};

use super::serde_util::message;
use super::{Cursor, JsonObject, PaginatedRequestParams};
use crate::meta::Meta;

/// The state of a task (`TaskStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Being processed.
    #[default]
    Working,
    /// Waiting for input (elicitation or sampling).
    InputRequired,
    /// Done; the result is available.
    Completed,
    /// Failed (for tool calls, also a result with `isError: true`).
    Failed,
    /// Cancelled before completion.
    Cancelled,
}

impl TaskStatus {
    /// Whether the task has reached a final state.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

/// Asks for a request to run as a task (`TaskMetadata`, the `task` request param).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskMetadata {
    /// Requested retention after creation, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
}

/// Ties a message to a task (`RelatedTaskMetadata`, under `_meta["io.modelcontextprotocol/related-task"]`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RelatedTaskMetadata {
    /// The task.
    pub task_id: String,
}

/// A task (`Task`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The task's id.
    pub task_id: String,
    /// Its state.
    pub status: TaskStatus,
    /// A human-readable description of the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last status change.
    pub last_updated_at: String,
    /// Retention from creation in milliseconds; `null` (`None`) for unlimited.
    /// Always serialized.
    #[serde(default)]
    pub ttl: Option<u64>,
    /// Suggested polling interval in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<u64>,
}

/// The immediate result of a task-augmented request (`CreateTaskResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateTaskResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The created task.
    pub task: Task,
}

/// Parameters naming a task (`tasks/get`, `tasks/result`, `tasks/cancel`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetTaskRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The task.
    pub task_id: String,
}

/// Parameters of `tasks/result`.
pub type GetTaskPayloadRequestParams = GetTaskRequestParams;

/// Parameters of `tasks/cancel`.
pub type CancelTaskRequestParams = GetTaskRequestParams;

message!(
    /// `tasks/get`: polls a task.
    GetTaskRequest, "tasks/get", required GetTaskRequestParams
);

message!(
    /// `tasks/result`: waits for and fetches a task's result.
    GetTaskPayloadRequest, "tasks/result", required GetTaskPayloadRequestParams
);

message!(
    /// `tasks/cancel`: cancels a task.
    CancelTaskRequest, "tasks/cancel", required CancelTaskRequestParams
);

message!(
    /// `tasks/list`: lists tasks.
    ListTasksRequest, "tasks/list", optional PaginatedRequestParams
);

/// The result of `tasks/get` (`GetTaskResult = Result & Task`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetTaskResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The task.
    #[serde(flatten)]
    pub task: Task,
}

/// The result of `tasks/cancel` (`CancelTaskResult = Result & Task`).
pub type CancelTaskResult = GetTaskResult;

/// The result of `tasks/result` (`GetTaskPayloadResult`): the result of the
/// underlying request, as an open object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetTaskPayloadResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The underlying result's members.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// The result of `tasks/list` (`ListTasksResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListTasksResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The tasks of this page.
    pub tasks: Vec<Task>,
    /// Cursor of the next page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Cursor>,
}

/// Parameters of `notifications/tasks/status` (`NotificationParams & Task`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskStatusNotificationParams {
    /// Notification metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The task.
    #[serde(flatten)]
    pub task: Task,
}

message!(
    /// `notifications/tasks/status`: a task changed state.
    TaskStatusNotification, "notifications/tasks/status", required TaskStatusNotificationParams
);

impl Task {
    /// A task created (and last updated) at `created_at` (RFC 3339).
    ///
    /// ```
    /// use mcp_serve_core::types::{Task, TaskStatus};
    /// let t = Task::new("t1", TaskStatus::Working, "2026-01-01T00:00:00Z");
    /// assert_eq!(t.last_updated_at, t.created_at);
    /// ```
    pub fn new(task_id: impl Into<String>, status: TaskStatus, created_at: impl Into<String>) -> Self {
        let created_at = created_at.into();
        Task {
            task_id: task_id.into(),
            status,
            status_message: None,
            last_updated_at: created_at.clone(),
            created_at,
            ttl: None,
            poll_interval: None,
        }
    }
}
