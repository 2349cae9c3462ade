//! The telemetry contract: the `HTTP request` root span, the ready-made error observer
//! [`LOG_ERROR`], and the request id.
//!
#![doc = include_str!("docs/telemetry.md")]

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;

use http::Version;
use tracing::Span;
use tracing::field::{Empty, Field, Value, debug, display};

use crate::Error;
use crate::request::{ConnectionInfo, MatchedRoute, RequestHead, RequestId};
use conventions::ServerEndpoint;

mod conventions;
mod log_error;

pub use log_error::{LOG_ERROR, LogError, log_error};

/// The request's root span, injectable as `&RootSpan` into any component.
#[derive(Debug, Clone)]
pub struct RootSpan {
    span: Span,
    /// What the request metrics need from the request's start.
    #[cfg(feature = "otel")]
    facts: crate::otel::RequestFacts,
}

impl RootSpan {
    /// The underlying span, e.g. to create child spans under it.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Records `value` on the field `field`. Only fields declared when the span was created can
    /// be recorded (see the module docs for the list).
    pub fn record<V: Value>(&self, field: &str, value: V) {
        self.span.record(field, value);
    }

    /// Opens the root span of a request, once it is routed: `route` is the matched template
    /// and the route's `METHOD /template` label, `None` for a fallback. Everything known at
    /// this point is recorded at creation, the span name (`otel.name`) included: an
    /// OpenTelemetry layer only reads a name given when the span is created.
    pub(crate) fn open(
        head: &RequestHead,
        request_id: &RequestId,
        connection: &ConnectionInfo,
        route: Option<(&MatchedRoute, &str)>,
    ) -> Self {
        let method = conventions::method_name(&head.method);
        let method_original = (method == conventions::OTHER).then(|| head.method.as_str());
        // Reading the host is skipped when no subscriber wants INFO spans.
        let server = tracing::level_enabled!(tracing::Level::INFO)
            .then(|| ServerEndpoint::of(head, connection));
        // Field values, the name among them, are computed only when the span is enabled.
        let span = tracing::info_span!(
            "HTTP request",
            otel.name = &*conventions::span_name(method, route.map(|(route, label)| (route.as_str(), label))),
            otel.kind = "server",
            http.request.method = method,
            http.request.method_original = method_original,
            http.route = route.map(|(route, _)| route.as_str()),
            url.scheme = connection.scheme,
            url.path = head.uri.path(),
            url.query = head.uri.query(),
            server.address = server.as_ref().map(|server| &*server.address),
            server.port = server.as_ref().map(|server| i64::from(server.port)),
            network.protocol.version = protocol_version(head.version),
            user_agent.original = head
                .headers
                .get(http::header::USER_AGENT)
                .map(|agent| String::from_utf8_lossy(agent.as_bytes())).as_deref(),
            client.address = %connection.peer_addr.ip(),
            request_id = request_id.as_str(),
            trace_id = Empty,
            http.response.status_code = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
            error.msg = Empty,
            error.details = Empty,
            error.source_chain = Empty,
            error.type = Empty,
            error.count = Empty,
            http.server.request.duration = Empty,
        );
        #[cfg(feature = "otel")]
        crate::otel::continue_trace(&span, &head.headers);
        Self {
            span,
            #[cfg(feature = "otel")]
            facts: crate::otel::RequestFacts::start(
                method,
                connection.scheme,
                route.map(|(route, _)| route.clone()),
            ),
        }
    }

    /// The span the observers of an error answered with a 4xx run in, when the root span is
    /// exported to OpenTelemetry: a child of the root span named `client error` (with
    /// `error.type`), so that an ERROR event about it (as [`LOG_ERROR`]
    /// emits) marks that span as failed, not the server span. tracing-opentelemetry's default
    /// layer sets status Error on the span an ERROR event happens in, and the HTTP conventions
    /// leave a server span's status unset for a 4xx. `None` otherwise: the observers run in the
    /// root span itself, so that a JSON log line's current span stays the root span.
    pub(crate) fn client_error_span(&self, error: &Error) -> Option<Span> {
        if !error.response_status()?.is_client_error() || !self.exported() {
            return None;
        }
        Some(tracing::info_span!(
            "client error",
            otel.kind = "internal",
            error.type = error.type_name(),
        ))
    }

    /// Whether an OpenTelemetry layer exports the root span (always false without the feature
    /// `otel`, which brings the API to ask).
    fn exported(&self) -> bool {
        #[cfg(feature = "otel")]
        return crate::otel::is_exported(&self.span);
        #[cfg(not(feature = "otel"))]
        return false;
    }

