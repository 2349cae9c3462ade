//! The root span as OpenTelemetry exports it, through a DEFAULT `tracing_opentelemetry::layer()`
//! and the SDK's in-memory exporter: name, kind, attributes, status for each kind of outcome,
//! `traceparent` continuation, and the `exception` event of each observed error.
#![cfg(feature = "otel")]

use std::borrow::Cow;

use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt as _;
use watchful::http::{Method, StatusCode};
use watchful::request::RawPathParams;
use watchful::telemetry::LOG_ERROR;
use watchful::testing::TestClient;
use watchful::{Blueprint, error_handler, get};

#[derive(Debug, thiserror::Error)]
#[error("no note `{0}`")]
pub struct NoSuchNote(String);

#[derive(Debug, thiserror::Error)]
#[error("the note id `{0}` is not a number")]
pub struct BadNoteId(String, #[source] std::num::ParseIntError);

#[derive(Debug, thiserror::Error)]
#[error("the notes could not be loaded")]
pub struct StorageDown(#[source] std::io::Error);

#[get("/notes/{id}")]
pub fn get_note(params: &RawPathParams) -> Result<&'static str, NoSuchNote> {
    match params.get("id") {
        Some("1") => Ok("the first note"),
        other => Err(NoSuchNote(other.unwrap_or_default().to_owned())),
    }
}

#[get("/parse/{id}")]
pub fn parse_note(params: &RawPathParams) -> Result<&'static str, BadNoteId> {
    let id = params.get("id").unwrap_or_default();
    match id.parse::<u32>() {
        Ok(_) => Ok("parsed"),
        Err(error) => Err(BadNoteId(id.to_owned(), error)),
    }
}

#[get("/storage")]
pub fn storage() -> Result<&'static str, StorageDown> {
    Err(StorageDown(std::io::Error::other("connection refused")))
}

#[get("/panic")]
pub fn panicking() -> &'static str {
    panic!("the handler exploded")
}

#[get("/unavailable")]
pub fn unavailable() -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

#[error_handler]
pub fn no_such_note(_error: &NoSuchNote) -> StatusCode {
    StatusCode::NOT_FOUND
}

#[error_handler]
pub fn bad_note_id(_error: &BadNoteId) -> StatusCode {
    StatusCode::BAD_REQUEST
}

/// The exported spans of the requests sent while it lives.
struct Exported {
    exporter: InMemorySpanExporter,
    provider: SdkTracerProvider,
    _subscriber: tracing::subscriber::DefaultGuard,
}

impl Exported {
    fn start() -> Self {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        let subscriber =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
        Self {
            exporter,
            provider,
            _subscriber: subscriber,
        }
    }

    /// The only server span exported so far.
    fn server_span(&self) -> SpanData {
        self.provider.force_flush().expect("flush");
        let spans = self.exporter.get_finished_spans().expect("spans");
        let mut servers: Vec<SpanData> = spans
            .into_iter()
            .filter(|span| span.span_kind == SpanKind::Server)
            .collect();
        assert_eq!(
            servers.len(),
            1,
            "expected one server span, got {servers:#?}"
        );
        servers.remove(0)
    }

