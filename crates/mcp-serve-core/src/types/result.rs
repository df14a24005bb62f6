//! Pieces shared by every result and request: `resultType`, caching hints,
//! the empty result and the base parameter objects.

use serde::{Deserialize, Serialize};

use super::Cursor;
use crate::meta::Meta;

/// Whether a result is final (`complete`) or asks the client for input first
/// (`input_required`, see [`InputRequiredResult`](super::InputRequiredResult)).
///
/// Sent from `2026-07-28` on; legacy results carry no `resultType`, so every
/// result holds it as `Option<ResultType>` and the engine sets it only for
/// modern clients. Unknown values are kept in [`ResultType::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultType {
    /// `"complete"`: the request is done.
    Complete,
    /// `"input_required"`: the client must answer the input requests and retry.
    InputRequired,
    /// Any other value (forward compatibility).
    #[serde(untagged)]
    Other(String),
}

/// Who may cache a cacheable result (`cacheScope`, `2026-07-28`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// Any client or intermediary may share the cached result.
    Public,
    /// Only the requesting user's client may reuse it.
    Private,
}

/// A result with no content beyond `_meta` (`EmptyResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmptyResult {
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"` for modern clients; absent for legacy ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
}

/// Parameters carrying nothing but `_meta` (`RequestParams`).
///
/// From `2026-07-28` on, `_meta` of a request is required and carries the
/// protocol version, client info and capabilities (see [`crate::meta`]); in the
/// legacy revisions it is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// Parameters of a notification carrying nothing but `_meta` (`NotificationParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NotificationParams {
    /// Notification metadata (e.g. the subscription id of a `subscriptions/listen` stream).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// Parameters of a paginated list request (`PaginatedRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaginatedRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The `nextCursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
}
