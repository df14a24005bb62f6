//! The [`TaskStore`] trait and the [`TaskRecord`] it keeps.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::types::TaskStatus;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a [`TaskStore`] operation returns: a boxed, sendable future (so the
/// trait can be used as `dyn TaskStore`).
///
/// ```
/// use mcp_serve::tasks::{StoreFuture, TaskRecord};
/// fn nothing(_: &TaskRecord) -> StoreFuture<'_, ()> {
///     Box::pin(async { Ok(()) })
/// }
/// # let _ = nothing;
/// ```
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TaskStoreError>> + Send + 'a>>;

/// Why a [`TaskStore`] could not do what was asked.
///
/// The engine answers the client with a JSON-RPC internal error (`-32603`)
/// carrying the message, and keeps serving.
///
/// ```
/// use mcp_serve::tasks::TaskStoreError;
/// let e = TaskStoreError::Full { capacity: 2 };
/// assert!(e.to_string().contains("2 tasks"));
/// let e = TaskStoreError::backend(std::io::Error::other("connection refused"));
/// assert!(e.to_string().contains("connection refused"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskStoreError {
    /// The store holds as many live tasks as it may; none can be added until
    /// some expire.
    #[error("the task store is full ({capacity} tasks); try again when some have expired")]
    Full {
        /// How many tasks the store keeps at most.
        capacity: usize,
    },
    /// The backend (a database, a network store) failed.
    #[error("the task store failed: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl TaskStoreError {
    /// A backend failure.
    ///
    /// ```
    /// use mcp_serve::tasks::TaskStoreError;
    /// let e = TaskStoreError::backend("timed out");
    /// assert!(matches!(e, TaskStoreError::Backend(_)));
    /// ```
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TaskStoreError::Backend(error.into())
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// ISO 8601 (RFC 3339, UTC, milliseconds), as the tasks wire wants.
pub(crate) fn iso(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Everything known about one task: what `tasks/get` reports and what the
/// engine needs to carry on with it. A [`TaskStore`] keeps these, keyed by
/// [`TaskRecord::task_id`].
///
/// Stores treat a record as an opaque value (it serializes with serde, so a
/// networked store can keep it as JSON), except for three fields:
/// `task_id` (the key), `revision` (for [`TaskStore::replace`]) and
/// `expires_at_ms` (after which the record must no longer be returned).
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::tasks::TaskRecord;
/// use mcp_serve::protocol::types::TaskStatus;
///
/// let t = TaskRecord::new(Duration::from_secs(60), Duration::from_millis(500));
/// assert_eq!(t.status, TaskStatus::Working);
/// assert_eq!(t.task_id.len(), 32);               // 128 random bits, hex
/// assert_eq!(t.ttl_ms, 60_000);
/// assert!(!t.is_expired());
/// let json = serde_json::to_string(&t).unwrap();  // what a networked store keeps
/// assert_eq!(serde_json::from_str::<TaskRecord>(&json).unwrap(), t);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskRecord {
    /// The task's id: 128 random bits, so it cannot be guessed (it is the
    /// only thing that grants access to the task).
    pub task_id: String,
    /// Bumped by one on every change; see [`TaskStore::replace`].
    pub revision: u64,
    /// The task's state.
    pub status: TaskStatus,
    /// A human-readable note on the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last change.
    pub last_updated_at: String,
    /// Time to live from creation, in milliseconds.
    pub ttl_ms: u64,
    /// How often clients are asked to poll, in milliseconds.
    pub poll_interval_ms: u64,
    /// When the task expires, in milliseconds since the Unix epoch (creation
    /// plus `ttl_ms`). Stores must not return a record after this instant.
    pub expires_at_ms: u64,
    /// Input requests (`elicitation/create`, `sampling/createMessage`, ...)
    /// the task waits for, by key.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub input_requests: Map<String, Value>,
    /// Answers the client gave with `tasks/update`, by key, for the replica
    /// running the task to pick up.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub input_responses: Map<String, Value>,
    /// The final result (status `completed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The JSON-RPC error the request ended with (status `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// The subject of the verified credential that created the task (with
    /// authorization on): only it may read, update or cancel the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The legacy (2025-11-25) session the task belongs to: only requests
    /// of that session see it. `None` for tasks of modern requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The replica running the task's work (a random id per process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<String>,
    /// Until when the replica's lease on the task holds, in milliseconds
    /// since the Unix epoch. The replica renews it while the work runs; a
    /// task that has not ended when its lease runs out has lost its replica,
    /// and whoever reads it next fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until_ms: Option<u64>,
}

