//! The `io.modelcontextprotocol/tasks` extension (SEP-2663) for modern
//! (2026-07-28) requests.
//!
//! A `tools/call` of a task-supporting tool from a client that declared the
//! extension answers `CreateTaskResult` once the task is in the store; the
//! work runs here, in a spawned runner. `tasks/get`, `tasks/update` and
//! `tasks/cancel` (in `requests`) read and change the record in the store
//! only, so any replica sharing the store serves them. A runner in this
//! process is woken (answers) or stopped (cancellation) at once. One on
//! another replica hears of the change on the cluster bus when the servers
//! share one, and looks at once; without a bus (or if the message is lost)
//! it finds answers, and a cancellation, when it next reads the store: at
//! the poll interval while it waits for input, at its next lease renewal
//! otherwise.
//!
//! Input inside a task: the handler's `Mrtr` is live, so an input request
//! waits instead of ending the handler. The runner moves the task to
//! `input_required` with the request; `tasks/update` stores the answer and
//! wakes the runner, which hands it to the waiting handler.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::BoxFuture;
use mcp_serve_core::jsonrpc::{ErrorObject, RequestId};
use mcp_serve_core::meta::TASKS_EXTENSION;
use mcp_serve_core::types::{TaskStatus, TaskSupport};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub(crate) use super::requests::TaskWatch;
use super::wire::{created, error_answer, rejected, result_answer, store_error};
use crate::engine::Shared;
use crate::engine::connection::{Answer, Connection, Reply, Scope};
use crate::engine::extensions::{self, Builtin};
use crate::engine::input::Mrtr;
use crate::engine::methods::{self, MethodResult};
use crate::engine::shape::{Cache, shape};
use crate::tasks::{TaskConfig, TaskRecord, TaskStore, TaskStoreError};

/// Compare-and-swap attempts before giving up: each failed attempt means
/// another writer just succeeded, so this only runs out under a storm.
const CAS_ATTEMPTS: usize = 64;

/// Yields that let concurrently started input requests of one handler
/// register before they are published together.
const SETTLE_YIELDS: usize = 3;

/// The server's tasks: the store, the policy, and the work running here.
pub(crate) struct TaskRuntime {
    /// Swapped once at most, before serving, for a shared store from the
    /// environment (see `use_shared_store`).
    store: std::sync::RwLock<Arc<dyn TaskStore>>,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    custom_store: bool,
    ttl: Duration,
    poll_interval: Duration,
    lease: Duration,
    /// This process among the replicas: the holder of its tasks' leases.
    replica: String,
    /// Tasks whose work runs in this process, by id.
    running: Mutex<HashMap<String, Arc<Runner>>>,
    /// Tasks whose lease this process holds (`hold`), by id: woken to look
    /// at the store at once when another replica changed them.
    held: Mutex<HashMap<String, Arc<Notify>>>,
    /// Tells the other replicas a task changed (set when the server joins a
    /// cluster bus), so the one running it acts at once instead of at its
    /// next lease renewal or poll.
    announce: std::sync::OnceLock<Announce>,
}

/// How a task change is told to the other replicas.
type Announce = Box<dyn Fn(&str) + Send + Sync>;

/// The error a task ends with when its replica stopped running it.
pub(crate) fn orphaned() -> ErrorObject {
    ErrorObject::internal(
        "the replica running this task stopped before the task finished; start the task again",
    )
}

/// The local handle on a running task.
pub(super) struct Runner {
    pub(super) cancel: CancellationToken,
    /// Woken when `tasks/update` stored answers for the task.
    pub(super) wake: Notify,
}

/// The extension as the engine's registry serves it: offered on
/// `server/discover` while some enabled tool may run as a task, modern era
/// only (the legacy era has the core tasks utility, `capabilities.tasks`),
/// its methods served from the store, and its part in `tools/call`.
pub(crate) fn extension() -> Builtin {
    Builtin {
        id: TASKS_EXTENSION,
        offered: supports_tasks,
        legacy: false,
        methods: &[
            ("tasks/get", serve),
            ("tasks/update", serve),
            ("tasks/cancel", serve),
        ],
        tools_call: Some(on_tools_call),
    }
}

