//! [`Audit`]: who called which tool, with which arguments, and how it
//! went, to a pluggable [`AuditSink`].

use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use super::common::{default_redacted, era, normalize, outcome, redact};
use super::{McpRequest, McpResult, Middleware, Next};

/// One tool call, as [`Audit`] records it.
///
/// ```
/// use mcp_serve::middleware::AuditRecord;
///
/// fn line(r: &AuditRecord) -> String {
///     format!("{} {} called {} -> {}", r.time, r.subject.as_deref().unwrap_or("-"), r.tool, r.outcome)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditRecord {
    /// When the call was answered (RFC 3339, UTC, milliseconds).
    pub time: String,
    /// The verified subject of the caller's credential.
    pub subject: Option<String>,
    /// The OAuth client the credential was issued to.
    pub client_id: Option<String>,
    /// The client's self-reported name.
    pub client_name: Option<String>,
    /// The tool called.
    pub tool: String,
    /// Its arguments, with secrets replaced by `[redacted]`.
    pub arguments: Value,
    /// `ok`, `tool_error` (an `isError` result) or `error`.
    pub outcome: &'static str,
    /// The JSON-RPC error code, for `error`.
    pub error_code: Option<i64>,
    /// `modern` or `legacy`.
    pub era: &'static str,
    /// How long the call took, in milliseconds.
    pub duration_ms: f64,
}

/// Where [`Audit`] sends its records. Any `Fn(&AuditRecord)` is a sink;
/// [`TracingAudit`] and [`JsonLinesAudit`] are built in. `record` runs on
/// the request's task, after the call: keep it quick (hand slow work to a
/// channel).
///
/// ```
/// use mcp_serve::middleware::{Audit, AuditRecord};
///
/// let (tx, _rx) = std::sync::mpsc::channel::<AuditRecord>();
/// let tx = std::sync::Mutex::new(tx);
/// let audit = Audit::new(move |r: &AuditRecord| {
///     let _ = tx.lock().unwrap().send(r.clone());
/// });
/// ```
pub trait AuditSink: Send + Sync + 'static {
    /// Records one call.
    fn record(&self, record: &AuditRecord);
}

impl<F: Fn(&AuditRecord) + Send + Sync + 'static> AuditSink for F {
    fn record(&self, record: &AuditRecord) {
        self(record);
    }
}

/// Records calls as `tracing` events at `INFO`, target `mcp_serve::audit`
/// (the arguments as a JSON string), for a subscriber to route.
///
/// ```
/// let _ = mcp_serve::middleware::Audit::new(mcp_serve::middleware::TracingAudit);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAudit;

impl AuditSink for TracingAudit {
    fn record(&self, r: &AuditRecord) {
        tracing::info!(
            target: "mcp_serve::audit",
            time = %r.time,
            subject = r.subject.as_deref(),
            client_id = r.client_id.as_deref(),
            client_name = r.client_name.as_deref(),
            tool = %r.tool,
            arguments = %r.arguments,
            outcome = r.outcome,
            error_code = r.error_code,
            era = r.era,
            duration_ms = r.duration_ms,
            "tool call",
        );
    }
}

/// Writes each record as one line of JSON (to a file, say), flushed after
/// each. Writes block the request's task briefly; a failed write is
/// reported with `tracing` and the call goes on.
///
/// ```
/// use mcp_serve::middleware::{Audit, JsonLinesAudit};
///
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("audit-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let file = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("audit.jsonl"))?;
/// let audit = Audit::new(JsonLinesAudit::new(file));
/// # Ok(()) }
/// ```
pub struct JsonLinesAudit<W>(Mutex<W>);

impl<W> std::fmt::Debug for JsonLinesAudit<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonLinesAudit(..)")
    }
}

impl<W: Write + Send + 'static> JsonLinesAudit<W> {
    /// Writes to `writer`.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::JsonLinesAudit::new(std::io::stderr());
    /// ```
    pub fn new(writer: W) -> Self {
        JsonLinesAudit(Mutex::new(writer))
    }

    /// The writer back (what was written, for a `Vec<u8>`).
    ///
    /// ```
    /// let sink = mcp_serve::middleware::JsonLinesAudit::new(Vec::new());
    /// assert!(sink.into_inner().is_empty());
    /// ```
    pub fn into_inner(self) -> W {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<W: Write + Send + 'static> AuditSink for JsonLinesAudit<W> {
    fn record(&self, r: &AuditRecord) {
        let mut line = match serde_json::to_vec(r) {
            Ok(l) => l,
            Err(e) => {
                return tracing::error!(target: "mcp_serve::audit", error = %e, "audit record unwritable");
            }
        };
        line.push(b'\n');
        let mut w = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = w.write_all(&line).and_then(|()| w.flush()) {
            tracing::error!(target: "mcp_serve::audit", error = %e, "could not write the audit log");
        }
    }
}

/// Records every tool call to a sink: who (verified subject, OAuth client
/// id, client name), which tool, with which arguments (values of secret
/// keys redacted at any depth: `password`, `token`, `api_key`,
/// `authorization`, … and those given to [`Audit::redact`]), when, how it
/// went and how long it took. Refused calls (by a middleware added after
/// this one, or the engine) are recorded too, as errors.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::{Audit, TracingAudit};
///
/// #[tool]
/// fn transfer(to: String, amount: u64, pin: String) -> String { format!("sent {amount} to {to}") }
///
/// let server = Server::new("bank", "1.0.0")
///     .middleware(Audit::new(TracingAudit).redact(["pin"]))
///     .tool(transfer);
/// ```
pub struct Audit {
    sink: Box<dyn AuditSink>,
    redacted: Vec<String>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit")
            .field("redacted", &self.redacted)
            .finish_non_exhaustive()
    }
}

impl Audit {
    /// Records to `sink`.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Audit::new(mcp_serve::middleware::TracingAudit);
    /// ```
    pub fn new(sink: impl AuditSink) -> Self {
        Audit {
            sink: Box::new(sink),
            redacted: default_redacted(),
        }
    }

    /// Records with `tracing`, target `mcp_serve::audit`.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Audit::tracing();
    /// ```
    pub fn tracing() -> Self {
        Audit::new(TracingAudit)
    }

    /// Also redacts the values of these keys (compared ignoring case, `-`
    /// and `_` alike).
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Audit::tracing().redact(["ssn", "pin"]);
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

impl Middleware for Audit {
    async fn on_call_tool(&self, req: McpRequest, next: Next) -> McpResult {
        let cx = req.context();
        let principal = cx.principal();
        let subject = principal.map(|p| p.subject.clone());
        let client_id = principal.and_then(|p| p.client_id.clone());
        let client_name = cx.client_info().map(|c| c.name.clone());
        let era = era(cx);
        let tool = req.name().unwrap_or_default().to_owned();
        let arguments = req
            .arguments()
            .map_or(Value::Object(serde_json::Map::new()), |a| {
                redact(a, &self.redacted)
            });
        let started = tokio::time::Instant::now();
        let out = next.run(req).await;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (outcome, error_code) = outcome(&out);
        self.sink.record(&AuditRecord {
            time: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            subject,
            client_id,
            client_name,
            tool,
            arguments,
            outcome,
            error_code,
            era,
            duration_ms,
        });
        out
    }
}
