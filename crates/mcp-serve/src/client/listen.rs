//! `subscriptions/listen` (2026-07-28): a long-lived stream of the
//! notifications a client opted in to. Legacy sessions get the same
//! [`Subscription`] API: their list changes already arrive on the session,
//! and resource updates are asked for with `resources/subscribe`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_serve_core::jsonrpc::Notification;
use mcp_serve_core::meta;
use mcp_serve_core::types::SubscriptionFilter;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::{Client, ClientError, Era, RequestOptions, lock};

/// How long a client waits for `notifications/subscriptions/acknowledged`.
const ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the notifications of open subscriptions go.
#[derive(Default)]
pub(super) struct Listeners {
    /// A `listen` waiting for its acknowledgment (one at a time, see
    /// `Client::listen`): the next unclaimed acknowledgment is its.
    claim: Option<oneshot::Sender<Notification>>,
    /// Open streams by subscription id (its JSON text), with their filter.
    streams: Vec<(String, SubscriptionFilter, mpsc::UnboundedSender<Notification>)>,
}

static LEGACY_IDS: AtomicU64 = AtomicU64::new(1);

fn wanted(filter: &SubscriptionFilter, n: &Notification) -> bool {
    let yes = |b: Option<bool>| b.unwrap_or(false);
    match n.method.as_str() {
        "notifications/tools/list_changed" => yes(filter.tools_list_changed),
        "notifications/prompts/list_changed" => yes(filter.prompts_list_changed),
        "notifications/resources/list_changed" => yes(filter.resources_list_changed),
        "notifications/resources/updated" => {
            let uri = n
                .params
                .as_ref()
                .and_then(|p| p.get("uri"))
                .and_then(Value::as_str);
            filter
                .resource_subscriptions
                .as_ref()
                .is_some_and(|uris| uri.is_some_and(|u| uris.iter().any(|x| x == u)))
        }
        _ => false,
    }
}

impl Listeners {
    /// Routes a notification to the subscription it belongs to.
    pub(super) fn deliver(&mut self, n: &Notification, legacy: bool) {
        let sub = n
            .params
            .as_ref()
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get(meta::SUBSCRIPTION_ID))
            .map(Value::to_string);
        if n.method == "notifications/subscriptions/acknowledged" {
            if let Some(claim) = self.claim.take() {
                let _ = claim.send(n.clone());
            }
            return;
        }
        self.streams.retain(|(id, filter, tx)| {
            // Dropped subscriptions go too.
            if tx.is_closed() {
                return false;
            }
            let mine = match &sub {
                Some(s) => s == id,
                // A legacy session has one stream: match by the filter.
                None => legacy && wanted(filter, n),
            };
            !mine || tx.send(n.clone()).is_ok()
        });
    }
}

/// An open subscription: its notifications, in order. Dropping it (or
/// [`Subscription::close`]) ends it on the server too.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::client::{Client, ClientOptions};
/// use mcp_serve::protocol::types::SubscriptionFilter;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// let server = Server::new("s", "1").into_handle()?;
/// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
/// let mut sub = client
///     .listen(SubscriptionFilter::default().tools_changes())
///     .await?;
/// assert_eq!(sub.accepted().tools_list_changed, Some(true));
/// server.add_tool(mcp_serve::tool::Tool::new("late").raw_handler(|_, _| async { Ok(CallToolResult::text("hi")) }))?;
/// let n = sub.next().await.unwrap();
/// assert_eq!(n.method, "notifications/tools/list_changed");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Subscription {
    id: String,
    accepted: SubscriptionFilter,
    rx: mpsc::UnboundedReceiver<Notification>,
    stop: CancellationToken,
    legacy: Option<(Client, Vec<String>)>,
}

impl Subscription {
    /// What the server agreed to send (modern: its acknowledgment).
    pub fn accepted(&self) -> &SubscriptionFilter {
        &self.accepted
    }

    /// The next notification, or `None` once the subscription has ended.
    pub async fn next(&mut self) -> Option<Notification> {
        self.rx.recv().await
    }

