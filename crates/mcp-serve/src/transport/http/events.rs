//! Resumable SSE streams for legacy sessions (2025-03-26 … 2025-11-25).
//!
//! Each POST answered with SSE gets a stream number, and the session's
//! standalone GET stream is stream 0; their events go to an [`EventStore`]
//! so that a client whose connection dropped (or that the server asked to
//! poll, SEP-1699) can resume with `GET` + `Last-Event-ID` and receive what
//! it missed. Event ids are `<session>-<stream>-<seq>`: unique across
//! sessions and replicas, so with a shared store any replica can resume a
//! stream from the id alone. The handler keeps running while no connection is
//! attached (in the legacy era a disconnect is not a cancel), holding a lease
//! on its stream that readers elsewhere check to tell a slow handler from a
//! dead replica.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::StoreFuture;

/// The stream number of a session's standalone GET stream (server-initiated
/// messages outside any request).
pub const GET_STREAM: u64 = 0;

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredEvent {
    /// A JSON-RPC message.
    Message(Bytes),
    /// The handler asked to end the current connection (the client polls).
    CloseConnection,
}

/// What [`EventStore::read_after`] returns.
///
/// ```
/// let mut read = mcp_serve::transport::http::StreamRead::default();
/// read.finished = true;
/// assert!(read.events.is_empty() && read.owner_alive);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamRead {
    /// Events after the requested sequence number, oldest first.
    pub events: Vec<(u64, StoredEvent)>,
    /// Whether the stream has ended (its last event is the response).
    pub finished: bool,
    /// The highest sequence number stored so far (0 if none).
    pub last_seq: u64,
    /// Whether the replica running the stream's handler still holds its
    /// lease (always true for a finished stream and for [`GET_STREAM`]).
    pub owner_alive: bool,
    /// The JSON-RPC id of the request the stream answers, as JSON text
    /// (`None` for [`GET_STREAM`]), for the error a reader sends when the
    /// owner died.
    pub request_id: Option<String>,
}

impl Default for StreamRead {
    fn default() -> Self {
        StreamRead {
            events: Vec::new(),
            finished: false,
            last_seq: 0,
            owner_alive: true,
            request_id: None,
        }
    }
}

