//! The cluster bus: what one replica's clients must hear of another
//! replica's changes (list changes, resource updates) travels through a
//! [`Bus`] that every replica joins ([`ServerHandle::join_bus`]).
//!
//! Changes are published in order by one task per server; what arrives from
//! other replicas goes to this replica's clients (legacy sessions and
//! `subscriptions/listen` streams) as if it had happened here, and is not
//! published again.

use std::sync::Arc;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{Change, ListKind, ServerHandle};

/// A message channel shared by the replicas of a server: what one publishes
/// on a topic, every other subscriber of that topic receives. The payloads
/// are opaque to the bus.
///
/// The Redis implementation is `cluster::RedisBus` (feature `redis`).
/// [`LocalBus`] connects servers in one process (tests, in-process
/// replicas).
pub trait Bus: Send + Sync + 'static {
    /// Sends `payload` to the subscribers of `topic`.
    fn publish<'a>(&'a self, topic: &'a str, payload: Vec<u8>) -> BoxFuture<'a, Result<(), String>>;

    /// What is published on `topic` from now on, for as long as the stream
    /// is held; a bus that loses its connection subscribes again on its own
    /// (what was published meanwhile is lost).
    fn subscribe(&self, topic: &str) -> BoxStream<'static, Vec<u8>>;
}

/// A [`Bus`] inside one process: every subscriber of a topic gets every
/// payload published on it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use futures::StreamExt;
/// use mcp_serve::engine::{Bus, LocalBus};
/// let bus = LocalBus::default();
/// let mut rx = bus.subscribe("t");
/// bus.publish("t", b"hi".to_vec()).await.unwrap();
/// assert_eq!(rx.next().await.unwrap(), b"hi");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LocalBus {
    tx: tokio::sync::broadcast::Sender<(String, Vec<u8>)>,
}

impl Default for LocalBus {
    fn default() -> Self {
        LocalBus {
            tx: tokio::sync::broadcast::channel(1024).0,
        }
    }
}

impl Bus for LocalBus {
    fn publish<'a>(&'a self, topic: &'a str, payload: Vec<u8>) -> BoxFuture<'a, Result<(), String>> {
        // No subscribers is fine.
        let _ = self.tx.send((topic.to_owned(), payload));
        Box::pin(std::future::ready(Ok(())))
    }

    fn subscribe(&self, topic: &str) -> BoxStream<'static, Vec<u8>> {
        let topic = topic.to_owned();
        let rx = tokio_stream_like(self.tx.subscribe());
        Box::pin(rx.filter_map(move |(t, p)| std::future::ready((t == topic).then_some(p))))
    }
}

/// A broadcast receiver as a stream that skips what it lagged behind on.
fn tokio_stream_like<T: Clone + Send + 'static>(
    rx: tokio::sync::broadcast::Receiver<T>,
) -> BoxStream<'static, T> {
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(v) => return Some((v, rx)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

impl ServerHandle {
    /// The bus this server joined, if any: the HTTP transport announces
    /// legacy session changes on it.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn joined_bus(&self) -> Option<&Arc<dyn Bus>> {
        self.shared.joined.get()
    }
}

/// The bus topic of catalog and resource changes.
const CHANGES: &str = "changes";

/// A change as it travels between replicas.
#[derive(Debug, Serialize, Deserialize)]
struct Wire {
    /// The replica that published it, to skip one's own.
    origin: String,
    #[serde(flatten)]
    change: WireChange,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum WireChange {
    ListChanged { list: String },
    ResourceUpdated { uri: String },
}

impl From<&Change> for WireChange {
    fn from(c: &Change) -> Self {
        match c {
            Change::List(kind) => WireChange::ListChanged {
                list: match kind {
                    ListKind::Tools => "tools",
                    ListKind::Resources => "resources",
                    ListKind::Prompts => "prompts",
                }
                .into(),
            },
            Change::ResourceUpdated(uri) => WireChange::ResourceUpdated { uri: uri.to_string() },
        }
    }
}

impl WireChange {
    fn into_change(self) -> Option<Change> {
        Some(match self {
            WireChange::ListChanged { list } => Change::List(match list.as_str() {
                "tools" => ListKind::Tools,
                "resources" => ListKind::Resources,
                "prompts" => ListKind::Prompts,
                _ => return None,
            }),
            WireChange::ResourceUpdated { uri } => Change::ResourceUpdated(uri.into()),
        })
    }
}

/// Where a server's own changes go to be published.
pub(crate) type Outbox = mpsc::UnboundedSender<Change>;

impl ServerHandle {
    /// Joins the replicas of this server on `bus`: list changes and resource
    /// updates made here reach the clients of every other replica that
    /// joined (legacy sessions subscribed to the resource, and
    /// `subscriptions/listen` streams), and theirs reach this replica's.
    /// A legacy session's answers to server→client requests (elicitation,
    /// sampling, roots) and its `notifications/cancelled` reach the replica
    /// that runs the call, whichever replica received them.
    /// `false` when this server joined a bus already. Needs a tokio runtime.
    ///
    /// `Server::run` and `ServerHandle::serve_http` join the Redis bus on
    /// their own when `MCP_SERVE_REDIS_URL` is set (feature `redis`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::sync::Arc;
    /// use mcp_serve::engine::LocalBus;
    /// let bus = Arc::new(LocalBus::default());
    /// let a = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// let b = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle().unwrap();
    /// assert!(a.join_bus(bus.clone()));
    /// assert!(b.join_bus(bus));
    /// // A client listening on b hears a's `notify_resource_updated`.
    /// # }
    /// ```
    pub fn join_bus(&self, bus: Arc<dyn Bus>) -> bool {
        let (tx, mut rx) = mpsc::unbounded_channel::<Change>();
        if self.shared.bus.set(tx).is_err() {
            return false;
        }
        // Legacy answers and cancellations find the replica that awaits them.
        super::routes::join(&self.shared, &bus);
        let _ = self.shared.joined.set(Arc::clone(&bus));
        let origin = format!("{:032x}", rand::random::<u128>());
        // Published in order, by one task.
        let out = Arc::clone(&bus);
        let me = origin.clone();
        tokio::spawn(async move {
            while let Some(change) = rx.recv().await {
                let wire = Wire {
                    origin: me.clone(),
                    change: WireChange::from(&change),
                };
                let Ok(payload) = serde_json::to_vec(&wire) else {
                    continue;
                };
                if let Err(e) = out.publish(CHANGES, payload).await {
                    tracing::warn!(error = %e, "a change could not be published to the other replicas");
                }
            }
        });
        let weak = Arc::downgrade(&self.shared);
        let mut incoming = bus.subscribe(CHANGES);
        tokio::spawn(async move {
            while let Some(payload) = incoming.next().await {
                let Some(shared) = weak.upgrade() else { break };
                let Ok(wire) = serde_json::from_slice::<Wire>(&payload) else {
                    tracing::debug!("an unreadable message on the cluster bus was skipped");
                    continue;
                };
                if wire.origin == origin {
                    continue;
                }
                if let Some(change) = wire.change.into_change() {
                    // Told to this replica's clients, not published again.
                    let _ = shared.changes.send(change);
                }
            }
        });
        true
    }
}
