//! Tasks shared by replicas through a `TaskStore`: two HTTP servers, each on
//! its own runtime (so that killing one drops its work as a dead process
//! would), sharing one task store and one session store; tasks of both eras
//! created on one, polled, cancelled and orphaned on the other. With the
//! `redis` feature, the same against a real `redis-server`. The lease
//! arithmetic itself runs on tokio's paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_serve::engine::{Bus, LocalBus};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::TaskStatus;
use mcp_serve::tasks::{InMemoryTaskStore, TaskConfig, TaskRecord, TaskStore};
use mcp_serve::transport::http::{HttpOptions, InMemorySessionStore, SessionStore, serve_listener};
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::http::{BOTH, LEGACY, client, initialize_body, modern_request};
use super::replicas::in_session;

const TASKS: &str = "io.modelcontextprotocol/tasks";
/// Short, so a dead replica is noticed within a test's patience.
const LEASE: Duration = Duration::from_millis(400);

/// Sleep, then answer.
#[tool(task)]
async fn slow(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    "slept".into()
}

/// Handlers of `hang` that were stopped, by tag.
static STOPPED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Stopped(String);

impl Drop for Stopped {
    fn drop(&mut self) {
        STOPPED.lock().unwrap().push(self.0.clone());
    }
}

fn stopped(tag: &str) -> bool {
    STOPPED.lock().unwrap().iter().any(|t| t == tag)
}

/// Never ends on its own; records its tag when stopped.
#[tool(task)]
async fn hang(tag: String) -> String {
    let _stopped = Stopped(tag);
    std::future::pending::<()>().await;
    unreachable!()
}

/// Where the replicas keep what they share.
#[derive(Clone)]
enum Stores {
    Memory(Arc<InMemoryTaskStore>, Arc<InMemorySessionStore>),
    #[cfg(feature = "redis")]
    Redis(String),
}

impl Stores {
    fn memory() -> Stores {
        Stores::Memory(Arc::default(), Arc::default())
    }

    /// The stores, made on the replica's own runtime (a Redis connection's
    /// driver must not die with another replica).
    fn open(&self) -> (Arc<dyn TaskStore>, Arc<dyn SessionStore>) {
        match self {
            Stores::Memory(t, s) => (Arc::clone(t) as _, Arc::clone(s) as _),
            #[cfg(feature = "redis")]
            Stores::Redis(url) => {
                let redis = mcp_serve::cluster::Redis::connect(url)
                    .unwrap()
                    .prefix("shared-tasks:");
                (Arc::new(redis.task_store()), Arc::new(redis.session_store()))
            }
        }
    }
}

/// A replica on its own runtime; [`Replica::kill`] drops the runtime and
/// everything running on it, without a word to anyone.
struct Replica {
    url: String,
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Replica {
    fn start(name: &'static str, stores: &Stores) -> Replica {
        Replica::start_with(name, stores, HttpOptions::default())
    }

    fn start_with(name: &'static str, stores: &Stores, options: HttpOptions) -> Replica {
        Replica::start_full(name, stores, options, LEASE, None)
    }

    fn start_full(
        name: &'static str,
        stores: &Stores,
        options: HttpOptions,
        lease: Duration,
        bus: Option<Arc<dyn Bus>>,
    ) -> Replica {
        let stores = stores.clone();
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let (tasks, sessions) = stores.open();
                let handle = Server::new(name, "1.0.0")
                    .tool(slow)
                    .tool(hang)
                    .tasks(TaskConfig::new().shared_store(tasks).lease(lease))
                    .into_handle()
                    .unwrap();
                if let Some(bus) = bus {
                    handle.join_bus(bus);
                }
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                url_tx
                    .send(format!("http://{}/mcp", listener.local_addr().unwrap()))
                    .unwrap();
                let options = options.session_store(sessions);
                tokio::spawn(async move {
                    let _ = serve_listener(&handle, listener, options, std::future::pending()).await;
                });
                let _ = killed.await;
            });
            rt.shutdown_background();
        });
        Replica {
            url: url_rx.recv_timeout(Duration::from_secs(10)).unwrap(),
            kill: Some(kill),
            thread: Some(thread),
        }
    }

    fn kill(&mut self) {
        if let Some(k) = self.kill.take() {
            let _ = k.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The JSON-RPC answer in a response, JSON or event stream.
async fn answer(rb: reqwest::RequestBuilder) -> Value {
    let resp = tokio::time::timeout(Duration::from_secs(20), rb.send())
        .await
        .expect("an answer in time")
        .unwrap();
    let text = tokio::time::timeout(Duration::from_secs(20), resp.text())
        .await
        .expect("a body in time")
        .unwrap();
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return v;
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|m| m.get("id").is_some())
        .unwrap_or_else(|| panic!("no answer in {text}"))
}

fn with_tasks(mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/clientCapabilities": { "extensions": { TASKS: {} } },
    });
    params
}

