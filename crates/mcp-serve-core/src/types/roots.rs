//! Roots: `roots/list` (a client feature).

use serde::{Deserialize, Serialize};

use super::serde_util::message;
use super::{NotificationParams, RequestParams};
use crate::meta::Meta;

/// A directory or file the client lets the server work on (`Root`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Root {
    /// A `file://` URI.
    pub uri: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Metadata (`2025-06-18`+).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

message!(
    /// `roots/list`: asks the client for its roots. In `2026-07-28` only an
    /// input request inside an `input_required` result.
    ListRootsRequest, "roots/list", optional RequestParams
);

/// The client's answer to `roots/list` (`ListRootsResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRootsResult {
    /// Result metadata (legacy revisions).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The roots.
    pub roots: Vec<Root>,
}

message!(
    /// `notifications/roots/list_changed` (legacy, up to `2025-11-25`).
    RootsListChangedNotification, "notifications/roots/list_changed", optional NotificationParams
);
