//! Legacy sessions shared by replicas through a `SessionStore`: two HTTP
//! servers (separate engines, as two processes would be) on 127.0.0.1 with
//! one store, and a session that moves between them request by request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use mcp_serve::engine::{Bus, LocalBus};
use mcp_serve::prelude::*;
use mcp_serve::protocol::types::LoggingLevel;
use mcp_serve::server::ServerHandle;
use mcp_serve::transport::http::{
    HttpOptions, InMemorySessionStore, SessionStore, StoreError, StoreFuture, StoredSession,
};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::http::{LEGACY, Sse, client, initialize_body, json_body, send};
use super::replicas::{Served, in_session, initialize_with, serve};

/// Log at every level, then answer.
#[tool]
async fn chatty(ctx: Context) -> &'static str {
    ctx.log(LoggingLevel::Debug, "debug line").await;
    ctx.log(LoggingLevel::Error, "error line").await;
    "said it"
}

/// The server's name (which replica answered).
#[tool]
fn replica(ctx: Context) -> String {
    ctx.server().info().name.clone()
}

struct Replica {
    url: String,
    handle: ServerHandle,
    _served: Served,
}

async fn replica_with(name: &str, store: Arc<dyn SessionStore>) -> Replica {
    replica_on(name, store, None, HttpOptions::default()).await
}

/// A replica sharing `store`, on `bus` when given, trusting its copies of
/// sessions as `options` say.
async fn replica_on(
    name: &str,
    store: Arc<dyn SessionStore>,
    bus: Option<Arc<dyn Bus>>,
    options: HttpOptions,
) -> Replica {
    let handle = Server::new(name, "1.0.0")
        .tool(chatty)
        .tool(replica)
        // With middleware, initialize and the other session changes are
        // answered later: they must still be saved before the answer.
        .middleware(mcp_serve::middleware::Logging::new())
        .into_handle()
        .unwrap();
    if let Some(bus) = bus {
        assert!(handle.join_bus(bus));
    }
    let options = options.session_store(store);
    let served = serve(&handle, options).await;
    Replica {
        url: served.url.clone(),
        handle,
        _served: served,
    }
}

async fn initialize(url: &str) -> String {
    initialize_with(url, &initialize_body(LEGACY)).await
}

/// Ends session `sid` with a DELETE to `url`.
async fn end_session(url: &str, sid: &str) {
    let resp = send(
        client()
            .delete(url)
            .header("mcp-session-id", sid)
            .header("mcp-protocol-version", LEGACY),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Every JSON-RPC message of a response, whether JSON or an event stream.
async fn messages(resp: reqwest::Response) -> Vec<Value> {
    let is_sse = resp
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("text/event-stream"));
    if !is_sse {
        return vec![json_body(resp).await];
    }
    let text = resp.text().await.unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect()
}

#[tokio::test]
async fn a_session_started_on_one_replica_is_served_by_another() {
    exercise(Arc::new(InMemorySessionStore::default())).await;
}

/// A session started on one replica, used, re-levelled, subscribed and
/// ended across two replicas sharing `store`.
async fn exercise(store: Arc<dyn SessionStore>) {
    let a = replica_with("a", Arc::clone(&store)).await;
    let b = replica_with("b", Arc::clone(&store)).await;
    let sid = initialize(&a.url).await;

    // The handshake's end, then a call, each on the other replica.
    let resp = send(in_session(
        &b.url,
        &sid,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ))
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "replica", "arguments": {}}});
    let v = &messages(send(in_session(&b.url, &sid, &call)).await).await[0];
    assert_eq!(v["result"]["content"][0]["text"], "b", "{v}");

    // The log level set on one replica filters the logs of a call on the other.
    let set = json!({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel", "params": {"level": "error"}});
    assert_eq!(
        send(in_session(&b.url, &sid, &set)).await.status(),
        StatusCode::OK
    );
    let call = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "chatty", "arguments": {}}});
    let msgs = messages(send(in_session(&a.url, &sid, &call)).await).await;
    let logs: Vec<&Value> = msgs
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .map(|m| &m["params"]["data"])
        .collect();
    assert_eq!(logs, [&json!("error line")], "{msgs:?}");
    assert_eq!(msgs.last().unwrap()["result"]["content"][0]["text"], "said it");

    // Subscriptions made on one replica are the session's on the other.
    let sub =
        json!({"jsonrpc": "2.0", "id": 5, "method": "resources/subscribe", "params": {"uri": "config://x"}});
    assert_eq!(
        send(in_session(&a.url, &sid, &sub)).await.status(),
        StatusCode::OK
    );
    let stored = store.load(&sid).await.unwrap().unwrap();
    assert_eq!(stored.state.subscriptions, ["config://x"]);
    assert!(stored.state.initialized);
    assert_eq!(stored.state.log_level, Some(LoggingLevel::Error));
    assert_eq!(stored.state.client_info.unwrap().name, "http-test-client");

    // DELETE on one replica ends the session everywhere.
    end_session(&b.url, &sid).await;
    assert!(store.load(&sid).await.unwrap().is_none());
    let resp = send(in_session(&a.url, &sid, &call)).await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "ended on b, the session is gone on a too"
    );
    assert_eq!(a.handle.info().name, "a");
}