/// Whether any enabled tool may run as a task.
fn supports_tasks(shared: &Shared) -> bool {
    shared.catalog.load().tools.values().any(|t| {
        t.enabled
            && t.def
                .execution
                .as_ref()
                .and_then(|e| e.task_support)
                .is_some_and(|s| s != TaskSupport::Forbidden)
    })
}

/// `tasks/get`, `tasks/update`, `tasks/cancel` (the registry checked the
/// client declared the extension).
fn serve(conn: &Connection, scope: &Scope, method: &str, params: Map<String, Value>) -> Reply {
    super::requests::method(conn.shared(), scope, method, params)
}

/// A modern `tools/call`: a task, refused, or (`Err`) an ordinary call.
fn on_tools_call(
    conn: &Connection,
    scope: &Scope,
    params: Map<String, Value>,
    shared_connection: bool,
) -> Result<Reply, Map<String, Value>> {
    match plan(conn.shared(), scope, &params) {
        Plan::Sync => Err(params),
        Plan::Refuse(e) => Ok(rejected(&scope.id, &e)),
        Plan::Task { deferred: false } => Ok(start(conn, scope, params)),
        Plan::Task { deferred: true } => Ok(start_deferred(conn, scope, params, shared_connection)),
    }
}

/// How a modern `tools/call` relates to tasks.
enum Plan {
    /// An ordinary call.
    Sync,
    /// Refused before running (a task-required tool, a client without the
    /// extension).
    Refuse(ErrorObject),
    /// A task; `deferred` ones start as an ordinary call and become a task
    /// when the handler calls `Context::begin_task`.
    Task { deferred: bool },
}

impl TaskRuntime {
    pub(crate) fn new(config: &TaskConfig) -> Self {
        TaskRuntime {
            store: std::sync::RwLock::new(Arc::clone(&config.store)),
            custom_store: config.custom_store,
            ttl: config.ttl,
            poll_interval: config.poll_interval,
            lease: config.lease,
            replica: format!("{:032x}", rand::random::<u128>()),
            running: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            announce: std::sync::OnceLock::new(),
        }
    }

    /// Sets how task changes are told to the other replicas (once).
    pub(crate) fn announce_with(&self, announce: impl Fn(&str) + Send + Sync + 'static) {
        let _ = self.announce.set(Box::new(announce));
    }

    /// Another replica changed `task_id`: if it runs here, look at the store
    /// now (a cancellation stops it, answers reach its handler).
    pub(crate) fn poke(&self, task_id: &str) {
        let held = self.lock_held().get(task_id).cloned();
        if let Some(held) = held {
            held.notify_one();
        }
        if let Some(runner) = self.runner(task_id) {
            runner.wake.notify_one();
        }
    }

    /// Tells the replica running `task_id` that a client changed it here
    /// (cancelled it, answered its input), unless its work runs here.
    pub(crate) fn announce(&self, task_id: &str) {
        if self.runner(task_id).is_some() || self.lock_held().contains_key(task_id) {
            return;
        }
        if let Some(announce) = self.announce.get() {
            announce(task_id);
        }
    }

    fn lock_held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The task store.
    pub(crate) fn store(&self) -> Arc<dyn TaskStore> {
        Arc::clone(
            &self
                .store
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Keeps tasks in `store` from now on, unless code chose a store;
    /// `false` when it did. For serving with a shared store from the
    /// environment: tasks created before are no longer found.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn use_shared_store(&self, store: Arc<dyn TaskStore>) -> bool {
        if self.custom_store {
            return false;
        }
        *self
            .store
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = store;
        true
    }

    /// A new record for work starting here: leased to this replica.
    pub(crate) fn new_record(&self, ttl: Duration, poll_interval: Duration) -> TaskRecord {
        let mut record = TaskRecord::new(ttl, poll_interval);
        record.replica = Some(self.replica.clone());
        record.lease_until_ms = Some(self.lease_until());
        record
    }

    fn lease_until(&self) -> u64 {
        crate::tasks::now().checked_add(self.lease).map_or(u64::MAX, |t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        })
    }

