//! Task-augmented `tools/call` for legacy sessions (the 2025-11-25 tasks
//! utility): the call runs in the background, the client polls `tasks/get`,
//! fetches `tasks/result` (which waits for the end), lists and cancels.
//!
//! Tasks belong to the session that created them (so one client cannot read
//! another's), have unguessable ids, and are bounded: at most `MAX_TASKS` per
//! session, each dropped when its time to live runs out.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indexmap::IndexMap;
use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::types::{Task, TaskStatus};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Tasks kept per session; the oldest finished ones go first.
const MAX_TASKS: usize = 256;
/// The shortest time to live granted (a shorter one would let a client
/// escape the per-session cap).
const MIN_TTL: Duration = Duration::from_secs(10);
/// Time to live when the client asks for none (or too much).
const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
/// How often clients are told to poll.
const POLL_INTERVAL_MS: u64 = 500;

/// What a finished task yields: the result, or the JSON-RPC error.
pub(crate) type Outcome = Result<Value, ErrorObject>;

pub(crate) struct TaskEntry {
    task: Mutex<Task>,
    /// Input requests of the task that the client has not answered yet:
    /// while there are any, the task is `input_required`.
    waiting: Mutex<usize>,
    expires: Instant,
    pub(crate) cancel: CancellationToken,
    outcome: watch::Sender<Option<Outcome>>,
}

fn now_iso() -> String {
    humantime::format_rfc3339_millis(crate::tasks::now()).to_string()
}

impl TaskEntry {
    pub(crate) fn snapshot(&self) -> Task {
        self.task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Records the end of the work, unless the task was cancelled first;
    /// `true` when this changed the task's status.
    pub(crate) fn finish(&self, outcome: Outcome) -> bool {
        {
            let mut t = self
                .task
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if t.status.is_terminal() {
                return false;
            }
            let failed = match &outcome {
                Err(e) => Some(e.message.clone()),
                Ok(v) if v.get("isError") == Some(&Value::Bool(true)) => {
                    Some("the tool reported an error".to_owned())
                }
                Ok(_) => None,
            };
            t.status = if failed.is_some() {
                TaskStatus::Failed
            } else {
                TaskStatus::Completed
            };
            t.status_message = failed;
            t.last_updated_at = now_iso();
        }
        self.outcome.send_replace(Some(outcome));
        true
    }

    /// The task's id.
    pub(crate) fn id(&self) -> String {
        self.task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .task_id
            .clone()
    }

    /// One more input request is waiting for the client: a working task
    /// moves to `input_required`. `true` when the status changed.
    pub(crate) fn input_asked(&self) -> bool {
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *waiting += 1;
        *waiting == 1 && self.set_status(TaskStatus::Working, TaskStatus::InputRequired)
    }

    /// An input request was answered (or given up): with none left waiting,
    /// the task is `working` again. `true` when the status changed.
    pub(crate) fn input_settled(&self) -> bool {
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *waiting = waiting.saturating_sub(1);
        *waiting == 0 && self.set_status(TaskStatus::InputRequired, TaskStatus::Working)
    }

    fn set_status(&self, from: TaskStatus, to: TaskStatus) -> bool {
        let mut t = self
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if t.status != from {
            return false;
        }
        t.status = to;
        t.last_updated_at = now_iso();
        true
    }

    /// `notifications/tasks/status` with the task as it is now (2025-11-25:
    /// optional, so sent for the changes the client did not cause itself).
    pub(crate) fn status_notification(&self) -> Vec<u8> {
        let task = serde_json::to_value(self.snapshot()).unwrap_or(Value::Null);
        mcp_serve_core::jsonrpc::encode_notification("notifications/tasks/status", &task)
    }

    /// Moves the task to `cancelled`; `false` when it had already ended.
    pub(crate) fn cancel(&self) -> bool {
        {
            let mut t = self
                .task
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if t.status.is_terminal() {
                return false;
            }
            t.status = TaskStatus::Cancelled;
            t.status_message = Some("cancelled by the client".into());
            t.last_updated_at = now_iso();
        }
        self.cancel.cancel();
        self.outcome.send_replace(Some(Err(ErrorObject::internal(
            "the task was cancelled before it finished",
        ))));
        true
    }

    /// Waits for the end and returns the outcome.
    pub(crate) async fn outcome(&self) -> Outcome {
        let mut rx = self.outcome.subscribe();
        loop {
            if let Some(o) = rx.borrow_and_update().clone() {
                return o;
            }
            if rx.changed().await.is_err() {
                return Err(ErrorObject::internal("the task was dropped"));
            }
        }
    }
}

/// A session's tasks.
#[derive(Default)]
pub(crate) struct Tasks {
    map: Mutex<IndexMap<String, Arc<TaskEntry>>>,
}

impl Tasks {
    fn lock(&self) -> std::sync::MutexGuard<'_, IndexMap<String, Arc<TaskEntry>>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn prune(map: &mut IndexMap<String, Arc<TaskEntry>>) {
        let now = Instant::now();
        map.retain(|_, t| {
            let keep = t.expires > now;
            if !keep {
                // An expired task stops working too: nothing may run unbounded.
                t.cancel();
            }
            keep
        });
        while map.len() >= MAX_TASKS {
            let oldest_done = map.iter().position(|(_, t)| t.snapshot().status.is_terminal());
            match oldest_done {
                Some(i) => {
                    map.shift_remove_index(i);
                }
                None => break,
            }
        }
    }

    /// Creates a task in `working` status; it is cancelled with `parent` (the
    /// session) and when it expires.
    pub(crate) fn create(
        &self,
        ttl_ms: Option<u64>,
        parent: &CancellationToken,
    ) -> Result<Arc<TaskEntry>, ErrorObject> {
        let ttl = ttl_ms
            .map_or(DEFAULT_TTL, Duration::from_millis)
            .clamp(MIN_TTL, DEFAULT_TTL);
        let now = now_iso();
        let mut task = Task::new(
            format!("{:032x}", rand::random::<u128>()),
            TaskStatus::Working,
            now,
        );
        task.ttl = Some(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
        task.poll_interval = Some(POLL_INTERVAL_MS);
        let entry = Arc::new(TaskEntry {
            task: Mutex::new(task),
            waiting: Mutex::new(0),
            expires: Instant::now() + ttl,
            cancel: parent.child_token(),
            outcome: watch::Sender::new(None),
        });
        let mut map = self.lock();
        Self::prune(&mut map);
        if map.len() >= MAX_TASKS {
            return Err(ErrorObject::internal(format!(
                "this session already runs {MAX_TASKS} tasks; wait for some to finish"
            )));
        }
        map.insert(entry.snapshot().task_id, Arc::clone(&entry));
        Ok(entry)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<TaskEntry>> {
        let mut map = self.lock();
        Self::prune(&mut map);
        map.get(id).cloned()
    }

    pub(crate) fn list(&self) -> Vec<Task> {
        let mut map = self.lock();
        Self::prune(&mut map);
        map.values().map(|t| t.snapshot()).collect()
    }
}

/// The error for an unknown task id.
pub(crate) fn unknown(id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("unknown or expired task: {id}")).with_data(json!({ "taskId": id }))
}
