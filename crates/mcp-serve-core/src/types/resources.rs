//! Resources: `resources/list`, `resources/templates/list`, `resources/read`,
//! update notifications and the legacy `resources/subscribe`/`unsubscribe`.

use serde::{Deserialize, Serialize};

use super::serde_util::message;
use super::{
    Annotations, CacheScope, Cursor, Icon, InputResponses, NotificationParams, PaginatedRequestParams,
    ResourceContents, ResultType,
};
use crate::meta::Meta;

/// A resource the server can read (`Resource`).
///
/// `title` is new in `2025-06-18`, `icons` in `2025-11-25`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Resource {
    /// The URI of the resource.
    pub uri: String,
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the resource is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The MIME type, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Display hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Size of the raw content in bytes, if known (`2025-03-26`+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl Resource {
    /// A resource with a URI and name.
    pub fn new(uri: impl Into<String>, name: impl Into<String>) -> Self {
        Resource {
            uri: uri.into(),
            name: name.into(),
            ..Default::default()
        }
    }
}

/// A template of resource URIs (`ResourceTemplate`, an RFC 6570 URI template).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceTemplate {
    /// The URI template.
    pub uri_template: String,
    /// Programmatic name.
    pub name: String,
    /// Display name (`2025-06-18`+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the resources are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The MIME type of all matching resources, if they share one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Display hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Icons (`2025-11-25`+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// Parameters naming one resource (`ResourceRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The URI of the resource.
    pub uri: String,
}

/// Parameters of `resources/subscribe` (legacy, up to `2025-11-25`).
pub type SubscribeRequestParams = ResourceRequestParams;

/// Parameters of `resources/unsubscribe` (legacy, up to `2025-11-25`).
pub type UnsubscribeRequestParams = ResourceRequestParams;

/// Parameters of `resources/read` (`ReadResourceRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReadResourceRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The URI to read.
    pub uri: String,
    /// Answers to the input requests of an earlier `input_required` result (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_responses: Option<InputResponses>,
    /// The `requestState` of an earlier `input_required` result, echoed (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
}

message!(
    /// `resources/read`: reads a resource.
    ReadResourceRequest, "resources/read", required ReadResourceRequestParams
);

/// The result of `resources/read` (`ReadResourceResult`; cacheable from `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReadResourceResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"` for modern clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// The contents (one resource may yield several, e.g. a directory).
    pub contents: Vec<ResourceContents>,
    /// How long the result may be cached, in milliseconds (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
    /// Who may cache the result (`2026-07-28`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_scope: Option<CacheScope>,
}

message!(
    /// `resources/list`: lists the server's resources.
    ListResourcesRequest, "resources/list", optional PaginatedRequestParams
);

/// The result of `resources/list` (`ListResourcesResult`; cacheable from `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListResourcesResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"` for modern clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// The resources of this page.
    pub resources: Vec<Resource>,
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
    /// `resources/templates/list`: lists the server's resource templates.
    ListResourceTemplatesRequest, "resources/templates/list", optional PaginatedRequestParams
);

/// The result of `resources/templates/list` (`ListResourceTemplatesResult`;
/// cacheable from `2026-07-28`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListResourceTemplatesResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"` for modern clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// The templates of this page.
    pub resource_templates: Vec<ResourceTemplate>,
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
    /// `notifications/resources/list_changed`: the resource list changed.
    ResourceListChangedNotification, "notifications/resources/list_changed", optional NotificationParams
);

/// Parameters of `notifications/resources/updated` (`ResourceUpdatedNotificationParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceUpdatedNotificationParams {
    /// Notification metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The URI of the updated resource (may be a sub-resource of the subscribed one).
    pub uri: String,
}

message!(
    /// `notifications/resources/updated`: a subscribed resource changed.
    ResourceUpdatedNotification, "notifications/resources/updated", required ResourceUpdatedNotificationParams
);

message!(
    /// `resources/subscribe` (legacy, up to `2025-11-25`; replaced by `subscriptions/listen`).
    SubscribeRequest, "resources/subscribe", required SubscribeRequestParams
);

message!(
    /// `resources/unsubscribe` (legacy, up to `2025-11-25`).
    UnsubscribeRequest, "resources/unsubscribe", required UnsubscribeRequestParams
);

impl ResourceTemplate {
    /// A template with an RFC 6570 URI template and a name.
    ///
    /// ```
    /// let t = mcp_serve_core::types::ResourceTemplate::new("users://{id}", "user");
    /// assert_eq!(t.uri_template, "users://{id}");
    /// ```
    pub fn new(uri_template: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceTemplate {
            uri_template: uri_template.into(),
            name: name.into(),
            ..Default::default()
        }
    }
}