#[tokio::test]
async fn without_a_shared_store_the_other_replica_does_not_know_the_session() {
    let a = replica_with("a", Arc::new(InMemorySessionStore::default())).await;
    let b = replica_with("b", Arc::new(InMemorySessionStore::default())).await;
    let sid = initialize(&a.url).await;
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "replica", "arguments": {}}});
    let resp = send(in_session(&b.url, &sid, &call)).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// A store that is down.
struct Down;

impl SessionStore for Down {
    fn load<'a>(&'a self, _id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        Box::pin(std::future::ready(Err(StoreError::new("connection refused"))))
    }
    fn save<'a>(
        &'a self,
        _id: &'a str,
        _s: &'a StoredSession,
        _ttl: std::time::Duration,
    ) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(Err(StoreError::new("connection refused"))))
    }
    fn remove<'a>(&'a self, _id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(std::future::ready(Err(StoreError::new("connection refused"))))
    }
}

#[tokio::test]
async fn an_unreachable_store_is_a_clear_503_not_a_404() {
    let a = replica_with("a", Arc::new(Down)).await;
    // The session lives on where it started, saved or not.
    let sid = initialize(&a.url).await;
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "replica", "arguments": {}}});
    let v = &messages(send(in_session(&a.url, &sid, &call)).await).await[0];
    assert_eq!(v["result"]["content"][0]["text"], "a");
    // A session this replica does not hold cannot be looked up.
    let resp = send(in_session(&a.url, "0123456789abcdef0123456789abcdef", &call)).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("session store is unreachable") && body.contains("connection refused"),
        "{body}"
    );
}

/// A store that counts its loads.
#[derive(Default)]
struct Counting {
    inner: InMemorySessionStore,
    loads: AtomicUsize,
}

impl Counting {
    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

impl SessionStore for Counting {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(id)
    }
    fn save<'a>(&'a self, id: &'a str, s: &'a StoredSession, ttl: Duration) -> StoreFuture<'a, ()> {
        self.inner.save(id, s, ttl)
    }
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.inner.remove(id)
    }
}

/// A store that can be cut off (every call fails) and brought back with
/// what it held.
#[derive(Default)]
struct Flaky {
    inner: InMemorySessionStore,
    down: std::sync::atomic::AtomicBool,
}

impl Flaky {
    /// `op` on the inner store, unless it is down (checked first: the
    /// in-memory store does its work when called, not when awaited).
    fn check<'a, T: Send + 'a>(&'a self, op: impl FnOnce() -> StoreFuture<'a, T>) -> StoreFuture<'a, T> {
        if self.down.load(Ordering::SeqCst) {
            return Box::pin(std::future::ready(Err(StoreError::new("connection refused"))));
        }
        op()
    }
}

impl SessionStore for Flaky {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        self.check(|| self.inner.load(id))
    }
    fn save<'a>(&'a self, id: &'a str, s: &'a StoredSession, ttl: Duration) -> StoreFuture<'a, ()> {
        self.check(|| self.inner.save(id, s, ttl))
    }
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.check(|| self.inner.remove(id))
    }
}