/// Where legacy sessions' SSE events are kept so streams can be resumed.
///
/// The default, [`InMemoryEventStore`], is per process and bounded. A shared
/// store (`cluster::RedisEventStore`, feature `redis`) lets a client resume
/// on another replica. Methods return boxed futures so the store can sit
/// behind `dyn` ([`HttpOptions::event_store`](super::HttpOptions::event_store)).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use std::time::Duration;
/// use mcp_serve::transport::http::{EventStore, InMemoryEventStore, StoredEvent};
/// let store = InMemoryEventStore::default();
/// let s = store.open_stream("session-1", Some("7"), Duration::from_secs(5)).await.unwrap();
/// store.append("session-1", s, StoredEvent::Message("{}".into())).await.unwrap();
/// store.finish("session-1", s).await.unwrap();
/// let read = store.read_after("session-1", s, 0).await.unwrap().unwrap();
/// assert!(read.finished);
/// assert_eq!(read.events.len(), 1);
/// assert_eq!(read.request_id.as_deref(), Some("7"));
/// # }
/// ```
pub trait EventStore: Send + Sync + 'static {
    /// Starts a stream in a session for the request whose JSON-RPC id is
    /// `request_id` (JSON text), with the caller holding its lease for
    /// `lease`; returns its number, from 1 and unique in the session across
    /// every replica sharing the store.
    fn open_stream<'a>(
        &'a self,
        session: &'a str,
        request_id: Option<&'a str>,
        lease: Duration,
    ) -> StoreFuture<'a, u64>;

    /// Appends an event and returns its sequence number (from 1). Appending
    /// to [`GET_STREAM`] needs no `open_stream`.
    fn append<'a>(&'a self, session: &'a str, stream: u64, event: StoredEvent) -> StoreFuture<'a, u64>;

    /// Marks a stream as ended (and its lease as no longer needed).
    fn finish<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()>;

    /// Extends the lease of the stream's handler to `ttl` from now: the
    /// replica running it calls this periodically.
    fn renew_lease<'a>(&'a self, session: &'a str, stream: u64, ttl: Duration) -> StoreFuture<'a, ()>;

    /// The events after `after`; `None` for an unknown (or forgotten) stream.
    fn read_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Option<StreamRead>>;

    /// Like [`EventStore::read_after`], but while there is nothing after
    /// `after` and the stream has not ended, waits up to `wait` for an
    /// event (blocking, not polling) before answering.
    fn wait_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
        wait: Duration,
    ) -> StoreFuture<'a, Option<StreamRead>>;

    /// Forgets one stream (its answer went out whole).
    fn forget_stream<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()>;

    /// Forgets every stream of a session (it ended).
    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()>;

    /// Ends a stream whose owner's lease ran out with `event` as its last
    /// message, unless it ended or its lease was renewed meanwhile; `true`
    /// when this call ended it. A shared store does this atomically, so
    /// readers on several replicas that find the same dead owner store one
    /// error, not one each. The default checks, then appends and finishes.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::time::Duration;
    /// use mcp_serve::transport::http::{EventStore, InMemoryEventStore, StoredEvent};
    /// tokio::time::pause();
    /// let store = InMemoryEventStore::default();
    /// let s = store.open_stream("s", Some("1"), Duration::from_millis(10)).await.unwrap();
    /// // The lease is still held: nothing happens.
    /// assert!(!store.end_orphaned("s", s, StoredEvent::Message("{}".into())).await.unwrap());
    /// tokio::time::advance(Duration::from_millis(20)).await;
    /// assert!(store.end_orphaned("s", s, StoredEvent::Message("{}".into())).await.unwrap());
    /// // Only once.
    /// assert!(!store.end_orphaned("s", s, StoredEvent::Message("{}".into())).await.unwrap());
    /// # }
    /// ```
    fn end_orphaned<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        event: StoredEvent,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            match self.read_after(session, stream, u64::MAX).await? {
                Some(r) if !r.finished && !r.owner_alive => {}
                _ => return Ok(false),
            }
            self.append(session, stream, event).await?;
            self.finish(session, stream).await?;
            Ok(true)
        })
    }

    /// Whether the store answers; `/readyz` reports a replica unready while
    /// it does not. Always `Ok` unless the store overrides it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use mcp_serve::transport::http::{EventStore, InMemoryEventStore};
    /// assert!(InMemoryEventStore::default().check().await.is_ok());
    /// # }
    /// ```
    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Whether other replicas read this store: a draining replica then
    /// sends its readers elsewhere instead of keeping them until the end,
    /// and a session reaped here keeps its streams there. `false` unless
    /// the store overrides it.
    fn is_shared(&self) -> bool {
        false
    }
}

/// The default event store: in memory, bounded per stream and per session.
///
/// ```
/// let store = mcp_serve::transport::http::InMemoryEventStore::new(256, 8);
/// # let _ = store;
/// ```
#[derive(Debug)]
pub struct InMemoryEventStore {
    sessions: Mutex<HashMap<String, SessionStreams>>,
    max_events_per_stream: usize,
    max_finished_streams: usize,
    /// Wakes readers waiting for events.
    changed: Notify,
}

impl Default for InMemoryEventStore {
    fn default() -> Self {
        InMemoryEventStore::new(1024, 16)
    }
}

#[derive(Debug, Default)]
struct SessionStreams {
    next: u64,
    streams: HashMap<u64, Log>,
    finished: VecDeque<u64>,
}

#[derive(Debug, Default)]
struct Log {
    events: VecDeque<(u64, StoredEvent)>,
    last_seq: u64,
    finished: bool,
    request_id: Option<String>,
    /// Until when the handler's replica holds the lease (`None`: no lease).
    lease: Option<Instant>,
}

impl Log {
    /// Appends an event (dropping the oldest past `max`); its sequence number.
    fn push(&mut self, event: StoredEvent, max: usize) -> u64 {
        self.last_seq += 1;
        self.events.push_back((self.last_seq, event));
        if self.events.len() > max {
            self.events.pop_front();
        }
        self.last_seq
    }
}

