//! Tasks in Redis: one hash per task, changed only by Lua compare-and-swap
//! scripts, so that replicas racing on one task (the worker finishing, a
//! client cancelling, a replica failing an orphaned task) never lose each
//! other's change, and an ended task is never changed again.

use super::redis::Redis;
use crate::tasks::{StoreFuture, TaskRecord, TaskStore, TaskStoreError};

/// Stores a new task unless one of its id exists, and indexes it under its
/// legacy session (a sorted set scored by expiry, pruned as it grows).
///
/// KEYS: the task's hash, then the session index (when the task has a
/// session). ARGV: record JSON, status, expiry (ms since the epoch), task
/// id, now (ms since the epoch).
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rev', '0', 'status', ARGV[2], 'data', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
if #KEYS > 1 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
  local left = redis.call('PTTL', KEYS[2])
  local want = tonumber(ARGV[3]) - tonumber(ARGV[5])
  if left < want then redis.call('PEXPIRE', KEYS[2], want) end
end
return 1
";

/// Replaces a task's record if its stored revision is the expected one and
/// its stored status is not terminal (an ended task stays as it ended).
/// The hash keeps its expiry.
///
/// KEYS: the task's hash. ARGV: expected revision, record JSON, status, new
/// revision.
const REPLACE: &str = r"
local cur = redis.call('HMGET', KEYS[1], 'rev', 'status')
if not cur[1] or cur[1] ~= ARGV[1] then return 0 end
if cur[2] == 'completed' or cur[2] == 'failed' or cur[2] == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[4], 'status', ARGV[3], 'data', ARGV[2])
return 1
";

/// Tasks of both eras in Redis, shared by the replicas of a server: any
/// replica answers `tasks/get`, `tasks/result`, `tasks/list`,
/// `tasks/update` and `tasks/cancel` for any task, and sees when the replica
/// running one stopped (its lease, see
/// [`TaskConfig::lease`](crate::tasks::TaskConfig::lease)).
///
/// Each task is a hash `<prefix>task:<id>` holding the record as JSON
/// (`data`) beside its `rev`ision and `status`, expiring when the task's
/// time to live ends; a legacy session's tasks are indexed in the sorted set
/// `<prefix>task-session:<session>`. Records change only through a Lua
/// compare-and-swap on the revision that never changes an ended task, so a
/// cancellation and the end of the work racing on two replicas settle on
/// whichever came first. When Redis does not answer, operations fail with
/// [`TaskStoreError::Backend`] and nothing is half-written.
///
/// `Server::run` and `ServerHandle::serve_http` use it on their own when
/// `MCP_SERVE_REDIS_URL` is set, unless code chose a task store.
///
/// ```no_run
/// use mcp_serve::prelude::*;
/// use mcp_serve::tasks::TaskConfig;
/// # fn main() -> anyhow::Result<()> {
/// let redis = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379")?;
/// let server = Server::new("demo", "1.0.0").tasks(TaskConfig::new().store(redis.task_store()));
/// # let _ = server; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RedisTaskStore {
    redis: Redis,
}

impl Redis {
    /// The task store on this connection.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let store = mcp_serve::cluster::Redis::connect("redis://127.0.0.1:6379").unwrap().task_store();
    /// # let _ = store;
    /// # }
    /// ```
    pub fn task_store(&self) -> RedisTaskStore {
        RedisTaskStore { redis: self.clone() }
    }
}

fn backend(e: ::redis::RedisError) -> TaskStoreError {
    TaskStoreError::backend(format!("Redis: {e}"))
}

fn status_name(t: &TaskRecord) -> String {
    serde_json::to_value(t.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn encode(t: &TaskRecord) -> Result<String, TaskStoreError> {
    serde_json::to_string(t).map_err(|e| TaskStoreError::backend(format!("a task could not be encoded: {e}")))
}

fn decode(data: &str) -> Result<TaskRecord, TaskStoreError> {
    serde_json::from_str(data)
        .map_err(|e| TaskStoreError::backend(format!("a stored task is unreadable: {e}")))
}

fn now_ms() -> u64 {
    crate::tasks::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl TaskStore for RedisTaskStore {
    fn create<'a>(&'a self, task: &'a TaskRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("EVAL");
            cmd.arg(CREATE);
            match &task.session {
                Some(session) => cmd
                    .arg(2)
                    .arg(self.redis.key("task", &task.task_id))
                    .arg(self.redis.key("task-session", session)),
                None => cmd.arg(1).arg(self.redis.key("task", &task.task_id)),
            };
            cmd.arg(encode(task)?)
                .arg(status_name(task))
                .arg(task.expires_at_ms)
                .arg(&task.task_id)
                .arg(now_ms());
            let mut conn = self.redis.conn.clone();
            let created: i64 = cmd.query_async(&mut conn).await.map_err(backend)?;
            if created == 1 {
                Ok(())
            } else {
                Err(TaskStoreError::backend(format!(
                    "duplicate task id {}",
                    task.task_id
                )))
            }
        })
    }

    fn get<'a>(&'a self, task_id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            let data: Option<String> = ::redis::cmd("HGET")
                .arg(self.redis.key("task", task_id))
                .arg("data")
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            match data {
                None => Ok(None),
                Some(data) => {
                    let t = decode(&data)?;
                    // Redis expires the key itself; this covers clock skew
                    // between Redis and the replica.
                    Ok((!t.is_expired()).then_some(t))
                }
            }
        })
    }

    fn replace<'a>(&'a self, task: &'a TaskRecord, expected_revision: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            let replaced: i64 = ::redis::cmd("EVAL")
                .arg(REPLACE)
                .arg(1)
                .arg(self.redis.key("task", &task.task_id))
                .arg(expected_revision)
                .arg(encode(task)?)
                .arg(status_name(task))
                .arg(task.revision)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            Ok(replaced == 1)
        })
    }

    fn list_session<'a>(&'a self, session: &'a str, limit: usize) -> StoreFuture<'a, Vec<TaskRecord>> {
        Box::pin(async move {
            let mut conn = self.redis.conn.clone();
            let ids: Vec<String> = ::redis::cmd("ZREVRANGEBYSCORE")
                .arg(self.redis.key("task-session", session))
                .arg("+inf")
                .arg(now_ms())
                .arg("LIMIT")
                .arg(0)
                .arg(limit)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut pipe = ::redis::pipe();
            for id in &ids {
                pipe.cmd("HGET").arg(self.redis.key("task", id)).arg("data");
            }
            let found: Vec<Option<String>> = pipe.query_async(&mut conn).await.map_err(backend)?;
            let mut tasks = Vec::with_capacity(found.len());
            for data in found.into_iter().flatten() {
                let t = decode(&data)?;
                if !t.is_expired() && t.session.as_deref() == Some(session) {
                    tasks.push(t);
                }
            }
            tasks.sort_by(|a, b| a.created_at.cmp(&b.created_at));
            Ok(tasks)
        })
    }

    fn check(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.redis.ping().await.map_err(TaskStoreError::backend) })
    }
}