    /// Reads a task, failing it first when the replica that ran it stopped
    /// (its lease ran out while it had not ended): every reader, on any
    /// replica, sees the same end.
    pub(crate) async fn read(&self, task_id: &str) -> Result<Option<TaskRecord>, TaskStoreError> {
        let Some(t) = self.store().get(task_id).await? else {
            return Ok(None);
        };
        // Work running here renews its own lease; a late renewal (a slow
        // store) must not fail it.
        if !t.is_orphaned_at(crate::tasks::now()) || self.runner(task_id).is_some() {
            return Ok(Some(t));
        }
        let error = orphaned();
        tracing::warn!(task = task_id, replica = ?t.replica, "a task's replica stopped; failing the task");
        self.update(task_id, |t| {
            if !t.is_orphaned_at(crate::tasks::now()) {
                return false;
            }
            t.status = TaskStatus::Failed;
            t.status_message = Some(error.message.clone());
            t.error = Some(error.clone());
            t.input_requests.clear();
            true
        })
        .await
    }

    /// Renews this replica's lease on a task while its work runs here, at a
    /// quarter of the lease; returns when the task ended elsewhere (cancelled
    /// on another replica, failed because the lease was lost) or is gone, so
    /// the caller stops the work.
    pub(crate) async fn hold(&self, task_id: &str) {
        /// Unregisters the hold however it ends.
        struct Held<'a>(&'a TaskRuntime, &'a str);
        impl Drop for Held<'_> {
            fn drop(&mut self) {
                self.0.lock_held().remove(self.1);
            }
        }
        let poked = Arc::new(Notify::new());
        self.lock_held().insert(task_id.to_owned(), Arc::clone(&poked));
        let _held = Held(self, task_id);
        let every = self.lease / 4;
        loop {
            // Renewed on time, or at once when another replica changed it.
            let _ = tokio::time::timeout(every, poked.notified()).await;
            let until = self.lease_until();
            let r = self
                .update_quietly(task_id, |t| {
                    if t.status.is_terminal() {
                        return false;
                    }
                    t.lease_until_ms = Some(until);
                    true
                })
                .await;
            match r {
                Ok(Some(t)) if !t.status.is_terminal() => {}
                Ok(_) => return,
                // The next renewal may get through; until the lease runs out
                // the task is still this replica's.
                Err(e) => tracing::warn!(task = task_id, error = %e, "could not renew a task's lease"),
            }
        }
    }

    /// How often task watchers poll the store.
    pub(crate) fn poll_interval(&self) -> Duration {
        self.poll_interval
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Runner>>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn runner(&self, task_id: &str) -> Option<Arc<Runner>> {
        self.lock_running().get(task_id).cloned()
    }

    /// Reads, changes and writes back a record, retrying when another writer
    /// got there first. `change` returns whether it changed anything (no
    /// write otherwise). `None` when the task is unknown or expired.
    pub(crate) async fn update(
        &self,
        task_id: &str,
        change: impl FnMut(&mut TaskRecord) -> bool,
    ) -> Result<Option<TaskRecord>, TaskStoreError> {
        self.change(task_id, true, change).await
    }

    /// [`TaskRuntime::update`] without moving `lastUpdatedAt`: for changes
    /// clients do not see (a lease renewal).
    async fn update_quietly(
        &self,
        task_id: &str,
        change: impl FnMut(&mut TaskRecord) -> bool,
    ) -> Result<Option<TaskRecord>, TaskStoreError> {
        self.change(task_id, false, change).await
    }

    async fn change(
        &self,
        task_id: &str,
        visible: bool,
        mut change: impl FnMut(&mut TaskRecord) -> bool,
    ) -> Result<Option<TaskRecord>, TaskStoreError> {
        let store = self.store();
        for _ in 0..CAS_ATTEMPTS {
            let Some(mut t) = store.get(task_id).await? else {
                return Ok(None);
            };
            let expected = t.revision;
            if !change(&mut t) {
                return Ok(Some(t));
            }
            if visible {
                t.touch();
            } else {
                t.revision += 1;
            }
            if store.replace(&t, expected).await? {
                return Ok(Some(t));
            }
        }
        Err(TaskStoreError::backend(format!(
            "task {task_id} kept changing under {CAS_ATTEMPTS} attempts to update it"
        )))
    }

    /// Publishes input requests the handler waits for; `false` when the task
    /// is gone or already ended (the runner then stops).
    async fn ask(&self, task_id: &str, asked: &[(String, Value)]) -> bool {
        let r = self
            .update(task_id, |t| {
                if t.status.is_terminal() {
                    return false;
                }
                for (k, v) in asked {
                    t.input_requests.insert(k.clone(), v.clone());
                }
                t.status = TaskStatus::InputRequired;
                t.status_message = Some("waiting for the client's input (see inputRequests)".into());
                true
            })
            .await;
        match r {
            Ok(Some(t)) => !t.status.is_terminal(),
            Ok(None) => false,
            Err(e) => {
                // The handler keeps waiting; the next poll may get through.
                tracing::warn!(task = task_id, error = %e, "could not publish a task's input requests");
                true
            }
        }
    }

    /// Hands answers stored by `tasks/update` to the waiting handler;
    /// `false` when the task is gone or already ended.
    async fn deliver(&self, task_id: &str, mrtr: &Mrtr, outstanding: &mut HashSet<String>) -> bool {
        let t = match self.store().get(task_id).await {
            Ok(Some(t)) => t,
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(task = task_id, error = %e, "could not read a task's answers");
                return true;
            }
        };
        if t.status.is_terminal() {
            return false;
        }
        outstanding.retain(|k| match t.input_responses.get(k) {
            Some(v) => {
                mrtr.provide(k.clone(), v.clone());
                false
            }
            None => true,
        });
        true
    }

    /// Records how the work ended, unless the task ended first (cancelled).
    async fn settle(&self, shared: &Shared, task_id: &str, version: ProtocolVersion, outcome: Outcome) {
        let (status, result, error) = match outcome {
            Ok(Ok((mut v, _))) => {
                shape(shared, version, Cache::No, &mut v);
                (TaskStatus::Completed, Some(v), None)
            }
            Ok(Err(e)) => (TaskStatus::Failed, None, Some(e.into_error_object())),
            Err(()) => (
                TaskStatus::Failed,
                None,
                Some(ErrorObject::internal("the tool panicked")),
            ),
        };
        let r = self
            .update(task_id, |t| {
                if t.status.is_terminal() {
                    return false;
                }
                t.status = status;
                t.status_message = error.as_ref().map(|e| e.message.clone());
                t.result.clone_from(&result);
                t.error.clone_from(&error);
                t.input_requests.clear();
                true
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(task = task_id, error = %e, "could not record the end of a task");
        }
    }
}

