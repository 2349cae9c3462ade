//! W3C trace context: the root span continues the trace an incoming request carries, and
//! [`inject`] carries the current trace into an outgoing request.

use http::HeaderMap;
use opentelemetry::trace::{TraceContextExt, TraceId};
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
        // Most requests carry none of the propagator's headers: extracting would give the
        // current context, the parent the span already has. A request has few headers, and
        // comparing names is cheaper than looking each field up (which parses and hashes it).
        let carried = headers.keys().any(|name| {
            propagator
                .fields()
                .any(|field| name.as_str().eq_ignore_ascii_case(field))
        });
        carried.then(|| propagator.extract(&HeaderExtractor(headers)))
    });
    if let Some(parent) = parent
        && span.set_parent(parent).is_err()
    {
        // No OpenTelemetry layer: there is no trace to join.
        return;
    }
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != TraceId::INVALID {
        span.record("trace_id", hex(trace_id).as_str());
    }
}

/// The trace id as 32 lowercase hex digits (its `Display`), written without the formatting
/// machinery: it is recorded on every request.
fn hex(trace_id: TraceId) -> HexTraceId {
    let id = u128::from_be_bytes(trace_id.to_bytes());
    let mut digits = [0; 32];
    let (high, low) = digits.split_at_mut(16);
    crate::request::hex((id >> 64) as u64, high);
    crate::request::hex(id as u64, low);
    HexTraceId(digits)
}

/// A trace id in hex, on the stack.
struct HexTraceId([u8; 32]);

impl HexTraceId {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_the_trace_ids_display() {
        for id in [1, 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c, u128::MAX] {
            let trace_id = TraceId::from(id);
            assert_eq!(hex(trace_id).as_str(), trace_id.to_string());
        }
    }
}
