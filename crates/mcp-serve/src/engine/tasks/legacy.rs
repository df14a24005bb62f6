//! Task-augmented `tools/call` for legacy sessions (the 2025-11-25 tasks
//! utility): the call runs in the background, the client polls `tasks/get`,
//! fetches `tasks/result` (which waits for the end), lists and cancels.
//!
//! The records live in the server's [`TaskStore`](crate::tasks::TaskStore),
//! tagged with the session's task key (kept with the session, so a replica
//! that restores the session finds its tasks): with a shared store, any
//! replica serving the session answers for a task that runs on another.
//! Tasks belong to the session that created them (so one client cannot read
//! another's), have unguessable ids, and are bounded: at most `MAX_TASKS`
//! running per session and replica, each dropped when its time to live runs
//! out.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indexmap::IndexMap;
use mcp_serve_core::jsonrpc::ErrorObject;
use mcp_serve_core::types::{Task, TaskStatus};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::engine::Shared;
use crate::tasks::TaskRecord;

/// Tasks running per session on one replica.
const MAX_TASKS: usize = 256;
/// Tasks `tasks/list` shows at most (the newest).
const MAX_LISTED: usize = 256;
/// The shortest time to live granted (a shorter one would let a client
/// escape the per-session cap).
const MIN_TTL: Duration = Duration::from_secs(10);
/// Time to live when the client asks for none (or too much).
const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
/// How often clients are told to poll, and `tasks/result` reads a task
/// running on another replica.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What a finished task yields: the result, or the JSON-RPC error.
pub(crate) type Outcome = Result<Value, ErrorObject>;

/// A legacy task whose work runs on this replica.
pub(crate) struct TaskEntry {
    id: String,
    shared: Arc<Shared>,
    /// Input requests of the task that the client has not answered yet:
    /// while there are any, the task is `input_required`.
    waiting: Mutex<usize>,
    /// Serialises the status changes input requests make, so that they
    /// reach the store in the order they happened.
    status: tokio::sync::Mutex<()>,
    pub(crate) cancel: CancellationToken,
    /// `true` once the work stopped (for `tasks/result` waiting here).
    ended: watch::Sender<bool>,
}

/// The 2025-11-25 `Task` of a record.
pub(crate) fn wire(t: &TaskRecord) -> Task {
    let mut task = Task::new(t.task_id.clone(), t.status, t.created_at.clone());
    task.status_message.clone_from(&t.status_message);
    task.last_updated_at.clone_from(&t.last_updated_at);
    task.ttl = Some(t.ttl_ms);
    task.poll_interval = Some(t.poll_interval_ms);
    task
}

/// `notifications/tasks/status` with the task as `t` has it (2025-11-25:
/// optional, so sent for the changes the client did not cause itself).
pub(crate) fn status_notification(t: &TaskRecord) -> Vec<u8> {
    let task = serde_json::to_value(wire(t)).unwrap_or(Value::Null);
    mcp_serve_core::jsonrpc::encode_notification("notifications/tasks/status", &task)
}

impl TaskEntry {
    /// The task's id.
    pub(crate) fn id(&self) -> String {
        self.id.clone()
    }

    /// One more input request is waiting for the client.
    pub(crate) fn input_asked(&self) {
        *self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
    }

    /// An input request was answered (or given up).
    pub(crate) fn input_settled(&self) {
        let mut waiting = self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *waiting = waiting.saturating_sub(1);
    }

    /// Brings the stored status in line with the input requests waiting now
    /// (`input_required` while any waits, else `working`); the record when
    /// this changed it.
    pub(crate) async fn sync_input_status(&self) -> Option<TaskRecord> {
        let _order = self.status.lock().await;
        let waiting = *self
            .waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let want = if waiting > 0 {
            TaskStatus::InputRequired
        } else {
            TaskStatus::Working
        };
        let mut changed = false;
        let r = self
            .shared
            .tasks
            .update(&self.id, |t| {
                if t.status.is_terminal() || t.status == want {
                    return false;
                }
                t.status = want;
                t.status_message =
                    (want == TaskStatus::InputRequired).then(|| "waiting for the client's answer".into());
                changed = true;
                true
            })
            .await;
        match r {
            Ok(Some(t)) if changed => Some(t),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(task = %self.id, error = %e, "could not record a task's input status");
                None
            }
        }
    }

    /// Records how the work ended, unless the task ended first (cancelled,
    /// or failed elsewhere); the record when this ended it.
    async fn finish(&self, outcome: Outcome) -> Option<TaskRecord> {
        let (status, message, result, error) = match outcome {
            Err(e) => (TaskStatus::Failed, Some(e.message.clone()), None, Some(e)),
            Ok(v) if v.get("isError") == Some(&Value::Bool(true)) => (
                TaskStatus::Failed,
                Some("the tool reported an error".to_owned()),
                Some(v),
                None,
            ),
            Ok(v) => (TaskStatus::Completed, None, Some(v), None),
        };
        let mut ended = false;
        let r = self
            .shared
            .tasks
            .update(&self.id, |t| {
                if t.status.is_terminal() {
                    return false;
                }
                t.status = status;
                t.status_message.clone_from(&message);
                t.result.clone_from(&result);
                t.error.clone_from(&error);
                ended = true;
                true
            })
            .await;
        match r {
            Ok(Some(t)) if ended => Some(t),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(task = %self.id, error = %e, "could not record the end of a task");
                None
            }
        }
    }

    /// Records that the work stopped without ending the task (its session
    /// closed here, or its time to live ran out).
    async fn abandon(&self, why: &str) {
        let r = self
            .shared
            .tasks
            .update(&self.id, |t| {
                if t.status.is_terminal() {
                    return false;
                }
                t.status = TaskStatus::Cancelled;
                t.status_message = Some(why.to_owned());
                true
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(task = %self.id, error = %e, "could not record that a task stopped");
        }
    }
}

