//! OpenTelemetry export (feature `otel`): the `mcp.request` spans go to an
//! OTLP collector over HTTP, each a child of the trace context the caller put
//! in `_meta` (`traceparent`, `tracestate`, `baggage`), so a client's trace
//! continues through the server; and [`meter`] exports metrics, such as the
//! `mcp.server.operation.duration` histogram of
//! [`Timing::with_meter`](crate::middleware::Timing::with_meter).
//!
//! The exporter follows the standard environment: `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (default `http://localhost:4318`), `OTEL_EXPORTER_OTLP_PROTOCOL`
//! (`http/protobuf` or `http/json`), `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_SERVICE_NAME`.
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt as _;
//! use tracing_subscriber::util::SubscriberInitExt as _;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (otel, _guard) = mcp_serve::telemetry::otel::layer("weather-server")?;
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::EnvFilter::new("info,mcp_serve=debug"))
//!     .with(otel)
//!     .init();
//! // … serve; dropping `_guard` flushes the last spans.
//! # Ok(()) }
//! ```

use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use tracing::Subscriber;
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt as _};
use tracing_subscriber::registry::LookupSpan;

use crate::protocol::types::Meta;

/// Why the exporter could not be built.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot set up the OTLP exporter: {0} (check OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf or http/json)"
)]
pub struct OtelError(String);

/// Flushes and shuts the exporter down when dropped: keep it alive while
/// the server runs.
///
/// ```no_run
/// let (_layer, guard) = mcp_serve::telemetry::otel::layer::<tracing_subscriber::Registry>("demo").unwrap();
/// drop(guard); // flushes
/// ```
#[derive(Debug)]
pub struct OtelGuard {
    provider: SdkTracerProvider,
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        let _ = self.provider.force_flush();
        let _ = self.provider.shutdown();
    }
}

/// The `tracing` layer exporting spans over OTLP/HTTP as `service_name`
/// (`OTEL_SERVICE_NAME` wins when set), and the guard that flushes it. Where
/// to send them comes from the standard environment (see the module docs).
///
/// ```no_run
/// use tracing_subscriber::layer::SubscriberExt as _;
/// let (otel, _guard) = mcp_serve::telemetry::otel::layer("demo").unwrap();
/// let subscriber = tracing_subscriber::registry().with(otel);
/// # let _ = subscriber;
/// ```
///
/// # Errors
/// The exporter could not be built from the environment.
pub fn layer<S>(service_name: &str) -> Result<(OpenTelemetryLayer<S, Tracer>, OtelGuard), OtelError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    build(
        service_name,
        opentelemetry_otlp::SpanExporter::builder().with_http(),
    )
}

/// How spans are encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// `http/protobuf`, the OTLP default.
    Protobuf,
    /// `http/json`.
    Json,
}

/// [`layer`], sending to `traces_endpoint` (the full URL, e.g.
/// `http://collector:4318/v1/traces`) in `protocol`, whatever the environment
/// says: for a server that configures its collector in code.
///
/// ```no_run
/// use mcp_serve::telemetry::otel::{layer_to, OtlpProtocol};
/// let (_otel, _guard) =
///     layer_to::<tracing_subscriber::Registry>("demo", "http://127.0.0.1:4318/v1/traces", OtlpProtocol::Json)
///         .unwrap();
/// ```
///
/// # Errors
/// The exporter could not be built (a malformed endpoint, say).
pub fn layer_to<S>(
    service_name: &str,
    traces_endpoint: &str,
    protocol: OtlpProtocol,
) -> Result<(OpenTelemetryLayer<S, Tracer>, OtelGuard), OtelError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    build(
        service_name,
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(traces_endpoint)
            .with_protocol(wire(protocol)),
    )
}

fn wire(protocol: OtlpProtocol) -> opentelemetry_otlp::Protocol {
    match protocol {
        OtlpProtocol::Protobuf => opentelemetry_otlp::Protocol::HttpBinary,
        OtlpProtocol::Json => opentelemetry_otlp::Protocol::HttpJson,
    }
}