impl SessionStreams {
    /// Ends `stream`, keeping only the `max` latest ended streams.
    fn end(&mut self, stream: u64, max: usize) {
        if let Some(log) = self.streams.get_mut(&stream).filter(|l| !l.finished) {
            log.finished = true;
            log.lease = None;
            self.finished.push_back(stream);
        }
        while self.finished.len() > max {
            if let Some(old) = self.finished.pop_front() {
                self.streams.remove(&old);
            }
        }
    }
}

impl InMemoryEventStore {
    /// A store keeping at most `max_events_per_stream` events of a stream (the
    /// oldest go first) and the `max_finished_streams` latest ended streams of
    /// a session.
    ///
    /// ```
    /// let _ = mcp_serve::transport::http::InMemoryEventStore::new(1024, 16);
    /// ```
    pub fn new(max_events_per_stream: usize, max_finished_streams: usize) -> Self {
        InMemoryEventStore {
            sessions: Mutex::new(HashMap::new()),
            max_events_per_stream: max_events_per_stream.max(1),
            max_finished_streams,
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionStreams>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read_now(&self, session: &str, stream: u64, after: u64) -> Option<StreamRead> {
        let map = self.lock();
        let Some(log) = map.get(session).and_then(|s| s.streams.get(&stream)) else {
            // The GET stream exists before its first event.
            return (stream == GET_STREAM).then(StreamRead::default);
        };
        Some(StreamRead {
            events: log
                .events
                .iter()
                .filter(|(seq, _)| *seq > after)
                .cloned()
                .collect(),
            finished: log.finished,
            last_seq: log.last_seq,
            owner_alive: log.finished || log.lease.is_none_or(|until| until > Instant::now()),
            request_id: log.request_id.clone(),
        })
    }
}

fn ready<'a, T: Send + 'a>(v: T) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Ok(v)))
}

impl EventStore for InMemoryEventStore {
    fn open_stream<'a>(
        &'a self,
        session: &'a str,
        request_id: Option<&'a str>,
        lease: Duration,
    ) -> StoreFuture<'a, u64> {
        let mut map = self.lock();
        let s = map.entry(session.to_owned()).or_default();
        s.next += 1;
        let id = s.next;
        s.streams.insert(
            id,
            Log {
                request_id: request_id.map(str::to_owned),
                lease: Some(Instant::now() + lease),
                ..Log::default()
            },
        );
        ready(id)
    }

    fn append<'a>(&'a self, session: &'a str, stream: u64, event: StoredEvent) -> StoreFuture<'a, u64> {
        let seq = {
            let mut map = self.lock();
            let log = if stream == GET_STREAM {
                Some(
                    map.entry(session.to_owned())
                        .or_default()
                        .streams
                        .entry(GET_STREAM)
                        .or_default(),
                )
            } else {
                map.get_mut(session).and_then(|s| s.streams.get_mut(&stream))
            };
            match log {
                Some(log) if !log.finished => log.push(event, self.max_events_per_stream),
                _ => 0,
            }
        };
        self.changed.notify_waiters();
        ready(seq)
    }

    fn finish<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()> {
        {
            let mut map = self.lock();
            let Some(s) = map.get_mut(session) else {
                return ready(());
            };
            s.end(stream, self.max_finished_streams);
        }
        self.changed.notify_waiters();
        ready(())
    }

    fn renew_lease<'a>(&'a self, session: &'a str, stream: u64, ttl: Duration) -> StoreFuture<'a, ()> {
        let mut map = self.lock();
        if let Some(log) = map.get_mut(session).and_then(|s| s.streams.get_mut(&stream)) {
            if !log.finished {
                log.lease = Some(Instant::now() + ttl);
            }
        }
        ready(())
    }

    fn read_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Option<StreamRead>> {
        ready(self.read_now(session, stream, after))
    }

    fn wait_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
        wait: Duration,
    ) -> StoreFuture<'a, Option<StreamRead>> {
        Box::pin(async move {
            let deadline = Instant::now() + wait;
            loop {
                // Registered before reading, so an append in between still wakes us.
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let read = self.read_now(session, stream, after);
                match &read {
                    Some(r) if r.events.is_empty() && !r.finished => {}
                    _ => return Ok(read),
                }
                tokio::select! {
                    () = notified => {}
                    () = tokio::time::sleep_until(deadline) => return Ok(read),
                }
            }
        })
    }

    fn end_orphaned<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        event: StoredEvent,
    ) -> StoreFuture<'a, bool> {
        // Under one lock: the check and the end cannot interleave with another reader's.
        let ended = {
            let mut map = self.lock();
            let Some(s) = map.get_mut(session) else {
                return ready(false);
            };
            match s.streams.get_mut(&stream) {
                Some(log) if !log.finished && log.lease.is_some_and(|until| until <= Instant::now()) => {
                    log.push(event, self.max_events_per_stream);
                    s.end(stream, self.max_finished_streams);
                    true
                }
                _ => false,
            }
        };
        if ended {
            self.changed.notify_waiters();
        }
        ready(ended)
    }

    fn forget_stream<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()> {
        let mut map = self.lock();
        if let Some(s) = map.get_mut(session) {
            s.streams.remove(&stream);
            s.finished.retain(|&f| f != stream);
        }
        drop(map);
        self.changed.notify_waiters();
        ready(())
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        self.lock().remove(session);
        self.changed.notify_waiters();
        ready(())
    }
}

