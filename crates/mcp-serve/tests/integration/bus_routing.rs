//! A legacy session's server→client requests across replicas: the tool runs
//! on one replica, the client's answer (or its `notifications/cancelled`)
//! reaches the other, as a round-robin load balancer would send it, and the
//! cluster bus takes it to the replica that waits for it. Two HTTP servers
//! (separate engines, as two processes would be) on 127.0.0.1 share a
//! session store and a bus: in memory, and on a real `redis-server`.

use std::sync::Arc;
use std::time::Duration;

use mcp_serve::context::Elicitation;
use mcp_serve::engine::{Bus, LocalBus};
use mcp_serve::prelude::*;
use mcp_serve::transport::http::{HttpOptions, InMemorySessionStore, SessionStore};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::http::{LEGACY, Sse, send, within};
use super::replicas::{Served, in_session, initialize_with, serve};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    /// Your name.
    name: String,
}

/// Ask the user's name, and say which replica asked.
#[tool]
async fn ask_name(ctx: Context) -> Result<String, ToolError> {
    Ok(match ctx.elicit::<Name>("What is your name?").await? {
        Elicitation::Accept(n) => format!("hello {} from {}", n.name, ctx.server().info().name),
        Elicitation::Decline | Elicitation::Cancel => "no name".into(),
    })
}

/// Ask the client's model for a city.
#[tool]
async fn suggest(ctx: Context) -> Result<String, ToolError> {
    Ok(ctx.sample_text("Suggest a city", 20).await?)
}

/// When the `hold` call started, and when its handler was dropped.
#[derive(Default, Clone)]
struct Held {
    started: Arc<Notify>,
    dropped: Arc<Notify>,
}

/// Wait until cancelled.
#[tool]
async fn hold(ctx: Context, held: State<Held>) -> String {
    struct Guard(Arc<Notify>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.notify_one();
        }
    }
    let _guard = Guard(Arc::clone(&held.dropped));
    held.started.notify_one();
    // The stream's first event: the client has the response's headers.
    ctx.progress(0.0, None, Some("holding")).await;
    std::future::pending::<()>().await;
    "never".into()
}

struct Replica {
    url: String,
    held: Held,
    _served: Served,
}

async fn replica(name: &str, store: Arc<dyn SessionStore>, bus: Option<Arc<dyn Bus>>) -> Replica {
    replica_with(name, store, bus, HttpOptions::default(), true).await
}

async fn replica_with(
    name: &str,
    store: Arc<dyn SessionStore>,
    bus: Option<Arc<dyn Bus>>,
    options: HttpOptions,
    mask_errors: bool,
) -> Replica {
    let held = Held::default();
    let handle = Server::new(name, "1.0.0")
        .tool(ask_name)
        .tool(suggest)
        .tool(hold)
        .state(held.clone())
        .mask_errors(mask_errors)
        .into_handle()
        .unwrap();
    if let Some(bus) = bus {
        assert!(handle.join_bus(bus));
    }
    let served = serve(&handle, options.session_store(store)).await;
    Replica {
        url: served.url.clone(),
        held,
        _served: served,
    }
}

/// Two replicas sharing `store` and, when given, `bus`.
async fn pair(store: Arc<dyn SessionStore>, bus: Option<Arc<dyn Bus>>) -> (Replica, Replica) {
    let a = replica("a", Arc::clone(&store), bus.clone()).await;
    let b = replica("b", store, bus).await;
    // A real broker takes a moment to have the subscriptions in place (what
    // is published before is lost, as pub/sub goes); not a timing assertion.
    tokio::time::sleep(Duration::from_millis(200)).await;
    (a, b)
}

/// A legacy session that can answer elicitation and sampling, started on
/// `url`, its handshake finished.
async fn session(url: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": LEGACY,
        "capabilities": {"elicitation": {}, "sampling": {}},
        "clientInfo": {"name": "bus-routing-test", "version": "0.0.1"},
    }});
    let sid = initialize_with(url, &init).await;
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(in_session(url, &sid, &done)).await.status(),
        StatusCode::ACCEPTED
    );
    sid
}

