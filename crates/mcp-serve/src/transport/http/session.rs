//! Legacy sessions (revisions 2025-03-26 to 2025-11-25, and the 2024-11-05
//! HTTP+SSE transport): bounded, reaped when idle, removed on DELETE.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::session_bus::{Notice, SessionBus};
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
    /// The state generation last saved to the shared store, and when (ms).
    saved: AtomicU64,
    saved_at: AtomicU64,
    /// When (ms) this copy was last found to be the store's, 0 when it must
    /// be checked at its next use (another replica changed it).
    checked_at: AtomicU64,
    /// How many notices said this copy is stale: a check that began before
    /// one arrived does not make the copy trusted.
    notices: AtomicU64,
    /// Whether the outbound messages go to the session's stored GET stream
    /// (from its first GET on this replica on).
    pumping: AtomicBool,
    /// The last GET-stream event a GET connection here sent: where the next
    /// one starts.
    pub(crate) get_delivered: Arc<AtomicU64>,
    /// GET connections open here now.
    pub(crate) get_open: Arc<AtomicUsize>,
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

    /// Sends the session's outbound messages on this replica to its stored
    /// GET stream, from now on. Returns the last event stored before (where
    /// a first GET here starts), `None` when it was already done; `Err`
    /// when the `/sse` transport holds them.
    pub(crate) async fn start_get_stream(
        &self,
        streams: &super::events::Streams,
    ) -> Result<Option<u64>, StartError> {
        if self.pumping.load(Ordering::SeqCst) {
            return Ok(None);
        }
        // Where the stream stands before this replica's queued messages join it.
        let last = streams
            .store
            .read_after(&self.id, super::GET_STREAM, u64::MAX - 1)
            .await
            .map_err(|e| StartError::Store(e.to_string()))?
            .map_or(0, |r| r.last_seq);
        if self.pumping.swap(true, Ordering::SeqCst) {
            return Ok(None);
        }
        let Some(rx) = self.take_outbound() else {
            self.pumping.store(false, Ordering::SeqCst);
            return Err(StartError::Taken);
        };
        streams.spawn_get_pump(self.id.clone(), rx);
        Ok(Some(last))
    }
}

/// Why a session's GET stream could not start.
pub(crate) enum StartError {
    /// Its messages go to a `/sse` stream.
    Taken,
    /// The event store is unreachable.
    Store(String),
}

/// Every live session.
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
    epoch: Instant,
    pub(crate) max: usize,
    pub(crate) idle: Duration,
    /// The sessions' resumable streams, forgotten with the session.
    pub(crate) streams: super::events::Streams,
    /// Where sessions are shared with other replicas, if anywhere.
    store: Option<Arc<dyn super::SessionStore>>,
    /// How long (ms) a copy checked against the store is trusted, once the
    /// bus tells of other replicas' changes.
    revalidate: u64,
    /// The other replicas' session notices, once the server joined a bus.
    bus: OnceLock<SessionBus>,
    /// Session notices taken: a session restored while one arrived is
    /// checked again at its next use.
    notices: AtomicU64,
    me: Weak<Sessions>,
}

/// The store refused a new session.
#[derive(Debug)]
pub(crate) struct Full(pub(crate) usize);

/// A session could not be looked up: what to tell the client.
#[derive(Debug)]
pub(crate) struct Unavailable(pub(crate) String);