impl TaskRecord {
    /// A new task in `working` state with a fresh random id, created now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::tasks::TaskRecord;
    /// let a = TaskRecord::new(Duration::from_secs(1), Duration::from_secs(1));
    /// let b = TaskRecord::new(Duration::from_secs(1), Duration::from_secs(1));
    /// assert_ne!(a.task_id, b.task_id);
    /// ```
    pub fn new(ttl: Duration, poll_interval: Duration) -> Self {
        let now = super::now();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let stamp = iso(now);
        TaskRecord {
            task_id: format!("{:032x}", rand::random::<u128>()),
            revision: 0,
            status: TaskStatus::Working,
            status_message: None,
            created_at: stamp.clone(),
            last_updated_at: stamp,
            ttl_ms,
            poll_interval_ms: u64::try_from(poll_interval.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
            expires_at_ms: unix_ms(now).saturating_add(ttl_ms),
            input_requests: Map::new(),
            input_responses: Map::new(),
            result: None,
            error: None,
            owner: None,
            session: None,
            replica: None,
            lease_until_ms: None,
        }
    }

    /// Whether the task's time to live ran out before `now`.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use mcp_serve::tasks::TaskRecord;
    /// let t = TaskRecord::new(Duration::from_secs(1), Duration::from_secs(1));
    /// assert!(!t.is_expired_at(SystemTime::now()));
    /// assert!(t.is_expired_at(SystemTime::now() + Duration::from_secs(2)));
    /// ```
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        unix_ms(now) >= self.expires_at_ms
    }

    /// Whether the task's time to live has run out.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::tasks::TaskRecord;
    /// assert!(!TaskRecord::new(Duration::from_secs(60), Duration::from_secs(1)).is_expired());
    /// ```
    pub fn is_expired(&self) -> bool {
        self.is_expired_at(super::now())
    }

    /// Whether the task has not ended yet its replica's lease ran out before
    /// `now`: the replica running it stopped.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use mcp_serve::tasks::TaskRecord;
    /// let mut t = TaskRecord::new(Duration::from_secs(60), Duration::from_secs(1));
    /// assert!(!t.is_orphaned_at(SystemTime::now()));   // no lease: never orphaned
    /// t.lease_until_ms = Some(0);
    /// assert!(t.is_orphaned_at(SystemTime::now()));
    /// ```
    pub fn is_orphaned_at(&self, now: SystemTime) -> bool {
        !self.status.is_terminal() && self.lease_until_ms.is_some_and(|until| unix_ms(now) >= until)
    }

    /// Records a change: bumps the revision and the update time.
    pub(crate) fn touch(&mut self) {
        self.revision += 1;
        self.last_updated_at = iso(super::now());
    }
}

