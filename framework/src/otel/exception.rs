//! Errors on the trace: each observed error as an `exception` event on the root span.

use opentelemetry::KeyValue;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::metrics::{RequestFacts, count_error};
use crate::Error;

/// Puts `error`, just observed, on the trace and in the metrics: an `exception` event on the
/// root span `span` (`exception.type`, `exception.message`, `error.source_chain` as
/// `source_chain` makes it, and `exception.stacktrace` when the error has a backtrace) and
/// one count on the errors counter.
pub(crate) fn observed(
    span: &Span,
    facts: &RequestFacts,
    error: &Error,
    source_chain: fn(&Error) -> String,
) {
    count_error(facts, error.type_name());
    if span.is_disabled() {
        return;
    }
    let mut attributes = vec![
        KeyValue::new("exception.type", error.type_name()),
        KeyValue::new("exception.message", error.to_string()),
        KeyValue::new("error.source_chain", source_chain(error)),
    ];
    if let Some(trace) = error.backtrace() {
        attributes.push(KeyValue::new("exception.stacktrace", trace.to_string()));
    }
    span.add_event("exception", attributes);
}
