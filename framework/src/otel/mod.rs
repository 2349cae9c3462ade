//! OpenTelemetry (feature `otel`): trace propagation, errors on the trace, request metrics,
//! and [`init`], which exports all of it with OTLP.
//!
//! The root span follows the HTTP conventions with or without the feature (see
//! [`telemetry`](crate::telemetry)); the feature adds what needs the OpenTelemetry API:
//!
//! - the root span continues the trace of an incoming `traceparent`/`tracestate` (read with
//!   the globally installed propagator) and records its `trace_id`; [`inject`] carries the
//!   current trace into an outgoing request;
//! - each observed error is an `exception` event on the root span (`exception.type`,
//!   `exception.message`, `error.source_chain`, `exception.stacktrace` when a backtrace was
//!   captured);
//! - the `http.server.request.duration` histogram and the `watchful.server.errors` counter;
//! - [`init`] installs providers exporting OTLP over HTTP, and [`Server`](crate::Server)
//!   flushes them when it shuts down.
//!
//! The details, and why the exception is a span event, are in
//! [the telemetry docs](crate::telemetry#opentelemetry).

mod exception;
mod metrics;
mod propagation;
mod setup;

pub(crate) use exception::observed;
pub(crate) use metrics::{RequestFacts, record_duration};
pub use propagation::inject;
pub(crate) use propagation::{continue_trace, is_exported};
pub(crate) use setup::flush;
pub use setup::{OtelBuilder, OtelError, OtelGuard, init};
