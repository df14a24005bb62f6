//! What arrives from the server, and how the client answers it. One reader
//! task routes every frame: a response to the request waiting for it, a
//! notification to progress callbacks, subscriptions, the notification
//! handler and the [`Client::notifications`] stream, a legacy server request
//! (`roots/list`, `ping`, elicitation, sampling…) to the input handlers and
//! back. The same handlers answer the modern era's `inputRequests` for the
//! RPC core. Separate from the core because this side is driven by the
//! server, not by a caller waiting for its answer.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use futures::future::BoxFuture;
use mcp_serve_core::jsonrpc::{ErrorObject, Message, Notification, Request, Response};
use mcp_serve_core::meta;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Client, Direction, Era, Inner, Pending, ProgressUpdate, lock};
use crate::transport::TransportError;

/// Notifications kept while nobody has taken [`Client::notifications`].
const MAX_UNREAD: usize = 1024;

impl Client {
    /// Takes the stream of notifications the server sends (once). Until it is
    /// taken, the newest 1024 are kept.
    ///
    /// ```
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::client::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// let server = Server::new("s", "1").into_handle()?;
    /// let client = Client::connect_in_memory(&server, ClientOptions::default()).await?;
    /// let rx = client.notifications();
    /// assert!(rx.is_some());
    /// assert!(client.notifications().is_none(), "only once");
    /// # Ok(()) }
    /// ```
    pub fn notifications(&self) -> Option<mpsc::UnboundedReceiver<Notification>> {
        lock(&self.inner.notifications).take()
    }

    /// How many notifications have been put on the stream so far. One
    /// reader delivers messages in the order they came, so after a response
    /// arrives this counts every notification sent before it.
    pub(crate) fn notifications_delivered(&self) -> u64 {
        self.inner.delivered.load(Ordering::Acquire)
    }
}

impl Inner {
    pub(super) fn answers_input(&self) -> bool {
        self.options.input.is_some() || self.options.roots.is_some()
    }

    /// Answers one of the server's requests for input.
    pub(super) fn input(
        &self,
        method: String,
        params: Value,
    ) -> BoxFuture<'static, Result<Value, ErrorObject>> {
        if method == "roots/list" {
            if let Some(roots) = &self.options.roots {
                let r = json!({ "roots": roots });
                return Box::pin(async move { Ok(r) });
            }
        }
        if method == "ping" {
            return Box::pin(async { Ok(json!({})) });
        }
        match &self.options.input {
            Some(handler) => handler(method, params),
            None => Box::pin(async move {
                Err(ErrorObject::method_not_found(&method)
                    .with_data(json!({ "reason": "this client has no handler for server requests" })))
            }),
        }
    }

    /// Answers a legacy server→client request.
    async fn answer(self: Arc<Self>, request: Request) {
        let params = request.params.unwrap_or(Value::Null);
        let response = match self.input(request.method, params).await {
            Ok(v) => Response::result(request.id, v),
            Err(e) => Response::error(Some(request.id), e),
        };
        let bytes = serde_json::to_vec(&response).unwrap_or_default();
        let head = self.head(None, &Value::Null);
        if let Err(e) = self.send(bytes, None, head).await {
            tracing::debug!(error = %e, "could not answer the server's request");
        }
    }

    fn receive(self: &Arc<Self>, frame: &[u8]) {
        // Empty frames are in-process transport controls, not messages.
        if frame.is_empty() {
            return;
        }
        if let Some(tap) = &self.options.traffic {
            tap(Direction::Received, frame);
        }
        let Ok(message) = serde_json::from_slice::<Message>(frame) else {
            tracing::debug!("ignoring a frame that is not JSON-RPC");
            return;
        };
        match message {
            Message::Response(r) => {
                let waiter = r.id.as_ref().and_then(|id| lock(&self.pending).remove(id));
                if let Some(w) = waiter {
                    let _ = w.send(Ok(r));
                }
            }
            Message::Notification(n) => self.deliver(n),
            Message::Request(r) => {
                tokio::spawn(Arc::clone(self).answer(r));
            }
        }
    }

    fn deliver(&self, n: Notification) {
        if n.method == "notifications/progress" {
            if let Some(p) = &n.params {
                let callback = p
                    .get(meta::PROGRESS_TOKEN)
                    .and_then(|t| lock(&self.progress).get(&t.to_string()).cloned());
                if let Some(callback) = callback {
                    callback(ProgressUpdate {
                        progress: p.get("progress").and_then(Value::as_f64).unwrap_or(0.0),
                        total: p.get("total").and_then(Value::as_f64),
                        message: p.get("message").and_then(Value::as_str).map(str::to_owned),
                    });
                }
            }
        }
        let legacy = matches!(*lock(&self.era), Era::Legacy(_));
        lock(&self.listeners).deliver(&n, legacy);
        if let Some(handler) = &self.options.notification {
            handler(n.clone());
        }
        let mut unread = lock(&self.notifications);
        if let Some(rx) = unread.as_mut() {
            while rx.len() >= MAX_UNREAD {
                let _ = rx.try_recv();
            }
        }
        self.delivered.fetch_add(1, Ordering::Release);
        let _ = self.notify_tx.send(n);
    }
}

pub(super) async fn read_loop(inner: Weak<Inner>, pending: Pending, mut incoming: mpsc::Receiver<Vec<u8>>) {
    while let Some(frame) = incoming.recv().await {
        let Some(inner) = inner.upgrade() else { break };
        inner.receive(&frame);
    }
    // The server is gone: refuse new requests (before draining, so a request
    // registered after the drain sees the flag), then fail every waiter.
    if let Some(inner) = inner.upgrade() {
        inner.reader_ended.store(true, Ordering::Release);
    }
    for (_, waiter) in lock(&pending).drain() {
        let _ = waiter.send(Err(TransportError::Closed.into()));
    }
}
