//! Tasks: tool calls that run in the background while the client polls.
//!
//! Declare it once on the tool; both protocol eras are served from it:
//!
//! ```
//! use mcp_serve::prelude::*;
//!
//! /// Crunch numbers for a while.
//! #[tool(task)]                       // or task = "required"
//! async fn crunch(seconds: u64) -> String {
//!     tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
//!     "done".into()
//! }
//! # let _ = Server::new("demo", "1.0.0").tool(crunch);
//! ```
//!
//! - **Modern clients (2026-07-28)** that declare the
//!   `io.modelcontextprotocol/tasks` extension in their request capabilities
//!   get a `CreateTaskResult` (`resultType: "task"`) for such a tool, then
//!   poll `tasks/get` (which inlines the final result or error), answer input
//!   requests with `tasks/update`, and may `tasks/cancel`. Clients without the
//!   extension get the result synchronously, or `-32021` (missing required
//!   client capability) for `task = "required"` tools. The server advertises
//!   the extension in `server/discover` when any tool supports tasks.
//! - **Legacy 2025-11-25 sessions** use the core tasks utility: `tools/call`
//!   with a `task` parameter, `tasks/get`, `tasks/result`, `tasks/list`,
//!   `tasks/cancel`, and `notifications/tasks/status` when a task ends.
//!
//! A handler that calls [`Context::elicit`](crate::context::Context::elicit)
//! (or samples, or asks for roots) inside a modern task moves the task to
//! `input_required`; `tasks/get` shows the request, the client answers with
//! `tasks/update`, and the handler continues where it stopped (it is not
//! re-run). A tool built with
//! [`Tool::deferred_task`](crate::tool::Tool::deferred_task) starts as an
//! ordinary call instead — its input requests are multi round-trip requests
//! on the call itself — and becomes a task when the handler calls
//! [`Context::begin_task`](crate::context::Context::begin_task).
//!
//! Modern requests are stateless and may reach any replica, so task state
//! lives in a [`TaskStore`]: by default an [`InMemoryTaskStore`] (bounded,
//! entries expire with their time to live); implement the trait to share
//! tasks between replicas. [`TaskConfig`] sets the store, the time to live
//! and the poll interval:
//!
//! ```
//! use std::time::Duration;
//! use mcp_serve::prelude::*;
//! use mcp_serve::tasks::{InMemoryTaskStore, TaskConfig};
//!
//! let server = Server::new("demo", "1.0.0").tasks(
//!     TaskConfig::new()
//!         .store(InMemoryTaskStore::new(1_000))
//!         .ttl(Duration::from_secs(600))
//!         .poll_interval(Duration::from_secs(1)),
//! );
//! # let _ = server;
//! ```

mod clock;
mod memory;
mod store;

use std::sync::Arc;
use std::time::Duration;

pub use clock::now;
pub use memory::{DEFAULT_CAPACITY, InMemoryTaskStore};
pub use store::{StoreFuture, TaskRecord, TaskStore, TaskStoreError};

/// How long a modern task is kept by default: an hour.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);

/// How often modern clients are asked to poll by default.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(500);

/// How long a replica's lease on a running task lasts by default: ten
/// seconds, renewed every quarter of that while the work runs.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// How a server keeps the tasks of modern clients: the [`TaskStore`], each
/// task's time to live (after which it is stopped and forgotten) and the
/// poll interval suggested to clients. Given to
/// [`Server::tasks`](crate::server::Server::tasks).
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::tasks::TaskConfig;
///
/// let config = TaskConfig::new().ttl(Duration::from_secs(300));
/// assert_eq!(config.ttl_value(), Duration::from_secs(300));
/// assert_eq!(TaskConfig::default().ttl_value(), mcp_serve::tasks::DEFAULT_TTL);
/// ```
#[derive(Clone)]
pub struct TaskConfig {
    pub(crate) store: Arc<dyn TaskStore>,
    pub(crate) ttl: Duration,
    pub(crate) poll_interval: Duration,
    pub(crate) lease: Duration,
    /// Whether code chose the store (a shared store from the environment
    /// then does not replace it).
    pub(crate) custom_store: bool,
}

impl std::fmt::Debug for TaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskConfig")
            .field("ttl", &self.ttl)
            .field("poll_interval", &self.poll_interval)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            store: Arc::new(InMemoryTaskStore::default()),
            ttl: DEFAULT_TTL,
            poll_interval: DEFAULT_POLL_INTERVAL,
            lease: DEFAULT_LEASE,
            custom_store: false,
        }
    }
}

impl TaskConfig {
    /// The defaults: an [`InMemoryTaskStore`], [`DEFAULT_TTL`],
    /// [`DEFAULT_POLL_INTERVAL`].
    ///
    /// ```
    /// let _ = mcp_serve::tasks::TaskConfig::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps tasks in `store`.
    ///
    /// ```
    /// use mcp_serve::tasks::{InMemoryTaskStore, TaskConfig};
    /// let _ = TaskConfig::new().store(InMemoryTaskStore::new(64));
    /// ```
    #[must_use]
    pub fn store(mut self, store: impl TaskStore) -> Self {
        self.store = Arc::new(store);
        self.custom_store = true;
        self
    }

    /// Keeps tasks in a store shared with other parts of the program.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mcp_serve::tasks::{InMemoryTaskStore, TaskConfig};
    /// let store = Arc::new(InMemoryTaskStore::new(64));
    /// let _ = TaskConfig::new().shared_store(store.clone());
    /// assert!(store.is_empty());
    /// ```
    #[must_use]
    pub fn shared_store(mut self, store: Arc<dyn TaskStore>) -> Self {
        self.store = store;
        self.custom_store = true;
        self
    }

    /// Each task's time to live, from creation (at least a millisecond): a
    /// task still running then is stopped, and its record is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::tasks::TaskConfig;
    /// let _ = TaskConfig::new().ttl(Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// The poll interval suggested to clients (`pollIntervalMs`; at least a
    /// millisecond).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::tasks::TaskConfig;
    /// let _ = TaskConfig::new().poll_interval(Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How long a replica's lease on a task it runs lasts (at least 40 ms;
    /// renewed every quarter of it). When the replica stops without ending
    /// the task, another one that reads the task after the lease ran out
    /// fails it ("the replica running this task stopped") instead of leaving
    /// it `working` until its time to live ends. Longer leases write less
    /// often; shorter ones notice a dead replica sooner.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_serve::tasks::TaskConfig;
    /// let _ = TaskConfig::new().lease(Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(40));
        self
    }

    /// The time to live tasks get.
    ///
    /// ```
    /// use mcp_serve::tasks::{TaskConfig, DEFAULT_TTL};
    /// assert_eq!(TaskConfig::new().ttl_value(), DEFAULT_TTL);
    /// ```
    pub fn ttl_value(&self) -> Duration {
        self.ttl
    }
}
