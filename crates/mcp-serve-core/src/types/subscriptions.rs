//! `subscriptions/listen` (`2026-07-28`): one long-lived request over which the
//! server streams list-changed and resource-updated notifications.

use serde::{Deserialize, Serialize};

use super::ResultType;
use super::serde_util::message;
use crate::meta::Meta;

/// Which notifications a client wants (`SubscriptionFilter`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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

impl SubscriptionFilter {
    /// Also hear when the tool list changes.
    ///
    /// ```
    /// use mcp_serve_core::types::SubscriptionFilter;
    /// let f = SubscriptionFilter::default().tools_changes().resource("config://app");
    /// assert_eq!(f.tools_list_changed, Some(true));
    /// assert_eq!(f.resource_subscriptions, Some(vec!["config://app".to_owned()]));
    /// ```
    pub fn tools_changes(mut self) -> Self {
        self.tools_list_changed = Some(true);
        self
    }

    /// Also hear when the prompt list changes.
    ///
    /// ```
    /// let f = mcp_serve_core::types::SubscriptionFilter::default().prompts_changes();
    /// assert_eq!(f.prompts_list_changed, Some(true));
    /// ```
    pub fn prompts_changes(mut self) -> Self {
        self.prompts_list_changed = Some(true);
        self
    }

    /// Also hear when the resource list changes.
    ///
    /// ```
    /// let f = mcp_serve_core::types::SubscriptionFilter::default().resources_changes();
    /// assert_eq!(f.resources_list_changed, Some(true));
    /// ```
    pub fn resources_changes(mut self) -> Self {
        self.resources_list_changed = Some(true);
        self
    }

    /// Also hear when the resource at `uri` is updated.
    ///
    /// ```
    /// let f = mcp_serve_core::types::SubscriptionFilter::default().resource("a://1").resource("a://2");
    /// assert_eq!(f.resource_subscriptions.map(|r| r.len()), Some(2));
    /// ```
    pub fn resource(mut self, uri: impl Into<String>) -> Self {
        self.resource_subscriptions
            .get_or_insert_with(Vec::new)
            .push(uri.into());
        self
    }
}

/// Parameters of `subscriptions/listen` (`SubscriptionsListenRequestParams`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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
#[non_exhaustive]
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
#[non_exhaustive]
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