/// How a task's work ended: the method's result, or `Err` for a panic.
type Outcome = Result<MethodResult, ()>;

/// Decides how a modern `tools/call` is served.
fn plan(shared: &Shared, scope: &Scope, params: &Map<String, Value>) -> Plan {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Plan::Sync;
    };
    let catalog = shared.catalog.load();
    // Unknown tools are the ordinary call's to report.
    let Some(tool) = catalog.tools.get(name).filter(|t| t.enabled) else {
        return Plan::Sync;
    };
    let support = tool
        .def
        .execution
        .as_ref()
        .and_then(|e| e.task_support)
        .unwrap_or(TaskSupport::Forbidden);
    match (support, extensions::declares(scope, TASKS_EXTENSION)) {
        (TaskSupport::Forbidden, _) | (TaskSupport::Optional, false) => Plan::Sync,
        (TaskSupport::Required, false) => Plan::Refuse(extensions::missing(
            TASKS_EXTENSION,
            &format!("tool {name}"),
            scope.version,
        )),
        (_, true) => Plan::Task {
            deferred: tool.deferred_task,
        },
    }
}

/// A copy of `scope` for work that outlives its request: no progress token
/// and no log level, since SEP-2663 carries neither progress nor log
/// notifications for tasks.
fn detached(scope: &Scope) -> Scope {
    let mut meta = scope.meta.get().clone();
    meta.remove(mcp_serve_core::meta::PROGRESS_TOKEN);
    let meta = meta.into();
    Scope {
        id: scope.id.clone(),
        version: scope.version,
        meta,
        client_info: scope.client_info.clone(),
        capabilities: scope.capabilities.clone(),
        log_level: None,
        http: scope.http.clone(),
        stream: None,
        params_raw: scope.params_raw.clone(),
    }
}

