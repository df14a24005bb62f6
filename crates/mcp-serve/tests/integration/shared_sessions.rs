//! Legacy sessions shared by replicas through a `SessionStore`: two HTTP
//! servers (separate engines, as two processes would be) on 127.0.0.1 with
//! one store, and a session that moves between them request by request.

use std::sync::Arc;

use mcp_serve::prelude::*;
use mcp_serve::protocol::types::LoggingLevel;
use mcp_serve::server::ServerHandle;
use mcp_serve::transport::http::{
    HttpOptions, InMemorySessionStore, SessionStore, StoreError, StoreFuture, StoredSession,
};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::http::{LEGACY, client, initialize_body, json_body, send};
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
    let handle = Server::new(name, "1.0.0")
        .tool(chatty)
        .tool(replica)
        // With middleware, initialize and the other session changes are
        // answered later: they must still be saved before the answer.
        .middleware(mcp_serve::middleware::Logging::new())
        .into_handle()
        .unwrap();
    let served = serve(&handle, HttpOptions::default().session_store(store)).await;
    Replica {
        url: served.url.clone(),
        handle,
        _served: served,
    }
}

async fn initialize(url: &str) -> String {
    initialize_with(url, &initialize_body(LEGACY)).await
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
    let resp = send(
        client()
            .delete(&b.url)
            .header("mcp-session-id", &sid)
            .header("mcp-protocol-version", LEGACY),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
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
    use super::{exercise, in_session, initialize, messages, replica_with};

    #[tokio::test]
    async fn replicas_share_sessions_through_redis() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("test-a:");
        exercise(Arc::new(redis.session_store())).await;
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
