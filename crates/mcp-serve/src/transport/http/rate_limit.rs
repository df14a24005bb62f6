//! Rate limits per caller, with token buckets (GCRA, from `governor`): one
//! for every request of a caller, and one per tool where configured. A
//! caller is the subject of its verified credential, else its peer address.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use http::{HeaderValue, Response, StatusCode, header};

use super::McpBody;
use super::respond::plain;

/// The peer address of a request's connection (defined with
/// [`Context`](crate::context::Context), so middleware can read it).
pub use crate::context::PeerAddr;

/// How many requests a caller may make: in all, and per tool.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::transport::http::{HttpOptions, RateLimit};
/// let limits = RateLimit::per_caller(600, Duration::from_secs(60)).tool("send_email", 5, Duration::from_secs(60));
/// let _ = HttpOptions::default().rate_limit(limits);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RateLimit {
    per_caller: Option<(u32, Duration)>,
    per_tool: HashMap<String, (u32, Duration)>,
}

impl RateLimit {
    /// At most `requests` MCP requests per `period` from one caller (all at
    /// once, or spread out: the bucket refills evenly).
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::transport::http::RateLimit::per_caller(100, Duration::from_secs(60));
    /// ```
    pub fn per_caller(requests: u32, period: Duration) -> Self {
        RateLimit {
            per_caller: Some((requests, period)),
            per_tool: HashMap::new(),
        }
    }

    /// Also at most `calls` calls of the tool `name` per `period` from one caller.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::transport::http::RateLimit::default().tool("search", 10, Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn tool(mut self, name: impl Into<String>, calls: u32, period: Duration) -> Self {
        self.per_tool.insert(name.into(), (calls, period));
        self
    }
}

fn quota((n, period): (u32, Duration)) -> Quota {
    let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period / n.get())
        .unwrap_or_else(|| Quota::per_second(n))
        .allow_burst(n)
}

/// The live buckets.
pub(super) struct Limiters {
    caller: Option<(DefaultKeyedRateLimiter<String>, (u32, Duration))>,
    tools: HashMap<String, (DefaultKeyedRateLimiter<String>, (u32, Duration))>,
    checks: AtomicU64,
}

impl Limiters {
    pub(super) fn new(limits: &RateLimit) -> Option<Arc<Self>> {
        if limits.per_caller.is_none() && limits.per_tool.is_empty() {
            return None;
        }
        Some(Arc::new(Limiters {
            caller: limits
                .per_caller
                .map(|q| (DefaultKeyedRateLimiter::keyed(quota(q)), q)),
            tools: limits
                .per_tool
                .iter()
                .map(|(name, q)| (name.clone(), (DefaultKeyedRateLimiter::keyed(quota(*q)), *q)))
                .collect(),
            checks: AtomicU64::new(0),
        }))
    }

    /// The 429 when the caller of `parts` is over its limit in all.
    pub(super) fn check_caller(&self, parts: &http::request::Parts) -> Option<Response<McpBody>> {
        let (limiter, q) = self.caller.as_ref()?;
        self.check(limiter, *q, caller_key(parts), "requests")
    }

    /// The 429 when the caller of `parts` is over its limit for `tool`.
    pub(super) fn check_tool(&self, parts: &http::request::Parts, tool: &str) -> Option<Response<McpBody>> {
        let (limiter, q) = self.tools.get(tool)?;
        self.check(limiter, *q, caller_key(parts), &format!("calls of {tool}"))
    }

    fn check(
        &self,
        limiter: &DefaultKeyedRateLimiter<String>,
        (n, period): (u32, Duration),
        key: String,
        what: &str,
    ) -> Option<Response<McpBody>> {
        // Forget idle callers now and then, so the table stays bounded.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            limiter.retain_recent();
        }
        let not_until = limiter.check_key(&key).err()?;
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut r = plain(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "rate limit: at most {n} {what} per {} s from one caller; retry in {secs} s",
                period.as_secs_f64()
            ),
        );
        if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        Some(r)
    }
}

/// Who a request counts against: its credential's subject, else its peer.
fn caller_key(parts: &http::request::Parts) -> String {
    if let Some(subject) = super::session::caller(parts) {
        return format!("sub:{subject}");
    }
    match parts.extensions.get::<PeerAddr>() {
        Some(PeerAddr(a)) => format!("ip:{}", a.ip()),
        None => "anonymous".into(),
    }
}