/// How long a reader waits on the store before it looks at the owner's
/// lease (and the drain) again; events themselves wake it at once.
const WAIT: Duration = Duration::from_secs(1);

/// What a draining replica tells the readers of a shared store: come back
/// (to another replica) soon.
const RETRY_ELSEWHERE: &[u8] = b"retry: 500\n\n";

/// The error a reader ends a stream with when the replica running its
/// request died.
const OWNER_GONE: &str = "the replica running this request stopped; send it again";

/// The store, the leases of the handlers this replica runs, and the
/// connections tailing it.
#[derive(Clone)]
pub(crate) struct Streams {
    pub(crate) store: Arc<dyn EventStore>,
    /// How long a handler's lease on its stream lasts unless renewed (it is
    /// renewed every third of that).
    lease: Duration,
    /// Handlers running detached here: how many, and a wake-up when one ends.
    running: Arc<(AtomicUsize, Notify)>,
    /// Cancelled when the server starts shutting down.
    draining: CancellationToken,
}

/// A request's handler running detached ([`Streams::spawn_handler`]).
pub(crate) struct Handled {
    /// The answer, when it came alone while this was listened to.
    pub(crate) quick: tokio::sync::oneshot::Receiver<Vec<u8>>,
    /// Resolves once the stream holds an event or has ended (an error when
    /// the handler sent its answer through `quick` instead, or stopped).
    pub(crate) stored: tokio::sync::oneshot::Receiver<()>,
}

/// Counts a running handler until dropped.
struct Running(Arc<(AtomicUsize, Notify)>);

impl Running {
    fn new(running: &Arc<(AtomicUsize, Notify)>) -> Self {
        running.0.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(running))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }
}

fn event_id(session: &str, stream: u64, seq: u64) -> String {
    format!("{session}-{stream}-{seq}")
}

/// The JSON-RPC error that ends a stream whose owner died.
fn owner_gone(request_id: Option<&str>) -> Bytes {
    let id = request_id
        .and_then(|id| serde_json::from_str::<serde_json::Value>(id).ok())
        .unwrap_or(serde_json::Value::Null);
    let error = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": mcp_serve_core::error::code::INTERNAL_ERROR, "message": OWNER_GONE},
    });
    Bytes::from(error.to_string())
}

impl Streams {
    pub(crate) fn new(store: Arc<dyn EventStore>, lease: Duration, draining: CancellationToken) -> Self {
        Streams {
            store,
            lease: lease.max(Duration::from_millis(30)),
            running: Arc::new((AtomicUsize::new(0), Notify::new())),
            draining,
        }
    }

