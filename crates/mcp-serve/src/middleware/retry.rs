//! [`Retry`]: calls of idempotent tools tried again after a failure.

use std::collections::HashSet;
use std::time::Duration;

use mcp_serve_core::error::code;

use super::common::is_tool_error;
use super::{McpRequest, McpResult, Middleware, Next};

/// Tries a call of an idempotent tool again when it fails with an internal
/// error (`-32603`, a tower timeout included) or an `isError` result, up to
/// a number of attempts, waiting longer each time (exponential backoff:
/// the initial delay, doubled after each attempt, capped).
///
/// A tool counts as idempotent when its annotations say
/// `idempotentHint: true` (`#[tool(annotations(idempotent))]`) or it is
/// named with [`Retry::tool`]. Other tools, and other methods, are never
/// retried: running a call twice must not do twice what it does. The
/// last attempt's outcome is what the client gets.
///
/// ```
/// use std::time::Duration;
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::Retry;
///
/// /// The weather (the upstream service sometimes fails).
/// #[tool(annotations(read_only, idempotent))]
/// async fn weather(city: String) -> Result<String, ToolError> {
///     Ok(format!("sunny in {city}"))
/// }
///
/// let server = Server::new("demo", "1.0.0")
///     .middleware(Retry::new(3).backoff(Duration::from_millis(200), Duration::from_secs(2)))
///     .tool(weather);
/// ```
#[derive(Debug, Clone)]
pub struct Retry {
    attempts: u32,
    initial: Duration,
    max: Duration,
    tools: HashSet<String>,
    annotated: bool,
}

impl Retry {
    /// At most `attempts` attempts in all (at least one), 100 ms apart at
    /// first, then doubling up to 5 s.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Retry::new(3);
    /// ```
    pub fn new(attempts: u32) -> Self {
        Retry {
            attempts: attempts.max(1),
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            tools: HashSet::new(),
            annotated: true,
        }
    }

    /// Waits `initial` after the first failure, doubling after each
    /// further one, never more than `max`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let _ = mcp_serve::middleware::Retry::new(5).backoff(Duration::from_millis(50), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial = initial;
        self.max = max.max(initial);
        self
    }

    /// Also retries the tool `name`, whatever its annotations say.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Retry::new(3).tool("lookup");
    /// ```
    #[must_use]
    pub fn tool(mut self, name: impl Into<String>) -> Self {
        self.tools.insert(name.into());
        self
    }

    /// Retries only the tools named with [`Retry::tool`], not those whose
    /// annotations say they are idempotent.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Retry::new(3).only_named().tool("lookup");
    /// ```
    #[must_use]
    pub fn only_named(mut self) -> Self {
        self.annotated = false;
        self
    }

    fn idempotent(&self, req: &McpRequest) -> bool {
        let Some(name) = req.name() else { return false };
        self.tools.contains(name)
            || (self.annotated
                && req
                    .context()
                    .tool_annotations(name)
                    .and_then(|a| a.idempotent_hint)
                    == Some(true))
    }

    /// The wait after failed attempt `n` (1-based).
    fn delay(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

fn failed(out: &McpResult) -> bool {
    match out {
        Ok(v) => is_tool_error(v),
        Err(e) => e.code() == code::INTERNAL_ERROR,
    }
}

impl Middleware for Retry {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        if self.attempts == 1 || !self.idempotent(&req) {
            return next.run(req).await;
        }
        let mut attempt = 1;
        loop {
            let out = next.clone().run(req.duplicate()).await;
            if attempt >= self.attempts || !failed(&out) || req.context().is_cancelled() {
                return out;
            }
            tracing::debug!(
                target: "mcp_serve::retry",
                tool = req.name().unwrap_or_default(),
                attempt,
                "the call failed; trying again",
            );
            tokio::time::sleep(self.delay(attempt)).await;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let r = Retry::new(10).backoff(Duration::from_millis(100), Duration::from_millis(500));
        let delays: Vec<_> = (1..=5).map(|n| r.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        assert_eq!(r.delay(200), Duration::from_millis(500));
    }
}