    fn spans(&self) -> Vec<SpanData> {
        self.provider.force_flush().expect("flush");
        self.exporter.get_finished_spans().expect("spans")
    }
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

fn text(span: &SpanData, key: &str) -> Option<String> {
    attribute(span, key).map(|value| value.as_str().into_owned())
}

fn integer(span: &SpanData, key: &str) -> Option<i64> {
    match attribute(span, key) {
        Some(Value::I64(value)) => Some(*value),
        other => panic!("{key} is not an integer: {other:?}"),
    }
}

async fn client() -> TestClient {
    TestClient::new(app().await)
}

async fn app() -> watchful::App {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_handler(NO_SUCH_NOTE);
    bp.error_handler(BAD_NOTE_ID);
    bp.route(GET_NOTE);
    bp.route(PARSE_NOTE);
    bp.route(STORAGE);
    bp.route(PANICKING);
    bp.route(UNAVAILABLE);
    bp.build().await.expect("the app builds")
}

#[tokio::test]
async fn a_200_has_the_conventions_attributes_and_no_status() {
    let exported = Exported::start();
    let response = client()
        .await
        .get("/notes/1?draft=yes")
        .header("host", "notes.example:8443")
        .header("user-agent", "curl/8.5")
        .send()
        .await;
    assert_eq!(response.status(), 200);

    let span = exported.server_span();
    assert_eq!(span.name, "GET /notes/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(text(&span, "http.request.method").as_deref(), Some("GET"));
    assert_eq!(attribute(&span, "http.request.method_original"), None);
    assert_eq!(text(&span, "http.route").as_deref(), Some("/notes/{id}"));
    assert_eq!(text(&span, "url.scheme").as_deref(), Some("http"));
    assert_eq!(text(&span, "url.path").as_deref(), Some("/notes/1"));
    assert_eq!(text(&span, "url.query").as_deref(), Some("draft=yes"));
    assert_eq!(
        text(&span, "server.address").as_deref(),
        Some("notes.example")
    );
    assert_eq!(integer(&span, "server.port"), Some(8443));
    assert_eq!(text(&span, "client.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(
        text(&span, "network.protocol.version").as_deref(),
        Some("1.1")
    );
    assert_eq!(
        text(&span, "user_agent.original").as_deref(),
        Some("curl/8.5")
    );
    assert_eq!(integer(&span, "http.response.status_code"), Some(200));
    assert_eq!(attribute(&span, "error.type"), None);
    let trace_id = text(&span, "trace_id").expect("trace_id is recorded");
    assert_eq!(trace_id, span.span_context.trace_id().to_string());
    assert!(span.events.is_empty(), "{:?}", span.events);
}

#[tokio::test]
async fn without_a_host_the_server_is_the_local_address() {
    let exported = Exported::start();
    // HTTP/2 needs no `Host` (HTTP/1.1 does: without one, the request is a 400).
    let request = watchful::http::Request::get("/notes/1")
        .version(watchful::http::Version::HTTP_2)
        .body(watchful::request::RequestBody::from_bytes(""))
        .unwrap();
    let connection = watchful::request::ConnectionInfo {
        peer_addr: ([127, 0, 0, 1], 50000).into(),
        local_addr: ([127, 0, 0, 1], 80).into(),
        scheme: "http",
    };
    app().await.handle(request, connection).await;
    let span = exported.server_span();
    assert_eq!(text(&span, "server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(integer(&span, "server.port"), Some(80));
}

#[tokio::test]
async fn a_404_without_a_route_is_named_by_its_method_and_unset() {
    let exported = Exported::start();
    let response = client().await.get("/nowhere").send().await;
    assert_eq!(response.status(), 404);

    let span = exported.server_span();
    assert_eq!(span.name, "GET");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attribute(&span, "http.route"), None);
    assert_eq!(integer(&span, "http.response.status_code"), Some(404));
    assert_eq!(attribute(&span, "error.type"), None);
}

#[tokio::test]
async fn an_unknown_method_is_other_and_the_span_is_named_http() {
    let exported = Exported::start();
    let purge = Method::from_bytes(b"PURGE").expect("a valid method");
    client().await.request(purge, "/nowhere").send().await;

    let span = exported.server_span();
    assert_eq!(span.name, "HTTP");
    assert_eq!(
        text(&span, "http.request.method").as_deref(),
        Some("_OTHER")
    );
    assert_eq!(
        text(&span, "http.request.method_original").as_deref(),
        Some("PURGE")
    );
}

#[tokio::test]
async fn a_typed_404_and_400_leave_the_server_span_unset_and_log_at_error() {
    for (path, status, error_type) in [
        ("/notes/7", 404, "NoSuchNote"),
        ("/parse/x", 400, "BadNoteId"),
    ] {
        let exported = Exported::start();
        let response = client().await.get(path).send().await;
        assert_eq!(response.status(), status);

        let span = exported.server_span();
        assert_eq!(span.status, Status::Unset, "{path}");
        assert_eq!(
            integer(&span, "http.response.status_code"),
            Some(i64::from(status))
        );
        assert!(text(&span, "error.type").unwrap().ends_with(error_type));
        // The exception is on the server span...
        let exception = span
            .events
            .iter()
            .find(|event| event.name == "exception")
            .expect("an exception event");
        let exception_type = exception
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "exception.type")
            .expect("exception.type");
        assert!(exception_type.value.as_str().ends_with(error_type));
        // ...and LOG_ERROR's ERROR event is on the `client error` child span, which it marks.
        let child = exported
            .spans()
            .into_iter()
            .find(|span| span.name == "client error")
            .expect("the observers' child span");
        assert_eq!(child.parent_span_id, span.span_context.span_id());
        assert_eq!(child.span_kind, SpanKind::Internal);
        assert!(matches!(child.status, Status::Error { .. }));
        let logged = child
            .events
            .iter()
            .find(|event| event.name == "an error occurred while serving the request")
            .expect("LOG_ERROR's event");
        assert!(
            logged
                .attributes
                .iter()
                .any(|kv| kv.key.as_str() == "level" && kv.value.as_str() == "ERROR")
        );
    }
}

#[tokio::test]
async fn a_500_is_an_error_with_the_error_as_description_and_an_exception_event() {
    let exported = Exported::start();
    let response = client().await.get("/storage").send().await;
    assert_eq!(response.status(), 500);

    let span = exported.server_span();
    assert_eq!(span.name, "GET /storage");
    assert_eq!(
        span.status,
        Status::Error {
            description: Cow::Borrowed("the notes could not be loaded")
        }
    );
    assert_eq!(integer(&span, "http.response.status_code"), Some(500));
    assert!(text(&span, "error.type").unwrap().ends_with("StorageDown"));

    let exceptions: Vec<_> = span
        .events
        .iter()
        .filter(|event| event.name == "exception")
        .collect();
    assert_eq!(exceptions.len(), 1, "one exception event per error");
    let attribute = |key: &str| {
        exceptions[0]
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
    };
    assert!(
        attribute("exception.type")
            .unwrap()
            .ends_with("StorageDown")
    );
    assert_eq!(
        attribute("exception.message").as_deref(),
        Some("the notes could not be loaded")
    );
    assert_eq!(
        attribute("error.source_chain").as_deref(),
        Some("connection refused")
    );
    // No backtrace capture in this test binary: no stack trace.
    assert_eq!(attribute("exception.stacktrace"), None);
}

#[tokio::test]
async fn a_5xx_without_an_error_is_typed_by_its_status() {
    let exported = Exported::start();
    client().await.get("/unavailable").send().await;
    let span = exported.server_span();
    assert_eq!(
        span.status,
        Status::Error {
            description: Cow::Borrowed("503 Service Unavailable")
        }
    );
    assert_eq!(text(&span, "error.type").as_deref(), Some("503"));
    assert!(span.events.iter().all(|event| event.name != "exception"));
}

#[tokio::test]
async fn a_panic_is_a_500_error() {
    let exported = Exported::start();
    let response = client().await.get("/panic").send().await;
    assert_eq!(response.status(), 500);

    let span = exported.server_span();
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(
        text(&span, "error.type").as_deref(),
        Some("watchful::error::Panic")
    );
    assert!(span.events.iter().any(|event| event.name == "exception"));
}

#[tokio::test]
async fn an_incoming_traceparent_is_continued() {
    let exported = Exported::start();
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    client()
        .await
        .get("/notes/1")
        .header("traceparent", traceparent)
        .send()
        .await;

    let span = exported.server_span();
    assert_eq!(
        span.span_context.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.parent_span_id.to_string(), "00f067aa0ba902b7");
    assert!(span.parent_span_is_remote);
    assert_eq!(
        text(&span, "trace_id").as_deref(),
        Some("4bf92f3577b34da6a3ce929d0e0e4736")
    );
}

#[get("/outgoing")]
pub fn outgoing() -> String {
    let mut headers = watchful::http::HeaderMap::new();
    watchful::otel::inject(&mut headers);
    headers
        .get("traceparent")
        .map(|value| value.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn inject_carries_the_current_trace_to_an_outgoing_request() {
    let exported = Exported::start();
    let mut bp = Blueprint::new();
    bp.route(OUTGOING);
    let client = TestClient::new(bp.build().await.expect("the app builds"));
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = client
        .get("/outgoing")
        .header("traceparent", traceparent)
        .send()
        .await;

    let span = exported.server_span();
    let expected = format!(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-{}-01",
        span.span_context.span_id()
    );
    assert_eq!(response.text(), expected);
    assert!(
        span.span_context
            .trace_id()
            .to_string()
            .starts_with("4bf92f35")
    );
}
