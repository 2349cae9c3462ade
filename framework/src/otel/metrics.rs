//! The request metrics, through the OpenTelemetry metrics API: the stable
//! `http.server.request.duration` histogram, and a counter of observed errors by type.

use std::sync::OnceLock;
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram};

use crate::request::MatchedRoute;

/// The bucket boundaries the HTTP conventions advise for `http.server.request.duration`, in
/// seconds.
const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// What the metrics of one request need from its start: kept by the root span.
#[derive(Debug, Clone)]
pub(crate) struct RequestFacts {
    start: Instant,
    method: &'static str,
    scheme: &'static str,
    route: Option<MatchedRoute>,
}

impl RequestFacts {
    /// Facts of a request that starts now; `method` as `http.request.method` records it,
    /// `route` the matched template (`None` for a fallback).
    pub(crate) fn start(
        method: &'static str,
        scheme: &'static str,
        route: Option<MatchedRoute>,
    ) -> Self {
        Self {
            start: Instant::now(),
            method,
            scheme,
            route,
        }
    }
}

/// The instruments, created on first use from the global meter provider: install it (with
/// [`init`](super::init)) before the first request.
struct Instruments {
    duration: Histogram<f64>,
    errors: Counter<u64>,
}

fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let scope = opentelemetry::InstrumentationScope::builder("watchful")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let meter = opentelemetry::global::meter_with_scope(scope);
        Instruments {
            duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            errors: meter
                .u64_counter("watchful.server.errors")
                .with_unit("{error}")
                .with_description("Errors observed while serving requests, by type and route.")
                .build(),
        }
    })
}

/// Records `http.server.request.duration` for a request whose response head is ready, with
/// `http.request.method`, `http.route`, `http.response.status_code`, `url.scheme` and
/// `error.type` (when set on the root span).
pub(crate) fn record_duration(
    facts: &RequestFacts,
    status: http::StatusCode,
    error_type: Option<std::borrow::Cow<'static, str>>,
) {
    let mut attributes = Vec::with_capacity(5);
    attributes.push(KeyValue::new("http.request.method", facts.method));
    attributes.push(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    attributes.push(KeyValue::new("url.scheme", facts.scheme));
    if let Some(route) = &facts.route {
        attributes.push(KeyValue::new("http.route", route.0.clone()));
    }
    if let Some(error_type) = error_type {
        attributes.push(KeyValue::new("error.type", error_type));
    }
    let seconds = facts.start.elapsed().as_secs_f64();
    instruments().duration.record(seconds, &attributes);
}

/// Counts one observed error of type `error_type` on the route of `facts`.
pub(crate) fn count_error(facts: &RequestFacts, error_type: &'static str) {
    let mut attributes = Vec::with_capacity(2);
    attributes.push(KeyValue::new("error.type", error_type));
    if let Some(route) = &facts.route {
        attributes.push(KeyValue::new("http.route", route.0.clone()));
    }
    instruments().errors.add(1, &attributes);
}
