//! Legacy sessions (revisions 2025-03-26 to 2025-11-25, and the 2024-11-05
//! HTTP+SSE transport): bounded, reaped when idle, removed on DELETE.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::engine::Connection;

/// One legacy session.
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) conn: Connection,
    /// Server-initiated messages, taken by the session's GET (or SSE) stream.
    pub(crate) outbound: Mutex<Option<mpsc::Receiver<Vec<u8>>>>,
    /// Milliseconds since the store's epoch of the last request.
    last_seen: AtomicU64,
    /// The subject whose credential opened the session (with authorization
    /// on): only it may use the session.
    owner: Option<String>,
}

/// The subject of the request's verified credential, if any.
pub(crate) fn caller(parts: &http::request::Parts) -> Option<&str> {
    parts
        .extensions
        .get::<Arc<crate::auth::Principal>>()
        .map(|p| p.subject.as_str())
}

impl Session {
    /// Whether the caller of `parts` may use this session: the one whose
    /// credential opened it (anyone, without authorization).
    pub(crate) fn belongs_to(&self, parts: &http::request::Parts) -> bool {
        self.owner.as_deref() == caller(parts)
    }

    pub(crate) fn take_outbound(&self) -> Option<mpsc::Receiver<Vec<u8>>> {
        self.outbound
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    pub(crate) fn return_outbound(&self, rx: mpsc::Receiver<Vec<u8>>) {
        *self
            .outbound
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(rx);
    }
}

/// Every live session.
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
    epoch: Instant,
    pub(crate) max: usize,
    pub(crate) idle: Duration,
    /// The sessions' resumable streams, forgotten with the session.
    pub(crate) streams: super::events::Streams,
}

/// The store refused a new session.
#[derive(Debug)]
pub(crate) struct Full(pub(crate) usize);

impl Sessions {
    pub(crate) fn new(max: usize, idle: Duration, streams: super::events::Streams) -> Arc<Self> {
        let store = Arc::new(Sessions {
            map: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
            max,
            idle,
            streams,
        });
        spawn_reaper(Arc::downgrade(&store), idle);
        store
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on every live session.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Session)) {
        let sessions: Vec<Arc<Session>> = self.lock().values().cloned().collect();
        for s in &sessions {
            f(s);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Registers a session, unless the store is full.
    pub(crate) fn insert(
        &self,
        conn: Connection,
        outbound: mpsc::Receiver<Vec<u8>>,
        owner: Option<&str>,
    ) -> Result<Arc<Session>, Full> {
        let mut map = self.lock();
        if map.len() >= self.max {
            return Err(Full(self.max));
        }
        let id = new_session_id();
        let session = Arc::new(Session {
            id: id.clone(),
            conn,
            outbound: Mutex::new(Some(outbound)),
            last_seen: AtomicU64::new(self.now()),
            owner: owner.map(str::to_owned),
        });
        map.insert(id, Arc::clone(&session));
        Ok(session)
    }

    /// Finds a session and marks it used.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        let s = self.lock().get(id).cloned()?;
        s.last_seen.store(self.now(), Ordering::Relaxed);
        Some(s)
    }

    pub(crate) fn remove(&self, id: &str) -> Option<Arc<Session>> {
        let removed = self.lock().remove(id);
        if removed.is_some() {
            self.streams.store.remove_session(id);
        }
        removed
    }

    /// Drops sessions idle for longer than the limit; returns how many.
    pub(crate) fn reap(&self) -> usize {
        let limit = u64::try_from(self.idle.as_millis()).unwrap_or(u64::MAX);
        let now = self.now();
        let mut map = self.lock();
        let before = map.len();
        let mut expired = Vec::new();
        map.retain(|id, s| {
            // A session whose stream is open (its receiver is taken) is in use.
            let streaming = s
                .outbound
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_none();
            let keep = streaming || now.saturating_sub(s.last_seen.load(Ordering::Relaxed)) <= limit;
            if !keep {
                expired.push(id.clone());
            }
            keep
        });
        let reaped = before - map.len();
        for id in &expired {
            self.streams.store.remove_session(id);
        }
        if map.capacity() > 64 && map.capacity() > map.len() * 4 {
            map.shrink_to_fit();
        }
        reaped
    }
}

fn spawn_reaper(store: Weak<Sessions>, idle: Duration) {
    let period = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(store) = store.upgrade() else { break };
            let n = store.reap();
            if n > 0 {
                tracing::debug!(reaped = n, "expired idle MCP sessions");
            }
        }
    });
}

/// 128 random bits from the OS-seeded CSPRNG, hex-encoded.
fn new_session_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}
