//! The telemetry contract: the `HTTP request` root span, the ready-made error observer
//! [`LOG_ERROR`], and the request id.
//!
#![doc = include_str!("docs/telemetry.md")]

use std::fmt::Write as _;

use http::Version;
use tracing::Span;
use tracing::field::{Empty, Field, Value, debug, display};

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
            url.scheme = peer.scheme,
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
        self.record_fields(&[
            (
                "http.route",
                route.as_ref().map(|route| route as &dyn Value),
            ),
            ("otel.name", Some(&otel_name)),
        ]);
    }

    /// Records how the request ended: the status code of the response that is sent
    /// (`otel.status_code` is `ERROR` for a 5xx) and, when the request saw errors, the error
    /// whose response is sent (if it is known) and how many errors there were.
    pub(crate) fn record_outcome(
        &self,
        status: http::StatusCode,
        errors: Option<(Option<&Error>, usize)>,
    ) {
        self.record_end(Some(status), errors);
    }

    /// Records the error whose response was sent, if it is known, and how many errors the
    /// request saw (after the response's head, for a streamed body that failed).
    pub(crate) fn record_errors(&self, sent: Option<&Error>, count: usize) {
        self.record_end(None, Some((sent, count)));
    }

    /// Records the end of the request in one call: a subscriber that keeps a span's fields
    /// formatted (tracing-subscriber's JSON does) formats all of them again on every call.
    fn record_end(
        &self,
        status: Option<http::StatusCode>,
        errors: Option<(Option<&Error>, usize)>,
    ) {
        if self.0.is_disabled() {
            return;
        }
        let code = status.map(|status| status.as_u16());
        let server_error = status
            .filter(http::StatusCode::is_server_error)
            .map(|_| "ERROR");
        let (sent, count) = match errors {
            Some((sent, count)) => (sent, Some(count as u64)),
            None => (None, None),
        };
        let msg = sent.map(display);
        let details = sent.map(debug);
        let chain = sent.map(error_source_chain);
        let chain = chain.as_deref();
        let type_name = sent.map(Error::type_name);
        self.record_fields(&[
            (
                "http.response.status_code",
                code.as_ref().map(|v| v as &dyn Value),
            ),
            (
                "otel.status_code",
                server_error.as_ref().map(|v| v as &dyn Value),
            ),
            ("error.msg", msg.as_ref().map(|v| v as &dyn Value)),
            ("error.details", details.as_ref().map(|v| v as &dyn Value)),
            (
                "error.source_chain",
                chain.as_ref().map(|v| v as &dyn Value),
            ),
            ("error.type", type_name.as_ref().map(|v| v as &dyn Value)),
            ("error.count", count.as_ref().map(|v| v as &dyn Value)),
        ]);
    }

    /// Records every field given a value, in one call to the subscriber.
    fn record_fields<const N: usize>(&self, values: &[(&str, Option<&dyn Value>); N]) {
        let Some(metadata) = self.0.metadata().filter(|_| !self.0.is_disabled()) else {
            return;
        };
        let fields = metadata.fields();
        let named: [(Field, Option<&dyn Value>); N] = std::array::from_fn(|index| {
            let (name, value) = values[index];
            let field = fields
                .field(name)
                .expect("the root span declares every field it records");
            (field, value)
        });
        let pairs: [(&Field, Option<&dyn Value>); N] =
            std::array::from_fn(|index| (&named[index].0, named[index].1));
        self.0.record_all(&fields.value_set(&pairs));
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