impl Sessions {
    pub(crate) fn new(
        max: usize,
        idle: Duration,
        streams: super::events::Streams,
        shared: Option<Arc<dyn super::SessionStore>>,
        revalidate: Duration,
    ) -> Arc<Self> {
        let store = Arc::new_cyclic(|me| Sessions {
            map: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
            max,
            idle,
            streams,
            store: shared,
            revalidate: u64::try_from(revalidate.as_millis()).unwrap_or(u64::MAX),
            bus: OnceLock::new(),
            notices: AtomicU64::new(0),
            me: me.clone(),
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
        self.insert_as(new_session_id(), conn, outbound, owner.map(str::to_owned))
    }

    fn insert_as(
        &self,
        id: String,
        conn: Connection,
        outbound: mpsc::Receiver<Vec<u8>>,
        owner: Option<String>,
    ) -> Result<Arc<Session>, Full> {
        let mut map = self.lock();
        if map.len() >= self.max {
            return Err(Full(self.max));
        }
        let session = Arc::new(Session {
            id: id.clone(),
            conn,
            outbound: Mutex::new(Some(outbound)),
            last_seen: AtomicU64::new(self.now()),
            owner,
            saved: AtomicU64::new(0),
            saved_at: AtomicU64::new(0),
            // Made here (initialize) or just loaded: as the store has it.
            checked_at: AtomicU64::new(self.now().max(1)),
            notices: AtomicU64::new(0),
            pumping: AtomicBool::new(false),
            get_delivered: Arc::new(AtomicU64::new(0)),
            get_open: Arc::new(AtomicUsize::new(0)),
        });
        // Two requests restoring one session at once: the first one wins.
        let session = Arc::clone(map.entry(id).or_insert(session));
        // What other replicas receive for the session finds it here.
        session.conn.route_as(&session.id);
        if self.store.is_some() {
            // Other replicas serve it too: idling out here does not end it.
            session.conn.hold_shared_copy();
        }
        Ok(session)
    }

    /// Finds a session: with a shared store, as the store has it (another
    /// replica may have changed or ended it), restoring it here when this
    /// replica does not hold it; without one, here. A copy held here is
    /// taken as it is, without reading the store, while the server is on a
    /// bus that tells of other replicas' changes and the copy was checked
    /// within the revalidation interval.
    pub(crate) async fn find(
        &self,
        server: &crate::engine::ServerHandle,
        id: &str,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        self.find_for(server, id, false).await
    }

    /// [`Sessions::find`], for a request that may change the session
    /// (`changes`): such a request starts from the store's state, not from
    /// a copy that may have missed a notice, since what it saves replaces
    /// the whole session there.
    pub(crate) async fn find_for(
        &self,
        server: &crate::engine::ServerHandle,
        id: &str,
        changes: bool,
    ) -> Result<Option<Arc<Session>>, Unavailable> {
        let local = self.get(id);
        let Some(store) = &self.store else {
            return Ok(local);
        };
        self.link(server);
        if !changes && local.as_ref().is_some_and(|s| self.trusted(s)) {
            return Ok(local);
        }
        // Notices that arrive while the store is read make what it returns
        // untrusted (it may be older than the change they announce).
        let seen = local.as_ref().map(|s| s.notices.load(Ordering::SeqCst));
        let seen_all = self.notices.load(Ordering::SeqCst);
        let saved_before = local.as_ref().map_or(0, |s| s.saved.load(Ordering::SeqCst));
        let stored = match store.load(id).await {
            Ok(stored) => stored,
            // A session held here goes on being served while the store is
            // down; its changes are saved once the store is back.
            Err(e) if local.is_some() => {
                tracing::warn!(session = %id, error = %e, "the session store is unreachable; serving the session from this replica's copy");
                return Ok(local);
            }
            Err(e) => return Err(Unavailable(format!("the session store is unreachable: {e}"))),
        };
        let Some(stored) = stored else {
            if let Some(s) = local {
                // Ended (DELETE) or expired elsewhere: ended here too, unless
                // its first save is still due (the store was down).
                if s.saved_at.load(Ordering::Relaxed) != 0 {
                    self.remove(id);
                    return Ok(None);
                }
                return Ok(Some(s));
            }
            return Ok(None);
        };
        if let Some(s) = local {
            if take_stored(&s, &stored.state, saved_before) {
                tracing::debug!(session = %id, "took another replica's changes to the session");
            }
            // Set, then undone if a notice came meanwhile: a notice that
            // comes after the second look finds the mark set and clears it.
            s.checked_at.store(self.now().max(1), Ordering::SeqCst);
            if Some(s.notices.load(Ordering::SeqCst)) != seen {
                s.checked_at.store(0, Ordering::SeqCst);
            }
            return Ok(Some(s));
        }
        let (tx, rx) = mpsc::channel(256);
        let conn = server.connect(Some(tx));
        if let Err(e) = conn.restore_session(stored.state) {
            tracing::warn!(session = %id, error = %e, "a stored session could not be restored");
            return Ok(None);
        }
        let session = self
            .insert_as(id.to_owned(), conn, rx, stored.owner)
            .map_err(|Full(max)| {
                Unavailable(format!(
                    "the server already has {max} sessions open; try again later"
                ))
            })?;
        // What was loaded is what the store holds.
        session
            .saved
            .store(session.conn.session_generation(), Ordering::Relaxed);
        session.saved_at.store(self.now().max(1), Ordering::Relaxed);
        // A notice for it that came before it was in the map found nothing
        // to mark: checked again at its next use.
        if self.notices.load(Ordering::SeqCst) != seen_all {
            session.checked_at.store(0, Ordering::SeqCst);
        }
        tracing::debug!(session = %id, "restored a session from the shared store");
        Ok(Some(session))
    }

    /// Whether the copy `s` may be used without reading the store: only
    /// with a bus (which tells of other replicas' changes), and only for the
    /// revalidation interval after its last check (a notice may be lost).
    fn trusted(&self, s: &Session) -> bool {
        if self.bus.get().is_none() {
            return false;
        }
        let checked = s.checked_at.load(Ordering::SeqCst);
        checked != 0 && self.now().saturating_sub(checked) < self.revalidate
    }

    /// Joins the bus of `server` for session notices, once it has one
    /// (at the start, and at each lookup for a server that joins later).
    pub(crate) fn link(&self, server: &crate::engine::ServerHandle) {
        if self.store.is_none() || self.bus.get().is_some() {
            return;
        }
        if let Some(bus) = server.joined_bus() {
            self.bus
                .get_or_init(|| SessionBus::join(Arc::clone(bus), self.me.clone()));
        }
    }

    /// Acts on another replica's notice about session `id`.
    pub(super) fn take_notice(&self, id: &str, notice: Notice) {
        self.notices.fetch_add(1, Ordering::SeqCst);
        match notice {
            Notice::Changed => {
                if let Some(s) = self.lock().get(id) {
                    s.notices.fetch_add(1, Ordering::SeqCst);
                    s.checked_at.store(0, Ordering::SeqCst);
                    tracing::debug!(session = %id, "another replica changed the session; checking it at its next use");
                }
            }
            Notice::Ended => {
                if self.remove(id).is_some() {
                    tracing::debug!(session = %id, "another replica ended the session");
                }
            }
        }
    }

    /// Whether sessions are shared with other replicas.
    pub(crate) fn is_shared(&self) -> bool {
        self.store.is_some()
    }

    /// Saves the session to the shared store when its state changed, or to
    /// keep it from expiring there while it is used.
    pub(crate) async fn persist(&self, s: &Session) {
        let Some(store) = &self.store else {
            return;
        };
        let generation = s.conn.session_generation();
        let now = self.now();
        let refresh = u64::try_from((self.idle / 4).as_millis()).unwrap_or(u64::MAX);
        let stale = now.saturating_sub(s.saved_at.load(Ordering::Relaxed)) >= refresh;
        // Unchanged: saved again only to keep it from expiring.
        if s.saved.load(Ordering::Relaxed) == generation && (!stale || !self.current(store.as_ref(), s).await)
        {
            return;
        }
        let Some(state) = s.conn.session_state() else {
            return;
        };
        let stored = super::StoredSession::new(state, s.owner.clone());
        match store.save(&s.id, &stored, self.idle).await {
            Ok(()) => {
                // Two saves finishing out of order: the later generation stays.
                let before = s.saved.fetch_max(generation, Ordering::SeqCst);
                let first = s.saved_at.swap(now.max(1), Ordering::Relaxed) == 0;
                // Nobody else can hold a session before its first save.
                if before < generation && !first {
                    if let Some(bus) = self.bus.get() {
                        bus.announce(&s.id, Notice::Changed).await;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(session = %s.id, error = %e, "the session could not be saved to the shared store; other replicas may not know it");
            }
        }
    }

    /// Before a save that only keeps the session from expiring: takes what
    /// the store has, so that a copy that missed another replica's change
    /// does not write over it. `false` when there is nothing to save (ended
    /// elsewhere, or the store is unreachable).
    async fn current(&self, store: &dyn super::SessionStore, s: &Session) -> bool {
        let seen = s.notices.load(Ordering::SeqCst);
        let saved_before = s.saved.load(Ordering::SeqCst);
        match store.load(&s.id).await {
            Ok(Some(stored)) => {
                take_stored(s, &stored.state, saved_before);
                s.checked_at.store(self.now().max(1), Ordering::SeqCst);
                if s.notices.load(Ordering::SeqCst) != seen {
                    s.checked_at.store(0, Ordering::SeqCst);
                }
                true
            }
            // The next lookup ends it here.
            Ok(None) => {
                s.checked_at.store(0, Ordering::SeqCst);
                false
            }
            Err(_) => false,
        }
    }

    /// Removes a session here and from the shared stores.
    pub(crate) async fn end(&self, id: &str) {
        self.remove(id);
        if self.streams.store.is_shared() {
            if let Err(e) = self.streams.store.remove_session(id).await {
                tracing::warn!(session = %id, error = %e, "the session's streams could not be removed from the event store; they expire there on their own");
            }
        }
        if let Some(store) = &self.store {
            if let Err(e) = store.remove(id).await {
                tracing::warn!(session = %id, error = %e, "the session could not be removed from the shared store; it expires there on its own");
            }
            if let Some(bus) = self.bus.get() {
                bus.announce(id, Notice::Ended).await;
            }
        }
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
            self.forget_streams(id);
        }
        removed
    }

    /// Forgets a session's streams when no other replica reads them (a
    /// shared store keeps them for the replica that serves the session next).
    fn forget_streams(&self, id: &str) {
        let store = &self.streams.store;
        if store.is_shared() {
            return;
        }
        let store = Arc::clone(store);
        let id = id.to_owned();
        tokio::spawn(async move {
            let _ = store.remove_session(&id).await;
        });
    }

    /// Drops sessions idle for longer than the limit; returns how many.
    pub(crate) fn reap(&self) -> usize {
        let limit = u64::try_from(self.idle.as_millis()).unwrap_or(u64::MAX);
        let now = self.now();
        let mut map = self.lock();
        let before = map.len();
        let mut expired = Vec::new();
        map.retain(|id, s| {
            // A session whose stream is open (a GET here, or `/sse`, which
            // takes its receiver) is in use.
            let streaming = s.get_open.load(Ordering::Relaxed) > 0
                || (!s.pumping.load(Ordering::Relaxed)
                    && s.outbound
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .is_none());
            let keep = streaming || now.saturating_sub(s.last_seen.load(Ordering::Relaxed)) <= limit;
            if !keep {
                expired.push(id.clone());
            }
            keep
        });
        let reaped = before - map.len();
        drop(map);
        for id in &expired {
            self.forget_streams(id);
        }
        let mut map = self.lock();
        if map.capacity() > 64 && map.capacity() > map.len() * 4 {
            map.shrink_to_fit();
        }
        reaped
    }
}

/// Takes the store's `state` into the copy `s`; `false` (and the copy
/// kept) when the copy is newer: it holds changes not saved yet (made while
/// the store could not take them, or by a request still running), or a save
/// of it finished while `state` was being read (`saved_before` is what was
/// saved when the read began), so `state` may predate that save.
fn take_stored(s: &Session, state: &crate::engine::SessionState, saved_before: u64) -> bool {
    let saved = s.saved.load(Ordering::SeqCst);
    if saved != s.conn.session_generation() || saved != saved_before {
        return false;
    }
    s.conn.refresh_session(state)
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
