//! Sampling: `sampling/createMessage` (a client feature; in `2026-07-28` only
//! an input request inside an `input_required` result).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serde_util::{self, message};
use super::{AudioContent, ContentBlock, ImageContent, JsonObject, Role, TaskMetadata, TextContent, Tool};
use crate::meta::Meta;

/// A hint for model selection (`ModelHint`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelHint {
    /// A model name or substring of one, e.g. `"claude-3-5-sonnet"` or `"sonnet"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The server's preferences for model selection (`ModelPreferences`); priorities are 0–1.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelPreferences {
    /// Model hints, in order of preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hints: Option<Vec<ModelHint>>,
    /// How much cost matters.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub cost_priority: Option<f64>,
    /// How much speed matters.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub speed_priority: Option<f64>,
    /// How much capability matters.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub intelligence_priority: Option<f64>,
}

/// Which MCP context to include in the prompt (`includeContext`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IncludeContext {
    /// `"none"`.
    None,
    /// `"thisServer"` (deprecated in `2026-07-28`).
    ThisServer,
    /// `"allServers"` (deprecated in `2026-07-28`).
    AllServers,
}

/// How the model may use tools (`ToolChoice.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolChoiceMode {
    /// The model decides (the default).
    Auto,
    /// The model must use a tool.
    Required,
    /// The model must not use tools.
    None,
}

/// How the model may use the offered tools (`ToolChoice`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolChoice {
    /// The mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ToolChoiceMode>,
}

/// The model asks to call a tool (`ToolUseContent`, `"type": "tool_use"`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolUseContent {
    /// Id of this tool use, echoed by the [`ToolResultContent`].
    pub id: String,
    /// The tool.
    pub name: String,
    /// The arguments.
    pub input: JsonObject,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// The result of a tool use (`ToolResultContent`, `"type": "tool_result"`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolResultContent {
    /// The `id` of the [`ToolUseContent`].
    pub tool_use_id: String,
    /// Unstructured result.
    pub content: Vec<ContentBlock>,
    /// Structured result (an object in `2025-11-25`, any JSON from `2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Whether the tool use failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// A content block of a sampling message (`SamplingMessageContentBlock`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SamplingMessageContentBlock {
    /// `"text"`.
    Text(TextContent),
    /// `"image"`.
    Image(ImageContent),
    /// `"audio"` (`2025-03-26`+).
    Audio(AudioContent),
    /// `"tool_use"` (`2025-11-25`+).
    ToolUse(ToolUseContent),
    /// `"tool_result"` (`2025-11-25`+).
    ToolResult(ToolResultContent),
}

impl SamplingMessageContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        SamplingMessageContentBlock::Text(TextContent::new(text))
    }
}

/// The content of a sampling message: one block or (from `2025-11-25`) several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SamplingContent {
    /// A single block.
    Single(SamplingMessageContentBlock),
    /// Several blocks (`2025-11-25`+).
    Multiple(Vec<SamplingMessageContentBlock>),
}

impl SamplingContent {
    /// The blocks, one or several.
    pub fn blocks(&self) -> &[SamplingMessageContentBlock] {
        match self {
            SamplingContent::Single(b) => std::slice::from_ref(b),
            SamplingContent::Multiple(v) => v,
        }
    }
}

impl From<SamplingMessageContentBlock> for SamplingContent {
    fn from(b: SamplingMessageContentBlock) -> Self {
        SamplingContent::Single(b)
    }
}

impl From<Vec<SamplingMessageContentBlock>> for SamplingContent {
    fn from(v: Vec<SamplingMessageContentBlock>) -> Self {
        SamplingContent::Multiple(v)
    }
}

/// A message of a sampling conversation (`SamplingMessage`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SamplingMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: SamplingContent,
    /// Metadata (`2025-11-25`+).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl SamplingMessage {
    /// A text message from the user.
    pub fn user_text(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::User,
            content: SamplingMessageContentBlock::text(text).into(),
            meta: None,
        }
    }

    /// A text message from the assistant.
    pub fn assistant_text(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::Assistant,
            content: SamplingMessageContentBlock::text(text).into(),
            meta: None,
        }
    }
}

/// Parameters of `sampling/createMessage` (`CreateMessageRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateMessageRequestParams {
    /// Request metadata (legacy revisions; `2026-07-28` input requests have none).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The conversation.
    pub messages: Vec<SamplingMessage>,
    /// Model preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_preferences: Option<ModelPreferences>,
    /// A system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Which MCP context to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_context: Option<IncludeContext>,
    /// Sampling temperature.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub temperature: Option<f64>,
    /// The maximum number of tokens to sample.
    pub max_tokens: u64,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Provider-specific metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<JsonObject>,
    /// Tools the model may use (`2025-11-25`+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// How the model may use them (`2025-11-25`+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// Run as a task (`2025-11-25` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
}

message!(
    /// `sampling/createMessage`: asks the client to sample from a model.
    CreateMessageRequest, "sampling/createMessage", required CreateMessageRequestParams
);

/// Why sampling stopped (`stopReason`); unknown values are kept in [`StopReason::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    /// `"endTurn"`.
    EndTurn,
    /// `"stopSequence"`.
    StopSequence,
    /// `"maxTokens"`.
    MaxTokens,
    /// `"toolUse"` (`2025-11-25`+).
    ToolUse,
    /// Any other reason.
    #[serde(untagged)]
    Other(String),
}

/// The client's answer to `sampling/createMessage` (`CreateMessageResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateMessageResult {
    /// Result metadata (legacy revisions).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Who speaks (the assistant).
    pub role: Role,
    /// What was sampled (a single block before `2025-11-25`).
    pub content: SamplingContent,
    /// The model used.
    pub model: String,
    /// Why sampling stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
}

impl CreateMessageRequestParams {
    /// A sampling request for this conversation, answered in at most
    /// `max_tokens` tokens.
    ///
    /// ```
    /// use mcp_serve_core::types::{CreateMessageRequestParams, SamplingMessage};
    /// let p = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("hi")], 100);
    /// assert_eq!(p.max_tokens, 100);
    /// ```
    pub fn new(messages: Vec<SamplingMessage>, max_tokens: u64) -> Self {
        CreateMessageRequestParams {
            messages,
            max_tokens,
            ..Default::default()
        }
    }

    /// With a system prompt.
    ///
    /// ```
    /// use mcp_serve_core::types::{CreateMessageRequestParams, SamplingMessage};
    /// let p = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("hi")], 100)
    ///     .with_system_prompt("Be brief.");
    /// assert_eq!(p.system_prompt.as_deref(), Some("Be brief."));
    /// ```
    pub fn with_system_prompt(mut self, system_prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(system_prompt.into());
        self
    }
}

impl CreateMessageResult {
    /// What the model said, as `role`, and which model said it.
    ///
    /// ```
    /// use mcp_serve_core::types::{CreateMessageResult, Role, SamplingContent, SamplingMessageContentBlock};
    /// let hello = SamplingContent::Single(SamplingMessageContentBlock::text("hello"));
    /// let r = CreateMessageResult::new(Role::Assistant, hello, "m1");
    /// assert_eq!(r.model, "m1");
    /// ```
    pub fn new(role: Role, content: SamplingContent, model: impl Into<String>) -> Self {
        CreateMessageResult {
            meta: None,
            role,
            content,
            model: model.into(),
            stop_reason: None,
        }
    }
}
