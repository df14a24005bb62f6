//! [`Timing`]: latency histograms per method and per tool, and (feature
//! `otel`) the OpenTelemetry histogram `mcp.server.operation.duration`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{McpRequest, McpResult, Middleware, Next};

/// Buckets per doubling of the latency: each bucket is about 19% wide.
const PER_DOUBLING: f64 = 4.0;
/// Buckets from 1 µs up to 2^32 µs (over an hour); longer lands in the last.
const BUCKETS: usize = 129;
/// Tools tracked by name; calls of further names (clients can send any)
/// are counted under [`OTHER_TOOLS`], so memory stays bounded.
const MAX_TOOLS: usize = 1024;
/// Where calls of tools beyond the first 1,024 names are counted.
pub const OTHER_TOOLS: &str = "(other)";

/// The OpenTelemetry histogram [`Timing::with_meter`] records into, named as
/// the OpenTelemetry semantic conventions for MCP name it.
///
/// ```
/// assert_eq!(mcp_serve::middleware::OPERATION_DURATION, "mcp.server.operation.duration");
/// ```
#[cfg(feature = "otel")]
pub const OPERATION_DURATION: &str = "mcp.server.operation.duration";

/// One latency histogram with fixed log-scale buckets.
#[derive(Clone)]
struct Histogram {
    counts: [u64; BUCKETS],
    count: u64,
    total: Duration,
    max: Duration,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: [0; BUCKETS],
            count: 0,
            total: Duration::ZERO,
            max: Duration::ZERO,
        }
    }
}

fn bucket(d: Duration) -> usize {
    let us = d.as_secs_f64() * 1e6;
    if us <= 1.0 {
        return 0;
    }
    // Truncation is the point: the bucket index of a positive finite value.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = (us.log2() * PER_DOUBLING).ceil() as usize;
    i.min(BUCKETS - 1)
}

/// The upper bound of bucket `i`.
fn upper(i: usize) -> Duration {
    #[allow(clippy::cast_precision_loss)]
    let us = (i as f64 / PER_DOUBLING).exp2();
    Duration::from_secs_f64(us / 1e6)
}

impl Histogram {
    fn record(&mut self, d: Duration) {
        self.counts[bucket(d)] += 1;
        self.count += 1;
        self.total += d;
        self.max = self.max.max(d);
    }

    /// The latency below which a fraction `q` of the requests fell: the
    /// upper bound of its bucket, never above the slowest seen.
    fn quantile(&self, q: f64) -> Duration {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let rank = ((q * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return upper(i).min(self.max);
            }
        }
        self.max
    }

    fn stats(&self) -> LatencyStats {
        LatencyStats {
            count: self.count,
            mean: self
                .total
                .checked_div(u32::try_from(self.count).unwrap_or(u32::MAX))
                .unwrap_or_default(),
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p99: self.quantile(0.99),
            max: self.max,
        }
    }
}

/// The latencies of one method or tool. Percentiles are the upper bounds of
/// log-scale buckets (about 19% wide), never above `max`.
///
/// ```
/// # use mcp_serve::middleware::Timing;
/// let timing = Timing::new();
/// if let Some(calls) = timing.snapshot().methods.get("tools/call") {
///     println!("{} calls, p99 {:?}", calls.count, calls.p99);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LatencyStats {
    /// How many requests were timed.
    pub count: u64,
    /// Their mean latency.
    pub mean: Duration,
    /// The median.
    pub p50: Duration,
    /// The 90th percentile.
    pub p90: Duration,
    /// The 99th percentile.
    pub p99: Duration,
    /// The slowest.
    pub max: Duration,
}

/// What [`Timing::snapshot`] reads: latencies per method, and per tool for
/// `tools/call`.
///
/// ```
/// # use mcp_serve::middleware::Timing;
/// let snapshot = Timing::new().snapshot();
/// assert!(snapshot.methods.is_empty() && snapshot.tools.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimingSnapshot {
    /// Per JSON-RPC method (`tools/call`, `resources/read`, …).
    pub methods: BTreeMap<String, LatencyStats>,
    /// Per tool name (calls of names beyond the first 1024 are counted
    /// under `"(other)"`).
    pub tools: BTreeMap<String, LatencyStats>,
}