    /// Runs a request's handler detached, its messages and answer going to
    /// `stream`, renewing the stream's lease while it runs. An answer that
    /// comes before any other message goes to [`Handled::quick`] instead
    /// while it is listened to (to be sent as JSON, with nothing stored);
    /// [`Handled::stored`] tells, without asking the store, when the stream
    /// holds its first event or has ended.
    pub(crate) fn spawn_handler(
        &self,
        session: String,
        stream: u64,
        mut fut: futures::future::BoxFuture<'static, Option<crate::engine::Answer>>,
        mut rx: mpsc::Receiver<Vec<u8>>,
    ) -> Handled {
        let this = self.clone();
        let running = Running::new(&self.running);
        let (quick, quick_rx) = tokio::sync::oneshot::channel();
        let mut quick = Some(quick);
        let (stored, stored_rx) = tokio::sync::oneshot::channel();
        let mut stored = Some(stored);
        // Once the store has something a reader can see.
        let mut tell_stored = move || {
            if let Some(stored) = stored.take() {
                let _ = stored.send(());
            }
        };
        tokio::spawn(async move {
            let _running = running;
            let to_event = |m: Vec<u8>| {
                if m.is_empty() {
                    StoredEvent::CloseConnection
                } else {
                    StoredEvent::Message(Bytes::from(m))
                }
            };
            let every = this.lease / 3;
            let mut renew = tokio::time::interval_at(Instant::now() + every, every);
            renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    Some(m) = rx.recv() => {
                        quick = None;
                        this.append(&session, stream, to_event(m)).await;
                        tell_stored();
                    }
                    out = &mut fut => {
                        while let Ok(m) = rx.try_recv() {
                            quick = None;
                            this.append(&session, stream, to_event(m)).await;
                            tell_stored();
                        }
                        // The answer alone: straight to the waiting POST, if it still waits.
                        let out = match (out, quick.take()) {
                            (Some(answer), Some(quick)) => match quick.send(answer.bytes) {
                                Ok(()) => {
                                    let _ = this.store.forget_stream(&session, stream).await;
                                    break;
                                }
                                Err(bytes) => Some(bytes),
                            },
                            (out, _) => out.map(|a| a.bytes),
                        };
                        if let Some(answer) = out {
                            this.append(&session, stream, StoredEvent::Message(Bytes::from(answer))).await;
                        }
                        if let Err(e) = this.store.finish(&session, stream).await {
                            tracing::warn!(%session, stream, error = %e, "the end of a stream could not be stored; its readers end when its lease expires");
                        }
                        tell_stored();
                        break;
                    }
                    _ = renew.tick() => {
                        if let Err(e) = this.store.renew_lease(&session, stream, this.lease).await {
                            tracing::warn!(%session, stream, error = %e, "the lease of a running stream could not be renewed");
                        }
                    }
                }
            }
        });
        Handled {
            quick: quick_rx,
            stored: stored_rx,
        }
    }

    /// Stores server-initiated messages of a session (its outbound channel
    /// on this replica) in its GET stream, until the session ends here.
    pub(crate) fn spawn_get_pump(&self, session: String, mut rx: mpsc::Receiver<Vec<u8>>) {
        let this = self.clone();
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                // Empty frames are transport controls with no meaning here.
                if !m.is_empty() {
                    this.append(&session, GET_STREAM, StoredEvent::Message(Bytes::from(m)))
                        .await;
                }
            }
        });
    }

    async fn append(&self, session: &str, stream: u64, event: StoredEvent) {
        if let Err(e) = self.store.append(session, stream, event).await {
            tracing::warn!(%session, stream, error = %e, "an event could not be stored; a client reading the stream misses it");
        }
    }

    /// Waits until handlers running here have ended, at most until `deadline`.
    pub(crate) async fn handlers_done(&self, deadline: Instant) {
        loop {
            let notified = self.running.1.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.running.0.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// The answer, when the stream ended holding just that one message.
    pub(crate) async fn single_final(&self, session: &str, stream: u64) -> Option<Bytes> {
        let r = self.store.read_after(session, stream, 0).await.ok()??;
        match (r.finished, r.events.as_slice()) {
            (true, [(_, StoredEvent::Message(b))]) => Some(b.clone()),
            _ => None,
        }
    }

    /// Feeds a connection from `after` (exclusive) on, as SSE bytes, until
    /// the stream ends, the handler closes the connection, the client goes,
    /// or (with a shared store) this replica drains. `delivered` learns the
    /// last event sent (for the GET stream).
    pub(crate) fn tail(
        &self,
        session: String,
        stream: u64,
        after: u64,
        prime: bool,
        delivered: Option<Arc<AtomicU64>>,
    ) -> mpsc::Receiver<Vec<u8>> {
        let (tx, rx) = mpsc::channel(64);
        let this = self.clone();
        tokio::spawn(async move {
            if prime
                && tx
                    .send(format!("id: {}\ndata: \n\n", event_id(&session, stream, 0)).into_bytes())
                    .await
                    .is_err()
            {
                return;
            }
            let shared = this.store.is_shared();
            let mut cursor = after;
            // A resuming client already reconnected after any earlier close
            // marker: only markers added from now on end this connection.
            let mut replayed_up_to = None;
            loop {
                let read = tokio::select! {
                    r = async {
                        if replayed_up_to.is_none() {
                            this.store.read_after(&session, stream, cursor).await
                        } else {
                            this.store.wait_after(&session, stream, cursor, WAIT).await
                        }
                    } => r,
                    () = tx.closed() => return,
                    // Another replica serves the rest from the shared store.
                    () = this.draining.cancelled(), if shared => {
                        let _ = tx.send(RETRY_ELSEWHERE.to_vec()).await;
                        return;
                    }
                };
                let read = match read {
                    Ok(Some(read)) => read,
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(%session, stream, error = %e, "the event store is unreachable; the client is told to resume later");
                        let _ = tx.send(b"retry: 2000\n\n".to_vec()).await;
                        return;
                    }
                };
                let skip_closes = *replayed_up_to.get_or_insert(if prime { 0 } else { read.last_seq });
                let had_events = !read.events.is_empty();
                for (seq, event) in read.events {
                    cursor = seq;
                    let frame = match event {
                        StoredEvent::Message(json) => {
                            let mut f =
                                format!("id: {}\nevent: message\ndata: ", event_id(&session, stream, seq))
                                    .into_bytes();
                            f.extend_from_slice(&json);
                            f.extend_from_slice(b"\n\n");
                            f
                        }
                        StoredEvent::CloseConnection if seq <= skip_closes => continue,
                        StoredEvent::CloseConnection => {
                            // Tell the client from where and when to come back, then hang up.
                            let _ = tx
                                .send(
                                    format!("id: {}\nretry: 500\n\n", event_id(&session, stream, seq))
                                        .into_bytes(),
                                )
                                .await;
                            return;
                        }
                    };
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                    if let Some(d) = &delivered {
                        d.fetch_max(seq, Ordering::Relaxed);
                    }
                }
                if read.finished {
                    return;
                }
                if !had_events && !read.owner_alive && stream != GET_STREAM {
                    // The replica running the request died: end it with an
                    // error, in the store, so every reader sees the same end.
                    tracing::warn!(%session, stream, "the replica running a stream's request stopped; ending the stream with an error");
                    let error = owner_gone(read.request_id.as_deref());
                    if let Err(e) = this
                        .store
                        .end_orphaned(&session, stream, StoredEvent::Message(error))
                        .await
                    {
                        tracing::warn!(%session, stream, error = %e, "could not store the end of an orphaned stream");
                    }
                }
            }
        });
        rx
    }
}

