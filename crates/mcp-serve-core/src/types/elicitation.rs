//! Elicitation: `elicitation/create` (a client feature, `2025-06-18`+; in
//! `2026-07-28` only an input request inside an `input_required` result), and
//! the restricted JSON Schemas a form may use.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::serde_util::{self, literal, message};
use super::{JsonObject, TaskMetadata};
use crate::meta::Meta;

/// The mode of an elicitation (`mode`, `2025-11-25`+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitMode {
    /// `"form"`: the client shows a form built from `requestedSchema`.
    #[default]
    Form,
    /// `"url"`: the client sends the user to a URL.
    Url,
}

/// Parameters of a form-mode elicitation (`ElicitRequestFormParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitRequestFormParams {
    /// Request metadata (legacy revisions).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"form"` or absent (absent before `2025-11-25`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ElicitMode>,
    /// What to tell the user.
    pub message: String,
    /// A flat object JSON Schema whose properties are [`PrimitiveSchemaDefinition`]s.
    pub requested_schema: Value,
    /// Run as a task (`2025-11-25` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
}

impl Default for ElicitRequestFormParams {
    fn default() -> Self {
        ElicitRequestFormParams {
            meta: None,
            mode: None,
            message: String::new(),
            requested_schema: serde_json::json!({ "type": "object", "properties": {} }),
            task: None,
        }
    }
}

/// Parameters of a URL-mode elicitation (`ElicitRequestURLParams`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitRequestURLParams {
    /// Request metadata (legacy revisions).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Always [`ElicitMode::Url`].
    pub mode: ElicitMode,
    /// What to tell the user.
    pub message: String,
    /// Where to send the user.
    pub url: String,
    /// Id of the elicitation (required in `2025-11-25`, gone in `2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation_id: Option<String>,
    /// Run as a task (`2025-11-25` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
}

impl Default for ElicitRequestURLParams {
    fn default() -> Self {
        ElicitRequestURLParams {
            meta: None,
            mode: ElicitMode::Url,
            message: String::new(),
            url: String::new(),
            elicitation_id: None,
            task: None,
        }
    }
}

/// Parameters of `elicitation/create` (`ElicitRequestParams`): a form or a URL,
/// told apart by `mode` (absent means form).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ElicitRequestParams {
    /// Form mode.
    Form(ElicitRequestFormParams),
    /// URL mode.
    Url(ElicitRequestURLParams),
}

impl Default for ElicitRequestParams {
    fn default() -> Self {
        ElicitRequestParams::Form(ElicitRequestFormParams::default())
    }
}

impl<'de> Deserialize<'de> for ElicitRequestParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        if v.get("mode").and_then(Value::as_str) == Some("url") {
            serde_json::from_value(v)
                .map(ElicitRequestParams::Url)
                .map_err(D::Error::custom)
        } else {
            serde_json::from_value(v)
                .map(ElicitRequestParams::Form)
                .map_err(D::Error::custom)
        }
    }
}

impl From<ElicitRequestFormParams> for ElicitRequestParams {
    fn from(p: ElicitRequestFormParams) -> Self {
        ElicitRequestParams::Form(p)
    }
}

impl From<ElicitRequestURLParams> for ElicitRequestParams {
    fn from(p: ElicitRequestURLParams) -> Self {
        ElicitRequestParams::Url(p)
    }
}

message!(
    /// `elicitation/create`: asks the client to get input from its user.
    ElicitRequest, "elicitation/create", required ElicitRequestParams
);

/// The user's response to an elicitation (`ElicitResult.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitAction {
    /// The user submitted the form (or consented in URL mode).
    #[default]
    Accept,
    /// The user declined.
    Decline,
    /// The user dismissed the request.
    Cancel,
}

/// The client's answer to `elicitation/create` (`ElicitResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitResult {
    /// Result metadata (legacy revisions).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// What the user did.
    pub action: ElicitAction,
    /// The submitted values (form mode with `accept`): strings, numbers,
    /// booleans or string arrays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<JsonObject>,
}