/// A modern request from a client that declared the tasks extension.
async fn modern(url: &str, method: &str, params: Value) -> Value {
    let mut rb = modern_request(&client(), url, 1, method, with_tasks(params.clone()));
    // Task methods mirror the task id into `Mcp-Name`.
    if let Some(id) = params.get("taskId").and_then(Value::as_str) {
        rb = rb.header("mcp-name", id);
    }
    answer(rb).await
}

/// Starts a modern task on `url`; its id.
async fn modern_task(url: &str, tool: &str, arguments: Value) -> String {
    let v = modern(url, "tools/call", json!({ "name": tool, "arguments": arguments })).await;
    assert_eq!(v["result"]["resultType"], "task", "{v}");
    v["result"]["taskId"].as_str().unwrap().to_owned()
}

/// A legacy session, started on `url`.
async fn legacy_session(url: &str) -> String {
    let resp = client()
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header("accept", BOTH)
        .json(&initialize_body(LEGACY))
        .send()
        .await
        .unwrap();
    let sid = resp.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = resp.text().await;
    let resp = in_session(
        url,
        &sid,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .send()
    .await
    .unwrap();
    assert!(resp.status().is_success());
    sid
}

async fn legacy(url: &str, sid: &str, method: &str, params: Value) -> Value {
    answer(in_session(
        url,
        sid,
        &json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}),
    ))
    .await
}

