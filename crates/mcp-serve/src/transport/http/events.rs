//! Resumable SSE streams for legacy sessions (2025-03-26 … 2025-11-25).
//!
//! Each POST answered with SSE gets a stream number; its events go to an
//! [`EventStore`] so that a client whose connection dropped (or that the
//! server asked to poll, SEP-1699) can resume with `GET` + `Last-Event-ID:
//! <stream>-<seq>` and receive what it missed. The handler keeps running while
//! no connection is attached: in the legacy era a disconnect is not a cancel.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredEvent {
    /// A JSON-RPC message.
    Message(Bytes),
    /// The handler asked to end the current connection (the client polls).
    CloseConnection,
}

/// What [`EventStore::read_after`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamRead {
    /// Events after the requested sequence number, oldest first.
    pub events: Vec<(u64, StoredEvent)>,
    /// Whether the stream has ended (its last event is the response).
    pub finished: bool,
    /// The highest sequence number stored so far (0 if none).
    pub last_seq: u64,
}

/// Where legacy sessions' SSE events are kept so streams can be resumed.
///
/// The default, [`InMemoryEventStore`], is bounded. A shared store (e.g.
/// Redis) lets a client resume on another replica.
///
/// ```
/// use mcp_serve::transport::http::{EventStore, InMemoryEventStore, StoredEvent};
/// let store = InMemoryEventStore::default();
/// let s = store.open_stream("session-1");
/// store.append("session-1", s, StoredEvent::Message("{}".into()));
/// store.finish("session-1", s);
/// let read = store.read_after("session-1", s, 0).unwrap();
/// assert!(read.finished);
/// assert_eq!(read.events.len(), 1);
/// ```
pub trait EventStore: Send + Sync + 'static {
    /// Starts a stream in a session and returns its number (unique in the session).
    fn open_stream(&self, session: &str) -> u64;
    /// Appends an event and returns its sequence number (from 1).
    fn append(&self, session: &str, stream: u64, event: StoredEvent) -> u64;
    /// Marks a stream as ended.
    fn finish(&self, session: &str, stream: u64);
    /// The events after `after`; `None` for an unknown (or forgotten) stream.
    fn read_after(&self, session: &str, stream: u64, after: u64) -> Option<StreamRead>;
    /// Forgets one stream (its answer went out whole).
    fn forget_stream(&self, session: &str, stream: u64);
    /// Forgets every stream of a session (it ended or expired).
    fn remove_session(&self, session: &str);
}

/// The default event store: in memory, bounded per stream and per session.
#[derive(Debug)]
pub struct InMemoryEventStore {
    sessions: Mutex<HashMap<String, SessionStreams>>,
    max_events_per_stream: usize,
    max_finished_streams: usize,
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
}

