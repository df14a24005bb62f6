//! `subscriptions/listen` (`2026-07-28`): one long-lived request over which the
//! server streams list-changed and resource-updated notifications.

use serde::{Deserialize, Serialize};

use super::ResultType;
use super::serde_util::message;
use crate::meta::Meta;

/// Which notifications a client wants (`SubscriptionFilter`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
}

/// Parameters of `subscriptions/listen` (`SubscriptionsListenRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionsListenRequestParams {
    /// Request metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The wanted notifications.
    pub notifications: SubscriptionFilter,
}

message!(
    /// `subscriptions/listen`: opens a notification stream.
    SubscriptionsListenRequest, "subscriptions/listen", required SubscriptionsListenRequestParams
);

/// The result that closes a `subscriptions/listen` stream (`SubscriptionsListenResult`).
///
/// The schema requires `_meta` with [`meta::SUBSCRIPTION_ID`](crate::meta::SUBSCRIPTION_ID).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionsListenResult {
    /// Result metadata, with the subscription id.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `"complete"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
}

/// Parameters of `notifications/subscriptions/acknowledged`
/// (`SubscriptionsAcknowledgedNotificationParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionsAcknowledgedNotificationParams {
    /// Notification metadata, with the subscription id.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The notifications the server will actually send.
    pub notifications: SubscriptionFilter,
}

message!(
    /// `notifications/subscriptions/acknowledged`: the first message of a listen stream.
    SubscriptionsAcknowledgedNotification, "notifications/subscriptions/acknowledged", required SubscriptionsAcknowledgedNotificationParams
);