    /// Records how the request ended: the status code of the response that is sent
    /// (`otel.status_code` is `ERROR` for a 5xx) and, when the request saw errors, the error
    /// whose response is sent (if it is known) and how many errors there were.
    pub(crate) fn record_outcome(
        &self,
        status: http::StatusCode,
        errors: Option<(Option<&Error>, usize)>,
    ) {
        #[cfg(feature = "otel")]
        crate::otel::record_duration(
            &self.facts,
            status,
            error_type(Some(status), errors.and_then(|(sent, _)| sent)),
        );
        self.record_end(Some(status), errors);
    }

    /// Puts an error that was just observed on the trace and in the metrics.
    #[cfg(feature = "otel")]
    pub(crate) fn observed(&self, error: &Error) {
        crate::otel::observed(&self.span, &self.facts, error, error_source_chain);
    }

    /// Records the error whose response was sent, if it is known, and how many errors the
    /// request saw (after the response's head, for a streamed body that failed).
    pub(crate) fn record_errors(&self, sent: Option<&Error>, count: usize) {
        self.record_end(None, Some((sent, count)));
    }

    /// Records the end of the request in one call: a subscriber that keeps a span's fields
    /// formatted (tracing-subscriber's JSON does) formats all of them again on every call.
    ///
    /// A 5xx sets the status Error with a description (the error's message, else the status
    /// line); any other status leaves it unset. `error.type` is the type of the error whose
    /// response is sent, whatever its status, else the status code for a 5xx.
    fn record_end(
        &self,
        status: Option<http::StatusCode>,
        errors: Option<(Option<&Error>, usize)>,
    ) {
        if self.span.is_disabled() {
            return;
        }
        // Integers as i64: tracing-opentelemetry exports a u64 as a string.
        let code = status.map(|status| i64::from(status.as_u16()));
        let server_error = status.filter(http::StatusCode::is_server_error);
        let (sent, count) = match errors {
            Some((sent, count)) => (sent, Some(i64::try_from(count).unwrap_or(i64::MAX))),
            None => (None, None),
        };
        let msg = sent.map(display);
        let details = sent.map(debug);
        let chain = sent.map(error_source_chain);
        let chain = chain.as_deref();
        let type_name = error_type(status, sent);
        let type_name = type_name.as_deref();
        let status_code = server_error.map(|_| "ERROR");
        let status_line = server_error.map(display);
        let description = match (&status_line, &msg) {
            (None, _) => None,
            (Some(_), Some(msg)) => Some(msg as &dyn Value),
            (Some(line), None) => Some(line as &dyn Value),
        };
        self.record_fields([
            code.as_ref().map(|v| v as &dyn Value),
            status_code.as_ref().map(|v| v as &dyn Value),
            description,
            msg.as_ref().map(|v| v as &dyn Value),
            details.as_ref().map(|v| v as &dyn Value),
            chain.as_ref().map(|v| v as &dyn Value),
            type_name.as_ref().map(|v| v as &dyn Value),
            count.as_ref().map(|v| v as &dyn Value),
        ]);
    }

    /// Records the fields of [`END_FIELDS`] given a value, in one call to the subscriber.
    fn record_fields(&self, values: [Option<&dyn Value>; END_FIELDS.len()]) {
        let Some(metadata) = self.span.metadata().filter(|_| !self.span.is_disabled()) else {
            return;
        };
        // Looked up by name once: every root span comes from the one callsite in `open`.
        static FIELDS: OnceLock<[Field; END_FIELDS.len()]> = OnceLock::new();
        let fields = FIELDS.get_or_init(|| {
            END_FIELDS.map(|name| {
                metadata
                    .fields()
                    .field(name)
                    .expect("the root span declares every field it records")
            })
        });
        let pairs: [(&Field, Option<&dyn Value>); END_FIELDS.len()] =
            std::array::from_fn(|index| (&fields[index], values[index]));
        self.span.record_all(&metadata.fields().value_set(&pairs));
    }
}

/// The fields [`RootSpan::record_end`] records, in the order it gives their values.
const END_FIELDS: [&str; 8] = [
    "http.response.status_code",
    "otel.status_code",
    "otel.status_description",
    "error.msg",
    "error.details",
    "error.source_chain",
    "error.type",
    "error.count",
];

/// `error.type`: the type of the error whose response is sent, whatever its status, else the
/// status code of a 5xx.
fn error_type(status: Option<http::StatusCode>, sent: Option<&Error>) -> Option<Cow<'static, str>> {
    match (sent, status) {
        (Some(sent), _) => Some(Cow::Borrowed(sent.type_name())),
        (None, Some(status)) if status.is_server_error() => {
            Some(Cow::Owned(status.as_str().to_owned()))
        }
        (None, _) => None,
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
