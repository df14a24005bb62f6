//! What the inspector keeps open on the server while connected: a
//! `subscriptions/listen` stream for list changes (a modern server sends them
//! nowhere else; a legacy session gets them anyway), and one subscription
//! per resource the page subscribed to (`subscriptions/listen` with
//! `resourceSubscriptions`, or `resources/subscribe` on a legacy session).
//!
//! The notifications themselves reach the page through the client's
//! notification stream, like every other; the tasks here only hold each
//! subscription open, and dropping one ends it on the server.

use std::collections::BTreeMap;
use std::sync::Mutex;

use mcp_serve::client::{Client, Era, Subscription};
use mcp_serve::protocol::types::SubscriptionFilter;
use serde_json::Value;
use tokio::task::JoinHandle;

#[derive(Default)]
struct Open {
    lists: Option<JoinHandle<()>>,
    resources: BTreeMap<String, JoinHandle<()>>,
}

/// The subscriptions of the current connection.
#[derive(Default)]
pub(crate) struct Subscriptions {
    open: Mutex<Open>,
}

/// Keeps a subscription open until the server ends it or the task is aborted.
/// Its notifications are read and dropped: the client's notification stream
/// already carries them to the page.
fn hold(mut sub: Subscription) -> JoinHandle<()> {
    tokio::spawn(async move { while sub.next().await.is_some() {} })
}

impl Subscriptions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// On a modern connection, listens for the list changes the server's
    /// `capabilities` offer (`listChanged`), so the page's lists stay current.
    pub(crate) async fn follow_lists(&self, client: &Client, capabilities: &Value) {
        if client.era() != Era::Modern {
            return;
        }
        let offers = |cap: &str| capabilities[cap]["listChanged"].as_bool().filter(|b| *b);
        let filter = SubscriptionFilter {
            tools_list_changed: offers("tools"),
            prompts_list_changed: offers("prompts"),
            resources_list_changed: offers("resources"),
            resource_subscriptions: None,
        };
        if filter == SubscriptionFilter::default() {
            return;
        }
        match client.listen(filter).await {
            Ok(sub) => {
                if let Some(old) = self.lock().lists.replace(hold(sub)) {
                    old.abort();
                }
            }
            Err(e) => tracing::warn!("subscriptions/listen for list changes failed: {e}"),
        }
    }

    /// Subscribes to `uri`'s updates (nothing to do when already subscribed).
    ///
    /// # Errors
    /// What the server said, or that it did not take the subscription.
    pub(crate) async fn subscribe(&self, client: &Client, uri: &str) -> Result<(), String> {
        if self.uris().iter().any(|u| u == uri) {
            return Ok(());
        }
        let filter = SubscriptionFilter {
            resource_subscriptions: Some(vec![uri.to_owned()]),
            ..Default::default()
        };
        let sub = client
            .listen(filter)
            .await
            .map_err(|e| format!("could not subscribe to {uri}: {e}"))?;
        let accepted = sub
            .accepted()
            .resource_subscriptions
            .as_ref()
            .is_some_and(|uris| uris.iter().any(|u| u == uri));
        if !accepted {
            return Err(format!(
                "the server did not take a subscription to {uri} (it may not support resource subscriptions)"
            ));
        }
        if let Some(old) = self.lock().resources.insert(uri.to_owned(), hold(sub)) {
            old.abort();
        }
        Ok(())
    }

    /// Ends the subscription to `uri`; false when there was none.
    pub(crate) fn unsubscribe(&self, uri: &str) -> bool {
        let Some(task) = self.lock().resources.remove(uri) else {
            return false;
        };
        let live = !task.is_finished();
        task.abort();
        live
    }

    /// The URIs subscribed to, while their subscriptions last.
    pub(crate) fn uris(&self) -> Vec<String> {
        let mut open = self.lock();
        open.resources.retain(|_, task| !task.is_finished());
        open.resources.keys().cloned().collect()
    }

    /// Ends everything (the connection is going away).
    pub(crate) fn clear(&self) {
        let mut open = self.lock();
        if let Some(lists) = open.lists.take() {
            lists.abort();
        }
        for (_, task) in std::mem::take(&mut open.resources) {
            task.abort();
        }
    }
}
