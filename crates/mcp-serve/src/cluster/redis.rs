//! Redis (or Valkey) stores: one multiplexed, reconnecting connection per
//! process, and the stores on it.
//!
//! ```no_run
//! use std::sync::Arc;
//! use mcp_serve::prelude::*;
//! use mcp_serve::cluster::Redis;
//! use mcp_serve::transport::http::{HttpOptions, serve};
//!
//! # #[tokio::main] async fn main() -> anyhow::Result<()> {
//! // In code; `run()` and `serve_http` do this on their own from MCP_SERVE_REDIS_URL.
//! let redis = Redis::connect("redis://127.0.0.1:6379")?;
//! let options = HttpOptions::default().session_store(Arc::new(redis.session_store()));
//! let server = Server::new("demo", "1.0.0").into_handle()?;
//! serve(&server, "127.0.0.1:8000".parse()?, options).await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use crate::transport::http::{SessionStore, StoreError, StoreFuture, StoredSession};
use ::redis::AsyncCommands;
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The environment variable naming the Redis server: a `redis://` or
/// `rediss://` (TLS) URL, with `user:password@` for auth and `/N` for the
/// database.
pub const REDIS_URL_ENV: &str = "MCP_SERVE_REDIS_URL";

/// Why Redis could not be used.
///
/// ```
/// let e = mcp_serve::cluster::Redis::connect("http://nope").unwrap_err();
/// assert!(e.to_string().contains("redis://"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not a Redis URL.
    #[error(
        "{REDIS_URL_ENV} / the Redis URL must look like redis://HOST:PORT (rediss:// for TLS), got {url:?}: {reason}"
    )]
    Url {
        /// What was given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Redis answered with an error, or could not be reached.
    #[error("Redis: {0}")]
    Redis(#[from] ::redis::RedisError),
}

/// A connection to Redis shared by every store of this process: one
/// multiplexed connection that reconnects on its own (requests made while
/// Redis is down fail at once, with an error that says so).
///
/// ```no_run
/// # #[tokio::main] async fn main() -> Result<(), mcp_serve::cluster::Error> {
/// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379")?.prefix("myapp:");
/// redis.ping().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Redis {
    pub(super) client: ::redis::Client,
    pub(super) conn: ConnectionManager,
    prefix: Arc<str>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Prepares a connection to the Redis at `url`; it is made on first use,
    /// so a replica starts while Redis is down (and its readiness probe says
    /// so, see [`Redis::ping`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert!(mcp_serve::cluster::Redis::connect("redis://127.0.0.1:1").is_ok());
    /// assert!(mcp_serve::cluster::Redis::connect("127.0.0.1:6379").is_err());
    /// # }
    /// ```
    ///
    /// # Errors
    /// `url` is not a Redis URL.
    pub fn connect(url: &str) -> Result<Redis, Error> {
        let bad = |reason: String| Error::Url {
            url: url.to_owned(),
            reason,
        };
        if !(url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://")) {
            return Err(bad("the scheme must be redis, rediss or unix".into()));
        }
        let client = ::redis::Client::open(url).map_err(|e| bad(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Redis {
            client,
            conn,
            prefix: Arc::from("mcp-serve:"),
        })
    }

    /// [`Redis::connect`] to the URL in `MCP_SERVE_REDIS_URL`; `None` when
    /// it is not set (each replica then keeps its own state).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// if let Some(redis) = mcp_serve::cluster::Redis::from_env().unwrap() {
    ///     println!("sharing state through {redis:?}");
    /// }
    /// # }
    /// ```
    ///
    /// # Errors
    /// The variable is set to something that is not a Redis URL.
    pub fn from_env() -> Result<Option<Redis>, Error> {
        match std::env::var(REDIS_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Redis::connect(url.trim()).map(Some),
            _ => Ok(None),
        }
    }

    /// Starts every key this crate writes with `prefix` (default
    /// `mcp-serve:`), so several servers can share one Redis.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let _ = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap().prefix("weather:");
    /// # }
    /// ```
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    /// Whether Redis answers: for a readiness probe.
    ///
    /// # Errors
    /// Redis cannot be reached, or refused the command (e.g. bad password).
    pub async fn ping(&self) -> Result<(), Error> {
        let mut conn = self.conn.clone();
        let _: String = ::redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    /// The legacy session store on this connection.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let store = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap().session_store();
    /// # let _ = store;
    /// # }
    /// ```
    pub fn session_store(&self) -> RedisSessionStore {
        RedisSessionStore { redis: self.clone() }
    }

    /// The cluster bus on this Redis: pub/sub channels, one per topic (see
    /// [`ServerHandle::join_bus`](crate::engine::ServerHandle::join_bus)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let bus = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap().bus();
    /// # let _ = bus;
    /// # }
    /// ```
    pub fn bus(&self) -> RedisBus {
        RedisBus { redis: self.clone() }
    }

    pub(super) fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }
}

/// Legacy sessions in Redis: one hash per session (`state`, the session's
/// JSON, and `owner`), expiring with the server's idle timeout unless a
/// replica saves it again. See
/// [`SessionStore`].
///
/// ```no_run
/// use std::sync::Arc;
/// use mcp_serve::transport::http::HttpOptions;
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379")?;
/// let options = HttpOptions::default().session_store(Arc::new(redis.session_store()));
/// # let _ = options; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    redis: Redis,
}