/// The tasks of a session that run on this replica.
#[derive(Default)]
pub(crate) struct Tasks {
    map: Mutex<IndexMap<String, Arc<TaskEntry>>>,
}

impl Tasks {
    fn lock(&self) -> std::sync::MutexGuard<'_, IndexMap<String, Arc<TaskEntry>>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Creates a task in `working` status for the session whose task key is
    /// `session`; it is cancelled with `parent` (the session) and when it
    /// expires.
    pub(crate) async fn create(
        &self,
        shared: &Arc<Shared>,
        session: &str,
        ttl_ms: Option<u64>,
        parent: &CancellationToken,
    ) -> Result<Arc<TaskEntry>, ErrorObject> {
        let ttl = ttl_ms
            .map_or(DEFAULT_TTL, Duration::from_millis)
            .clamp(MIN_TTL, DEFAULT_TTL);
        {
            let mut map = self.lock();
            map.retain(|_, t| !*t.ended.borrow());
            if map.len() >= MAX_TASKS {
                return Err(ErrorObject::internal(format!(
                    "this session already runs {MAX_TASKS} tasks; wait for some to finish"
                )));
            }
        }
        let mut record = shared.tasks.new_record(ttl, POLL_INTERVAL);
        record.session = Some(session.to_owned());
        shared
            .tasks
            .store()
            .create(&record)
            .await
            .map_err(|e| ErrorObject::internal(e.to_string()))?;
        let entry = Arc::new(TaskEntry {
            id: record.task_id.clone(),
            shared: Arc::clone(shared),
            waiting: Mutex::new(0),
            status: tokio::sync::Mutex::new(()),
            cancel: parent.child_token(),
            ended: watch::Sender::new(false),
        });
        self.lock().insert(record.task_id.clone(), Arc::clone(&entry));
        Ok(entry)
    }

    /// The entry of a task running here.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<TaskEntry>> {
        self.lock().get(id).cloned()
    }

    /// Ids of the tasks running here.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn remove(&self, id: &str) {
        self.lock().shift_remove(id);
    }
}

/// Runs a task's work until it ends, is cancelled (here, or elsewhere: the
/// lease renewal sees it), or outlives its time to live; tells the client
/// when it ended on its own.
pub(crate) async fn run(
    tasks: Arc<Tasks>,
    entry: Arc<TaskEntry>,
    ttl: Duration,
    work: futures::future::BoxFuture<'static, Outcome>,
    peer: crate::context::Peer,
) {
    let rt = &entry.shared.tasks;
    tokio::select! {
        () = entry.cancel.cancelled() => {
            entry.abandon("the session ended before the task finished").await;
        }
        () = tokio::time::sleep(ttl) => {
            entry.cancel.cancel();
            entry.abandon("the task outlived its time to live").await;
        }
        // Ended elsewhere (cancelled on another replica, or failed there
        // because this replica lost its lease): the work is not wanted.
        () = rt.hold(&entry.id) => entry.cancel.cancel(),
        outcome = work => {
            if let Some(t) = entry.finish(outcome).await {
                // 2025-11-25 `notifications/tasks/status` (optional): the task ended.
                peer.notify(status_notification(&t)).await;
            }
        }
    }
    entry.ended.send_replace(true);
    tasks.remove(&entry.id);
}

/// Reads a task of the session whose task key is `session`: `None` when it
/// is unknown, expired, or another session's.
pub(crate) async fn read(
    shared: &Shared,
    session: &str,
    task_id: &str,
) -> Result<Option<TaskRecord>, ErrorObject> {
    match shared.tasks.read(task_id).await {
        Ok(Some(t)) if t.session.as_deref() == Some(session) => Ok(Some(t)),
        Ok(_) => Ok(None),
        Err(e) => Err(ErrorObject::internal(e.to_string())),
    }
}

