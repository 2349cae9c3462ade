//! W3C trace context: the root span continues the trace an incoming request carries, and
//! [`inject`] carries the current trace into an outgoing request.

use http::HeaderMap;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Makes the root span `span` a child of the context the request's headers carry
/// (`traceparent` and `tracestate`, read by the globally installed text-map propagator), then
/// records its trace id as `trace_id`. Does nothing when no OpenTelemetry layer sees the span.
pub(crate) fn continue_trace(span: &Span, headers: &HeaderMap) {
    if span.is_disabled() {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    });
    if span.set_parent(parent).is_err() {
        // No OpenTelemetry layer: there is no trace to join.
        return;
    }
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
}

/// Whether an OpenTelemetry layer exports `span`: only then does it have a valid span context.
pub(crate) fn is_exported(span: &Span) -> bool {
    !span.is_disabled() && span.context().span().span_context().is_valid()
}

/// Writes the current trace context (the span the caller runs in, typically a component
/// inside the request's root span) into `headers`, with the globally installed text-map
/// propagator, so that the service called next continues the trace.
///
/// ```no_run
/// use watchful::http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// watchful::otel::inject(&mut headers);
/// // `headers` now has `traceparent` (and `tracestate` when the trace has one).
/// ```
pub fn inject(headers: &mut HeaderMap) {
    let context = Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut HeaderInjector(headers));
    });
}
