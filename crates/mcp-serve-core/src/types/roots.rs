//! Roots: `roots/list` (a client feature).

use serde::{Deserialize, Serialize};

use super::serde_util::message;
use super::{NotificationParams, RequestParams};
use crate::meta::Meta;

/// A directory or file the client lets the server work on (`Root`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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
#[non_exhaustive]
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

impl Root {
    /// A root at `uri` (a `file://` URI).
    ///
    /// ```
    /// let r = mcp_serve_core::types::Root::new("file:///work");
    /// assert_eq!(r.name, None);
    /// ```
    pub fn new(uri: impl Into<String>) -> Self {
        Root {
            uri: uri.into(),
            ..Default::default()
        }
    }

    /// With a display name.
    ///
    /// ```
    /// let r = mcp_serve_core::types::Root::new("file:///work").with_name("work");
    /// assert_eq!(r.name.as_deref(), Some("work"));
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}