/// A call that is a task from the start.
fn start(conn: &Connection, scope: &Scope, mut params: Map<String, Value>) -> Reply {
    // Multi round-trip fields belong to ordinary calls, not to tasks.
    params.remove("inputResponses");
    params.remove("requestState");
    let scope = detached(scope);
    let shared = Arc::clone(conn.shared());
    let mrtr = Arc::new(Mrtr::live());
    let cancel = CancellationToken::new();
    let cx = conn.context(&scope, cancel.clone(), Some(Arc::clone(&mrtr) as _));
    let fut = methods::call_tool(&shared, params, cx);
    let id = scope.id.clone();
    let version = scope.version;
    let owner = scope.caller();
    Reply::Later(Box::pin(async move {
        Some(launch(shared, id, version, fut, mrtr, cancel, owner).await)
    }))
}

/// A deferred task call: runs as an ordinary call (multi round-trip input)
/// until the handler calls `Context::begin_task`, then continues as a task.
fn start_deferred(
    conn: &Connection,
    scope: &Scope,
    mut params: Map<String, Value>,
    shared_connection: bool,
) -> Reply {
    let id = scope.id.clone();
    let (interaction, mrtr) = match conn.interaction(scope, "tools/call", &mut params) {
        Ok(i) => i,
        Err(e) => return rejected(&id, &e.into_error_object()),
    };
    let Some((mrtr, digest)) = mrtr else {
        return rejected(
            &id,
            &ErrorObject::internal("a modern tools/call without input support"),
        );
    };
    mrtr.allow_begin();
    let token = CancellationToken::new();
    if !shared_connection {
        conn.lock_in_flight().insert(id.clone(), token.clone());
    }
    let owner = scope.caller();
    let cx = conn.context(scope, token.clone(), interaction);
    let mut fut = methods::call_tool(conn.shared(), params, cx);
    let conn = conn.clone();
    let version = scope.version;
    Reply::Later(Box::pin(async move {
        enum Step {
            Cancelled,
            Begin,
            Done(MethodResult),
            Input,
        }
        let step = tokio::select! {
            biased;
            () = token.cancelled() => Step::Cancelled,
            () = mrtr.begin.notified() => Step::Begin,
            r = &mut fut => Step::Done(r),
            () = mrtr.needed.notified() => Step::Input,
        };
        if !shared_connection {
            conn.lock_in_flight().remove(&id);
        }
        match step {
            // A cancelled request gets no response.
            Step::Cancelled => None,
            Step::Done(r) => Some(conn.finish(&id, version, r)),
            Step::Input => {
                let r = crate::engine::connection::input_required(&conn.shared().state_keys, &mrtr, &digest)
                    .await;
                Some(conn.finish(&id, version, Ok(r)))
            }
            Step::Begin => {
                // Input from here on is task input, answered by tasks/update.
                mrtr.go_live();
                Some(launch(Arc::clone(conn.shared()), id, version, fut, mrtr, token, owner).await)
            }
        }
    }))
}