/// Starts a legacy task in session `sid` on `url`; its id.
async fn legacy_task(url: &str, sid: &str, tool: &str, arguments: Value) -> String {
    let v = legacy(
        url,
        sid,
        "tools/call",
        json!({ "name": tool, "arguments": arguments, "task": { "ttl": 60_000 } }),
    )
    .await;
    v["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("no task in {v}"))
        .to_owned()
}

/// Polls `get` until the status is `want`, within `limit`; the last answer.
async fn poll_until(
    limit: Duration,
    want: &str,
    mut get: impl FnMut() -> futures::future::BoxFuture<'static, Value>,
) -> Value {
    let start = tokio::time::Instant::now();
    loop {
        let v = get().await;
        let status = v["result"]["status"].as_str().unwrap_or_default().to_owned();
        if status == want {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "still {status} after {limit:?}, wanted {want}: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn modern_get(url: &str, task_id: &str) -> futures::future::BoxFuture<'static, Value> {
    let (url, task_id) = (url.to_owned(), task_id.to_owned());
    Box::pin(async move { modern(&url, "tasks/get", json!({ "taskId": task_id })).await })
}

fn legacy_get(url: &str, sid: &str, task_id: &str) -> futures::future::BoxFuture<'static, Value> {
    let (url, sid, task_id) = (url.to_owned(), sid.to_owned(), task_id.to_owned());
    Box::pin(async move { legacy(&url, &sid, "tasks/get", json!({ "taskId": task_id })).await })
}

const PATIENCE: Duration = Duration::from_secs(10);

async fn created_on_a_polled_on_b(stores: Stores) {
    let a = Replica::start("a", &stores);
    let b = Replica::start("b", &stores);

    // Modern: the result comes inlined in tasks/get on the other replica.
    let id = modern_task(&a.url, "slow", json!({ "ms": 300 })).await;
    let v = modern_get(&b.url, &id).await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    let v = poll_until(PATIENCE, "completed", || modern_get(&b.url, &id)).await;
    assert_eq!(v["result"]["result"]["content"][0]["text"], "slept", "{v}");

    // Legacy: the session and its task both cross over; tasks/result on
    // the other replica waits for the end.
    let sid = legacy_session(&a.url).await;
    let id = legacy_task(&a.url, &sid, "slow", json!({ "ms": 300 })).await;
    let v = legacy(&b.url, &sid, "tasks/get", json!({ "taskId": id })).await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    let v = legacy(&b.url, &sid, "tasks/list", json!({})).await;
    assert!(
        v["result"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["taskId"] == id.as_str()),
        "{v}"
    );
    let v = legacy(&b.url, &sid, "tasks/result", json!({ "taskId": id })).await;
    assert_eq!(v["result"]["content"][0]["text"], "slept", "{v}");
    assert_eq!(
        v["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    let v = legacy(&a.url, &sid, "tasks/get", json!({ "taskId": id })).await;
    assert_eq!(v["result"]["status"], "completed", "{v}");

    // Another session does not see it; a modern request does not either.
    let other = legacy_session(&b.url).await;
    let v = legacy(&b.url, &other, "tasks/get", json!({ "taskId": id })).await;
    assert_eq!(v["error"]["code"], -32602, "{v}");
    let v = modern_get(&b.url, &id).await;
    assert_eq!(v["error"]["code"], -32602, "{v}");
}

async fn cancelled_on_b_stops_on_a(stores: Stores, tag: &str) {
    let a = Replica::start("a", &stores);
    let b = Replica::start("b", &stores);

    let modern_tag = format!("{tag}-modern");
    let id = modern_task(&a.url, "hang", json!({ "tag": modern_tag })).await;
    let v = modern(&b.url, "tasks/cancel", json!({ "taskId": id })).await;
    assert!(v.get("result").is_some(), "{v}");
    let v = modern_get(&a.url, &id).await;
    assert_eq!(v["result"]["status"], "cancelled", "{v}");

    let sid = legacy_session(&a.url).await;
    let legacy_tag = format!("{tag}-legacy");
    let lid = legacy_task(&a.url, &sid, "hang", json!({ "tag": legacy_tag })).await;
    let v = legacy(&b.url, &sid, "tasks/cancel", json!({ "taskId": lid })).await;
    assert_eq!(v["result"]["status"], "cancelled", "{v}");
    // Once only.
    let v = legacy(&b.url, &sid, "tasks/cancel", json!({ "taskId": lid })).await;
    assert_eq!(v["error"]["code"], -32602, "{v}");

    // The owner notices at its next lease renewal and stops both handlers.
    let start = tokio::time::Instant::now();
    while !(stopped(&modern_tag) && stopped(&legacy_tag)) {
        assert!(
            start.elapsed() < PATIENCE,
            "the owner did not stop the cancelled work"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // And the tasks stay cancelled.
    let v = modern_get(&b.url, &id).await;
    assert_eq!(v["result"]["status"], "cancelled", "{v}");
    let v = legacy(&b.url, &sid, "tasks/get", json!({ "taskId": lid })).await;
    assert_eq!(v["result"]["status"], "cancelled", "{v}");
}

async fn a_dead_owner_is_detected(stores: Stores, tag: &str) {
    let mut a = Replica::start("a", &stores);
    let b = Replica::start("b", &stores);

    let id = modern_task(&a.url, "hang", json!({ "tag": format!("{tag}-modern") })).await;
    let sid = legacy_session(&a.url).await;
    let lid = legacy_task(&a.url, &sid, "hang", json!({ "tag": format!("{tag}-legacy") })).await;
    // A client waiting on B for the legacy result, from before the death.
    let waiting = tokio::spawn({
        let (url, sid, lid) = (b.url.clone(), sid.clone(), lid.clone());
        async move { legacy(&url, &sid, "tasks/result", json!({ "taskId": lid })).await }
    });
    // Alive, A keeps its leases: still working well past one lease.
    tokio::time::sleep(LEASE * 3).await;
    let v = modern_get(&b.url, &id).await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    let v = legacy(&b.url, &sid, "tasks/get", json!({ "taskId": lid })).await;
    assert_eq!(v["result"]["status"], "working", "{v}");

    a.kill();
    let v = poll_until(PATIENCE, "failed", || modern_get(&b.url, &id)).await;
    let message = v["result"]["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("the replica running this task stopped"), "{v}");
    let v = poll_until(PATIENCE, "failed", || legacy_get(&b.url, &sid, &lid)).await;
    let message = v["result"]["statusMessage"].as_str().unwrap_or_default();
    assert!(message.contains("the replica running this task stopped"), "{v}");
    let v = tokio::time::timeout(PATIENCE, waiting).await.unwrap().unwrap();
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("the replica running this task stopped"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_copy_of_a_session_dropped_here_leaves_its_tasks_running() {
    let stores = Stores::memory();
    // Sessions idle out quickly: A forgets its copy while the session lives
    // on in the store, kept fresh by B, which the client uses.
    let idle = || HttpOptions::default().session_idle(Duration::from_secs(1));
    let a = Replica::start_with("a", &stores, idle());
    let b = Replica::start_with("b", &stores, idle());
    let sid = legacy_session(&a.url).await;
    let id = legacy_task(&a.url, &sid, "slow", json!({ "ms": 3000 })).await;
    // Only B sees the client from now on, long past A's idle limit.
    let v = poll_until(PATIENCE, "completed", || legacy_get(&b.url, &sid, &id)).await;
    assert_eq!(v["result"]["status"], "completed", "{v}");
    let v = legacy(&b.url, &sid, "tasks/result", json!({ "taskId": id })).await;
    assert_eq!(v["result"]["content"][0]["text"], "slept", "{v}");
}

/// With a cluster bus, a cancellation on one replica stops the work on
/// another at once, not at its next lease renewal (a quarter of a minute
/// here, longer than the test waits).
#[tokio::test]
async fn on_a_bus_a_cancellation_elsewhere_stops_the_work_at_once() {
    let stores = Stores::memory();
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::default());
    let long = Duration::from_secs(60);
    let a = Replica::start_full("a", &stores, HttpOptions::default(), long, Some(Arc::clone(&bus)));
    let b = Replica::start_full("b", &stores, HttpOptions::default(), long, Some(bus));

    let id = modern_task(&a.url, "hang", json!({ "tag": "bus-modern" })).await;
    let v = modern(&b.url, "tasks/cancel", json!({ "taskId": id })).await;
    assert!(v.get("result").is_some(), "{v}");
    let sid = legacy_session(&a.url).await;
    let lid = legacy_task(&a.url, &sid, "hang", json!({ "tag": "bus-legacy" })).await;
    let v = legacy(&b.url, &sid, "tasks/cancel", json!({ "taskId": lid })).await;
    assert_eq!(v["result"]["status"], "cancelled", "{v}");

    let start = tokio::time::Instant::now();
    while !(stopped("bus-modern") && stopped("bus-legacy")) {
        assert!(
            start.elapsed() < PATIENCE,
            "the owner did not hear of the cancellation"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Ending the session (DELETE) on one replica stops its tasks on another.
#[tokio::test]
async fn a_session_ended_on_one_replica_stops_its_tasks_on_another() {
    let stores = Stores::memory();
    let a = Replica::start("a", &stores);
    let b = Replica::start("b", &stores);
    let sid = legacy_session(&a.url).await;
    let id = legacy_task(&a.url, &sid, "hang", json!({ "tag": "ended-session" })).await;
    let resp = client()
        .delete(&b.url)
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    let start = tokio::time::Instant::now();
    while !stopped("ended-session") {
        assert!(start.elapsed() < PATIENCE, "the task's replica did not stop it");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The record says why it ended.
    let (store, _) = stores.open();
    let t = store.get(&id).await.unwrap().unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert_eq!(
        t.status_message.as_deref(),
        Some("the session ended before the task finished")
    );
}

#[tokio::test]
async fn tasks_created_on_one_replica_are_polled_on_another() {
    created_on_a_polled_on_b(Stores::memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_cancelled_on_another_replica_stops_where_it_runs() {
    cancelled_on_b_stops_on_a(Stores::memory(), "memory-cancel").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_whose_replica_died_fails_on_another() {
    a_dead_owner_is_detected(Stores::memory(), "memory-dead").await;
}

/// One `tasks/get` of a modern task on a detached connection of `server`.
async fn get_status(server: &mcp_serve::server::ServerHandle, task_id: &str) -> Value {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tasks/get",
        "params": with_tasks(json!({
            "taskId": task_id,
            "_meta": {},
        })),
    });
    let mut body = body;
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2026-07-28");
    let bytes = server
        .connect_detached()
        .handle(&serde_json::to_vec(&body).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_lease_runs_out_on_the_paused_clock() {
    let store = Arc::new(InMemoryTaskStore::default());
    let server = Server::new("b", "1.0.0")
        .tool(hang)
        .tasks(
            TaskConfig::new()
                .shared_store(Arc::clone(&store) as _)
                .lease(Duration::from_secs(10)),
        )
        .into_handle()
        .unwrap();

    // A task another replica runs and renews no more: working until its
    // lease ends, failed from then on, for every reader alike.
    let mut record = TaskRecord::new(Duration::from_secs(3600), Duration::from_secs(1));
    record.replica = Some("gone".into());
    record.lease_until_ms = Some(
        mcp_serve::tasks::now()
            .checked_add(Duration::from_secs(10))
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            .try_into()
            .unwrap(),
    );
    store.create(&record).await.unwrap();
    let v = get_status(&server, &record.task_id).await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    tokio::time::advance(Duration::from_secs(9)).await;
    let v = get_status(&server, &record.task_id).await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    tokio::time::advance(Duration::from_secs(2)).await;
    let v = get_status(&server, &record.task_id).await;
    assert_eq!(v["result"]["status"], "failed", "{v}");
    assert!(
        v["result"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the replica running this task stopped"),
        "{v}"
    );
    let stored = store.get(&record.task_id).await.unwrap().unwrap();
    assert_eq!(stored.status, mcp_serve::protocol::types::TaskStatus::Failed);

    // A task running here renews its lease: 50 minutes later (within its
    // hour to live) it still works.
    let body = json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": with_tasks(json!({ "name": "hang", "arguments": { "tag": "paused" } })),
    });
    let mut body = body;
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2026-07-28");
    let bytes = server
        .connect_detached()
        .handle(&serde_json::to_vec(&body).unwrap(), None)
        .resolve()
        .await
        .unwrap();
    let created: Value = serde_json::from_slice(&bytes).unwrap();
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    for _ in 0..10 {
        tokio::time::advance(Duration::from_secs(5 * 60)).await;
        tokio::task::yield_now().await;
    }
    let v = get_status(&server, &id).await;
    assert_eq!(v["result"]["status"], "working", "{v}");
    let lease = store.get(&id).await.unwrap().unwrap().lease_until_ms.unwrap();
    let now: u64 = mcp_serve::tasks::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .try_into()
        .unwrap();
    assert!(lease > now, "the lease was not renewed: {lease} <= {now}");
}

#[cfg(feature = "redis")]
mod with_redis {
    use super::super::replicas::redis::RedisServer;
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tasks_created_on_one_replica_are_polled_on_another_through_redis() {
        let redis = RedisServer::start().await;
        created_on_a_polled_on_b(Stores::Redis(redis.url())).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_cancelled_on_another_replica_stops_where_it_runs_through_redis() {
        let redis = RedisServer::start().await;
        cancelled_on_b_stops_on_a(Stores::Redis(redis.url()), "redis-cancel").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_whose_replica_died_fails_on_another_through_redis() {
        let redis = RedisServer::start().await;
        a_dead_owner_is_detected(Stores::Redis(redis.url()), "redis-dead").await;
    }

    #[tokio::test]
    async fn the_redis_store_never_changes_an_ended_task() {
        let redis = RedisServer::start().await;
        let store = mcp_serve::cluster::Redis::connect(&redis.url())
            .unwrap()
            .prefix("cas:")
            .task_store();
        let mut t = TaskRecord::new(Duration::from_secs(60), Duration::from_secs(1));
        store.create(&t).await.unwrap();
        assert!(store.create(&t).await.is_err(), "a duplicate id is refused");
        // A stale revision loses.
        let mut stale = t.clone();
        stale.revision = 1;
        t.revision = 1;
        t.status = mcp_serve::protocol::types::TaskStatus::Cancelled;
        assert!(store.replace(&t, 0).await.unwrap());
        stale.status = mcp_serve::protocol::types::TaskStatus::Completed;
        assert!(!store.replace(&stale, 0).await.unwrap());
        // An ended task stays as it ended, even at its own revision.
        let mut late = t.clone();
        late.revision = 2;
        late.status = mcp_serve::protocol::types::TaskStatus::Completed;
        assert!(!store.replace(&late, 1).await.unwrap());
        let got = store.get(&t.task_id).await.unwrap().unwrap();
        assert_eq!(got.status, mcp_serve::protocol::types::TaskStatus::Cancelled);
        assert_eq!(got.revision, 1);

        // Redis gone: a clear backend error.
        drop(redis);
        let e = store.get(&t.task_id).await.unwrap_err();
        assert!(matches!(e, mcp_serve::tasks::TaskStoreError::Backend(_)), "{e}");
        assert!(e.to_string().contains("Redis"), "{e}");
    }
}