/// Parameters of `notifications/elicitation/complete` (`2025-11-25` only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitationCompleteNotificationParams {
    /// Notification metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The URL-mode elicitation that completed.
    pub elicitation_id: String,
}

message!(
    /// `notifications/elicitation/complete` (`2025-11-25` only): a URL-mode elicitation finished.
    ElicitationCompleteNotification, "notifications/elicitation/complete", required ElicitationCompleteNotificationParams
);

literal!(
    /// The literal `"string"` (the `type` of string-valued schemas).
    StringType = "string"
);
literal!(
    /// The literal `"boolean"` (the `type` of [`BooleanSchema`]).
    BooleanType = "boolean"
);
literal!(
    /// The literal `"array"` (the `type` of multi-select schemas).
    ArrayType = "array"
);

/// The `type` of a [`NumberSchema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberType {
    /// `"number"`.
    #[default]
    Number,
    /// `"integer"`.
    Integer,
}

/// The `format` of a [`StringSchema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StringFormat {
    /// `"email"`.
    Email,
    /// `"uri"`.
    Uri,
    /// `"date"`.
    Date,
    /// `"date-time"`.
    DateTime,
}

/// A string field of an elicitation form (`StringSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StringSchema {
    /// `"string"`.
    pub r#type: StringType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Maximum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<StringFormat>,
    /// Default value (`2025-11-25`+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A number field of an elicitation form (`NumberSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NumberSchema {
    /// `"number"` or `"integer"`.
    pub r#type: NumberType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub minimum: Option<f64>,
    /// Maximum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub maximum: Option<f64>,
    /// Default value (`2025-11-25`+).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serde_util::opt_f64"
    )]
    pub default: Option<f64>,
}

/// A boolean field of an elicitation form (`BooleanSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BooleanSchema {
    /// `"boolean"`.
    pub r#type: BooleanType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

/// A choice with a display title (`{ const, title }` of titled enum schemas).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnumOption {
    /// The value.
    pub r#const: String,
    /// The label.
    pub title: String,
}

/// A single choice among plain strings (`UntitledSingleSelectEnumSchema`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UntitledSingleSelectEnumSchema {
    /// `"string"`.
    pub r#type: StringType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The choices.
    pub r#enum: Vec<String>,
    /// Default choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A single choice among titled values (`TitledSingleSelectEnumSchema`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TitledSingleSelectEnumSchema {
    /// `"string"`.
    pub r#type: StringType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The choices.
    pub one_of: Vec<EnumOption>,
    /// Default choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A single-choice enum (`SingleSelectEnumSchema`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SingleSelectEnumSchema {
    /// With `oneOf`.
    Titled(TitledSingleSelectEnumSchema),
    /// With `enum`.
    Untitled(UntitledSingleSelectEnumSchema),
}

/// The `items` of an [`UntitledMultiSelectEnumSchema`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UntitledEnumItems {
    /// `"string"`.
    pub r#type: StringType,
    /// The choices.
    pub r#enum: Vec<String>,
}

/// The `items` of a [`TitledMultiSelectEnumSchema`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TitledEnumItems {
    /// The choices.
    pub any_of: Vec<EnumOption>,
}

/// Several choices among plain strings (`UntitledMultiSelectEnumSchema`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UntitledMultiSelectEnumSchema {
    /// `"array"`.
    pub r#type: ArrayType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum number of choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Maximum number of choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// The choices.
    pub items: UntitledEnumItems,
    /// Default choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Vec<String>>,
}

/// Several choices among titled values (`TitledMultiSelectEnumSchema`, `2025-11-25`+).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TitledMultiSelectEnumSchema {
    /// `"array"`.
    pub r#type: ArrayType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum number of choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Maximum number of choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// The choices.
    pub items: TitledEnumItems,
    /// Default choices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Vec<String>>,
}