/// Parses `Last-Event-ID`: `<session>-<stream>-<seq>`, or the
/// `<stream>-<seq>` of earlier versions.
pub(crate) fn parse_event_id(s: &str) -> Option<(Option<&str>, u64, u64)> {
    let mut parts = s.trim().rsplitn(3, '-');
    let seq = parts.next()?.parse().ok()?;
    let stream = parts.next()?.parse().ok()?;
    Some((parts.next(), stream, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_name_the_session() {
        assert_eq!(parse_event_id("abc-3-7"), Some((Some("abc"), 3, 7)));
        assert_eq!(parse_event_id("3-7"), Some((None, 3, 7)));
        assert_eq!(parse_event_id("x-7"), None);
        assert_eq!(parse_event_id("7"), None);
        assert_eq!(parse_event_id(&event_id("s", 0, 12)), Some((Some("s"), 0, 12)));
    }

    async fn collect(mut rx: mpsc::Receiver<Vec<u8>>) -> String {
        let mut out = String::new();
        while let Some(b) = rx.recv().await {
            out.push_str(&String::from_utf8(b).unwrap());
        }
        out
    }

    /// A reader blocks until an event comes, without polling: with the
    /// clock paused, time only moves when every task waits.
    #[tokio::test(start_paused = true)]
    async fn readers_wake_on_events() {
        let store = Arc::new(InMemoryEventStore::default());
        let s = store
            .open_stream("a", Some("1"), Duration::from_secs(60))
            .await
            .unwrap();
        let reader = {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.wait_after("a", s, 0, Duration::from_secs(30)).await })
        };
        tokio::task::yield_now().await;
        let before = Instant::now();
        store
            .append("a", s, StoredEvent::Message("{}".into()))
            .await
            .unwrap();
        let read = reader.await.unwrap().unwrap().unwrap();
        assert_eq!(read.events.len(), 1);
        assert_eq!(Instant::now(), before, "woken at once, not at a poll");
    }

    /// A stream whose owner stops renewing its lease ends with an error for
    /// its request; one whose owner renews it goes on.
    #[tokio::test(start_paused = true)]
    async fn a_dead_owner_ends_the_stream_with_an_error() {
        let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::default());
        let streams = Streams::new(
            Arc::clone(&store),
            Duration::from_secs(6),
            CancellationToken::new(),
        );
        let s = store
            .open_stream("a", Some("42"), Duration::from_secs(6))
            .await
            .unwrap();
        store
            .append("a", s, StoredEvent::Message(r#"{"progress":1}"#.into()))
            .await
            .unwrap();
        // Another stream's owner lives (renews) past the first one's lease.
        let alive = store
            .open_stream("a", Some("43"), Duration::from_secs(6))
            .await
            .unwrap();
        let renewer = {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    store
                        .renew_lease("a", alive, Duration::from_secs(6))
                        .await
                        .unwrap();
                }
            })
        };
        let start = Instant::now();
        let text = collect(streams.tail("a".into(), s, 0, false, None)).await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(6) && waited <= Duration::from_secs(8),
            "{waited:?}"
        );
        assert!(text.contains(r#"id: a-1-1"#), "{text}");
        assert!(
            text.contains(r#""id":42"#) && text.contains("-32603") && text.contains(OWNER_GONE),
            "{text}"
        );
        let read = store.read_after("a", s, 0).await.unwrap().unwrap();
        assert!(read.finished, "the error ends the stream for every reader");

        // Still running (lease renewed) well past its first lease.
        let tail = streams.tail("a".into(), alive, 0, false, None);
        tokio::time::sleep(Duration::from_secs(20)).await;
        store
            .append("a", alive, StoredEvent::Message(r#"{"done":1}"#.into()))
            .await
            .unwrap();
        store.finish("a", alive).await.unwrap();
        let text = collect(tail).await;
        assert!(text.contains("done") && !text.contains("-32603"), "{text}");
        renewer.abort();
    }

    /// Readers that all find the same dead owner end its stream once.
    #[tokio::test(start_paused = true)]
    async fn readers_racing_on_a_dead_owner_store_one_error() {
        /// Yields after every read and write, as a store across a network
        /// does, so the readers all see the stream orphaned before any of
        /// them ends it.
        struct Interleaving(InMemoryEventStore);
        impl EventStore for Interleaving {
            fn open_stream<'a>(
                &'a self,
                s: &'a str,
                r: Option<&'a str>,
                l: Duration,
            ) -> StoreFuture<'a, u64> {
                self.0.open_stream(s, r, l)
            }
            fn append<'a>(&'a self, s: &'a str, n: u64, e: StoredEvent) -> StoreFuture<'a, u64> {
                Box::pin(async move {
                    let r = self.0.append(s, n, e).await;
                    tokio::task::yield_now().await;
                    r
                })
            }
            fn finish<'a>(&'a self, s: &'a str, n: u64) -> StoreFuture<'a, ()> {
                self.0.finish(s, n)
            }
            fn renew_lease<'a>(&'a self, s: &'a str, n: u64, t: Duration) -> StoreFuture<'a, ()> {
                self.0.renew_lease(s, n, t)
            }
            fn read_after<'a>(&'a self, s: &'a str, n: u64, a: u64) -> StoreFuture<'a, Option<StreamRead>> {
                Box::pin(async move {
                    let r = self.0.read_after(s, n, a).await;
                    tokio::task::yield_now().await;
                    r
                })
            }
            fn wait_after<'a>(
                &'a self,
                s: &'a str,
                n: u64,
                a: u64,
                w: Duration,
            ) -> StoreFuture<'a, Option<StreamRead>> {
                Box::pin(async move {
                    let r = self.0.wait_after(s, n, a, w).await;
                    tokio::task::yield_now().await;
                    r
                })
            }
            fn end_orphaned<'a>(&'a self, s: &'a str, n: u64, e: StoredEvent) -> StoreFuture<'a, bool> {
                self.0.end_orphaned(s, n, e)
            }
            fn forget_stream<'a>(&'a self, s: &'a str, n: u64) -> StoreFuture<'a, ()> {
                self.0.forget_stream(s, n)
            }
            fn remove_session<'a>(&'a self, s: &'a str) -> StoreFuture<'a, ()> {
                self.0.remove_session(s)
            }
        }
        let store: Arc<dyn EventStore> = Arc::new(Interleaving(InMemoryEventStore::default()));
        let streams = Streams::new(
            Arc::clone(&store),
            Duration::from_secs(6),
            CancellationToken::new(),
        );
        let s = store
            .open_stream("a", Some("7"), Duration::from_secs(6))
            .await
            .unwrap();
        let readers: Vec<_> = (0..3)
            .map(|_| tokio::spawn(collect(streams.tail("a".into(), s, 0, false, None))))
            .collect();
        for reader in readers {
            let text = reader.await.unwrap();
            assert_eq!(text.matches(OWNER_GONE).count(), 1, "{text}");
        }
        let read = store.read_after("a", s, 0).await.unwrap().unwrap();
        assert!(read.finished);
        assert_eq!(read.events.len(), 1, "one error in the store: {:?}", read.events);
    }

    /// With a shared store, a draining replica sends its readers elsewhere.
    #[tokio::test(start_paused = true)]
    async fn draining_with_a_shared_store_sends_readers_elsewhere() {
        struct Shared(InMemoryEventStore);
        impl EventStore for Shared {
            fn open_stream<'a>(
                &'a self,
                s: &'a str,
                r: Option<&'a str>,
                l: Duration,
            ) -> StoreFuture<'a, u64> {
                self.0.open_stream(s, r, l)
            }
            fn append<'a>(&'a self, s: &'a str, n: u64, e: StoredEvent) -> StoreFuture<'a, u64> {
                self.0.append(s, n, e)
            }
            fn finish<'a>(&'a self, s: &'a str, n: u64) -> StoreFuture<'a, ()> {
                self.0.finish(s, n)
            }
            fn renew_lease<'a>(&'a self, s: &'a str, n: u64, t: Duration) -> StoreFuture<'a, ()> {
                self.0.renew_lease(s, n, t)
            }
            fn read_after<'a>(&'a self, s: &'a str, n: u64, a: u64) -> StoreFuture<'a, Option<StreamRead>> {
                self.0.read_after(s, n, a)
            }
            fn wait_after<'a>(
                &'a self,
                s: &'a str,
                n: u64,
                a: u64,
                w: Duration,
            ) -> StoreFuture<'a, Option<StreamRead>> {
                self.0.wait_after(s, n, a, w)
            }
            fn forget_stream<'a>(&'a self, s: &'a str, n: u64) -> StoreFuture<'a, ()> {
                self.0.forget_stream(s, n)
            }
            fn remove_session<'a>(&'a self, s: &'a str) -> StoreFuture<'a, ()> {
                self.0.remove_session(s)
            }
            fn is_shared(&self) -> bool {
                true
            }
        }
        let store: Arc<dyn EventStore> = Arc::new(Shared(InMemoryEventStore::default()));
        let draining = CancellationToken::new();
        let streams = Streams::new(Arc::clone(&store), Duration::from_secs(600), draining.clone());
        let s = store
            .open_stream("a", Some("1"), Duration::from_secs(600))
            .await
            .unwrap();
        store
            .append("a", s, StoredEvent::Message("{}".into()))
            .await
            .unwrap();
        let tail = streams.tail("a".into(), s, 0, true, None);
        tokio::time::sleep(Duration::from_secs(3)).await;
        draining.cancel();
        let text = collect(tail).await;
        assert!(text.starts_with("id: a-1-0\n"), "{text}");
        assert!(
            text.contains("id: a-1-1\n") && text.ends_with("retry: 500\n\n"),
            "{text}"
        );
    }
}