#[derive(Default)]
struct Tables {
    methods: HashMap<String, Histogram>,
    tools: HashMap<String, Histogram>,
}

/// Times every request: a latency histogram per method and per tool,
/// errors included. Keep a clone to read it with [`Timing::snapshot`]
/// (for a metrics endpoint, a resource, or a log line); clones share the
/// histograms.
///
/// Latencies are measured on tokio's clock, from when this layer sees the
/// request to when the result comes back through it: add it first to time
/// the other middleware too, last to time the handler alone.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::middleware::Timing;
///
/// #[tool]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let timing = Timing::new();
/// let server = Server::new("demo", "1.0.0").middleware(timing.clone()).tool(add);
/// // Later, e.g. from a metrics task:
/// for (tool, stats) in timing.snapshot().tools {
///     println!("{tool}: {} calls, p50 {:?}, p99 {:?}", stats.count, stats.p50, stats.p99);
/// }
/// ```
///
/// With the `otel` feature, [`Timing::with_meter`] also records every
/// latency into an OpenTelemetry histogram.
#[derive(Clone, Default)]
pub struct Timing {
    tables: Arc<Mutex<Tables>>,
    #[cfg(feature = "otel")]
    otel: Option<opentelemetry::metrics::Histogram<f64>>,
}

impl std::fmt::Debug for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Timing").finish_non_exhaustive()
    }
}

impl Timing {
    /// Empty histograms.
    ///
    /// ```
    /// let _ = mcp_serve::middleware::Timing::new();
    /// ```
    pub fn new() -> Self {
        Timing::default()
    }

    /// The latencies so far.
    ///
    /// ```
    /// let timing = mcp_serve::middleware::Timing::new();
    /// assert_eq!(timing.snapshot().methods.len(), 0);
    /// ```
    pub fn snapshot(&self) -> TimingSnapshot {
        let tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        TimingSnapshot {
            methods: tables
                .methods
                .iter()
                .map(|(m, h)| (m.clone(), h.stats()))
                .collect(),
            tools: tables.tools.iter().map(|(t, h)| (t.clone(), h.stats())).collect(),
        }
    }

    /// Forgets everything recorded so far.
    ///
    /// ```
    /// let timing = mcp_serve::middleware::Timing::new();
    /// timing.reset();
    /// ```
    pub fn reset(&self) {
        *self.tables.lock().unwrap_or_else(PoisonError::into_inner) = Tables::default();
    }

    /// Also records every latency, in seconds, into the histogram
    /// `mcp.server.operation.duration` of `meter` (from
    /// [`telemetry::otel::meter`](crate::telemetry::otel::meter), or your own
    /// meter provider), as the OpenTelemetry semantic conventions for MCP
    /// describe it: attributes `mcp.method.name`, `mcp.protocol.version`,
    /// and for a tool call `gen_ai.tool.name` (bounded like the snapshot's
    /// tools) and `gen_ai.operation.name` = `execute_tool`; a failed request
    /// adds `error.type` and `rpc.response.status_code` (the JSON-RPC error
    /// code), a tool result with `isError` adds `error.type` =
    /// `tool_error`. The snapshot keeps working alongside.
    ///
    /// ```no_run
    /// use mcp_serve::prelude::*;
    /// use mcp_serve::middleware::Timing;
    ///
    /// let (meter, _guard) = mcp_serve::telemetry::otel::meter("demo").unwrap();
    /// let server = Server::new("demo", "1.0.0").middleware(Timing::new().with_meter(&meter));
    /// # let _ = server;
    /// ```
    #[cfg(feature = "otel")]
    #[must_use]
    pub fn with_meter(mut self, meter: &opentelemetry::metrics::Meter) -> Self {
        self.otel = Some(
            meter
                .f64_histogram(OPERATION_DURATION)
                .with_unit("s")
                .with_description(
                    "MCP request duration as observed on the receiver from the time it was received until the result is sent",
                )
                // The boundaries the conventions advise for this histogram.
                .with_boundaries(vec![
                    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                ])
                .build(),
        );
        self
    }

