//! With backtrace capture on (`RUST_LIB_BACKTRACE=1`), a panic's backtrace reaches the trace as
//! the `exception` event's `exception.stacktrace`, through a default
//! `tracing_opentelemetry::layer()`.
//!
//! One test: whether capture is on is read from the environment once per process.
#![cfg(feature = "otel")]

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt as _;
use watchful::testing::TestClient;
use watchful::{Blueprint, get};

#[get("/panic")]
pub fn explode_for_the_trace() -> &'static str {
    panic!("the handler exploded")
}

#[tokio::test]
async fn a_panics_backtrace_is_the_exception_stacktrace() {
    // SAFETY: set before any thread of this process reads the environment's backtrace
    // setting, and this binary has a single test.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "1") };
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let mut bp = Blueprint::new();
    bp.route(EXPLODE_FOR_THE_TRACE);
    let client = TestClient::new(bp.build().await.expect("the app builds"));
    assert_eq!(client.get("/panic").send().await.status(), 500);

    provider.force_flush().expect("flush");
    let spans = exporter.get_finished_spans().expect("spans");
    let server = spans
        .iter()
        .find(|span| span.span_kind == SpanKind::Server)
        .expect("the server span");
    let exception = server
        .events
        .iter()
        .find(|event| event.name == "exception")
        .expect("the exception event");
    let stacktrace = exception
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "exception.stacktrace")
        .map(|kv| kv.value.as_str().into_owned())
        .expect("exception.stacktrace");
    assert!(
        stacktrace.contains("explode_for_the_trace"),
        "the panic's own backtrace:\n{stacktrace}"
    );
}
