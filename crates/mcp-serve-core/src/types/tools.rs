//! Tools: `tools/list`, `tools/call` and their types.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serde_util::message;
use super::{
    CacheScope, ContentBlock, Cursor, Icon, InputResponses, JsonObject, NotificationParams,
    PaginatedRequestParams, ResultType, TaskMetadata,
};
use crate::meta::Meta;

/// Hints about a tool's behaviour (`ToolAnnotations`, `2025-03-26`+). Untrusted
/// unless the server is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolAnnotations {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool does not modify its environment (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may destroy data (default `true`; meaningful when not read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Repeating a call with the same arguments has no further effect (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool interacts with an open world of external entities (default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// Whether a tool may be called as a task (`ToolExecution.taskSupport`, `2025-11-25`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSupport {
    /// Must not be called as a task (the default).
    Forbidden,
    /// May be called as a task.
    Optional,
    /// Must be called as a task.
    Required,
}

/// Execution properties of a tool (`ToolExecution`, `2025-11-25` only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolExecution {
    /// Whether the tool supports task-augmented calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_support: Option<TaskSupport>,
}

fn default_input_schema() -> Value {
    serde_json::json!({ "type": "object" })
}

/// A tool the server offers (`Tool`).
///
/// `title` is new in `2025-06-18` (before it, only `annotations.title`),
/// `annotations` in `2025-03-26`, `outputSchema` in `2025-06-18`, `icons` and
/// `execution` in `2025-11-25` (`execution` is gone again in `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tool {
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the tool does, for the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments; `"type": "object"` (the default when absent).
    #[serde(default = "default_input_schema")]
    pub input_schema: Value,
    /// JSON Schema of `structuredContent` (`2025-06-18`+; any type from `2026-07-28`,
    /// an object schema before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Behaviour hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
    /// Task support (`2025-11-25` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ToolExecution>,
    /// Icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: String::new(),
            title: None,
            description: None,
            input_schema: default_input_schema(),
            output_schema: None,
            annotations: None,
            execution: None,
            icons: None,
            meta: None,
        }
    }
}

impl Tool {
    /// A tool with a name, a description and an input schema `{"type": "object"}`.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Tool {
            name: name.into(),
            description: Some(description.into()),
            ..Default::default()
        }
    }
}

/// Parameters of `tools/call` (`CallToolRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallToolRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The tool to call.
    pub name: String,
    /// The arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<JsonObject>,
    /// Answers to the input requests of an earlier `input_required` result (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_responses: Option<InputResponses>,
    /// The `requestState` of an earlier `input_required` result, echoed (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// Run the call as a task (`2025-11-25` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
}

message!(
    /// `tools/call`: invokes a tool.
    CallToolRequest, "tools/call", required CallToolRequestParams
);

/// The result of `tools/call` (`CallToolResult`).
///
/// `structuredContent` is new in `2025-06-18` (an object until `2025-11-25`, any
/// JSON value from `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallToolResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"` for modern clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// Unstructured result content.
    pub content: Vec<ContentBlock>,
    /// Structured result, matching the tool's `outputSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Whether the call failed (errors the model should see; default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
}

impl CallToolResult {
    /// A successful result with these content blocks.
    pub fn success(content: Vec<ContentBlock>) -> Self {
        CallToolResult {
            content,
            ..Default::default()
        }
    }

    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::success(vec![ContentBlock::text(text)])
    }

    /// A failed result (`isError: true`) with these content blocks.
    pub fn error(content: Vec<ContentBlock>) -> Self {
        CallToolResult {
            content,
            is_error: Some(true),
            ..Default::default()
        }
    }

    /// A failed result (`isError: true`) with one text block.
    pub fn error_text(text: impl Into<String>) -> Self {
        Self::error(vec![ContentBlock::text(text)])
    }

    /// A successful result with structured content, mirrored as JSON text in
    /// `content` for clients that do not read `structuredContent`.
    pub fn structured(value: Value) -> Self {
        CallToolResult {
            content: vec![ContentBlock::text(value.to_string())],
            structured_content: Some(value),
            ..Default::default()
        }
    }
}

message!(
    /// `tools/list`: lists the server's tools.
    ListToolsRequest, "tools/list", optional PaginatedRequestParams
);

/// The result of `tools/list` (`ListToolsResult`; cacheable from `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListToolsResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"` for modern clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// The tools of this page.
    pub tools: Vec<Tool>,
    /// Cursor of the next page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Cursor>,
    /// How long the result may be cached, in milliseconds (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
    /// Who may cache the result (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_scope: Option<CacheScope>,
}

message!(
    /// `notifications/tools/list_changed`: the tool list changed.
    ToolListChangedNotification, "notifications/tools/list_changed", optional NotificationParams
);

impl ToolExecution {
    /// How a tool runs: whether it supports task-augmented calls.
    ///
    /// ```
    /// use mcp_serve_core::types::{TaskSupport, ToolExecution};
    /// let e = ToolExecution::new(TaskSupport::Optional);
    /// assert_eq!(e.task_support, Some(TaskSupport::Optional));
    /// ```
    pub fn new(task_support: TaskSupport) -> Self {
        ToolExecution {
            task_support: Some(task_support),
        }
    }
}
