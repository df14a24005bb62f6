//! [`Logging`]: one structured `tracing` event per request.

use super::common::{default_redacted, era, normalize, outcome, redact, subject};
use super::{McpRequest, McpResult, Middleware, Next};

/// Logs every request as one `tracing` event, target `mcp_serve::request`,
/// when it is answered: `method`, `name` (the tool, prompt or resource
/// URI), `era` (`modern` or `legacy`), `version`, `caller` (the verified
/// subject), `duration_ms`, `outcome` (`ok`, `tool_error` or `error`) and,
/// for errors, `error_code` and `error`. Successes log at `INFO`, failures
/// at `WARN`.
///
/// Tool and prompt arguments are left out unless
/// [`Logging::with_arguments`] asks for them; then the values of secret
/// keys (`password`, `token`, `api_key`, `authorization`, … and those given
/// to [`Logging::redact`]) are replaced by `[redacted]`, at any depth. HTTP
/// headers, and so credentials, are never logged.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::Logging;
///
/// #[tool]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let server = Server::new("demo", "1.0.0")
///     .middleware(Logging::new().with_arguments().redact(["ssn"]))
///     .tool(add);
/// ```
#[derive(Debug, Clone)]
pub struct Logging {
    arguments: bool,
    redacted: Vec<String>,
}

impl Default for Logging {
    fn default() -> Self {
        Logging::new()
    }
}

impl Logging {
    /// Logs requests without their arguments.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Logging::new();
    /// ```
    pub fn new() -> Self {
        Logging {
            arguments: false,
            redacted: default_redacted(),
        }
    }

    /// Also logs tool and prompt arguments (as JSON, field `arguments`),
    /// with secrets redacted.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Logging::new().with_arguments();
    /// ```
    #[must_use]
    pub fn with_arguments(mut self) -> Self {
        self.arguments = true;
        self
    }

    /// Also redacts the values of these keys (compared ignoring case, `-`
    /// and `_` alike), besides the built-in list.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Logging::new().with_arguments().redact(["ssn", "card_number"]);
    /// ```
    #[must_use]
    pub fn redact<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redacted.extend(normalize(keys.into_iter().map(Into::into)));
        self
    }
}

impl Middleware for Logging {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let method = req.method().to_owned();
        let name = req.name().map(str::to_owned);
        let cx = req.context();
        let era = era(cx);
        let version = cx.protocol_version().to_string();
        let caller = subject(cx).map(str::to_owned);
        let arguments = if self.arguments {
            req.arguments().map(|a| redact(a, &self.redacted).to_string())
        } else {
            None
        };
        let started = tokio::time::Instant::now();
        let out = next.run(req).await;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (outcome, code) = outcome(&out);
        match (&out, code) {
            (Err(e), Some(code)) => tracing::warn!(
                target: "mcp_serve::request",
                method = method.as_str(),
                name = name.as_deref(),
                era,
                version = %version,
                caller = caller.as_deref(),
                duration_ms,
                outcome,
                error_code = code,
                error = e.message(),
                arguments = arguments.as_deref(),
                "request failed",
            ),
            _ => tracing::info!(
                target: "mcp_serve::request",
                method = method.as_str(),
                name = name.as_deref(),
                era,
                version = %version,
                caller = caller.as_deref(),
                duration_ms,
                outcome,
                arguments = arguments.as_deref(),
                "request",
            ),
        }
        out
    }
}