/// Calls `tool` on `url`: its event stream.
async fn call(url: &str, sid: &str, id: i64, tool: &str) -> Sse {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": tool, "arguments": {}, "_meta": {"progressToken": id}}});
    let resp = send(in_session(url, sid, &body)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    Sse::new(resp)
}

/// The next server→client request on the stream: its id and method.
async fn asked(sse: &mut Sse) -> (Value, String) {
    let (_, msg) = sse.next_message().await;
    assert!(msg["id"].is_string() && msg["method"].is_string(), "{msg}");
    (msg["id"].clone(), msg["method"].as_str().unwrap().to_owned())
}

/// Posts the client's answer to `url`: a result or an error.
async fn answer(url: &str, sid: &str, id: &Value, outcome: (&str, Value)) {
    let mut body = json!({"jsonrpc": "2.0", "id": id});
    body[outcome.0] = outcome.1;
    let resp = send(in_session(url, sid, &body)).await;
    assert_eq!(
        resp.status(),
        StatusCode::ACCEPTED,
        "an answer is accepted with 202"
    );
    assert!(resp.text().await.unwrap().is_empty(), "and no body");
}

/// The call's result on its stream.
async fn result(sse: &mut Sse) -> Value {
    let (_, msg) = sse.next_message().await;
    assert!(msg.get("result").is_some() || msg.get("error").is_some(), "{msg}");
    msg
}

/// An elicitation and a sampling request made on `a`, answered through `b`.
async fn answers_cross(a: &Replica, b: &Replica) {
    let sid = session(&a.url).await;

    let mut on_a = call(&a.url, &sid, 2, "ask_name").await;
    let (id, method) = asked(&mut on_a).await;
    assert_eq!(method, "elicitation/create");
    // The id names the replica that asked (`mcp-serve-<tag>-<n>`).
    let id_text = id.as_str().unwrap();
    assert!(
        id_text.starts_with("mcp-serve-") && id_text.len() > "mcp-serve-".len() + 17,
        "{id}"
    );
    answer(
        &b.url,
        &sid,
        &id,
        ("result", json!({"action": "accept", "content": {"name": "Ada"}})),
    )
    .await;
    let r = result(&mut on_a).await;
    assert_eq!(r["result"]["content"][0]["text"], "hello Ada from a", "{r}");

    let mut on_a = call(&a.url, &sid, 3, "suggest").await;
    let (id, method) = asked(&mut on_a).await;
    assert_eq!(method, "sampling/createMessage");
    let sampled = json!({"role": "assistant", "content": {"type": "text", "text": "Lisbon"}, "model": "m"});
    answer(&b.url, &sid, &id, ("result", sampled)).await;
    let r = result(&mut on_a).await;
    assert_eq!(r["result"]["content"][0]["text"], "Lisbon", "{r}");

    // The client's error answer travels too, and the handler hears it.
    let mut on_a = call(&a.url, &sid, 4, "suggest").await;
    let (id, _) = asked(&mut on_a).await;
    answer(
        &b.url,
        &sid,
        &id,
        ("error", json!({"code": -1, "message": "the user said no"})),
    )
    .await;
    let r = result(&mut on_a).await;
    assert!(r.to_string().contains("the user said no"), "{r}");

    // The other way round: asked on b, answered on a.
    let mut on_b = call(&b.url, &sid, 5, "ask_name").await;
    let (id, _) = asked(&mut on_b).await;
    answer(
        &a.url,
        &sid,
        &id,
        ("result", json!({"action": "accept", "content": {"name": "Bo"}})),
    )
    .await;
    let r = result(&mut on_b).await;
    assert_eq!(r["result"]["content"][0]["text"], "hello Bo from b", "{r}");
}

/// A call running on `a`, cancelled through `b`.
async fn cancel_crosses(a: &Replica, b: &Replica) {
    let sid = session(&a.url).await;
    let started = a.held.started.notified();
    let mut on_a = call(&a.url, &sid, 7, "hold").await;
    within("the call to start", started).await;
    let (_, progress) = on_a.next_message().await;
    assert_eq!(progress["method"], "notifications/progress", "{progress}");
    let dropped = a.held.dropped.notified();
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7, "reason": "changed my mind"}});
    assert_eq!(
        send(in_session(&b.url, &sid, &cancel)).await.status(),
        StatusCode::ACCEPTED
    );
    within("the handler on a to be cancelled", dropped).await;
    // A cancelled request gets no response: its stream ends without one.
    while let Some(ev) = on_a.next().await {
        assert!(ev.json().is_none(), "no message after the cancellation: {ev:?}");
    }
}

#[tokio::test]
async fn an_answer_sent_to_the_other_replica_reaches_the_one_that_asked() {
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::default());
    let (a, b) = pair(Arc::new(InMemorySessionStore::default()), Some(bus)).await;
    answers_cross(&a, &b).await;
}

#[tokio::test]
async fn a_cancellation_sent_to_the_other_replica_cancels_the_call() {
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::default());
    let (a, b) = pair(Arc::new(InMemorySessionStore::default()), Some(bus)).await;
    cancel_crosses(&a, &b).await;
}