/// Where tasks of the `io.modelcontextprotocol/tasks` extension live.
///
/// Modern (2026-07-28) requests are stateless: a `tasks/get` may reach any
/// replica of a server, so a task's state is kept here rather than in a
/// connection. The default, [`InMemoryTaskStore`](super::InMemoryTaskStore),
/// serves one process; a store shared by replicas (Redis, a database) makes
/// every replica answer `tasks/get`, `tasks/update` and `tasks/cancel` for
/// any task. The work itself runs on the replica that created the task;
/// answers given with `tasks/update` reach it through the store.
///
/// Three operations, all keyed by [`TaskRecord::task_id`]:
/// - [`create`](TaskStore::create) stores a new record. It must be durable
///   when the future resolves: the engine answers `CreateTaskResult` right
///   after, and an immediate `tasks/get` on any replica must find the task.
/// - [`get`](TaskStore::get) returns the current record, or `None` when the
///   id is unknown or the record has expired (`expires_at_ms` has passed).
/// - [`replace`](TaskStore::replace) is a compare-and-swap: it stores the
///   new record only if the stored one still has `expected_revision`, so
///   concurrent writers (the worker finishing, a client cancelling) never
///   lose each other's change. The engine reads, changes, bumps
///   `revision`, and retries when `replace` returns `false`. It never
///   changes a task that has ended; the stores of this crate refuse to, too.
/// - [`list_session`](TaskStore::list_session) lists a legacy session's
///   tasks, for `tasks/list` (optional: by default a replica lists the
///   tasks its own connection of the session started).
///
/// Stores must be bounded: drop records once they expire, and refuse new
/// ones with [`TaskStoreError::Full`] rather than grow without limit.
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use mcp_serve::tasks::{StoreFuture, TaskConfig, TaskRecord, TaskStore, TaskStoreError};
///
/// /// A (deliberately unbounded, never-expiring) map: the smallest store.
/// #[derive(Default)]
/// struct MapStore(Mutex<HashMap<String, TaskRecord>>);
///
/// impl TaskStore for MapStore {
///     fn create<'a>(&'a self, task: &'a TaskRecord) -> StoreFuture<'a, ()> {
///         Box::pin(async move {
///             self.0.lock().unwrap().insert(task.task_id.clone(), task.clone());
///             Ok(())
///         })
///     }
///     fn get<'a>(&'a self, task_id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
///         Box::pin(async move { Ok(self.0.lock().unwrap().get(task_id).cloned()) })
///     }
///     fn replace<'a>(&'a self, task: &'a TaskRecord, expected_revision: u64) -> StoreFuture<'a, bool> {
///         Box::pin(async move {
///             let mut map = self.0.lock().unwrap();
///             match map.get_mut(&task.task_id) {
///                 Some(stored) if stored.revision == expected_revision => {
///                     *stored = task.clone();
///                     Ok(true)
///                 }
///                 _ => Ok(false),
///             }
///         })
///     }
/// }
///
/// let server = mcp_serve::prelude::Server::new("demo", "1.0.0")
///     .tasks(TaskConfig::new().store(MapStore::default()));
/// # let _ = server;
/// ```
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task (its `revision` is 0). Durable when it resolves.
    ///
    /// # Errors
    /// [`TaskStoreError::Full`] when the store may hold no more tasks, or a
    /// backend failure.
    fn create<'a>(&'a self, task: &'a TaskRecord) -> StoreFuture<'a, ()>;

    /// The task with this id, unless unknown or expired.
    ///
    /// # Errors
    /// A backend failure.
    fn get<'a>(&'a self, task_id: &'a str) -> StoreFuture<'a, Option<TaskRecord>>;

    /// Replaces the stored task of the same id with `task` if the stored one
    /// still has `expected_revision` (and has not expired); returns whether
    /// it did.
    ///
    /// # Errors
    /// A backend failure.
    fn replace<'a>(&'a self, task: &'a TaskRecord, expected_revision: u64) -> StoreFuture<'a, bool>;

    /// The unexpired tasks of the legacy session `session` (those whose
    /// [`TaskRecord::session`] is `session`), at most `limit` of them, the
    /// newest last. The default lists none: `tasks/list` then shows the tasks
    /// the session started on the replica that answers.
    ///
    /// # Errors
    /// A backend failure.
    fn list_session<'a>(&'a self, session: &'a str, limit: usize) -> StoreFuture<'a, Vec<TaskRecord>> {
        let _ = (session, limit);
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// Whether the store is reachable, for the readiness probe (`/readyz`).
    /// A store behind a network should ping its backend; the default
    /// (in-process stores) is always ready.
    ///
    /// # Errors
    /// The backend cannot be reached.
    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}