    /// The subscription id (the `subscriptions/listen` request id; a local
    /// id for legacy sessions).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Ends the subscription (legacy: `resources/unsubscribe` for its URIs).
    pub async fn close(mut self) {
        self.stop.cancel();
        if let Some((client, uris)) = self.legacy.take() {
            for uri in uris {
                let _ = client.unsubscribe_resource(&uri).await;
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some((client, uris)) = self.legacy.take() {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    for uri in uris {
                        let _ = client.unsubscribe_resource(&uri).await;
                    }
                });
            }
        }
    }
}

impl Client {
    /// Opens a `subscriptions/listen` stream for the notifications in
    /// `filter` (list changes, resource updates). On a legacy session the
    /// same: resource updates are subscribed with `resources/subscribe`.
    ///
    /// # Errors
    /// The server refused, did not acknowledge in time, or the transport failed.
    pub async fn listen(&self, filter: SubscriptionFilter) -> Result<Subscription, ClientError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        if matches!(self.era(), Era::Legacy(_)) {
            let uris = filter.resource_subscriptions.clone().unwrap_or_default();
            for uri in &uris {
                self.subscribe_resource(uri).await?;
            }
            let id = format!("\"legacy-{}\"", LEGACY_IDS.fetch_add(1, Ordering::Relaxed));
            lock(&self.inner.listeners)
                .streams
                .push((id.clone(), filter.clone(), tx));
            return Ok(Subscription {
                id,
                accepted: filter,
                rx,
                stop,
                legacy: Some((self.clone(), uris)),
            });
        }
        // One listen at a time until acknowledged: the acknowledgment names
        // the request id, which only the request path knows.
        let _one = self.inner.listen_lock.lock().await;
        let (claim, acked) = oneshot::channel();
        lock(&self.inner.listeners).claim = Some(claim);
        let request = {
            let client = self.clone();
            let stop = stop.clone();
            let params = json!({ "notifications": filter });
            async move {
                let options = RequestOptions {
                    // The stream lives until cancelled.
                    timeout: Some(Duration::from_secs(365 * 24 * 3600)),
                    cancel: Some(stop),
                    ..Default::default()
                };
                client
                    .request_with("subscriptions/listen", Some(params), options)
                    .await
            }
        };
        let mut running = tokio::spawn(request);
        let ack = tokio::select! {
            a = acked => a.ok(),
            () = tokio::time::sleep(ACK_TIMEOUT) => None,
            r = &mut running => {
                // The request ended before any acknowledgment: its error says why.
                lock(&self.inner.listeners).claim = None;
                stop.cancel();
                return Err(match r {
                    Ok(Err(e)) => e,
                    _ => ClientError::Protocol("the server ended subscriptions/listen without acknowledging it".into()),
                });
            }
        };
        let Some(ack) = ack else {
            lock(&self.inner.listeners).claim = None;
            stop.cancel();
            return Err(ClientError::Timeout(
                "subscriptions/listen (no acknowledgment)".into(),
            ));
        };
        let params = ack.params.unwrap_or(Value::Null);
        let id = params
            .get("_meta")
            .and_then(|m| m.get(meta::SUBSCRIPTION_ID))
            .map(Value::to_string)
            .unwrap_or_default();
        let accepted = serde_json::from_value(params.get("notifications").cloned().unwrap_or(Value::Null))
            .unwrap_or_default();
        lock(&self.inner.listeners).streams.push((id.clone(), filter, tx));
        // When the server ends the stream (or the request fails), so does the
        // subscription: `next` returns `None`.
        let listeners = Arc::downgrade(&self.inner);
        let ended = id.clone();
        tokio::spawn(async move {
            let _ = running.await;
            if let Some(inner) = listeners.upgrade() {
                lock(&inner.listeners).streams.retain(|(sid, _, _)| *sid != ended);
            }
        });
        Ok(Subscription {
            id,
            accepted,
            rx,
            stop,
            legacy: None,
        })
    }
}