/// The session's tasks, oldest first: those in the store (when it lists
/// sessions) and those running here.
pub(crate) async fn list(shared: &Shared, tasks: &Tasks, session: &str) -> Result<Vec<Task>, ErrorObject> {
    let mut found = shared
        .tasks
        .store()
        .list_session(session, MAX_LISTED)
        .await
        .map_err(|e| ErrorObject::internal(e.to_string()))?;
    for id in tasks.ids() {
        if !found.iter().any(|t| t.task_id == id) {
            if let Some(t) = read(shared, session, &id).await? {
                found.push(t);
            }
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for t in found {
        // Orphaned tasks are failed on the way, as `tasks/get` would.
        let t = if t.is_orphaned_at(crate::tasks::now()) {
            match read(shared, session, &t.task_id).await? {
                Some(t) => t,
                None => continue,
            }
        } else {
            t
        };
        out.push(wire(&t));
    }
    out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    Ok(out)
}

/// Cancels a task of the session: the task as it is now, or an error when
/// it had already ended. Work running here stops at once; work on another
/// replica stops when that replica next renews its lease.
pub(crate) async fn cancel(
    shared: &Shared,
    tasks: &Tasks,
    session: &str,
    task_id: &str,
) -> Result<Task, ErrorObject> {
    if read(shared, session, task_id).await?.is_none() {
        return Err(unknown(task_id));
    }
    let mut cancelled = false;
    let r = shared
        .tasks
        .update(task_id, |t| {
            if t.status.is_terminal() {
                return false;
            }
            t.status = TaskStatus::Cancelled;
            t.status_message = Some("cancelled by the client".into());
            cancelled = true;
            true
        })
        .await
        .map_err(|e| ErrorObject::internal(e.to_string()))?;
    let Some(t) = r else {
        return Err(unknown(task_id));
    };
    if !cancelled {
        return Err(ErrorObject::invalid_params(format!(
            "task {task_id} has already ended and cannot be cancelled"
        )));
    }
    match tasks.get(task_id) {
        Some(entry) => entry.cancel.cancel(),
        None => shared.tasks.announce(task_id),
    }
    Ok(wire(&t))
}

/// Cancels every task of the session still running, in the store, as the
/// session ends: the replicas running them stop at their next renewal.
/// Best effort: a store that cannot be reached leaves them to their time
/// to live.
pub(crate) async fn cancel_session(shared: &Shared, session: &str) {
    let running = match shared.tasks.store().list_session(session, MAX_LISTED).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "the ended session's tasks could not be listed; they end with their time to live");
            return;
        }
    };
    for t in running.iter().filter(|t| !t.status.is_terminal()) {
        let r = shared
            .tasks
            .update(&t.task_id, |t| {
                if t.status.is_terminal() {
                    return false;
                }
                t.status = TaskStatus::Cancelled;
                t.status_message = Some("the session ended before the task finished".into());
                true
            })
            .await;
        match r {
            Ok(_) => shared.tasks.announce(&t.task_id),
            Err(e) => {
                tracing::warn!(task = %t.task_id, error = %e, "an ended session's task could not be cancelled; it ends with its time to live");
            }
        }
    }
}

/// Waits for the task to end and returns what it yields (`tasks/result`).
/// Reads the store at the poll interval (the work may run on another
/// replica), or as soon as work running here ends.
pub(crate) async fn outcome(shared: &Shared, tasks: &Tasks, session: &str, task_id: &str) -> Outcome {
    let mut ended = tasks.get(task_id).map(|e| e.ended.subscribe());
    loop {
        let Some(t) = read(shared, session, task_id).await? else {
            return Err(unknown(task_id));
        };
        match t.status {
            TaskStatus::Completed => return Ok(t.result.unwrap_or_else(|| json!({}))),
            TaskStatus::Failed => {
                return match (t.result, t.error) {
                    (Some(v), _) => Ok(v),
                    (None, Some(e)) => Err(e),
                    (None, None) => Err(ErrorObject::internal("the task failed")),
                };
            }
            TaskStatus::Cancelled => {
                return Err(ErrorObject::internal("the task was cancelled before it finished"));
            }
            TaskStatus::Working | TaskStatus::InputRequired => {}
        }
        match &mut ended {
            Some(rx) => {
                let _ = tokio::time::timeout(POLL_INTERVAL, rx.wait_for(|e| *e)).await;
                if *rx.borrow() {
                    // Ended here: the record says how; no more waiting on this.
                    ended = None;
                }
            }
            None => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

/// The error for an unknown task id.
pub(crate) fn unknown(id: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("unknown or expired task: {id}")).with_data(json!({ "taskId": id }))
}