/// A multiple-choice enum (`MultiSelectEnumSchema`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MultiSelectEnumSchema {
    /// With `items.anyOf`.
    Titled(TitledMultiSelectEnumSchema),
    /// With `items.enum`.
    Untitled(UntitledMultiSelectEnumSchema),
}

/// The `2025-06-18` enum with parallel `enumNames` (`LegacyTitledEnumSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LegacyTitledEnumSchema {
    /// `"string"`.
    pub r#type: StringType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The choices.
    pub r#enum: Vec<String>,
    /// Display names, parallel to `enum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_names: Option<Vec<String>>,
    /// Default choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// Any enum field (`EnumSchema`). A schema with `enumNames` reads as
/// [`EnumSchema::Legacy`], an array as [`EnumSchema::MultiSelect`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EnumSchema {
    /// Single choice.
    SingleSelect(SingleSelectEnumSchema),
    /// Several choices.
    MultiSelect(MultiSelectEnumSchema),
    /// With `enumNames`.
    Legacy(LegacyTitledEnumSchema),
}

impl<'de> Deserialize<'de> for EnumSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let r = if v.get("type").and_then(Value::as_str) == Some("array") {
            serde_json::from_value(v).map(EnumSchema::MultiSelect)
        } else if v.get("enumNames").is_some() {
            serde_json::from_value(v).map(EnumSchema::Legacy)
        } else {
            serde_json::from_value(v).map(EnumSchema::SingleSelect)
        };
        r.map_err(D::Error::custom)
    }
}

/// A field of an elicitation form (`PrimitiveSchemaDefinition`), told apart by
/// `type` and, for strings, by `enum`/`oneOf`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PrimitiveSchemaDefinition {
    /// A string.
    String(StringSchema),
    /// A number or integer.
    Number(NumberSchema),
    /// A boolean.
    Boolean(BooleanSchema),
    /// A choice.
    Enum(EnumSchema),
}

impl<'de> Deserialize<'de> for PrimitiveSchemaDefinition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let is_enum = v.get("enum").is_some() || v.get("oneOf").is_some();
        let r = match v.get("type").and_then(Value::as_str) {
            Some("string") if is_enum => serde_json::from_value(v).map(Self::Enum),
            Some("string") => serde_json::from_value(v).map(Self::String),
            Some("array") => serde_json::from_value(v).map(Self::Enum),
            Some("number" | "integer") => serde_json::from_value(v).map(Self::Number),
            Some("boolean") => serde_json::from_value(v).map(Self::Boolean),
            other => return Err(D::Error::custom(format!("unsupported schema type {other:?}"))),
        };
        r.map_err(D::Error::custom)
    }
}

impl ElicitRequestFormParams {
    /// A form elicitation: `message` shown with a form described by
    /// `requested_schema` (a flat object schema).
    ///
    /// ```
    /// let p = mcp_serve_core::types::ElicitRequestFormParams::new("Name?", serde_json::json!({"type": "object"}));
    /// assert_eq!(p.message, "Name?");
    /// ```
    pub fn new(message: impl Into<String>, requested_schema: Value) -> Self {
        ElicitRequestFormParams {
            meta: None,
            mode: None,
            message: message.into(),
            requested_schema,
            task: None,
        }
    }
}

impl ElicitRequestURLParams {
    /// A URL elicitation: `message` and the `url` to send the user to.
    ///
    /// ```
    /// let p = mcp_serve_core::types::ElicitRequestURLParams::new("Sign in", "https://example.com/login");
    /// assert_eq!(p.url, "https://example.com/login");
    /// ```
    pub fn new(message: impl Into<String>, url: impl Into<String>) -> Self {
        ElicitRequestURLParams {
            meta: None,
            mode: ElicitMode::Url,
            message: message.into(),
            url: url.into(),
            elicitation_id: None,
            task: None,
        }
    }
}