#[tokio::test]
async fn without_the_bus_the_answer_is_lost() {
    // The control for the tests above: the same session on two replicas,
    // without a bus, and the answer that reaches b never reaches a.
    let (a, b) = pair(Arc::new(InMemorySessionStore::default()), None).await;
    let sid = session(&a.url).await;
    let mut on_a = call(&a.url, &sid, 2, "ask_name").await;
    let (id, _) = asked(&mut on_a).await;
    answer(
        &b.url,
        &sid,
        &id,
        ("result", json!({"action": "accept", "content": {"name": "Ada"}})),
    )
    .await;
    let waited = tokio::time::timeout(Duration::from_millis(500), on_a.next()).await;
    assert!(waited.is_err(), "a still waits: {waited:?}");
}

#[tokio::test]
async fn answers_no_replica_awaits_are_dropped_and_nothing_hangs() {
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::default());
    let (a, b) = pair(Arc::new(InMemorySessionStore::default()), Some(bus)).await;
    let sid = session(&a.url).await;
    // Another replica's tag, no replica's tag, an untagged id, a number:
    // each is accepted with 202 and goes nowhere.
    for id in [
        json!("mcp-serve-0123456789abcdef-0"),
        json!("mcp-serve-0"),
        json!("someone-else-1"),
        json!(42),
    ] {
        answer(&b.url, &sid, &id, ("result", json!({"action": "cancel"}))).await;
        answer(&a.url, &sid, &id, ("error", json!({"code": -1, "message": "x"}))).await;
    }
    // A cancellation of a request nobody runs, likewise.
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 99}});
    assert_eq!(
        send(in_session(&b.url, &sid, &cancel)).await.status(),
        StatusCode::ACCEPTED
    );
    // An answer that comes twice: the first is taken, the second dropped.
    let mut on_a = call(&a.url, &sid, 2, "ask_name").await;
    let (id, _) = asked(&mut on_a).await;
    for name in ["Ada", "Eve"] {
        answer(
            &b.url,
            &sid,
            &id,
            ("result", json!({"action": "accept", "content": {"name": name}})),
        )
        .await;
    }
    let r = result(&mut on_a).await;
    assert_eq!(r["result"]["content"][0]["text"], "hello Ada from a", "{r}");
    // The session serves on, on both replicas.
    answers_cross(&a, &b).await;
}

#[tokio::test]
async fn an_answer_too_large_to_forward_fails_the_call_at_once() {
    let bus: Arc<dyn Bus> = Arc::new(LocalBus::default());
    let store: Arc<dyn SessionStore> = Arc::new(InMemorySessionStore::default());
    // a shows the error it ends the call with (masked by default over HTTP).
    let a = replica_with(
        "a",
        Arc::clone(&store),
        Some(Arc::clone(&bus)),
        HttpOptions::default(),
        false,
    )
    .await;
    // b takes bodies larger than replicas forward to each other.
    let big = HttpOptions::default().max_body_bytes(8 * 1024 * 1024);
    let b = replica_with("b", store, Some(bus), big, true).await;
    let sid = session(&a.url).await;
    let mut on_a = call(&a.url, &sid, 2, "suggest").await;
    let (id, _) = asked(&mut on_a).await;
    let text = "x".repeat(5 * 1024 * 1024);
    let sampled = json!({"role": "assistant", "content": {"type": "text", "text": text}, "model": "m"});
    answer(&b.url, &sid, &id, ("result", sampled)).await;
    let r = result(&mut on_a).await;
    let said = r.to_string();
    assert!(
        said.contains("larger than the 4194304 bytes replicas forward"),
        "{said}"
    );
}

/// The same through a real `redis-server`: sessions in Redis, the bus on
/// Redis pub/sub.
#[cfg(feature = "redis")]
mod with_redis {
    use std::sync::Arc;

    use mcp_serve::cluster::Redis;
    use mcp_serve::engine::Bus;
    use mcp_serve::transport::http::SessionStore;

    use super::super::replicas::redis::RedisServer;
    use super::{answers_cross, cancel_crosses, pair};

    #[tokio::test]
    async fn answers_and_cancellations_cross_replicas_through_redis() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("bus-routing:");
        let store: Arc<dyn SessionStore> = Arc::new(redis.session_store());
        let bus: Arc<dyn Bus> = Arc::new(redis.bus());
        let (a, b) = pair(store, Some(bus)).await;
        answers_cross(&a, &b).await;
        cancel_crosses(&a, &b).await;
    }
}
