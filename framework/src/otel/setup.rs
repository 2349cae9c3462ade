//! [`init`]: tracer, meter and logger providers exporting OTLP over HTTP, configured by the
//! standard `OTEL_*` variables, and the [`OtelGuard`] that flushes them.

use std::sync::Mutex;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use opentelemetry_otlp::{LogExporter, MetricExporter, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::registry::LookupSpan;

use crate::sync::lock;

/// The providers [`init`] installed, for [`Server`](crate::Server) to flush on shutdown.
static INSTALLED: Mutex<Option<Providers>> = Mutex::new(None);

#[derive(Clone)]
struct Providers {
    tracer: SdkTracerProvider,
    meter: SdkMeterProvider,
    logger: SdkLoggerProvider,
}

/// Why [`init`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OtelError {
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` asks for a protocol this build does not export with
    /// (only `http/protobuf` is compiled in).
    #[error("OTEL_EXPORTER_OTLP_PROTOCOL is `{0}`, but only `http/protobuf` is supported")]
    UnsupportedProtocol(String),
    /// An exporter could not be built from the configuration.
    #[error("failed to build the OTLP {signal} exporter")]
    Exporter {
        /// `traces`, `metrics` or `logs`.
        signal: &'static str,
        /// What went wrong.
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// Installs OpenTelemetry for the process, exporting traces, metrics and logs with OTLP over
/// HTTP (protobuf), and returns the guard that owns the providers.
///
/// Configured by the standard variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (default
/// `http://localhost:4318`; the per-signal `OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT`
/// too), `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, the only one compiled in),
/// `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BSP_SCHEDULE_DELAY` (spans, default
/// 5 s) and `OTEL_METRIC_EXPORT_INTERVAL` (default 60 s). The batch processors and the metric
/// reader export from their own threads with a blocking HTTP client: no async runtime is
/// needed, and none is blocked.
///
/// It installs the global tracer and meter providers (the request metrics are created from the
/// global meter provider on the first request: call `init` before serving) and the W3C
/// `traceparent`/`tracestate` and baggage propagator. Add [`OtelGuard::layer`] to the
/// application's `tracing` subscriber, and keep the guard alive: [`Server`](crate::Server)
/// flushes the providers when it shuts down, and dropping the guard shuts them down.
///
/// ```no_run
/// use tracing_subscriber::layer::SubscriberExt as _;
/// use tracing_subscriber::util::SubscriberInitExt as _;
///
/// # fn main() -> Result<(), watchful::otel::OtelError> {
/// let otel = watchful::otel::init()?;
/// tracing_subscriber::registry()
///     .with(tracing_subscriber::fmt::layer().json())
///     .with(otel.layer())
///     .init();
/// # Ok(())
/// # }
/// ```
pub fn init() -> Result<OtelGuard, OtelError> {
    OtelBuilder::default().init()
}

/// [`init`] with settings given in code rather than by the `OTEL_*` variables.
///
/// ```no_run
/// # fn main() -> Result<(), watchful::otel::OtelError> {
/// // E.g. from the application's configuration file.
/// let otel = watchful::otel::OtelBuilder::default()
///     .endpoint("http://collector:4318")
///     .init()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct OtelBuilder {
    endpoint: Option<String>,
}

impl OtelBuilder {
    /// The OTLP/HTTP base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` would give it: each signal is
    /// sent to its path under it (`/v1/traces`, `/v1/metrics`, `/v1/logs`). It takes
    /// precedence over the variables.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Installs the providers, as [`init`] describes.
    pub fn init(self) -> Result<OtelGuard, OtelError> {
        if let Ok(protocol) = std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL")
            && protocol != "http/protobuf"
        {
            return Err(OtelError::UnsupportedProtocol(protocol));
        }
        let exporter_error = |signal| move |source| OtelError::Exporter { signal, source };
        let mut spans = SpanExporter::builder().with_http();
        let mut metrics = MetricExporter::builder().with_http();
        let mut logs = LogExporter::builder().with_http();
        if let Some(base) = &self.endpoint {
            let base = base.trim_end_matches('/');
            spans = spans.with_endpoint(format!("{base}/v1/traces"));
            metrics = metrics.with_endpoint(format!("{base}/v1/metrics"));
            logs = logs.with_endpoint(format!("{base}/v1/logs"));
        }
        let spans = spans.build().map_err(exporter_error("traces"))?;
        let metrics = metrics.build().map_err(exporter_error("metrics"))?;
        let logs = logs.build().map_err(exporter_error("logs"))?;
        let resource = Resource::builder().build();
        let providers = Providers {
            tracer: SdkTracerProvider::builder()
                .with_batch_exporter(spans)
                .with_resource(resource.clone())
                .build(),
            meter: SdkMeterProvider::builder()
                .with_reader(PeriodicReader::builder(metrics).build())
                .with_resource(resource.clone())
                .build(),
            logger: SdkLoggerProvider::builder()
                .with_batch_exporter(logs)
                .with_resource(resource)
                .build(),
        };
        opentelemetry::global::set_tracer_provider(providers.tracer.clone());
        opentelemetry::global::set_meter_provider(providers.meter.clone());
        opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ]));
        *lock(&INSTALLED) = Some(providers.clone());
        Ok(OtelGuard { providers })
    }
}

