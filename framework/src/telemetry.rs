//! The telemetry contract: the `HTTP request` root span, the ready-made error observer
//! [`LOG_ERROR`], and the request id.
//!
#![doc = include_str!("docs/telemetry.md")]

use std::fmt::Write as _;

use http::Version;
use tracing::Span;
use tracing::field::{Empty, Value, debug, display};

use crate::Error;
use crate::request::{ConnectionInfo, RequestHead, RequestId};

/// The request's root span, injectable as `&RootSpan` into any component.
#[derive(Debug, Clone)]
pub struct RootSpan(Span);

impl RootSpan {
    /// The underlying span, e.g. to create child spans under it.
    pub fn span(&self) -> &Span {
        &self.0
    }

    /// Records `value` on the field `field`. Only fields declared when the span was created can
    /// be recorded (see the module docs for the list).
    pub fn record<V: Value>(&self, field: &str, value: V) {
        self.0.record(field, value);
    }

    /// Opens the root span of a request.
    pub(crate) fn open(head: &RequestHead, request_id: &RequestId, peer: &ConnectionInfo) -> Self {
        let span = tracing::info_span!(
            "HTTP request",
            http.request.method = %head.method,
            http.route = Empty,
            url.path = head.uri.path(),
            url.query = Empty,
            network.protocol.version = protocol_version(head.version),
            user_agent.original = Empty,
            client.address = %peer.peer_addr.ip(),
            request_id = request_id.as_str(),
            http.response.status_code = Empty,
            otel.name = Empty,
            otel.kind = "server",
            otel.status_code = Empty,
            error.msg = Empty,
            error.details = Empty,
            error.source_chain = Empty,
            error.type = Empty,
            error.count = Empty,
            http.server.request.duration = Empty,
        );
        if !span.is_disabled() {
            if let Some(query) = head.uri.query() {
                span.record("url.query", query);
            }
            if let Some(agent) = head.headers.get(http::header::USER_AGENT) {
                span.record(
                    "user_agent.original",
                    String::from_utf8_lossy(agent.as_bytes()).as_ref(),
                );
            }
        }
        Self(span)
    }

    /// Records `otel.name` (`METHOD /template` for a route, the method alone otherwise) and
    /// the route template once the router has matched one. Both are recorded once: a text
    /// formatter would show a field recorded twice twice.
    pub(crate) fn record_route(&self, route: Option<&str>, otel_name: &str) {
        if let Some(route) = route {
            self.0.record("http.route", route);
        }
        self.0.record("otel.name", otel_name);
    }

    /// Records the status code of the response that is sent.
    pub(crate) fn record_status(&self, status: http::StatusCode) {
        self.0.record("http.response.status_code", status.as_u16());
        if status.is_server_error() {
            self.0.record("otel.status_code", "ERROR");
        }
    }

    /// Records the error whose response is sent, if any, and how many errors the request
    /// saw.
    pub(crate) fn record_errors(&self, sent: Option<&Error>, count: usize) {
        let span = &self.0;
        if span.is_disabled() {
            return;
        }
        if let Some(error) = sent {
            span.record("error.msg", display(error));
            span.record("error.details", debug(error));
            span.record("error.source_chain", error_source_chain(error).as_str());
            span.record("error.type", error.type_name());
        }
        span.record("error.count", count as u64);
    }
}

fn protocol_version(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => "unknown",
    }
}

/// The Display of each cause of `error`, outermost first, one per line; the error itself is
/// not included, and an error without a source gives an empty string.
pub fn error_source_chain(error: &Error) -> String {
    let mut chain = String::new();
    for (index, cause) in error.sources().enumerate() {
        if index > 0 {
            chain.push('\n');
        }
        let _ = write!(chain, "{cause}");
    }
    chain
}

/// The ready-made error observer: one ERROR event per error, inside the request's root span,
/// with `error.msg`, `error.details`, `error.source_chain` and `error.type`. The same fields
/// are on the root span: the framework records them there for the error that produced the
/// response, after the observers ran.
///
/// Register it with `bp.error_observer(LOG_ERROR)`.
#[crate::error_observer]
pub fn log_error(error: &Error) {
    if tracing::enabled!(tracing::Level::ERROR) {
        tracing::error!(
            error.msg = %error,
            error.details = ?error,
            error.source_chain = %error_source_chain(error),
            error.type = error.type_name(),
            "an error occurred while serving the request",
        );
    }
}
