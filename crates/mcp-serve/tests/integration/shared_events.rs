//! Resumable legacy streams shared by replicas through an `EventStore`: two
//! HTTP servers (separate engines, as two processes would be) on 127.0.0.1
//! sharing a session store and an event store, a stream started on one and
//! resumed with `Last-Event-ID` on the other, the session's GET stream, a
//! replica that dies mid-stream, and one that drains.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use mcp_serve::prelude::*;
use mcp_serve::server::ServerHandle;
use mcp_serve::transport::http::{
    EventStore, HttpOptions, InMemoryEventStore, InMemorySessionStore, SessionStore, StoredEvent,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::http::{LEGACY, Sse, client, initialize_body, send, within};
use super::replicas::{Served, in_session, initialize_with, serve};

/// Gates the tests open to let a `paced` call go on, by key.
static GATES: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Notify>>>> = LazyLock::new(Default::default);

fn gate(key: &str) -> Arc<tokio::sync::Notify> {
    Arc::clone(GATES.lock().unwrap().entry(key.to_owned()).or_default())
}

/// Progress 1 to 3, then (once its gate opens) 4 to 6, then the answer.
/// (Progress closer than 10 ms apart is thinned out: hence the pauses.)
#[tool]
async fn paced(key: String, ctx: Context) -> String {
    for i in 1..=3 {
        tokio::time::sleep(Duration::from_millis(15)).await;
        ctx.progress(f64::from(i), Some(6.0), None).await;
    }
    gate(&key).notified().await;
    for i in 4..=6 {
        tokio::time::sleep(Duration::from_millis(15)).await;
        ctx.progress(f64::from(i), Some(6.0), None).await;
    }
    "paced done".into()
}

struct Replica {
    url: String,
    handle: ServerHandle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<()>,
}

async fn replica(name: &str, sessions: Arc<dyn SessionStore>, events: Arc<dyn EventStore>) -> Replica {
    let handle = Server::new(name, "1.0.0").tool(paced).into_handle().unwrap();
    let options = HttpOptions::default()
        .session_store(sessions)
        .event_store(events)
        .stream_lease(Duration::from_secs(1))
        .shutdown_grace(Duration::from_secs(10));
    let Served { url, stop, served } = serve(&handle, options).await;
    Replica {
        url,
        handle,
        stop,
        served,
    }
}

/// A session started on `url`, initialized, subscribed to `config://x` and `config://y`.
async fn session(url: &str) -> String {
    let sid = initialize_with(url, &initialize_body(LEGACY)).await;
    let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        send(in_session(url, &sid, &done)).await.status(),
        StatusCode::ACCEPTED
    );
    for (id, uri) in [(90, "config://x"), (91, "config://y")] {
        let sub =
            json!({"jsonrpc": "2.0", "id": id, "method": "resources/subscribe", "params": {"uri": uri}});
        assert_eq!(send(in_session(url, &sid, &sub)).await.status(), StatusCode::OK);
    }
    sid
}

fn resume(url: &str, sid: &str, last: &str) -> reqwest::RequestBuilder {
    client()
        .get(url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", sid)
        .header("mcp-protocol-version", LEGACY)
        .header("last-event-id", last)
}

fn paced_call(id: i64, key: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "paced", "arguments": {"key": key}, "_meta": {"progressToken": "p"}}})
}

/// Reads `n` progress notifications; returns their progress values and the
/// last event id, and whether a `retry:` ended the stream right after.
async fn progress_until(sse: &mut Sse, n: usize) -> (Vec<f64>, String) {
    let mut seen = Vec::new();
    let mut last = String::new();
    while seen.len() < n {
        let (ev, msg) = sse.next_message().await;
        assert_eq!(msg["method"], "notifications/progress", "{msg}");
        seen.push(msg["params"]["progress"].as_f64().unwrap());
        last = ev.id.expect("resumable events have ids");
    }
    (seen, last)
}

/// The rest of a stream: progress values, the final message, every id.
async fn rest(mut sse: Sse) -> (Vec<f64>, Option<Value>, Vec<String>) {
    let mut progress = Vec::new();
    let mut ids = Vec::new();
    let mut last = None;
    while let Some(ev) = sse.next().await {
        if let Some(id) = &ev.id {
            ids.push(id.clone());
        }
        match ev.json() {
            Some(m) if m["method"] == "notifications/progress" => {
                progress.push(m["params"]["progress"].as_f64().unwrap());
            }
            Some(m) => last = Some(m),
            None => {}
        }
    }
    (progress, last, ids)
}

fn seq(id: &str) -> u64 {
    id.rsplit('-').next().unwrap().parse().unwrap()
}