/// Owns the providers [`init`] installed; dropping it flushes and shuts them down.
#[must_use = "dropping the guard shuts the exporters down"]
pub struct OtelGuard {
    providers: Providers,
}

impl OtelGuard {
    /// The `tracing` layer that exports: spans become OpenTelemetry spans (a default
    /// `tracing-opentelemetry` layer on the installed tracer) and events become log records
    /// correlated with their trace and span. The exporters' own dependencies (`hyper`,
    /// `reqwest`, `h2`, `opentelemetry*`) are left out, so that exporting never feeds itself.
    pub fn layer<S>(&self) -> impl Layer<S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        let tracer = self.providers.tracer.tracer("watchful");
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .and_then(OpenTelemetryTracingBridge::new(&self.providers.logger))
            .with_filter(exporter_internals())
    }

    /// Flushes and shuts the providers down now, reporting the first failure.
    pub fn shutdown(self) -> Result<(), opentelemetry_sdk::error::OTelSdkError> {
        self.providers.shutdown()
    }
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        if let Err(error) = self.providers.shutdown() {
            // The exporters are gone: stderr is what is left.
            eprintln!("watchful: shutting OpenTelemetry down failed: {error}");
        }
    }
}

impl std::fmt::Debug for OtelGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtelGuard").finish_non_exhaustive()
    }
}

impl Providers {
    fn force_flush(&self) -> Result<(), opentelemetry_sdk::error::OTelSdkError> {
        self.tracer.force_flush()?;
        self.meter.force_flush()?;
        self.logger.force_flush()
    }

    /// Shuts down each provider (a second shutdown is harmless); the first failure wins.
    fn shutdown(&self) -> Result<(), opentelemetry_sdk::error::OTelSdkError> {
        *lock(&INSTALLED) = None;
        let results = [
            self.tracer.shutdown(),
            self.meter.shutdown(),
            self.logger.shutdown(),
        ];
        results
            .into_iter()
            .find(Result::is_err)
            .unwrap_or(Ok(()))
            .or_else(already_shut_down)
    }
}

/// A provider shut down already (by [`OtelGuard::shutdown`], then by the drop) is not a failure.
fn already_shut_down(
    error: opentelemetry_sdk::error::OTelSdkError,
) -> Result<(), opentelemetry_sdk::error::OTelSdkError> {
    match error {
        opentelemetry_sdk::error::OTelSdkError::AlreadyShutdown => Ok(()),
        error => Err(error),
    }
}

/// Everything but the crates the exporters run on.
fn exporter_internals() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("hyper", LevelFilter::OFF)
        .with_target("hyper_util", LevelFilter::OFF)
        .with_target("h2", LevelFilter::OFF)
        .with_target("reqwest", LevelFilter::OFF)
        .with_target("opentelemetry", LevelFilter::OFF)
        .with_target("opentelemetry_sdk", LevelFilter::OFF)
        .with_target("opentelemetry_otlp", LevelFilter::OFF)
        .with_target("opentelemetry_http", LevelFilter::OFF)
}

/// Flushes the providers [`init`] installed, if any, off the async runtime: called by the
/// server once in-flight requests are done, so that their spans, metrics and logs are
/// exported before the process exits.
pub(crate) async fn flush() {
    let Some(providers) = lock(&INSTALLED).clone() else {
        return;
    };
    let flushed = tokio::task::spawn_blocking(move || providers.force_flush()).await;
    match flushed {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(error = %error, "failed to flush OpenTelemetry"),
        Err(error) => tracing::warn!(error = %error, "failed to flush OpenTelemetry"),
    }
}
