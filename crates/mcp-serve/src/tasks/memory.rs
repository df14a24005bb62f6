//! The default [`TaskStore`]: a bounded map in this process.

use std::sync::Mutex;

use indexmap::IndexMap;

use super::store::{StoreFuture, TaskRecord, TaskStore, TaskStoreError};

/// Tasks kept at most by [`InMemoryTaskStore::default`].
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Tasks in this process's memory: the default store.
///
/// Bounded: at most `capacity` live tasks. Expired tasks are dropped (lazily,
/// when looked up or when room is needed); when every slot holds a live task,
/// new tasks are refused with [`TaskStoreError::Full`] — a task is never
/// dropped before its time to live, which clients are promised. Size
/// `capacity` to the rate of new tasks times their time to live.
///
/// Serves one process only: replicas behind a load balancer need a shared
/// store (or routing by the `Mcp-Name` header, which carries the task id).
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::tasks::{InMemoryTaskStore, TaskRecord, TaskStore, TaskStoreError};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let store = InMemoryTaskStore::new(1);
/// let a = TaskRecord::new(Duration::from_secs(60), Duration::from_secs(1));
/// store.create(&a).await.unwrap();
/// assert_eq!(store.get(&a.task_id).await.unwrap().unwrap().task_id, a.task_id);
///
/// let b = TaskRecord::new(Duration::from_secs(60), Duration::from_secs(1));
/// assert!(matches!(store.create(&b).await, Err(TaskStoreError::Full { capacity: 1 })));
/// # }
/// ```
#[derive(Debug)]
pub struct InMemoryTaskStore {
    capacity: usize,
    map: Mutex<IndexMap<String, TaskRecord>>,
}

impl Default for InMemoryTaskStore {
    /// A store of [`DEFAULT_CAPACITY`] tasks.
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl InMemoryTaskStore {
    /// A store of at most `capacity` live tasks (at least one).
    ///
    /// ```
    /// use mcp_serve::tasks::InMemoryTaskStore;
    /// let store = InMemoryTaskStore::new(100);
    /// assert_eq!(store.capacity(), 100);
    /// ```
    pub fn new(capacity: usize) -> Self {
        InMemoryTaskStore {
            capacity: capacity.max(1),
            map: Mutex::new(IndexMap::new()),
        }
    }

    /// How many live tasks the store keeps at most.
    ///
    /// ```
    /// use mcp_serve::tasks::InMemoryTaskStore;
    /// assert_eq!(InMemoryTaskStore::default().capacity(), mcp_serve::tasks::DEFAULT_CAPACITY);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many live (unexpired) tasks the store holds.
    ///
    /// ```
    /// use mcp_serve::tasks::InMemoryTaskStore;
    /// assert_eq!(InMemoryTaskStore::new(8).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        let mut map = self.lock();
        prune(&mut map);
        map.len()
    }

    /// Whether the store holds no live task.
    ///
    /// ```
    /// use mcp_serve::tasks::InMemoryTaskStore;
    /// assert!(InMemoryTaskStore::new(8).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, IndexMap<String, TaskRecord>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn prune(map: &mut IndexMap<String, TaskRecord>) {
    let now = super::now();
    map.retain(|_, t| !t.is_expired_at(now));
}

impl TaskStore for InMemoryTaskStore {
    fn create<'a>(&'a self, task: &'a TaskRecord) -> StoreFuture<'a, ()> {
        let mut map = self.lock();
        // Pruning is O(n), so only when room is needed; memory stays bounded
        // by `capacity` either way.
        if map.len() >= self.capacity {
            prune(&mut map);
        }
        let result = if map.len() >= self.capacity {
            Err(TaskStoreError::Full {
                capacity: self.capacity,
            })
        } else if map.contains_key(&task.task_id) {
            Err(TaskStoreError::backend(format!(
                "duplicate task id {}",
                task.task_id
            )))
        } else {
            map.insert(task.task_id.clone(), task.clone());
            Ok(())
        };
        Box::pin(std::future::ready(result))
    }

    fn get<'a>(&'a self, task_id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        let mut map = self.lock();
        let found = match map.get(task_id) {
            Some(t) if t.is_expired() => {
                map.shift_remove(task_id);
                None
            }
            other => other.cloned(),
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn replace<'a>(&'a self, task: &'a TaskRecord, expected_revision: u64) -> StoreFuture<'a, bool> {
        let mut map = self.lock();
        let replaced = match map.get_mut(&task.task_id) {
            Some(stored)
                if stored.revision == expected_revision
                    && !stored.status.is_terminal()
                    && !stored.is_expired() =>
            {
                stored.clone_from(task);
                true
            }
            _ => false,
        };
        Box::pin(std::future::ready(Ok(replaced)))
    }

    fn list_session<'a>(&'a self, session: &'a str, limit: usize) -> StoreFuture<'a, Vec<TaskRecord>> {
        let now = super::now();
        let map = self.lock();
        let mut found: Vec<TaskRecord> = map
            .values()
            .filter(|t| t.session.as_deref() == Some(session) && !t.is_expired_at(now))
            .cloned()
            .collect();
        drop(map);
        // Insertion order is creation order: keep the newest.
        let skip = found.len().saturating_sub(limit);
        found.drain(..skip);
        Box::pin(std::future::ready(Ok(found)))
    }
}
