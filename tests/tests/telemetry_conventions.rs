//! OpenTelemetry's HTTP server conventions on the root span without the feature `otel`, the
//! status of 4xx and 5xx, and the severity policy of `LogError`, all through the captured
//! `tracing` output.

use tracing::Level;
use watchful::http::{Method, StatusCode};
use watchful::telemetry::{LOG_ERROR, LogError};
use watchful::testing::{TestClient, capture};
use watchful::{Blueprint, Error, error_handler, error_observer, get};

#[derive(Debug, thiserror::Error)]
#[error("no note `{0}`")]
pub struct NoSuchNote(String);

#[get("/notes/{id}")]
pub fn get_note() -> Result<&'static str, NoSuchNote> {
    Err(NoSuchNote("7".to_owned()))
}

#[get("/fine")]
pub fn fine() -> &'static str {
    "fine"
}

#[get("/broken")]
pub fn broken() -> Result<&'static str, std::io::Error> {
    Err(std::io::Error::other("disk on fire"))
}

#[error_handler]
pub fn no_such_note(_error: &NoSuchNote) -> StatusCode {
    StatusCode::NOT_FOUND
}

async fn client(observer: watchful::component::ErrorObserver) -> TestClient {
    let mut bp = Blueprint::new();
    bp.error_observer(observer);
    bp.error_handler(NO_SUCH_NOTE);
    bp.route(GET_NOTE);
    bp.route(FINE);
    bp.route(BROKEN);
    TestClient::new(bp.build().await.expect("the app builds"))
}

#[tokio::test]
async fn the_root_span_carries_the_conventions_fields() {
    let (telemetry, _guard) = capture();
    client(LOG_ERROR)
        .await
        .get("/fine")
        .header("host", "[2001:db8::1]:8080")
        .send()
        .await;
    let root = telemetry.root_span();
    assert_eq!(root.field("otel.name"), Some("GET /fine"));
    assert_eq!(root.field("otel.kind"), Some("server"));
    assert_eq!(root.field("url.scheme"), Some("http"));
    assert_eq!(root.field("server.address"), Some("2001:db8::1"));
    assert_eq!(root.field("server.port"), Some("8080"));
    assert_eq!(root.field("http.response.status_code"), Some("200"));
    assert_eq!(root.field("otel.status_code"), None);
    assert_eq!(root.field("error.type"), None);
}

#[tokio::test]
async fn a_head_request_on_a_get_route_is_named_by_its_own_method() {
    let (telemetry, _guard) = capture();
    client(LOG_ERROR)
        .await
        .request(Method::HEAD, "/fine")
        .send()
        .await;
    assert_eq!(telemetry.root_span().field("otel.name"), Some("HEAD /fine"));
}

#[tokio::test]
async fn a_lowercase_method_is_other() {
    let (telemetry, _guard) = capture();
    let method = Method::from_bytes(b"get").expect("a valid method");
    client(LOG_ERROR)
        .await
        .request(method, "/fine")
        .send()
        .await;
    let root = telemetry.root_span();
    assert_eq!(root.field("http.request.method"), Some("_OTHER"));
    assert_eq!(root.field("http.request.method_original"), Some("get"));
    assert_eq!(root.field("otel.name"), Some("HTTP"));
}

#[tokio::test]
async fn a_4xx_is_logged_at_error_in_the_root_span_and_leaves_the_status_unset() {
    let (telemetry, _guard) = capture();
    client(LOG_ERROR).await.get("/notes/7").send().await;

    let events = telemetry.error_events();
    assert_eq!(events.len(), 1);
    assert!(events[0].root_span.is_some(), "inside the root span");
    // Without an OpenTelemetry layer there is no status to protect: no `client error` span,
    // so that a JSON line's current span stays the root span.
    assert!(
        telemetry
            .spans()
            .iter()
            .all(|span| span.name != "client error")
    );

    let root = telemetry.root_span();
    assert_eq!(root.field("http.response.status_code"), Some("404"));
    assert_eq!(root.field("otel.status_code"), None);
    assert!(root.field("error.type").unwrap().ends_with("NoSuchNote"));
}

#[tokio::test]
async fn a_5xx_is_an_error_with_a_description_and_no_client_error_span() {
    let (telemetry, _guard) = capture();
    client(LOG_ERROR).await.get("/broken").send().await;
    assert!(
        telemetry
            .spans()
            .iter()
            .all(|span| span.name != "client error")
    );
    let root = telemetry.root_span();
    assert_eq!(root.field("otel.status_code"), Some("ERROR"));
    assert_eq!(root.field("otel.status_description"), Some("disk on fire"));
    assert_eq!(root.field("error.type"), Some("std::io::error::Error"));
}

#[tokio::test]
async fn log_error_can_log_client_errors_at_warn_and_keeps_error_for_the_rest() {
    let (telemetry, _guard) = capture();
    let client = client(LogError::new().client_errors(Level::WARN)).await;
    client.get("/notes/7").send().await;
    client.get("/broken").send().await;

    let events: Vec<_> = telemetry
        .events()
        .into_iter()
        .filter(|event| event.field("error.msg").is_some())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].level, Level::WARN);
    assert_eq!(events[0].field("error.msg"), Some("no note `7`"));
    assert!(events[0].field("error.source_chain").is_some());
    assert_eq!(events[1].level, Level::ERROR);
    assert_eq!(events[1].field("error.msg"), Some("disk on fire"));
}

#[tokio::test]
async fn log_error_at_error_is_log_error() {
    assert_eq!(
        format!("{:?}", LogError::new().client_errors(Level::ERROR)),
        format!("{LOG_ERROR:?}")
    );
}

/// What the observer saw as the response's status.
static SEEN: std::sync::Mutex<Vec<Option<u16>>> = std::sync::Mutex::new(Vec::new());

#[error_observer]
pub fn remember_status(error: &Error) {
    SEEN.lock()
        .unwrap()
        .push(error.response_status().map(|status| status.as_u16()));
}

#[tokio::test]
async fn observers_see_the_status_of_the_response_made_for_the_error() {
    let client = client(REMEMBER_STATUS).await;
    client.get("/notes/7").send().await;
    client.get("/broken").send().await;
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(seen, [Some(404), Some(500)]);
}
