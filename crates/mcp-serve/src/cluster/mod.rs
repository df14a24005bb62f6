//! State shared by the replicas of a server behind a load balancer: what one
//! replica knows, the others find (feature `redis`).
//!
//! - [`Redis`]: one multiplexed, reconnecting connection per process, from
//!   `MCP_SERVE_REDIS_URL` ([`REDIS_URL_ENV`]) or code.
//! - [`RedisSessionStore`]: legacy (`Mcp-Session-Id`) sessions, so a
//!   session's next request may land on any replica
//!   ([`HttpOptions::session_store`](crate::transport::http::HttpOptions::session_store)).
//! - [`RedisTaskStore`]: tasks of both eras, so any replica answers for a
//!   task and sees when the replica running it stopped
//!   ([`TaskConfig::store`](crate::tasks::TaskConfig::store)).
//! - [`RedisBus`]: the cluster bus on pub/sub, so list changes and resource
//!   updates reach the clients of every replica, and a legacy session's
//!   answers and cancellations the replica that runs the call
//!   ([`ServerHandle::join_bus`](crate::engine::ServerHandle::join_bus)).
//! - [`RedisEventStore`]: resumable legacy SSE streams in Redis Streams, so
//!   a client resumes with `Last-Event-ID` on any replica
//!   ([`HttpOptions::event_store`](crate::transport::http::HttpOptions::event_store)).
//!
//! `Server::run` and `ServerHandle::serve_http` use the store and join the
//! bus on their own when `MCP_SERVE_REDIS_URL` is set, and `/readyz` then
//! reports whether Redis answers.

mod redis;
mod redis_events;
mod redis_tasks;

pub use self::redis::{Error, REDIS_URL_ENV, Redis, RedisBus, RedisSessionStore};
pub use self::redis_events::RedisEventStore;
pub use self::redis_tasks::RedisTaskStore;
