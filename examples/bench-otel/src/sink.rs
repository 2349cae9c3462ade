//! Where both servers' spans go: a `tracing-opentelemetry` layer on a tracer provider whose
//! simple processor exports each span, as it ends, to [`Discard`]. The simple processor
//! exports on the request's own thread, so callgrind counts the export in every request
//! instead of in a batch thread's timing.

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt as _;

/// A span exporter that drops what it is given: the cost measured is producing the spans,
/// not a backend's.
#[derive(Debug)]
pub struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(batch);
        Ok(())
    }
}

/// Installs the global `tracing` subscriber: [`subscriber`] on a provider exporting to
/// [`Discard`]; and the global propagator `watchful::otel::init()` installs (W3C trace context
/// and baggage), which both servers read the incoming trace with. The provider is returned to
/// be kept alive.
pub fn install() -> Result<SdkTracerProvider, tracing::subscriber::SetGlobalDefaultError> {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(Discard)
        .build();
    tracing::subscriber::set_global_default(subscriber(&provider))?;
    Ok(provider)
}

/// The subscriber both servers run under: a default `tracing-opentelemetry` layer on
/// `provider`'s tracer.
pub fn subscriber(provider: &SdkTracerProvider) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("bench")))
}