/// A change made while the store is down is served meanwhile, and, once
/// the store is back with its older copy, kept and saved rather than
/// replaced by that copy.
#[tokio::test]
async fn a_change_made_while_the_store_was_down_survives_its_return() {
    let store = Arc::new(Flaky::default());
    let a = replica_with("a", store.clone()).await;
    let sid = initialize(&a.url).await;
    store.down.store(true, Ordering::SeqCst);
    let set = json!({"jsonrpc": "2.0", "id": 9, "method": "logging/setLevel", "params": {"level": "error"}});
    assert_eq!(
        send(in_session(&a.url, &sid, &set)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        chatty_logs(&a.url, &sid).await,
        [json!("error line")],
        "served from the copy"
    );
    store.down.store(false, Ordering::SeqCst);
    assert_eq!(
        chatty_logs(&a.url, &sid).await,
        [json!("error line")],
        "the copy's level, not the store's older one"
    );
    let saved = store.inner.load(&sid).await.unwrap().unwrap();
    assert_eq!(
        saved.state.log_level,
        Some(LoggingLevel::Error),
        "saved once the store is back"
    );
    // Another replica now gets it from the store.
    let b = replica_with("b", store).await;
    assert_eq!(chatty_logs(&b.url, &sid).await, [json!("error line")]);
}

/// A bus that loses every session notice (as pub/sub does while a
/// subscriber reconnects), and carries the rest.
struct Lossy(LocalBus);

impl Bus for Lossy {
    fn publish<'a>(&'a self, topic: &'a str, payload: Vec<u8>) -> BoxFuture<'a, Result<(), String>> {
        if topic == "sessions" {
            return Box::pin(std::future::ready(Ok(())));
        }
        self.0.publish(topic, payload)
    }
    fn subscribe(&self, topic: &str) -> BoxStream<'static, Vec<u8>> {
        self.0.subscribe(topic)
    }
}

/// Options that trust a copy for `d`.
fn trusting(d: Duration) -> HttpOptions {
    HttpOptions::default().session_revalidate(d)
}

/// Long enough that within a test only a bus notice refreshes a copy.
const FOREVER: Duration = Duration::from_secs(3600);

fn call_replica(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "replica", "arguments": {}}})
}

/// The logs a `chatty` call in `sid` on `url` sends.
async fn chatty_logs(url: &str, sid: &str) -> Vec<Value> {
    let call = json!({"jsonrpc": "2.0", "id": 40, "method": "tools/call", "params": {"name": "chatty", "arguments": {}}});
    messages(send(in_session(url, sid, &call)).await)
        .await
        .into_iter()
        .filter(|m| m["method"] == "notifications/message")
        .map(|m| m["params"]["data"].clone())
        .collect()
}

/// Tries `check` every 20 ms until it holds, for at most 5 s.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    for _ in 0..250 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 5 s");
}

/// The status of a call in `sid` on `url`.
async fn status(url: &str, sid: &str) -> StatusCode {
    send(in_session(url, sid, &call_replica(50))).await.status()
}

#[tokio::test]
async fn with_a_bus_a_replica_serves_its_copy_without_reading_the_store() {
    let store = Arc::new(Counting::default());
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::default());
    let a = replica_on("a", store.clone(), Some(Arc::clone(&bus)), trusting(FOREVER)).await;
    let b = replica_on("b", store.clone(), Some(bus), trusting(FOREVER)).await;
    let sid: &str = &initialize(&a.url).await;
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(in_session(&a.url, sid, &done)).await.status(),
        StatusCode::ACCEPTED
    );
    // The handshake's end changes the session: it starts from the store's.
    assert_eq!(store.loads(), 1);
    for i in 0..10 {
        let v = &messages(send(in_session(&a.url, sid, &call_replica(i))).await).await[0];
        assert_eq!(v["result"]["content"][0]["text"], "a", "{v}");
    }
    assert_eq!(
        store.loads(),
        1,
        "calls on the replica that holds the session do not read it"
    );
    // b restores it once, then serves its copy.
    for i in 0..10 {
        let v = &messages(send(in_session(&b.url, sid, &call_replica(i))).await).await[0];
        assert_eq!(v["result"]["content"][0]["text"], "b", "{v}");
    }
    assert_eq!(store.loads(), 2, "one load, to restore it on b");

    // The control: without a bus, every request reads the store.
    let store = Arc::new(Counting::default());
    let c = replica_on("c", store.clone(), None, trusting(FOREVER)).await;
    let sid = initialize(&c.url).await;
    for i in 0..10 {
        send(in_session(&c.url, &sid, &call_replica(i))).await;
    }
    assert_eq!(store.loads(), 10);
}

