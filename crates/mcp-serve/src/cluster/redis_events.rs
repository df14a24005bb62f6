//! [`RedisEventStore`]: resumable legacy SSE streams in Redis Streams, so a
//! client resumes with `Last-Event-ID` on whichever replica it reaches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use ::redis::Value;
use bytes::Bytes;
use tokio::sync::Notify;

use super::Redis;
use crate::transport::http::{EventStore, GET_STREAM, StoreError, StoreFuture, StoredEvent, StreamRead};

/// Appends one entry (`ARGV[3]` = `ARGV[4]`) to the stream `KEYS[1]` unless
/// it has ended, or (with `ARGV[5]` = 1) was never opened (`KEYS[2]`, its
/// request id, is gone); returns the entry's id, or 0. Ids are `0-<seq>`
/// (Redis numbers the sequence), so events keep their numbers whichever
/// replica wrote them. `ARGV[6]` = 1 ends the stream (and drops the lease,
/// `KEYS[3]`). The stream's key is then published on `ARGV[7]`, which wakes
/// its readers on every replica.
const APPEND: &str = r"
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][1] == 'e' then return 0 end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-*', ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[5] == '1' then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if ARGV[6] == '1' then redis.call('DEL', KEYS[3]) end
redis.call('PUBLISH', ARGV[7], KEYS[1])
return id
";

/// Opens the next stream of a session: numbers it with the session's counter
/// (`KEYS[1]`), and stores its request id (`ARGV[3]`) and its owner's lease
/// (`ARGV[4]` ms) beside `ARGV[2]<n>`, all expiring after `ARGV[1]` ms. One
/// round trip on every legacy request, so one script. (The stream's keys are
/// made here, not declared: this store does not target Redis Cluster.)
const OPEN: &str = r"
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local key = ARGV[2] .. n
redis.call('SET', key .. ':req', ARGV[3], 'PX', ARGV[1])
redis.call('SET', key .. ':lease', 1, 'PX', ARGV[4])
return n
";

/// Ends the stream `KEYS[1]` with one entry (`ARGV[3]` = `ARGV[4]`) and the
/// end marker, if its owner's lease (`KEYS[3]`) is gone while its request
/// (`KEYS[2]`) is not and it has not ended; 1 if it did. One script, so
/// readers on several replicas that find the same dead owner end the
/// stream once. Publishes like [`APPEND`].
const END_ORPHANED: &str = r"
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][1] == 'e' then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-*', ARGV[3], ARGV[4])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-*', 'e', '')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[5], KEYS[1])
return 1
";

/// The bus topic (`<prefix>bus:<topic>`) on which appends name their stream.
const WAKE_TOPIC: &str = "event-streams";

/// Resumable legacy SSE streams in Redis: one Redis Stream per response
/// stream (`<prefix>events:<session>:<stream>`, entries numbered `0-<seq>`,
/// at most `max_events` of them), its request's id and its owner's lease
/// beside it, all expiring `ttl` (default 30 min) after their last write.
/// Readers wait instead of polling: every append publishes its stream's key,
/// and one subscription per replica wakes the readers of that stream, so
/// waiting readers hold no Redis connection of their own. A wake-up lost
/// while the subscription reconnects costs a reader the rest of its wait
/// (the transport waits a second at a time), after which it reads again.
/// See [`EventStore`].
///
/// ```no_run
/// use std::sync::Arc;
/// use mcp_serve::transport::http::HttpOptions;
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379")?;
/// let options = HttpOptions::default()
///     .session_store(Arc::new(redis.session_store()))
///     .event_store(Arc::new(redis.event_store()));
/// # let _ = options; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisEventStore {
    redis: Redis,
    ttl: Duration,
    max_events: usize,
    /// The readers waiting here, by stream key.
    waiters: Arc<Waiters>,
}