/// Creates the task (durably: a `tasks/get` right after finds it), starts
/// the runner, and answers `CreateTaskResult`. Runs on its own tokio task,
/// so a client that goes away meanwhile cannot leave a stored task with no
/// work behind it.
async fn launch(
    shared: Arc<Shared>,
    id: RequestId,
    version: ProtocolVersion,
    fut: BoxFuture<'static, MethodResult>,
    mrtr: Arc<Mrtr>,
    cancel: CancellationToken,
    owner: Option<String>,
) -> Answer {
    let request = id.clone();
    let created = tokio::spawn(async move {
        let rt = &shared.tasks;
        let mut record = rt.new_record(rt.ttl, rt.poll_interval);
        record.owner = owner;
        if let Err(e) = rt.store().create(&record).await {
            cancel.cancel();
            return error_answer(&id, &store_error(&e));
        }
        spawn(&shared, &record, version, fut, mrtr, cancel);
        result_answer(&shared, &id, version, created(&record))
    });
    created.await.unwrap_or_else(|e| {
        error_answer(
            &request,
            &ErrorObject::internal(format!("task creation failed: {e}")),
        )
    })
}

/// Runs a task's work in the background until it ends, is cancelled, or
/// outlives its time to live.
fn spawn(
    shared: &Arc<Shared>,
    record: &TaskRecord,
    version: ProtocolVersion,
    fut: BoxFuture<'static, MethodResult>,
    mrtr: Arc<Mrtr>,
    cancel: CancellationToken,
) {
    let runner = Arc::new(Runner {
        cancel,
        wake: Notify::new(),
    });
    // Registered before CreateTaskResult goes out, so an immediate
    // tasks/cancel reaches the work.
    shared
        .tasks
        .lock_running()
        .insert(record.task_id.clone(), Arc::clone(&runner));
    let shared = Arc::clone(shared);
    let task_id = record.task_id.clone();
    let lifetime = Duration::from_millis(record.ttl_ms);
    let poll = Duration::from_millis(record.poll_interval_ms);
    tokio::spawn(async move {
        let outcome = drive(&shared.tasks, &task_id, &runner, fut, &mrtr, lifetime, poll).await;
        shared.tasks.lock_running().remove(&task_id);
        if let Some(outcome) = outcome {
            shared.tasks.settle(&shared, &task_id, version, outcome).await;
        }
    });
}

/// Polls the work, publishing its input requests and handing it answers;
/// `None` when it was stopped (cancelled, expired, or its record is gone).
async fn drive(
    rt: &TaskRuntime,
    task_id: &str,
    runner: &Runner,
    fut: BoxFuture<'static, MethodResult>,
    mrtr: &Mrtr,
    lifetime: Duration,
    poll: Duration,
) -> Option<Outcome> {
    // A panicking tool fails its task instead of leaving it `working` for ever.
    let mut work = AssertUnwindSafe(fut).catch_unwind();
    let deadline = tokio::time::sleep(lifetime);
    tokio::pin!(deadline);
    let held = rt.hold(task_id);
    tokio::pin!(held);
    let mut outstanding: HashSet<String> = HashSet::new();
    loop {
        let waiting = !outstanding.is_empty();
        let keep_going = tokio::select! {
            biased;
            () = runner.cancel.cancelled() => false,
            // Nothing runs unbounded: an expired task stops working too.
            () = &mut deadline => false,
            // Cancelled or failed elsewhere: the result would be discarded.
            () = &mut held => false,
            r = &mut work => return Some(r.map_err(|_| ())),
            () = mrtr.needed.notified() => {
                for _ in 0..SETTLE_YIELDS {
                    tokio::task::yield_now().await;
                }
                let asked = mrtr.take_pending();
                outstanding.extend(asked.iter().map(|(k, _)| k.clone()));
                asked.is_empty() || rt.ask(task_id, &asked).await
            }
            () = runner.wake.notified() => rt.deliver(task_id, mrtr, &mut outstanding).await,
            // Answers stored by another replica arrive through the store.
            () = tokio::time::sleep(poll), if waiting => rt.deliver(task_id, mrtr, &mut outstanding).await,
        };
        if !keep_going {
            runner.cancel.cancel();
            return None;
        }
    }
}