fn build<S>(
    service_name: &str,
    exporter: opentelemetry_otlp::SpanExporterBuilder<opentelemetry_otlp::HttpExporterBuilderSet>,
) -> Result<(OpenTelemetryLayer<S, Tracer>, OtelGuard), OtelError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let exporter = exporter.build().map_err(|e| OtelError(e.to_string()))?;
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service_name.to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(name).build())
        .build();
    let tracer = provider.tracer("mcp-serve");
    Ok((
        tracing_opentelemetry::layer().with_tracer(tracer),
        OtelGuard { provider },
    ))
}

/// Flushes and shuts the metrics exporter down when dropped: keep it alive
/// while the server runs.
///
/// ```no_run
/// let (_meter, guard) = mcp_serve::telemetry::otel::meter("demo").unwrap();
/// drop(guard); // exports what is left
/// ```
#[derive(Debug)]
pub struct MetricsGuard {
    provider: SdkMeterProvider,
}

impl Drop for MetricsGuard {
    fn drop(&mut self) {
        let _ = self.provider.force_flush();
        let _ = self.provider.shutdown();
    }
}

/// A [`Meter`] exporting over OTLP/HTTP as `service_name` (`OTEL_SERVICE_NAME`
/// wins when set), every 60 s (`OTEL_METRIC_EXPORT_INTERVAL`), and the guard
/// that exports the rest when dropped. Where to send them comes from the
/// standard environment (see the module docs). Hand the meter to
/// [`Timing::with_meter`](crate::middleware::Timing::with_meter) for the
/// `mcp.server.operation.duration` histogram.
///
/// ```no_run
/// use mcp_serve::middleware::Timing;
/// let (meter, _guard) = mcp_serve::telemetry::otel::meter("demo").unwrap();
/// let timing = Timing::new().with_meter(&meter);
/// # let _ = timing;
/// ```
///
/// # Errors
/// The exporter could not be built from the environment.
pub fn meter(service_name: &str) -> Result<(Meter, MetricsGuard), OtelError> {
    build_meter(
        service_name,
        opentelemetry_otlp::MetricExporter::builder().with_http(),
    )
}

/// [`meter`], sending to `metrics_endpoint` (the full URL, e.g.
/// `http://collector:4318/v1/metrics`) in `protocol`, whatever the
/// environment says.
///
/// ```no_run
/// use mcp_serve::telemetry::otel::{meter_to, OtlpProtocol};
/// let (_meter, _guard) = meter_to("demo", "http://127.0.0.1:4318/v1/metrics", OtlpProtocol::Json).unwrap();
/// ```
///
/// # Errors
/// The exporter could not be built (a malformed endpoint, say).
pub fn meter_to(
    service_name: &str,
    metrics_endpoint: &str,
    protocol: OtlpProtocol,
) -> Result<(Meter, MetricsGuard), OtelError> {
    build_meter(
        service_name,
        opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_endpoint(metrics_endpoint)
            .with_protocol(wire(protocol)),
    )
}

fn build_meter(
    service_name: &str,
    exporter: opentelemetry_otlp::MetricExporterBuilder<opentelemetry_otlp::HttpExporterBuilderSet>,
) -> Result<(Meter, MetricsGuard), OtelError> {
    let exporter = exporter.build().map_err(|e| OtelError(e.to_string()))?;
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service_name.to_owned());
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter).build())
        .with_resource(Resource::builder().with_service_name(name).build())
        .build();
    let meter = provider.meter("mcp-serve");
    Ok((meter, MetricsGuard { provider }))
}

/// Reads W3C trace context from a request's `_meta`.
struct MetaExtractor<'a>(&'a Meta);

impl Extractor for MetaExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(serde_json::Value::as_str)
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

pub(crate) fn adopt_parent(span: &tracing::Span, meta: &Meta) {
    if !meta.contains_key("traceparent") {
        return;
    }
    let propagator = TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]);
    let parent = propagator.extract(&MetaExtractor(meta));
    // A disabled span (no subscriber wants it) has nothing to parent.
    let _ = span.set_parent(parent);
}