/// Readers waiting for streams' next entries, and the subscription that
/// wakes them (started by the first reader).
#[derive(Default)]
struct Waiters {
    by_key: Mutex<HashMap<String, Weak<Notify>>>,
    listening: OnceLock<()>,
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Weak<Notify>>> {
        self.by_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The wake-up of `key`'s readers, shared by all of them while one waits.
    fn register(&self, key: &str) -> Arc<Notify> {
        let mut map = self.lock();
        if let Some(n) = map.get(key).and_then(Weak::upgrade) {
            return n;
        }
        // Readers that have gone leave dead entries: sweep them as the map grows.
        if map.len() >= 64 && map.len().is_power_of_two() {
            map.retain(|_, w| w.strong_count() > 0);
        }
        let n = Arc::new(Notify::new());
        map.insert(key.to_owned(), Arc::downgrade(&n));
        n
    }

    fn wake(&self, key: &[u8]) {
        let Ok(key) = std::str::from_utf8(key) else { return };
        let found = self.lock().get(key).and_then(Weak::upgrade);
        if let Some(n) = found {
            n.notify_waiters();
        }
    }

    /// Subscribes (once) to the appends' announcements on `redis`'s bus.
    fn listen(self: &Arc<Self>, redis: &Redis) {
        self.listening.get_or_init(|| {
            use futures::StreamExt;
            let mut wakes = crate::engine::Bus::subscribe(&redis.bus(), WAKE_TOPIC);
            let waiters = Arc::downgrade(self);
            tokio::spawn(async move {
                while let Some(key) = wakes.next().await {
                    let Some(waiters) = waiters.upgrade() else { return };
                    waiters.wake(&key);
                }
            });
        });
    }
}

impl std::fmt::Debug for RedisEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisEventStore")
            .field("redis", &self.redis)
            .field("ttl", &self.ttl)
            .field("max_events", &self.max_events)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// The resumable-stream store on this Redis.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let store = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap().event_store();
    /// # let _ = store;
    /// # }
    /// ```
    pub fn event_store(&self) -> RedisEventStore {
        RedisEventStore {
            redis: self.clone(),
            ttl: Duration::from_secs(30 * 60),
            max_events: 1024,
            waiters: Arc::default(),
        }
    }
}

impl RedisEventStore {
    /// Keeps a stream `ttl` after its last event (default 30 min, the
    /// default idle timeout of a session).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::time::Duration;
    /// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap();
    /// let _ = redis.event_store().ttl(Duration::from_secs(600));
    /// # }
    /// ```
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// Keeps about the `n` latest events of a stream (default 1,024; Redis
    /// trims in whole blocks, so a few more may stay).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap();
    /// let _ = redis.event_store().max_events(256);
    /// # }
    /// ```
    #[must_use]
    pub fn max_events(mut self, n: usize) -> Self {
        self.max_events = n.max(1);
        self
    }

    fn stream_key(&self, session: &str, stream: u64) -> String {
        self.redis.key("events", &format!("{session}:{stream}"))
    }

    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)
    }

    /// `EVAL script` on a stream, with what both scripts take first: the
    /// stream, its request id and its lease (`KEYS[1..3]`), the length bound
    /// and the time to live (`ARGV[1..2]`). The caller adds the rest.
    fn script(&self, script: &str, session: &str, stream: u64) -> ::redis::Cmd {
        let key = self.stream_key(session, stream);
        let mut cmd = ::redis::cmd("EVAL");
        cmd.arg(script)
            .arg(3)
            .arg(&key)
            .arg(format!("{key}:req"))
            .arg(format!("{key}:lease"))
            .arg(self.max_events)
            .arg(self.ttl_ms());
        cmd
    }

    async fn add(
        &self,
        session: &str,
        stream: u64,
        field: &str,
        value: &[u8],
        end: bool,
    ) -> Result<u64, StoreError> {
        let mut conn = self.redis.conn.clone();
        let id: Value = self
            .script(APPEND, session, stream)
            .arg(field)
            .arg(value)
            .arg(if stream == GET_STREAM { "0" } else { "1" })
            .arg(if end { "1" } else { "0" })
            .arg(self.redis.key("bus", WAKE_TOPIC))
            .query_async(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(match id {
            Value::BulkString(b) => seq_of(&b).unwrap_or(0),
            _ => 0,
        })
    }

    async fn read(&self, session: &str, stream: u64, after: u64) -> Result<Option<StreamRead>, StoreError> {
        let key = self.stream_key(session, stream);
        let mut conn = self.redis.conn.clone();
        // `(` makes the start exclusive; the last id cannot be passed over.
        let start = format!("(0-{}", after.min(u64::MAX - 1));
        type Entries = Vec<(String, Vec<Vec<u8>>)>;
        let (entries, last, lease, request_id): (Entries, Entries, bool, Option<String>) = ::redis::pipe()
            .cmd("XRANGE")
            .arg(&key)
            .arg(start)
            .arg("+")
            .cmd("XREVRANGE")
            .arg(&key)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .cmd("EXISTS")
            .arg(format!("{key}:lease"))
            .cmd("GET")
            .arg(format!("{key}:req"))
            .query_async(&mut conn)
            .await
            .map_err(store_error)?;
        if stream != GET_STREAM && request_id.is_none() {
            return Ok(None);
        }
        let finished = last
            .first()
            .is_some_and(|(_, f)| f.first().map(Vec::as_slice) == Some(b"e"));
        // In this crate, so the literal despite `#[non_exhaustive]`.
        let mut read = StreamRead {
            events: Vec::with_capacity(entries.len()),
            finished,
            last_seq: last
                .first()
                .and_then(|(id, _)| seq_of(id.as_bytes()))
                .unwrap_or(0),
            owner_alive: finished || stream == GET_STREAM || lease,
            request_id: request_id.filter(|id| id != "null"),
        };
        for (id, fields) in entries {
            let Some(seq) = seq_of(id.as_bytes()) else {
                continue;
            };
            let event = match fields.as_slice() {
                [f, v, ..] if f == b"m" => StoredEvent::Message(Bytes::from(v.clone())),
                [f, ..] if f == b"c" => StoredEvent::CloseConnection,
                _ => continue,
            };
            read.events.push((seq, event));
        }
        Ok(Some(read))
    }
}