    /// Records a latency; returns the name the tool is counted under.
    fn record<'a>(&self, method: &str, tool: Option<&'a str>, d: Duration) -> Option<&'a str> {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        // Only methods the server serves reach the chain: a bounded set.
        if let Some(h) = tables.methods.get_mut(method) {
            h.record(d);
        } else {
            tables.methods.entry(method.to_owned()).or_default().record(d);
        }
        if let Some(tool) = tool {
            let known = tables.tools.contains_key(tool);
            let key = if known || tables.tools.len() < MAX_TOOLS {
                tool
            } else {
                OTHER_TOOLS
            };
            if let Some(h) = tables.tools.get_mut(key) {
                h.record(d);
            } else {
                tables.tools.entry(key.to_owned()).or_default().record(d);
            }
            return Some(key);
        }
        None
    }

    #[cfg(feature = "otel")]
    fn export(
        &self,
        method: String,
        tool: Option<&str>,
        version: mcp_serve_core::version::ProtocolVersion,
        out: &McpResult,
        d: Duration,
    ) {
        use opentelemetry::KeyValue;
        let Some(histogram) = &self.otel else { return };
        let mut attrs = vec![
            KeyValue::new("mcp.method.name", method),
            KeyValue::new("mcp.protocol.version", version.as_str()),
        ];
        if let Some(tool) = tool {
            attrs.push(KeyValue::new("gen_ai.tool.name", tool.to_owned()));
            attrs.push(KeyValue::new("gen_ai.operation.name", "execute_tool"));
        }
        match out {
            Err(e) => {
                let code = e.0.code.to_string();
                attrs.push(KeyValue::new("error.type", code.clone()));
                attrs.push(KeyValue::new("rpc.response.status_code", code));
            }
            Ok(v) if tool.is_some() && v.get("isError") == Some(&serde_json::Value::Bool(true)) => {
                attrs.push(KeyValue::new("error.type", "tool_error"));
            }
            Ok(_) => {}
        }
        histogram.record(d.as_secs_f64(), &attrs);
    }
}

impl Middleware for Timing {
    async fn on_request(&self, req: McpRequest, next: Next) -> McpResult {
        let method = req.method().to_owned();
        let tool = (method == "tools/call").then(|| req.name().unwrap_or_default().to_owned());
        #[cfg(feature = "otel")]
        let version = req.context().protocol_version();
        let started = tokio::time::Instant::now();
        let out = next.run(req).await;
        let elapsed = started.elapsed();
        let _counted = self.record(&method, tool.as_deref(), elapsed);
        #[cfg(feature = "otel")]
        self.export(method, _counted, version, &out, elapsed);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_log_buckets_and_never_exceed_the_max() {
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let s = h.stats();
        assert_eq!(s.count, 100);
        assert_eq!(s.max, Duration::from_millis(100));
        assert_eq!(s.mean, Duration::from_micros(50_500));
        // Each percentile is at or above the exact one, within a bucket (19%).
        for (got, exact) in [(s.p50, 50.0), (s.p90, 90.0), (s.p99, 99.0)] {
            let ms = got.as_secs_f64() * 1000.0;
            assert!(ms >= exact && ms <= exact * 1.19, "{ms} vs {exact}");
        }
        assert!(s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max);
    }

    #[test]
    fn extreme_latencies_land_in_the_end_buckets() {
        assert_eq!(bucket(Duration::ZERO), 0);
        assert_eq!(bucket(Duration::from_secs(1_000_000)), BUCKETS - 1);
        let mut h = Histogram::default();
        h.record(Duration::ZERO);
        assert_eq!(h.stats().p99, Duration::ZERO);
    }

    #[test]
    fn tool_names_beyond_the_bound_are_lumped_together() {
        let t = Timing::new();
        for i in 0..MAX_TOOLS + 10 {
            t.record("tools/call", Some(&format!("t{i}")), Duration::from_millis(1));
        }
        t.record("tools/call", Some("t0"), Duration::from_millis(1));
        let s = t.snapshot();
        assert_eq!(s.tools.len(), MAX_TOOLS + 1);
        assert_eq!(s.tools[OTHER_TOOLS].count, 10);
        assert_eq!(s.tools["t0"].count, 2);
        assert_eq!(s.methods["tools/call"].count, MAX_TOOLS as u64 + 11);
    }
}
