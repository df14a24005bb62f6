//! [`RateLimit`]: token buckets per caller and per tool, on every transport.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use serde_json::json;

use super::{McpRequest, McpResult, Middleware, Next};
use crate::context::Context;
use crate::error::McpError;

/// The JSON-RPC code of a refusal: `-32000`, the first server-defined code,
/// as FastMCP's rate limiter answers.
pub const RATE_LIMITED: i64 = -32000;

/// Governor's clock on tokio's time, so that tests with a paused clock
/// (and `tokio::time::advance`) drive the buckets.
#[derive(Clone)]
struct TokioClock(tokio::time::Instant);

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(self.0)
    }
}

type Limiter = RateLimiter<String, DefaultKeyedStateStore<String>, TokioClock, NoOpMiddleware<Duration>>;

/// One limit: its buckets and what it allows.
struct Bucket {
    limiter: Limiter,
    allowed: u32,
    period: Duration,
}

impl Bucket {
    fn new(allowed: u32, period: Duration) -> Self {
        let n = NonZeroU32::new(allowed.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period / n.get())
            .unwrap_or_else(|| Quota::per_second(n))
            .allow_burst(n);
        Bucket {
            limiter: RateLimiter::new(
                quota,
                DefaultKeyedStateStore::default(),
                TokioClock(tokio::time::Instant::now()),
            ),
            allowed: n.get(),
            period,
        }
    }
}

/// Limits how many requests a caller makes: in all, and per tool. Each
/// limit is a token bucket (GCRA, from `governor`) that refills evenly: `n`
/// per `period` may come at once, then one more each `period / n`.
///
/// **Who a caller is:** the subject of its verified credential
/// ([`Context::principal`]); without one, over HTTP, the peer's IP address
/// ([`Context::peer_addr`]); otherwise (stdio, in memory, or HTTP served
/// without a peer address) one caller for the whole server.
/// `X-Forwarded-For` is not trusted: behind a proxy, authenticate callers.
///
/// **Over the limit** the request fails with a JSON-RPC error, code
/// `-32000` ([`RATE_LIMITED`]), whose message says when to retry and whose
/// `data` holds `retryAfterMs`. Tool calls fail the same way rather than
/// with an `isError` result: being throttled is not something the tool did,
/// and the caller (the client, not the model) is who must wait. FastMCP's
/// rate-limiting middleware answers the same code.
///
/// **What counts:** the limit in all counts every request the caller makes,
/// including one a tool's limit then refuses (as an HTTP request limit
/// counts refused requests). It is checked first, so a request it refuses
/// spends none of the tool's budget.
///
/// The handshake (`initialize`, `server/discover`) and `ping` are never
/// limited. The HTTP transport has its own limits
/// ([`transport::http::RateLimit`](crate::transport::http::RateLimit)),
/// which answer 429 before a request is parsed; this one works on every
/// transport and sees the tool's name after the request is parsed.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::RateLimit;
///
/// #[tool]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let server = Server::new("demo", "1.0.0")
///     .middleware(
///         RateLimit::per_caller(600, Duration::from_secs(60))
///             .tool("add", 10, Duration::from_secs(1)),
///     )
///     .tool(add);
/// ```
pub struct RateLimit {
    caller: Option<Bucket>,
    tools: HashMap<String, Bucket>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("caller", &self.caller.as_ref().map(|b| (b.allowed, b.period)))
            .field(
                "tools",
                &self
                    .tools
                    .iter()
                    .map(|(t, b)| (t, (b.allowed, b.period)))
                    .collect::<HashMap<_, _>>(),
            )
            .finish()
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            caller: None,
            tools: HashMap::new(),
            checks: AtomicU64::new(0),
        }
    }
}

impl RateLimit {
    /// At most `requests` requests per `period` from one caller.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::RateLimit::per_caller(100, Duration::from_secs(60));
    /// ```
    pub fn per_caller(requests: u32, period: Duration) -> Self {
        RateLimit {
            caller: Some(Bucket::new(requests, period)),
            ..RateLimit::default()
        }
    }

    /// No limit in all; add per-tool limits with [`RateLimit::tool`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::RateLimit::new().tool("send_email", 5, Duration::from_secs(3600));
    /// ```
    pub fn new() -> Self {
        RateLimit::default()
    }

    /// Also at most `calls` calls of the tool `name` per `period` from one
    /// caller.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::RateLimit::new().tool("search", 10, Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn tool(mut self, name: impl Into<String>, calls: u32, period: Duration) -> Self {
        self.tools.insert(name.into(), Bucket::new(calls, period));
        self
    }

    fn check(&self, bucket: &Bucket, key: &str, what: &str) -> Result<(), McpError> {
        // Forget idle callers now and then, so the tables stay bounded.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            if let Some(c) = &self.caller {
                c.limiter.retain_recent();
            }
            for b in self.tools.values() {
                b.limiter.retain_recent();
            }
        }
        let Err(not_until) = bucket.limiter.check_key(&key.to_owned()) else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(bucket.limiter.clock().now());
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        Err(McpError::new(
            RATE_LIMITED,
            format!(
                "rate limit: at most {} {what} per {} s from one caller; retry in {} s",
                bucket.allowed,
                bucket.period.as_secs_f64(),
                ms.div_ceil(1000),
            ),
        )
        .with_data(json!({ "retryAfterMs": ms })))
    }
}

/// Who a request counts against.
fn caller_key(cx: &Context) -> String {
    if let Some(p) = cx.principal() {
        return format!("sub:{}", p.subject);
    }
    match cx.peer_addr() {
        Some(a) => format!("ip:{}", a.ip()),
        None => "local".into(),
    }
}

impl Middleware for RateLimit {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        if matches!(req.method(), "initialize" | "server/discover" | "ping") {
            return next.run(req).await;
        }
        let key = caller_key(req.context());
        if let Some(bucket) = &self.caller {
            self.check(bucket, &key, "requests")?;
        }
        if req.method() == "tools/call" {
            if let Some((name, bucket)) = req.name().and_then(|n| self.tools.get_key_value(n)) {
                self.check(bucket, &key, &format!("calls of {name}"))?;
            }
        }
        next.run(req).await
    }
}