/// The sequence number of an entry id `0-<seq>`.
fn seq_of(id: &[u8]) -> Option<u64> {
    std::str::from_utf8(id).ok()?.strip_prefix("0-")?.parse().ok()
}

fn store_error(e: ::redis::RedisError) -> StoreError {
    StoreError::new(format!("Redis: {e}"))
}

/// `s` with Redis glob characters escaped, for `SCAN MATCH`.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl EventStore for RedisEventStore {
    fn open_stream<'a>(
        &'a self,
        session: &'a str,
        request_id: Option<&'a str>,
        lease: Duration,
    ) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
            let stream: u64 = ::redis::cmd("EVAL")
                .arg(OPEN)
                .arg(1)
                .arg(self.redis.key("events", &format!("{session}:next")))
                .arg(self.ttl_ms())
                .arg(self.redis.key("events", &format!("{session}:")))
                .arg(request_id.unwrap_or("null"))
                .arg(lease_ms)
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            Ok(stream)
        })
    }

    fn append<'a>(&'a self, session: &'a str, stream: u64, event: StoredEvent) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            match event {
                StoredEvent::Message(m) => self.add(session, stream, "m", &m, false).await,
                StoredEvent::CloseConnection => self.add(session, stream, "c", b"", false).await,
            }
        })
    }

    fn finish<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.add(session, stream, "e", b"", true).await.map(drop) })
    }

    fn end_orphaned<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        event: StoredEvent,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let (field, value): (&str, &[u8]) = match &event {
                StoredEvent::Message(m) => ("m", m),
                StoredEvent::CloseConnection => ("c", b""),
            };
            let mut conn = self.redis.conn.clone();
            let ended: i64 = self
                .script(END_ORPHANED, session, stream)
                .arg(field)
                .arg(value)
                .arg(self.redis.key("bus", WAKE_TOPIC))
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            Ok(ended == 1)
        })
    }

    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.redis
                .ping()
                .await
                .map_err(|e| StoreError::new(e.to_string()))
        })
    }

    fn renew_lease<'a>(&'a self, session: &'a str, stream: u64, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            ::redis::cmd("SET")
                .arg(format!("{}:lease", self.stream_key(session, stream)))
                .arg(1)
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
                .query_async::<()>(&mut conn)
                .await
                .map_err(store_error)
        })
    }

    fn read_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
    ) -> StoreFuture<'a, Option<StreamRead>> {
        Box::pin(self.read(session, stream, after))
    }

    fn wait_after<'a>(
        &'a self,
        session: &'a str,
        stream: u64,
        after: u64,
        wait: Duration,
    ) -> StoreFuture<'a, Option<StreamRead>> {
        Box::pin(async move {
            self.waiters.listen(&self.redis);
            // Registered before reading, so an append in between still wakes us.
            let wake = self.waiters.register(&self.stream_key(session, stream));
            let woken = wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let read = self.read(session, stream, after).await?;
            match &read {
                Some(r) if r.events.is_empty() && !r.finished => {}
                _ => return Ok(read),
            }
            let _ = tokio::time::timeout(wait, woken).await;
            self.read(session, stream, after).await
        })
    }

    fn forget_stream<'a>(&'a self, session: &'a str, stream: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = self.stream_key(session, stream);
            let mut conn = self.redis.conn.clone();
            ::redis::cmd("DEL")
                .arg(&key)
                .arg(format!("{key}:req"))
                .arg(format!("{key}:lease"))
                .query_async::<()>(&mut conn)
                .await
                .map_err(store_error)
        })
    }

    fn remove_session<'a>(&'a self, session: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let pattern = self.redis.key("events", &format!("{}:*", glob_escape(session)));
            let mut conn = self.redis.conn.clone();
            let mut cursor = 0u64;
            loop {
                let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(500)
                    .query_async(&mut conn)
                    .await
                    .map_err(store_error)?;
                if !keys.is_empty() {
                    ::redis::cmd("DEL")
                        .arg(&keys)
                        .query_async::<()>(&mut conn)
                        .await
                        .map_err(store_error)?;
                }
                if next == 0 {
                    return Ok(());
                }
                cursor = next;
            }
        })
    }

    fn is_shared(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_and_globs() {
        assert_eq!(seq_of(b"0-17"), Some(17));
        assert_eq!(seq_of(b"1700-1"), None);
        assert_eq!(glob_escape("a*b?[c]"), "a\\*b\\?\\[c\\]");
    }
}
