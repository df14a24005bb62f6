//! Resumable SSE streams for legacy sessions (2025-03-26 … 2025-11-25).
//!
//! Each POST that answers with SSE gets a stream number; its events are kept
//! in a bounded log so that a client whose connection dropped (or that the
//! server asked to poll, SEP-1699) can resume with `GET` + `Last-Event-ID:
//! <stream>-<seq>` and receive what it missed. The handler keeps running while
//! no connection is attached: in the legacy era a disconnect is not a cancel.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::{mpsc, Notify};

/// Events kept per stream before the oldest are dropped.
const MAX_EVENTS_PER_STREAM: usize = 1024;
/// Finished streams kept per session for late resumption.
const MAX_FINISHED_STREAMS: usize = 16;

/// What a stream log holds.
#[derive(Clone)]
pub(crate) enum Event {
    /// A JSON-RPC message.
    Message(Bytes),
    /// The handler asked to end the current connection (the client polls).
    CloseConnection,
}

struct LogState {
    /// (seq, event); seq starts at 1 (0 is the priming event).
    events: VecDeque<(u64, Event)>,
    next_seq: u64,
    done: bool,
}

/// One stream's events.
pub(crate) struct StreamLog {
    pub(crate) id: u64,
    state: Mutex<LogState>,
    changed: Notify,
}

impl StreamLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn push(&self, event: Event) {
        {
            let mut s = self.lock();
            let seq = s.next_seq;
            s.next_seq += 1;
            s.events.push_back((seq, event));
            if s.events.len() > MAX_EVENTS_PER_STREAM {
                s.events.pop_front();
            }
        }
        self.changed.notify_waiters();
    }

    pub(crate) fn finish(&self) {
        self.lock().done = true;
        self.changed.notify_waiters();
    }

    /// Whether the log holds exactly one message and is done: the answer
    /// can go out as plain JSON.
    pub(crate) fn single_final(&self) -> Option<Bytes> {
        let s = self.lock();
        match (s.done, s.events.len(), s.events.front()) {
            (true, 1, Some((_, Event::Message(b)))) => Some(b.clone()),
            _ => None,
        }
    }

    /// Waits until the log has anything, or is done.
    pub(crate) async fn wait_first(&self) {
        loop {
            let notified = self.changed.notified();
            {
                let s = self.lock();
                if s.done || !s.events.is_empty() {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Feeds a connection from `after` (exclusive) on, as SSE bytes, until
    /// the stream is done, the handler closes the connection, or the client
    /// goes away.
    pub(crate) fn tail(self: &Arc<Self>, after: u64, prime: bool) -> mpsc::Receiver<Vec<u8>> {
        let (tx, rx) = mpsc::channel(64);
        let log = Arc::clone(self);
        tokio::spawn(async move {
            if prime
                && tx
                    .send(format!("id: {}-0\ndata: \n\n", log.id).into_bytes())
                    .await
                    .is_err()
            {
                return;
            }
            let mut cursor = after;
            // A resuming client already reconnected after any earlier close
            // marker: only markers added from now on end this connection.
            let replayed_up_to = if prime { 0 } else { log.lock().next_seq - 1 };
            loop {
                let notified = log.changed.notified();
                let (batch, done) = {
                    let s = log.lock();
                    let batch: Vec<(u64, Event)> = s
                        .events
                        .iter()
                        .filter(|(seq, _)| *seq > cursor)
                        .cloned()
                        .collect();
                    (batch, s.done)
                };
                for (seq, event) in batch {
                    cursor = seq;
                    let frame = match event {
                        Event::Message(json) => {
                            let mut f = format!("id: {}-{seq}\nevent: message\ndata: ", log.id).into_bytes();
                            f.extend_from_slice(&json);
                            f.extend_from_slice(b"\n\n");
                            f
                        }
                        Event::CloseConnection if seq <= replayed_up_to => continue,
                        Event::CloseConnection => {
                            // Tell the client when to come back (and, by the id, from
                            // where), then hang up.
                            let _ = tx
                                .send(format!("id: {}-{seq}\nretry: 500\n\n", log.id).into_bytes())
                                .await;
                            return;
                        }
                    };
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                }
                if done {
                    return;
                }
                notified.await;
            }
        });
        rx
    }
}

/// A session's stream logs.
#[derive(Default)]
pub(crate) struct StreamLogs {
    inner: Mutex<Logs>,
}

#[derive(Default)]
struct Logs {
    next: u64,
    streams: HashMap<u64, Arc<StreamLog>>,
    finished: VecDeque<u64>,
}

impl StreamLogs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Logs> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new stream.
    pub(crate) fn open(&self) -> Arc<StreamLog> {
        let mut l = self.lock();
        l.next += 1;
        let log = Arc::new(StreamLog {
            id: l.next,
            state: Mutex::new(LogState {
                events: VecDeque::new(),
                next_seq: 1,
                done: false,
            }),
            changed: Notify::new(),
        });
        l.streams.insert(log.id, Arc::clone(&log));
        log
    }

    /// Marks a stream finished; the oldest finished streams are forgotten.
    pub(crate) fn retire(&self, id: u64) {
        let mut l = self.lock();
        l.finished.push_back(id);
        while l.finished.len() > MAX_FINISHED_STREAMS {
            if let Some(old) = l.finished.pop_front() {
                l.streams.remove(&old);
            }
        }
    }

    /// Forgets a stream now (its answer went out as JSON).
    pub(crate) fn forget(&self, id: u64) {
        self.lock().streams.remove(&id);
    }

    pub(crate) fn get(&self, id: u64) -> Option<Arc<StreamLog>> {
        self.lock().streams.get(&id).cloned()
    }
}

/// Parses `Last-Event-ID: <stream>-<seq>`.
pub(crate) fn parse_event_id(s: &str) -> Option<(u64, u64)> {
    let (stream, seq) = s.trim().split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}