/// A call started on replica a, its connection dropped after three
/// events, resumed on replica b (which never saw the session): the other
/// three and the answer, none twice.
async fn resume_elsewhere(sessions: Arc<dyn SessionStore>, events: Arc<dyn EventStore>, key: &str) {
    let a = replica("a", Arc::clone(&sessions), Arc::clone(&events)).await;
    let b = replica("b", sessions, events).await;
    let sid = session(&a.url).await;
    let resp = send(in_session(&a.url, &sid, &paced_call(7, key))).await;
    let mut sse = Sse::new(resp);
    let (first, last) = progress_until(&mut sse, 3).await;
    assert_eq!(first, [1.0, 2.0, 3.0]);
    assert!(
        last.starts_with(&format!("{sid}-")),
        "ids name the session: {last}"
    );
    drop(sse);
    gate(key).notify_one();
    let resp = send(resume(&b.url, &sid, &last)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (progress, answer, ids) = rest(Sse::new(resp)).await;
    assert_eq!(progress, [4.0, 5.0, 6.0], "the rest, once each");
    let answer = answer.expect("the answer on the resumed stream");
    assert_eq!(answer["id"], 7, "{answer}");
    assert_eq!(answer["result"]["content"][0]["text"], "paced done", "{answer}");
    let seqs: Vec<u64> = ids.iter().map(|id| seq(id)).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > seq(&last),
        "ids go on from the last one seen: {last} then {ids:?}"
    );
    drop(a.stop);
    drop(b.stop);
}

