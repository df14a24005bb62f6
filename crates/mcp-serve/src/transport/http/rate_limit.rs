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

impl std::str::FromStr for RateLimit {
    type Err = String;

    /// Reads limits written as `COUNT/PERIOD` for every request of a caller
    /// and `TOOL=COUNT/PERIOD` per tool, comma-separated; a period is a
    /// unit (`s`, `min`, `h`, `day`) with an optional number before it
    /// (`10/30s`). This is the syntax of [`RATE_LIMIT_ENV`].
    ///
    /// ```
    /// use mcp_serve::transport::http::RateLimit;
    /// let limits: RateLimit = "600/min, send_email=5/h, search=10/30s".parse().unwrap();
    /// assert!("600 per minute".parse::<RateLimit>().unwrap_err().contains("COUNT/PERIOD"));
    /// ```
    fn from_str(text: &str) -> Result<Self, String> {
        let mut limits = RateLimit::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (tool, rate) = match item.split_once('=') {
                Some((tool, rate)) => (Some(tool.trim()), rate.trim()),
                None => (None, item),
            };
            let bad = || {
                format!(
                    "rate limit {item:?}: write COUNT/PERIOD (e.g. 600/min) for all requests of a caller, or TOOL=COUNT/PERIOD (e.g. send_email=5/h) for one tool; periods: s, min, h, day, optionally with a number (10/30s)"
                )
            };
            let (count, period) = rate.split_once('/').ok_or_else(bad)?;
            let count: u32 = count.trim().parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
            let period = period.trim();
            let split = period.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let (times, unit) = period.split_at(split);
            let times: u32 = if times.is_empty() {
                1
            } else {
                times.parse().map_err(|_| bad())?
            };
            let unit = match unit {
                "s" | "sec" | "second" | "seconds" => 1,
                "m" | "min" | "minute" | "minutes" => 60,
                "h" | "hour" | "hours" => 3600,
                "d" | "day" | "days" => 86_400,
                _ => return Err(bad()),
            };
            if times == 0 {
                return Err(bad());
            }
            let period = Duration::from_secs(u64::from(times) * unit);
            match tool {
                None if limits.per_caller.is_some() => {
                    return Err(format!(
                        "rate limit {text:?}: more than one limit for all requests"
                    ));
                }
                None => limits.per_caller = Some((count, period)),
                Some("") => return Err(bad()),
                Some(tool) => {
                    limits.per_tool.insert(tool.to_owned(), (count, period));
                }
            }
        }
        Ok(limits)
    }
}

/// The environment variable that sets the rate limits when the code does
/// not (`600/min, send_email=5/h`: see [`RateLimit`]'s `FromStr`).
pub const RATE_LIMIT_ENV: &str = "MCP_SERVE_RATE_LIMIT";

impl RateLimit {
    /// Whether no limit is set.
    pub(super) fn is_unset(&self) -> bool {
        self.per_caller.is_none() && self.per_tool.is_empty()
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
        if limits.is_unset() {
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
