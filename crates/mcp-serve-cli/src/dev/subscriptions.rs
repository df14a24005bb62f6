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
use std::sync::{Arc, Mutex};

use mcp_serve::client::{Client, Era, Subscription};
use mcp_serve::protocol::types::SubscriptionFilter;
use serde_json::Value;
use tokio::task::JoinHandle;

#[derive(Default)]
struct Open {
    /// The connection these belong to; a subscription that comes back for
    /// an older one (the server restarted meanwhile) is dropped.
    generation: u64,
    lists: Option<JoinHandle<()>>,
    resources: BTreeMap<String, JoinHandle<()>>,
}

/// Called when the server ends a subscription (the page's state changed).
type OnEnd = Arc<dyn Fn() + Send + Sync>;

/// The subscriptions of the current connection.
pub(crate) struct Subscriptions {
    open: Arc<Mutex<Open>>,
    on_end: OnEnd,
}

impl Subscriptions {
    /// `on_end` runs when the server ends one of them.
    pub(crate) fn new(on_end: impl Fn() + Send + Sync + 'static) -> Self {
        Subscriptions {
            open: Arc::default(),
            on_end: Arc::new(on_end),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        lock(&self.open)
    }

    /// Keeps a subscription open until the server ends it or the task is
    /// aborted. Its notifications are read and dropped: the client's
    /// notification stream already carries them to the page. When the
    /// server ends it, a resource's entry (`uri`) goes and the page is told.
    fn hold(&self, mut sub: Subscription, uri: Option<String>, generation: u64) -> JoinHandle<()> {
        let on_end = Arc::clone(&self.on_end);
        let open = Arc::clone(&self.open);
        tokio::spawn(async move {
            while sub.next().await.is_some() {}
            {
                let mut open = lock(&open);
                if open.generation == generation {
                    match uri {
                        Some(uri) => drop(open.resources.remove(&uri)),
                        None => drop(open.lists.take()),
                    }
                }
            }
            on_end();
        })
    }

    /// On a modern connection, listens for the list changes the server's
    /// `capabilities` offer (`listChanged`), so the page's lists stay current.
    pub(crate) async fn follow_lists(&self, client: &Client, capabilities: &Value, generation: u64) {
        if client.era() != Era::Modern {
            return;
        }
        let offers = |cap: &str| capabilities[cap]["listChanged"].as_bool().filter(|b| *b);
        let mut filter = SubscriptionFilter::default();
        filter.tools_list_changed = offers("tools");
        filter.prompts_list_changed = offers("prompts");
        filter.resources_list_changed = offers("resources");
        if filter == SubscriptionFilter::default() {
            return;
        }
        match client.listen(filter).await {
            Ok(sub) => {
                let mut open = self.lock();
                if open.generation == generation {
                    if let Some(old) = open.lists.replace(self.hold(sub, None, generation)) {
                        old.abort();
                    }
                }
            }
            Err(e) => tracing::warn!("subscriptions/listen for list changes failed: {e}"),
        }
    }

    /// Subscribes to `uri`'s updates (nothing to do when already subscribed).
    ///
    /// # Errors
    /// What the server said, or that it did not take the subscription.
    pub(crate) async fn subscribe(&self, client: &Client, uri: &str, generation: u64) -> Result<(), String> {
        if self.uris().iter().any(|u| u == uri) {
            return Ok(());
        }
        let filter = SubscriptionFilter::default().resource(uri);
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
        let mut open = self.lock();
        if open.generation != generation {
            return Err("the server restarted meanwhile; subscribe again".to_owned());
        }
        let held = self.hold(sub, Some(uri.to_owned()), generation);
        if let Some(old) = open.resources.insert(uri.to_owned(), held) {
            old.abort();
        }
        Ok(())
    }

    /// Ends the subscription to `uri`; false when there was none.
    pub(crate) fn unsubscribe(&self, uri: &str) -> bool {
        let Some(task) = self.lock().resources.remove(uri) else {
            return false;
        };
        task.abort();
        true
    }

    /// The URIs subscribed to.
    pub(crate) fn uris(&self) -> Vec<String> {
        self.lock().resources.keys().cloned().collect()
    }

    /// Ends everything: the connection is going away, and `generation` is
    /// the one that comes next.
    pub(crate) fn clear(&self, generation: u64) {
        let mut open = self.lock();
        open.generation = generation;
        if let Some(lists) = open.lists.take() {
            lists.abort();
        }
        for (_, task) in std::mem::take(&mut open.resources) {
            task.abort();
        }
    }
}

fn lock(open: &Mutex<Open>) -> std::sync::MutexGuard<'_, Open> {
    open.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