impl InMemoryEventStore {
    /// A store keeping at most `max_events_per_stream` events of a stream (the
    /// oldest go first) and the `max_finished_streams` latest ended streams of
    /// a session.
    pub fn new(max_events_per_stream: usize, max_finished_streams: usize) -> Self {
        InMemoryEventStore {
            sessions: Mutex::new(HashMap::new()),
            max_events_per_stream: max_events_per_stream.max(1),
            max_finished_streams,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionStreams>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl EventStore for InMemoryEventStore {
    fn open_stream(&self, session: &str) -> u64 {
        let mut map = self.lock();
        let s = map.entry(session.to_owned()).or_default();
        s.next += 1;
        let id = s.next;
        s.streams.insert(id, Log::default());
        id
    }

    fn append(&self, session: &str, stream: u64, event: StoredEvent) -> u64 {
        let mut map = self.lock();
        let Some(log) = map.get_mut(session).and_then(|s| s.streams.get_mut(&stream)) else {
            return 0;
        };
        log.last_seq += 1;
        let seq = log.last_seq;
        log.events.push_back((seq, event));
        if log.events.len() > self.max_events_per_stream {
            log.events.pop_front();
        }
        seq
    }

    fn finish(&self, session: &str, stream: u64) {
        let mut map = self.lock();
        let Some(s) = map.get_mut(session) else { return };
        if let Some(log) = s.streams.get_mut(&stream) {
            log.finished = true;
            s.finished.push_back(stream);
        }
        while s.finished.len() > self.max_finished_streams {
            if let Some(old) = s.finished.pop_front() {
                s.streams.remove(&old);
            }
        }
    }

    fn read_after(&self, session: &str, stream: u64, after: u64) -> Option<StreamRead> {
        let map = self.lock();
        let log = map.get(session)?.streams.get(&stream)?;
        Some(StreamRead {
            events: log
                .events
                .iter()
                .filter(|(seq, _)| *seq > after)
                .cloned()
                .collect(),
            finished: log.finished,
            last_seq: log.last_seq,
        })
    }

    fn forget_stream(&self, session: &str, stream: u64) {
        let mut map = self.lock();
        if let Some(s) = map.get_mut(session) {
            s.streams.remove(&stream);
            s.finished.retain(|&f| f != stream);
        }
    }

    fn remove_session(&self, session: &str) {
        self.lock().remove(session);
    }
}

/// The store plus the in-process wake-up for connections tailing it.
#[derive(Clone)]
pub(crate) struct Streams {
    pub(crate) store: Arc<dyn EventStore>,
    changed: Arc<Notify>,
}

/// How often a tailing connection re-reads a store it was not woken for
/// (events appended by another replica).
const POLL: Duration = Duration::from_millis(250);

impl Streams {
    pub(crate) fn new(store: Arc<dyn EventStore>) -> Self {
        Streams {
            store,
            changed: Arc::new(Notify::new()),
        }
    }

    pub(crate) fn append(&self, session: &str, stream: u64, event: StoredEvent) {
        self.store.append(session, stream, event);
        self.changed.notify_waiters();
    }

    pub(crate) fn finish(&self, session: &str, stream: u64) {
        self.store.finish(session, stream);
        self.changed.notify_waiters();
    }

    /// Waits until the stream has any event, or has ended.
    pub(crate) async fn wait_first(&self, session: &str, stream: u64) {
        loop {
            let notified = self.changed.notified();
            match self.store.read_after(session, stream, 0) {
                Some(r) if r.finished || !r.events.is_empty() => return,
                None => return,
                Some(_) => {}
            }
            let _ = tokio::time::timeout(POLL, notified).await;
        }
    }

    /// The answer, when the stream ended holding just that one message.
    pub(crate) fn single_final(&self, session: &str, stream: u64) -> Option<Bytes> {
        let r = self.store.read_after(session, stream, 0)?;
        match (r.finished, r.events.as_slice()) {
            (true, [(_, StoredEvent::Message(b))]) => Some(b.clone()),
            _ => None,
        }
    }

    /// Feeds a connection from `after` (exclusive) on, as SSE bytes, until
    /// the stream ends, the handler closes the connection, or the client goes.
    pub(crate) fn tail(
        &self,
        session: String,
        stream: u64,
        after: u64,
        prime: bool,
    ) -> mpsc::Receiver<Vec<u8>> {
        let (tx, rx) = mpsc::channel(64);
        let this = self.clone();
        tokio::spawn(async move {
            if prime
                && tx
                    .send(format!("id: {stream}-0\ndata: \n\n").into_bytes())
                    .await
                    .is_err()
            {
                return;
            }
            // A resuming client already reconnected after any earlier close
            // marker: only markers added from now on end this connection.
            let replayed_up_to = match (prime, this.store.read_after(&session, stream, u64::MAX)) {
                (false, Some(r)) => r.last_seq,
                _ => 0,
            };
            let mut cursor = after;
            loop {
                let notified = this.changed.notified();
                let Some(read) = this.store.read_after(&session, stream, cursor) else {
                    return;
                };
                for (seq, event) in read.events {
                    cursor = seq;
                    let frame = match event {
                        StoredEvent::Message(json) => {
                            let mut f = format!("id: {stream}-{seq}\nevent: message\ndata: ").into_bytes();
                            f.extend_from_slice(&json);
                            f.extend_from_slice(b"\n\n");
                            f
                        }
                        StoredEvent::CloseConnection if seq <= replayed_up_to => continue,
                        StoredEvent::CloseConnection => {
                            // Tell the client from where and when to come back, then hang up.
                            let _ = tx
                                .send(format!("id: {stream}-{seq}\nretry: 500\n\n").into_bytes())
                                .await;
                            return;
                        }
                    };
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                }
                if read.finished {
                    return;
                }
                tokio::select! {
                    _ = tokio::time::timeout(POLL, notified) => {}
                    () = tx.closed() => return,
                }
            }
        });
        rx
    }
}

/// Parses `Last-Event-ID: <stream>-<seq>`.
pub(crate) fn parse_event_id(s: &str) -> Option<(u64, u64)> {
    let (stream, seq) = s.trim().split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}
