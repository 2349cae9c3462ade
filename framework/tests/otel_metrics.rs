//! The request metrics, read back from the SDK's in-memory metric exporter: the
//! `http.server.request.duration` histogram (seconds, the conventions' buckets, its
//! attributes) and the errors counter by `error.type` and `http.route`.
//!
//! One test: the instruments come from the global meter provider, installed once per process.
#![cfg(feature = "otel")]

use std::collections::BTreeMap;

use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use watchful::http::StatusCode;
use watchful::testing::TestClient;
use watchful::{Blueprint, error_handler, get};

#[derive(Debug, thiserror::Error)]
#[error("no such note")]
pub struct NoSuchNote;

#[get("/notes/{id}")]
pub fn get_note() -> Result<&'static str, NoSuchNote> {
    Err(NoSuchNote)
}

#[get("/ok")]
pub fn ok() -> &'static str {
    "ok"
}

#[get("/broken")]
pub fn broken() -> Result<&'static str, std::io::Error> {
    Err(std::io::Error::other("disk on fire"))
}

#[error_handler]
pub fn no_such_note(_error: &NoSuchNote) -> StatusCode {
    StatusCode::NOT_FOUND
}

type Attributes = BTreeMap<String, String>;

fn attributes<'a>(pairs: impl Iterator<Item = &'a opentelemetry::KeyValue>) -> Attributes {
    pairs
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

fn expected(pairs: &[(&str, &str)]) -> Attributes {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

#[tokio::test]
async fn the_duration_histogram_and_the_errors_counter() {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());

    let mut bp = Blueprint::new();
    bp.error_handler(NO_SUCH_NOTE);
    bp.route(GET_NOTE);
    bp.route(OK);
    bp.route(BROKEN);
    let client = TestClient::new(bp.build().await.expect("the app builds"));
    client.get("/ok").send().await;
    client.get("/ok").send().await;
    client.get("/notes/7").send().await;
    client.get("/broken").send().await;
    client.get("/nowhere").send().await;
    provider.force_flush().expect("flush");

    let exported = exporter.get_finished_metrics().expect("metrics");
    let metrics: Vec<_> = exported
        .iter()
        .flat_map(|resource| resource.scope_metrics())
        .filter(|scope| scope.scope().name() == "watchful")
        .flat_map(|scope| scope.metrics())
        .collect();

    let duration = metrics
        .iter()
        .find(|metric| metric.name() == "http.server.request.duration")
        .expect("the duration histogram");
    assert_eq!(duration.unit(), "s");
    let AggregatedMetrics::F64(MetricData::Histogram(histogram)) = duration.data() else {
        panic!("not an f64 histogram: {:?}", duration.data());
    };
    let mut points: BTreeMap<Attributes, u64> = BTreeMap::new();
    for point in histogram.data_points() {
        let bounds: Vec<f64> = point.bounds().collect();
        assert_eq!(
            bounds,
            [
                0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
            ]
        );
        assert!(point.sum() < 5.0, "seconds, not milliseconds");
        points.insert(attributes(point.attributes()), point.count());
    }
    let base = [("http.request.method", "GET"), ("url.scheme", "http")];
    let with = |more: &[(&str, &str)]| expected(&[&base[..], more].concat());
    assert_eq!(
        points,
        BTreeMap::from([
            (
                with(&[("http.route", "/ok"), ("http.response.status_code", "200")]),
                2
            ),
            (
                with(&[
                    ("http.route", "/notes/{id}"),
                    ("http.response.status_code", "404"),
                    ("error.type", "otel_metrics::NoSuchNote"),
                ]),
                1
            ),
            (
                with(&[
                    ("http.route", "/broken"),
                    ("http.response.status_code", "500"),
                    ("error.type", "std::io::error::Error"),
                ]),
                1
            ),
            (with(&[("http.response.status_code", "404")]), 1),
        ])
    );

    let errors = metrics
        .iter()
        .find(|metric| metric.name() == "watchful.server.errors")
        .expect("the errors counter");
    let AggregatedMetrics::U64(MetricData::Sum(sum)) = errors.data() else {
        panic!("not a u64 sum: {:?}", errors.data());
    };
    assert!(sum.is_monotonic());
    let counts: BTreeMap<Attributes, u64> = sum
        .data_points()
        .map(|point| (attributes(point.attributes()), point.value()))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            (
                expected(&[
                    ("error.type", "otel_metrics::NoSuchNote"),
                    ("http.route", "/notes/{id}")
                ]),
                1
            ),
            (
                expected(&[
                    ("error.type", "std::io::error::Error"),
                    ("http.route", "/broken")
                ]),
                1
            ),
        ])
    );
}