/// The session's GET stream: what a GET on a received is stored; what a
/// sent while no GET was open reaches a GET resumed on b, and so does what
/// b sends next.
async fn get_stream_elsewhere(sessions: Arc<dyn SessionStore>, events: Arc<dyn EventStore>) {
    let a = replica("a", Arc::clone(&sessions), Arc::clone(&events)).await;
    let b = replica("b", sessions, events).await;
    let sid = session(&a.url).await;
    let open = client()
        .get(&a.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", LEGACY);
    let mut sse = Sse::new(send(open).await);
    a.handle.notify_resource_updated("config://x");
    let (ev, msg) = sse.next_message().await;
    assert_eq!(msg["params"]["uri"], "config://x", "{msg}");
    let first = ev.id.expect("GET stream events have ids");
    assert_eq!(first, format!("{sid}-0-1"), "the GET stream is stream 0");
    drop(sse);
    // Sent on a with no GET open: stored all the same.
    a.handle.notify_resource_updated("config://y");
    let resp = send(resume(&b.url, &sid, &first)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut sse = Sse::new(resp);
    let (ev, msg) = sse.next_message().await;
    assert_eq!(msg["params"]["uri"], "config://y", "{msg}");
    assert_eq!(ev.id.unwrap(), format!("{sid}-0-2"));
    // b restored the session (and its subscriptions); what it sends joins the stream.
    b.handle.notify_resource_updated("config://x");
    let (ev, msg) = sse.next_message().await;
    assert_eq!(msg["params"]["uri"], "config://x", "{msg}");
    assert_eq!(ev.id.unwrap(), format!("{sid}-0-3"));
    drop(a.stop);
    drop(b.stop);
}

/// A stream whose replica died (its lease is not renewed): a reader on
/// another replica gets what was stored, then an error for the request.
async fn dead_owner(sessions: Arc<dyn SessionStore>, events: Arc<dyn EventStore>) {
    let a = replica("a", Arc::clone(&sessions), Arc::clone(&events)).await;
    let b = replica("b", sessions, Arc::clone(&events)).await;
    let sid = session(&a.url).await;
    // What the dead replica left: a stream, two events, a lease nobody renews.
    let n = events
        .open_stream(&sid, Some("99"), Duration::from_secs(1))
        .await
        .unwrap();
    for i in 1..=2 {
        let m = json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": "p", "progress": i}});
        events
            .append(&sid, n, StoredEvent::Message(m.to_string().into()))
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let resp = send(resume(&b.url, &sid, &format!("{sid}-{n}-1"))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (progress, answer, _) = within("the orphaned stream's end", rest(Sse::new(resp))).await;
    assert_eq!(progress, [2.0]);
    let answer = answer.expect("an error ends the stream");
    assert_eq!(answer["id"], 99, "{answer}");
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("send it again"),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // Every later reader sees the same end.
    let resp = send(resume(&a.url, &sid, &format!("{sid}-{n}-2"))).await;
    let (_, again, _) = rest(Sse::new(resp)).await;
    assert_eq!(again.unwrap()["error"]["code"], -32603);
    drop(a.stop);
    drop(b.stop);
}

#[tokio::test]
async fn a_stream_resumes_on_another_replica() {
    resume_elsewhere(
        Arc::new(InMemorySessionStore::default()),
        Arc::new(InMemoryEventStore::default()),
        "mem-resume",
    )
    .await;
}

#[tokio::test]
async fn the_get_stream_is_stored_and_resumed_on_another_replica() {
    get_stream_elsewhere(
        Arc::new(InMemorySessionStore::default()),
        Arc::new(InMemoryEventStore::default()),
    )
    .await;
}

#[tokio::test]
async fn a_dead_owner_ends_the_stream_with_an_error() {
    dead_owner(
        Arc::new(InMemorySessionStore::default()),
        Arc::new(InMemoryEventStore::default()),
    )
    .await;
}

#[tokio::test]
async fn a_last_event_id_of_another_session_is_refused() {
    let a = replica(
        "a",
        Arc::new(InMemorySessionStore::default()),
        Arc::new(InMemoryEventStore::default()),
    )
    .await;
    let sid = session(&a.url).await;
    let resp = send(resume(&a.url, &sid, "0123456789abcdef0123456789abcdef-1-1")).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = send(resume(&a.url, &sid, &format!("{sid}-1-nope"))).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = send(resume(&a.url, &sid, &format!("{sid}-5-1"))).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    drop(a.stop);
    within("the replica to stop", a.served).await.unwrap();
}

/// The same with a real `redis-server` on 127.0.0.1, and what only a shared
/// store allows: a draining replica sends its readers elsewhere.
#[cfg(feature = "redis")]
mod with_redis {
    use super::super::replicas::redis::RedisServer;
    use super::*;
    use mcp_serve::cluster::Redis;

    fn stores(server: &RedisServer, prefix: &str) -> (Arc<dyn SessionStore>, Arc<dyn EventStore>) {
        let redis = Redis::connect(&server.url()).unwrap().prefix(prefix);
        (Arc::new(redis.session_store()), Arc::new(redis.event_store()))
    }

    #[tokio::test]
    async fn a_stream_resumes_on_another_replica_through_redis() {
        let server = RedisServer::start().await;
        let (s, e) = stores(&server, "ev-a:");
        resume_elsewhere(s, e, "redis-resume").await;
    }

    #[tokio::test]
    async fn the_get_stream_is_stored_in_redis_and_resumed() {
        let server = RedisServer::start().await;
        let (s, e) = stores(&server, "ev-b:");
        get_stream_elsewhere(s, e).await;
    }

    #[tokio::test]
    async fn a_dead_owner_is_detected_through_redis() {
        let server = RedisServer::start().await;
        let (s, e) = stores(&server, "ev-c:");
        dead_owner(s, e).await;
    }

    /// SIGTERM's drain mid-stream: the client is told to retry, resumes on
    /// the other replica, and gets the rest the draining one still writes.
    #[tokio::test]
    async fn a_draining_replica_sends_its_readers_elsewhere() {
        let server = RedisServer::start().await;
        let (sessions, events) = stores(&server, "ev-d:");
        let mut a = replica("a", Arc::clone(&sessions), Arc::clone(&events)).await;
        let b = replica("b", sessions, events).await;
        let sid = session(&a.url).await;
        let resp = send(in_session(&a.url, &sid, &paced_call(8, "redis-drain"))).await;
        let mut sse = Sse::new(resp);
        let (_, last) = progress_until(&mut sse, 3).await;
        drop(a.stop.take());
        let ev = sse.next().await.expect("a retry hint before the end");
        assert_eq!(ev.retry, Some(500), "{ev:?}");
        assert!(sse.next().await.is_none(), "then the stream ends");
        assert!(
            !a.served.is_finished(),
            "the drained replica waits for its handler"
        );
        gate("redis-drain").notify_one();
        let resp = send(resume(&b.url, &sid, &last)).await;
        let (progress, answer, _) = rest(Sse::new(resp)).await;
        assert_eq!(progress, [4.0, 5.0, 6.0]);
        assert_eq!(answer.unwrap()["result"]["content"][0]["text"], "paced done");
        within("the drained replica to stop", a.served).await.unwrap();
        drop(b.stop);
    }

    #[tokio::test]
    async fn redis_down_is_a_clear_503_on_resume() {
        let mut server = RedisServer::start().await;
        let (sessions, events) = stores(&server, "ev-e:");
        let a = replica("a", sessions, events).await;
        let sid = session(&a.url).await;
        server.stop();
        let resp = send(resume(&a.url, &sid, &format!("{sid}-1-1"))).await;
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let why = resp.text().await.unwrap();
        assert!(
            why.contains("event store is unreachable") && why.contains("Redis"),
            "{why}"
        );
        drop(a.stop);
    }

    /// The events are a Redis Stream with a time to live and a length bound.
    #[tokio::test]
    async fn streams_are_bounded_and_expire() {
        let server = RedisServer::start().await;
        let redis = Redis::connect(&server.url()).unwrap().prefix("ev-f:");
        let store = redis.event_store().max_events(100).ttl(Duration::from_secs(60));
        let n = store
            .open_stream("s", Some("1"), Duration::from_secs(5))
            .await
            .unwrap();
        for i in 0..1000 {
            store
                .append("s", n, StoredEvent::Message(format!("{i}").into()))
                .await
                .unwrap();
        }
        store.finish("s", n).await.unwrap();
        // Nothing after the end.
        assert_eq!(
            store
                .append("s", n, StoredEvent::Message("late".into()))
                .await
                .unwrap(),
            0
        );
        let read = store.read_after("s", n, 0).await.unwrap().unwrap();
        assert!(read.finished && read.events.len() < 300, "{}", read.events.len());
        assert_eq!(read.events.last().unwrap().0, 1000);
        let mut conn = ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let key = format!("ev-f:events:s:{n}");
        let ttl: i64 = ::redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!((1..=60_000).contains(&ttl), "{ttl}");
        let kind: String = ::redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(kind, "stream");
        store.remove_session("s").await.unwrap();
        assert!(store.read_after("s", n, 0).await.unwrap().is_none());
    }

    /// Waiting readers hold no Redis connection each: fifty readers of
    /// fifty streams wait on one subscription, and an append on another
    /// replica's store wakes its reader at once.
    #[tokio::test]
    async fn waiting_readers_share_one_subscription() {
        let server = RedisServer::start().await;
        let here = Redis::connect(&server.url())
            .unwrap()
            .prefix("ev-g:")
            .event_store();
        let there = Redis::connect(&server.url())
            .unwrap()
            .prefix("ev-g:")
            .event_store();
        let mut streams = Vec::new();
        for i in 0..50 {
            let n = there
                .open_stream(&format!("s{i}"), Some("1"), Duration::from_secs(30))
                .await
                .unwrap();
            streams.push(n);
        }
        let readers: Vec<_> = streams
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let here = here.clone();
                tokio::spawn(async move {
                    // Far longer than `within` allows: only a wake-up ends it in time.
                    here.wait_after(&format!("s{i}"), n, 0, Duration::from_secs(600))
                        .await
                        .unwrap()
                        .unwrap()
                })
            })
            .collect();
        let mut conn = ::redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        // The readers' subscription is up (appends before it would wake nobody).
        within("the readers' subscription", async {
            loop {
                let (_, n): (String, u64) = ::redis::cmd("PUBSUB")
                    .arg("NUMSUB")
                    .arg("ev-g:bus:event-streams")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                if n >= 1 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        let clients: String = ::redis::cmd("CLIENT")
            .arg("LIST")
            .query_async(&mut conn)
            .await
            .unwrap();
        let n = clients.lines().count();
        assert!(n <= 6, "{n} connections for 50 waiting readers:\n{clients}");
        for (i, &n) in streams.iter().enumerate() {
            there
                .append(&format!("s{i}"), n, StoredEvent::Message(format!("{i}").into()))
                .await
                .unwrap();
        }
        for (i, reader) in readers.into_iter().enumerate() {
            let read = within("a woken reader", reader).await.unwrap();
            assert_eq!(read.events.len(), 1, "reader {i}");
        }
    }

    /// Two replicas' readers finding the same dead owner store one error.
    #[tokio::test]
    async fn a_dead_owner_stream_is_ended_once_through_redis() {
        let server = RedisServer::start().await;
        let a = Redis::connect(&server.url())
            .unwrap()
            .prefix("ev-h:")
            .event_store();
        let b = Redis::connect(&server.url())
            .unwrap()
            .prefix("ev-h:")
            .event_store();
        let n = a
            .open_stream("s", Some("9"), Duration::from_millis(800))
            .await
            .unwrap();
        let error = || StoredEvent::Message(r#"{"error":1}"#.into());
        assert!(
            !a.end_orphaned("s", n, error()).await.unwrap(),
            "not while the lease is held"
        );
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (x, y) = tokio::join!(a.end_orphaned("s", n, error()), b.end_orphaned("s", n, error()));
        assert!(x.unwrap() ^ y.unwrap(), "exactly one of them ends it");
        let read = b.read_after("s", n, 0).await.unwrap().unwrap();
        assert!(read.finished);
        assert_eq!(read.events.len(), 1);
        assert!(
            !a.end_orphaned("s", n, error()).await.unwrap(),
            "an ended stream stays ended"
        );
    }
}