fn store_error(e: ::redis::RedisError) -> StoreError {
    StoreError::new(format!("Redis: {e}"))
}

impl SessionStore for RedisSessionStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<StoredSession>> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            let (state, owner): (Option<String>, Option<String>) = ::redis::cmd("HMGET")
                .arg(self.redis.key("session", id))
                .arg("state")
                .arg("owner")
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            let Some(state) = state else {
                return Ok(None);
            };
            let state = serde_json::from_str(&state)
                .map_err(|e| StoreError::new(format!("a stored session is unreadable: {e}")))?;
            Ok(Some(StoredSession::new(state, owner)))
        })
    }

    fn save<'a>(&'a self, id: &'a str, session: &'a StoredSession, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let key = self.redis.key("session", id);
            let state = serde_json::to_string(&session.state)
                .map_err(|e| StoreError::new(format!("a session could not be encoded: {e}")))?;
            let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
            let mut pipe = ::redis::pipe();
            pipe.atomic().hset(&key, "state", state).ignore();
            match &session.owner {
                Some(owner) => pipe.hset(&key, "owner", owner).ignore(),
                None => pipe.hdel(&key, "owner").ignore(),
            };
            pipe.pexpire(&key, ttl_ms).ignore();
            let mut conn = self.redis.conn.clone();
            pipe.query_async::<()>(&mut conn).await.map_err(store_error)
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            conn.del::<_, ()>(self.redis.key("session", id))
                .await
                .map_err(store_error)
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
}

/// The cluster bus on Redis pub/sub: `PUBLISH` on the shared multiplexed
/// connection, and one subscriber connection per topic that subscribes
/// again (with backoff up to 2 s) whenever it is lost. What is published
/// while a subscriber is cut off is lost to it, as pub/sub goes.
///
/// ```no_run
/// # #[tokio::main] async fn main() -> anyhow::Result<()> {
/// use std::sync::Arc;
/// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379")?;
/// let server = mcp_serve::prelude::Server::new("demo", "1.0.0").into_handle()?;
/// server.join_bus(Arc::new(redis.bus()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisBus {
    redis: Redis,
}

impl crate::engine::Bus for RedisBus {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        payload: Vec<u8>,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            conn.publish::<_, _, ()>(self.redis.key("bus", topic), payload)
                .await
                .map_err(|e| format!("Redis: {e}"))
        })
    }

    fn subscribe(&self, topic: &str) -> futures::stream::BoxStream<'static, Vec<u8>> {
        use futures::StreamExt;
        let channel = self.redis.key("bus", topic);
        let client = self.redis.client.clone();
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(1024);
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                        Ok(()) => {
                            delay = Duration::from_millis(100);
                            let mut messages = pubsub.on_message();
                            loop {
                                tokio::select! {
                                    m = messages.next() => match m {
                                        Some(m) => {
                                            if tx.send(m.get_payload_bytes().to_vec()).await.is_err() {
                                                return;
                                            }
                                        }
                                        None => break,
                                    },
                                    () = tx.closed() => return,
                                }
                            }
                            tracing::warn!(%channel, "lost the Redis bus subscription; subscribing again");
                        }
                        Err(e) => {
                            tracing::warn!(%channel, error = %e, "cannot subscribe to the Redis bus; retrying")
                        }
                    },
                    Err(e) => {
                        tracing::debug!(%channel, error = %e, "cannot reach Redis for the bus; retrying")
                    }
                }
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = tx.closed() => return,
                }
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        });
        Box::pin(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|v| (v, rx))
        }))
    }
}