/// Three replicas holding one session, on `bus`, with copies trusted for
/// an hour: a change on one and its end reach the others through the bus.
/// `subscribed` says whether the three replicas' session-notice
/// subscriptions are in place (each replica subscribes at its first session
/// lookup; a real broker takes a moment).
async fn copies_follow_the_bus<F: std::future::Future<Output = bool>>(
    store: Arc<dyn SessionStore>,
    bus: Arc<dyn Bus>,
    subscribed: impl FnMut() -> F,
) {
    let a = replica_on("a", Arc::clone(&store), Some(Arc::clone(&bus)), trusting(FOREVER)).await;
    let b = replica_on("b", Arc::clone(&store), Some(Arc::clone(&bus)), trusting(FOREVER)).await;
    let c = replica_on("c", store, Some(bus), trusting(FOREVER)).await;
    let sid: &str = &initialize(&a.url).await;
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(in_session(&a.url, sid, &done)).await.status(),
        StatusCode::ACCEPTED
    );
    for r in [&a, &b, &c] {
        assert_eq!(chatty_logs(&r.url, sid).await.len(), 2, "no level set: every log");
    }
    eventually("the replicas' subscriptions to session notices", subscribed).await;

    // A level set on b filters the logs on a and c.
    let set = json!({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel", "params": {"level": "error"}});
    assert_eq!(send(in_session(&b.url, sid, &set)).await.status(), StatusCode::OK);
    for r in [&a, &c] {
        eventually("the level set on b filters the logs elsewhere", || async move {
            chatty_logs(&r.url, sid).await == [json!("error line")]
        })
        .await;
    }

    // A subscription made on c is the session's on a: an update there
    // reaches the session's GET stream.
    let sub =
        json!({"jsonrpc": "2.0", "id": 5, "method": "resources/subscribe", "params": {"uri": "config://x"}});
    assert_eq!(send(in_session(&c.url, sid, &sub)).await.status(), StatusCode::OK);
    // The notice's way to a is immediate on the local bus and a moment on
    // Redis: until a's copy has the subscription, its update goes nowhere,
    // so try again (a's copy is trusted for an hour: only the notice helps).
    let mut heard = None;
    for _ in 0..25 {
        let get = client()
            .get(&a.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", sid)
            .header("mcp-protocol-version", LEGACY);
        let mut sse = Sse::new(send(get).await);
        a.handle.notify_resource_updated("config://x");
        if let Ok((_, msg)) = tokio::time::timeout(Duration::from_millis(200), sse.next_message()).await {
            heard = Some(msg);
            break;
        }
    }
    let msg = heard.expect("the update on a's GET stream within 5 s");
    assert_eq!(msg["method"], "notifications/resources/updated", "{msg}");
    assert_eq!(msg["params"]["uri"], "config://x", "{msg}");

    // DELETE on c: a and b answer 404.
    end_session(&c.url, sid).await;
    for r in [&a, &b] {
        eventually("the session ended on c is gone elsewhere", || async move {
            status(&r.url, sid).await == StatusCode::NOT_FOUND
        })
        .await;
    }
}

#[tokio::test]
async fn changes_and_ends_reach_the_other_replicas_through_the_bus() {
    // The local bus subscribes at once.
    copies_follow_the_bus(
        Arc::new(InMemorySessionStore::default()),
        Arc::new(LocalBus::default()),
        || async { true },
    )
    .await;
}

#[tokio::test]
async fn a_lost_notice_is_made_up_by_the_periodic_check() {
    let store: Arc<dyn SessionStore> = Arc::new(InMemorySessionStore::default());
    let bus: Arc<dyn Bus> = Arc::new(Lossy(LocalBus::default()));
    let every = Duration::from_millis(300);
    let a = replica_on("a", Arc::clone(&store), Some(Arc::clone(&bus)), trusting(every)).await;
    let b = replica_on("b", store, Some(bus), trusting(every)).await;
    let b_url = b.url.as_str();
    let sid: &str = &initialize(&a.url).await;
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(in_session(&a.url, sid, &done)).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(chatty_logs(&b.url, sid).await.len(), 2);
    let set = json!({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel", "params": {"level": "error"}});
    assert_eq!(send(in_session(&a.url, sid, &set)).await.status(), StatusCode::OK);
    eventually("b's copy takes the level within the interval", || async move {
        chatty_logs(b_url, sid).await == [json!("error line")]
    })
    .await;
    end_session(&a.url, sid).await;
    eventually(
        "b's copy of the ended session goes within the interval",
        || async move { status(b_url, sid).await == StatusCode::NOT_FOUND },
    )
    .await;
}

/// A copy that missed a notice does not write over the change it missed:
/// a change made on it starts from the store's state, and so does the save
/// that only keeps the session from expiring.
#[tokio::test]
async fn a_stale_copy_does_not_write_over_another_replicas_change() {
    let store: Arc<dyn SessionStore> = Arc::new(InMemorySessionStore::default());
    let bus: Arc<dyn Bus> = Arc::new(Lossy(LocalBus::default()));
    // Saved again to stay alive every 500 ms of use.
    let options = || trusting(FOREVER).session_idle(Duration::from_secs(2));
    let a = replica_on("a", Arc::clone(&store), Some(Arc::clone(&bus)), options()).await;
    let b = replica_on("b", Arc::clone(&store), Some(bus), options()).await;
    let sid: &str = &initialize(&a.url).await;
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(in_session(&a.url, sid, &done)).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(chatty_logs(&b.url, sid).await.len(), 2, "b holds a copy");

    // a sets the level; b never hears of it, and subscribes.
    let set = json!({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel", "params": {"level": "error"}});
    assert_eq!(send(in_session(&a.url, sid, &set)).await.status(), StatusCode::OK);
    let sub =
        json!({"jsonrpc": "2.0", "id": 5, "method": "resources/subscribe", "params": {"uri": "config://x"}});
    assert_eq!(send(in_session(&b.url, sid, &sub)).await.status(), StatusCode::OK);
    let stored = store.load(sid).await.unwrap().unwrap();
    assert_eq!(stored.state.log_level, Some(LoggingLevel::Error));
    assert_eq!(stored.state.subscriptions, ["config://x"]);

    // a unsubscribes; b, used past a quarter of the idle timeout, saves
    // the session to keep it alive, and keeps a's change.
    let unsub = json!({"jsonrpc": "2.0", "id": 6, "method": "resources/unsubscribe", "params": {"uri": "config://x"}});
    assert_eq!(
        send(in_session(&a.url, sid, &unsub)).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(status(&b.url, sid).await, StatusCode::OK);
    let stored = store.load(sid).await.unwrap().unwrap();
    assert!(stored.state.subscriptions.is_empty(), "{stored:?}");
    assert_eq!(stored.state.log_level, Some(LoggingLevel::Error));
}

/// The same, and Redis going away and coming back, with a real
/// `redis-server` on 127.0.0.1 (Debian's `redis-server`; `scripts/test.sh`
/// installs it).
#[cfg(feature = "redis")]
mod with_redis {
    use std::sync::Arc;
    use std::time::Duration;

    use mcp_serve::cluster::Redis;
    use mcp_serve::transport::http::{SessionStore, StoredSession};
    use reqwest::StatusCode;
    use serde_json::json;

    use super::super::http::{client, send};
    use super::super::replicas::redis::RedisServer;
    use super::{copies_follow_the_bus, exercise, in_session, initialize, messages, replica_with};

    #[tokio::test]
    async fn replicas_share_sessions_through_redis() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("test-a:");
        exercise(Arc::new(redis.session_store())).await;
    }

    #[tokio::test]
    async fn changes_and_ends_reach_the_other_replicas_through_redis() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("test-d:");
        let url = server.url();
        let subscribed = || {
            let url = url.clone();
            async move {
                let Ok(mut conn) = ::redis::Client::open(url)
                    .unwrap()
                    .get_multiplexed_async_connection()
                    .await
                else {
                    return false;
                };
                let n: Result<(String, u64), _> = ::redis::cmd("PUBSUB")
                    .arg("NUMSUB")
                    .arg("test-d:bus:sessions")
                    .query_async(&mut conn)
                    .await;
                n.is_ok_and(|(_, n)| n >= 3)
            }
        };
        copies_follow_the_bus(Arc::new(redis.session_store()), Arc::new(redis.bus()), subscribed).await;
    }

    #[tokio::test]
    async fn a_session_is_a_hash_that_expires() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("test-b:");
        let store = redis.session_store();
        let state = serde_json::from_value(json!({
            "protocolVersion": "2025-11-25", "capabilities": {"roots": {}},
            "clientInfo": {"name": "c", "version": "1"}, "initialized": true,
            "logLevel": "warning", "subscriptions": ["a://1", "b://2"],
        }))
        .unwrap();
        let stored = StoredSession::new(state, Some("alice".into()));
        store.save("s1", &stored, Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.load("s1").await.unwrap(), Some(stored.clone()));
        // Straight from Redis: a hash with a time to live, under the prefix.
        let conn = ::redis::Client::open(server.url()).unwrap();
        let mut conn = conn.get_multiplexed_async_connection().await.unwrap();
        let ttl: i64 = ::redis::cmd("PTTL")
            .arg("test-b:session:s1")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!((1..=60_000).contains(&ttl), "{ttl}");
        let kind: String = ::redis::cmd("TYPE")
            .arg("test-b:session:s1")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(kind, "hash");
        let bytes: i64 = ::redis::cmd("MEMORY")
            .arg("USAGE")
            .arg("test-b:session:s1")
            .query_async(&mut conn)
            .await
            .unwrap();
        println!("one legacy session in Redis: {bytes} bytes (MEMORY USAGE)");
        // Saving without an owner drops the old one.
        let unowned = StoredSession::new(stored.state.clone(), None);
        store.save("s1", &unowned, Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.load("s1").await.unwrap(), Some(unowned));
        store.remove("s1").await.unwrap();
        assert_eq!(store.load("s1").await.unwrap(), None);
        // Garbage in the store is an error, not a panic.
        let _: () = ::redis::cmd("HSET")
            .arg("test-b:session:bad")
            .arg("state")
            .arg("{not json")
            .query_async(&mut conn)
            .await
            .unwrap();
        let e = store.load("bad").await.unwrap_err();
        assert!(e.to_string().contains("unreadable"), "{e}");
    }

    #[tokio::test]
    async fn redis_down_is_reported_and_survived() {
        let mut server = RedisServer::start().await;
        let port = server.port;
        let redis = Redis::connect(&server.url()).unwrap().prefix("test-c:");
        let store: Arc<dyn SessionStore> = Arc::new(redis.session_store());
        let a = replica_with("a", Arc::clone(&store)).await;
        let b = replica_with("b", Arc::clone(&store)).await;
        let ready = |url: &str| {
            let url = url.replace("/mcp", "/readyz");
            async move { send(client().get(url)).await }
        };
        assert_eq!(ready(&a.url).await.status(), StatusCode::OK);
        let sid = initialize(&a.url).await;
        let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "replica", "arguments": {}}});

        server.stop();
        let resp = ready(&a.url).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let why = resp.text().await.unwrap();
        assert!(why.contains("session store is unreachable"), "{why}");
        // The replica that holds the session goes on serving it; the other
        // says clearly why it cannot.
        let v = &messages(send(in_session(&a.url, &sid, &call)).await).await[0];
        assert_eq!(v["result"]["content"][0]["text"], "a", "{v}");
        let resp = send(in_session(&b.url, &sid, &call)).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let why = resp.text().await.unwrap();
        assert!(
            why.contains("session store is unreachable") && why.contains("Redis"),
            "{why}"
        );

        // Redis comes back (empty: it kept nothing on disk). The replicas
        // reconnect on their own; the session is saved again by the replica
        // that holds it on its next change, and new sessions work anywhere.
        let _server = RedisServer::start_on(port).await;
        let mut ok = false;
        for _ in 0..100 {
            if ready(&a.url).await.status() == StatusCode::OK {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ok, "/readyz recovers once Redis is back");
        let sid2 = initialize(&b.url).await;
        let v = &messages(send(in_session(&a.url, &sid2, &call)).await).await[0];
        assert_eq!(v["result"]["content"][0]["text"], "a", "{v}");
    }
}
