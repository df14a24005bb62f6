//! [`SessionStore`]: legacy sessions kept where every replica can read
//! them, so a session that lands on a replica that has never seen it is
//! restored there instead of answered 404.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::engine::SessionState;

/// A legacy session as a shared store keeps it: what it agreed with its
/// client, and whose credential opened it.
///
/// ```
/// use mcp_serve::engine::SessionState;
/// use mcp_serve::transport::http::StoredSession;
/// let state: SessionState = serde_json::from_value(serde_json::json!({
///     "protocolVersion": "2025-11-25", "capabilities": {}, "initialized": true,
/// })).unwrap();
/// let stored = StoredSession::new(state, Some("alice".into()));
/// assert_eq!(stored.owner.as_deref(), Some("alice"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredSession {
    /// The session's state.
    pub state: SessionState,
    /// The subject whose credential opened it (with authorization on): only
    /// it may use the session, on any replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl StoredSession {
    /// A session's state and owner.
    ///
    /// ```
    /// # let state: mcp_serve::engine::SessionState = serde_json::from_value(serde_json::json!({"protocolVersion": "2025-06-18", "capabilities": {}, "initialized": false})).unwrap();
    /// let s = mcp_serve::transport::http::StoredSession::new(state, None);
    /// assert!(s.owner.is_none());
    /// ```
    pub fn new(state: SessionState, owner: Option<String>) -> Self {
        StoredSession { state, owner }
    }
}

/// A shared store could not be reached or answered nonsense.
///
/// ```
/// let e = mcp_serve::transport::http::StoreError::new("connection refused");
/// assert_eq!(e.to_string(), "connection refused");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(String);

impl StoreError {
    /// An error saying `why`.
    ///
    /// ```
    /// let _ = mcp_serve::transport::http::StoreError::new("timed out");
    /// ```
    pub fn new(why: impl Into<String>) -> Self {
        StoreError(why.into())
    }
}

/// What a store's methods return.
pub type StoreFuture<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

/// Where the HTTP transport keeps legacy sessions so that any replica can
/// serve them ([`HttpOptions::session_store`](super::HttpOptions::session_store)).
///
/// A replica saves a session when it starts and whenever its state changes
/// (`notifications/initialized`, `logging/setLevel`,
/// `resources/subscribe`), and again at least every quarter of the idle
/// timeout while it is used, with the idle timeout as its time to live. A
/// request naming a session the replica does not hold loads it from here.
/// DELETE removes it.
///
/// A request naming a session the replica holds reads it here too, to see
/// another replica's changes, unless the server joined a cluster bus
/// ([`ServerHandle::join_bus`](crate::engine::ServerHandle::join_bus)). On
/// a bus, a replica announces a change it saved and a DELETE (topic
/// `sessions`), the others drop or re-read their copy at its next use, and
/// a copy is trusted without reading the store for at most
/// [`HttpOptions::session_revalidate`](super::HttpOptions#structfield.session_revalidate)
/// (default 1 s) since it was last read: that bounds how stale it can be
/// for the session's requests when a notice is lost. A request that changes
/// the session, and the save that only keeps it alive, read it here first,
/// so a copy that missed a notice does not write an old state back. Saves
/// replace the whole session (last writer wins), so two replicas changing
/// one session at the same moment may lose one change. While the store is
/// unreachable, a replica serves the copies it holds and answers 503 for
/// the others.
///
/// ```
/// use std::sync::Arc;
/// use mcp_serve::transport::http::{HttpOptions, InMemorySessionStore};
/// // Two servers in one process sharing sessions, as replicas share Redis.
/// let store = Arc::new(InMemorySessionStore::default());
/// let a = HttpOptions::default().session_store(store.clone());
/// let b = HttpOptions::default().session_store(store);
/// # let _ = (a, b);
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// The session `id`, if it is stored and has not expired.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>>;

    /// Stores (or replaces) the session `id`, to expire after `ttl` unless
    /// saved again.
    fn save<'a>(&'a self, id: &'a str, session: &'a StoredSession, ttl: Duration) -> StoreFuture<'a, ()>;

    /// Forgets the session `id` (no error when it is not there).
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;

    /// Whether the store answers; `/readyz` reports a replica unready while
    /// it does not. Always `Ok` unless the store overrides it.
    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A [`SessionStore`] in this process's memory: for tests, and for several
/// servers in one process. Bounded: past `max` sessions the ones closest to
/// expiry are dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use mcp_serve::transport::http::{InMemorySessionStore, SessionStore, StoredSession};
/// let store = InMemorySessionStore::default();
/// let state = serde_json::from_value(serde_json::json!({"protocolVersion": "2025-11-25", "capabilities": {}, "initialized": true})).unwrap();
/// store.save("s1", &StoredSession::new(state, None), Duration::from_secs(60)).await.unwrap();
/// assert!(store.load("s1").await.unwrap().is_some());
/// store.remove("s1").await.unwrap();
/// assert!(store.load("s1").await.unwrap().is_none());
/// # }
/// ```
#[derive(Debug)]
pub struct InMemorySessionStore {
    map: Mutex<HashMap<String, (StoredSession, Instant)>>,
    max: usize,
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        InMemorySessionStore::new(100_000)
    }
}

impl InMemorySessionStore {
    /// A store of at most `max` sessions.
    ///
    /// ```
    /// let _ = mcp_serve::transport::http::InMemorySessionStore::new(1_000);
    /// ```
    pub fn new(max: usize) -> Self {
        InMemorySessionStore {
            map: Mutex::new(HashMap::new()),
            max: max.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (StoredSession, Instant)>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SessionStore for InMemorySessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        let now = Instant::now();
        let mut map = self.lock();
        let found = match map.get(id) {
            Some((s, expires)) if *expires > now => Some(s.clone()),
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn save<'a>(&'a self, id: &'a str, session: &'a StoredSession, ttl: Duration) -> StoreFuture<'a, ()> {
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= self.max && !map.contains_key(id) {
            map.retain(|_, (_, expires)| *expires > now);
            if map.len() >= self.max {
                if let Some(first) = map.iter().min_by_key(|(_, (_, e))| *e).map(|(k, _)| k.clone()) {
                    map.remove(&first);
                }
            }
        }
        map.insert(id.to_owned(), (session.clone(), now + ttl));
        Box::pin(std::future::ready(Ok(())))
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.lock().remove(id);
        Box::pin(std::future::ready(Ok(())))
    }
}
