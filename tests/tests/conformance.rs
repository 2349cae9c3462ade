//! The error-reporting contract, one error source at a time: for each, a real capturing
//! subscriber checks the ERROR event (`error.msg`, `error.details`, `error.source_chain`,
//! `error.type`) and the same fields on the request's root span.

use std::sync::Mutex;

use watchful::http::StatusCode;
use watchful::request::{RawPathParams, RequestId};
use watchful::telemetry::{LOG_ERROR, RootSpan};
use watchful::testing::TestClient;
use watchful::testing::{Capture, capture};
use watchful::{
    Blueprint, error_handler, error_observer, get, request_scoped, singleton, transient,
};

#[derive(Debug, thiserror::Error)]
#[error("the order could not be loaded")]
pub struct LoadError(#[source] StorageError);

#[derive(Debug, thiserror::Error)]
#[error("storage is unavailable")]
pub struct StorageError(#[source] std::io::Error);

fn load_error() -> LoadError {
    LoadError(StorageError(std::io::Error::other("connection reset")))
}

/// Checks the contract for a request that saw exactly one error: one ERROR event inside the
/// root span with the given message and chain, and the same fields on the root span.
fn assert_reported(capture: &Capture, msg: &str, chain: &str, type_suffix: &str) {
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let event = &errors[0];
    assert_eq!(event.field("error.msg"), Some(msg));
    assert_eq!(event.field("error.source_chain"), Some(chain));
    let details = event.field("error.details").expect("error.details");
    assert!(
        !details.is_empty() && details != msg,
        "details is the Debug output: {details}"
    );
    let ty = event.field("error.type").expect("error.type");
    assert!(ty.ends_with(type_suffix), "{ty}");

    let root = capture.root_span();
    assert_eq!(
        event.root_span,
        Some(root.serial),
        "the event is inside the root span"
    );
    for field in [
        "error.msg",
        "error.details",
        "error.source_chain",
        "error.type",
    ] {
        assert_eq!(
            root.field(field),
            event.field(field),
            "{field} on the root span"
        );
    }
    assert_eq!(root.field("error.count"), Some("1"));
}

async fn client(bp: Blueprint) -> TestClient {
    TestClient::new(bp.build().await.expect("the blueprint is valid"))
}

#[error_handler]
pub fn load_error_to_response(_e: &LoadError) -> StatusCode {
    StatusCode::BAD_GATEWAY
}

// A handler error.

#[get("/orders/{id}")]
pub fn get_order(_params: &RawPathParams) -> Result<&'static str, LoadError> {
    Err(load_error())
}

#[tokio::test]
async fn handler_error() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_handler(LOAD_ERROR_TO_RESPONSE);
    bp.route(GET_ORDER);

    let response = client(bp).await.get("/orders/7").send().await;

    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_reported(
        &capture,
        "the order could not be loaded",
        "storage is unavailable\nconnection reset",
        "LoadError",
    );
    let root = capture.root_span();
    assert_eq!(root.field("http.response.status_code"), Some("502"));
    assert_eq!(root.field("otel.status_code"), Some("ERROR"));
    assert_eq!(root.field("http.route"), Some("/orders/{id}"));
    assert_eq!(root.field("otel.name"), Some("GET /orders/{id}"));
}

// A request-scoped constructor error.

pub struct Session;

#[request_scoped]
pub fn session() -> Result<Session, LoadError> {
    Err(load_error())
}

#[get("/session")]
pub fn with_session(_session: &Session) -> &'static str {
    "unreachable"
}

#[tokio::test]
async fn request_scoped_constructor_error() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.constructor(SESSION)
        .error_handler(LOAD_ERROR_TO_RESPONSE);
    bp.route(WITH_SESSION);

    let response = client(bp).await.get("/session").send().await;

    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_reported(
        &capture,
        "the order could not be loaded",
        "storage is unavailable\nconnection reset",
        "LoadError",
    );
}

// A transient constructor error, with a third-party error type.

pub struct Token;

#[transient]
pub fn token() -> Result<Token, std::io::Error> {
    Err(std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        "token store is locked",
    ))
}

#[get("/token")]
pub fn with_token(_token: Token) -> &'static str {
    "unreachable"
}

#[error_handler]
pub fn io_error_to_response(_e: &std::io::Error) -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

#[tokio::test]
async fn transient_constructor_error_with_a_std_error() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_handler(IO_ERROR_TO_RESPONSE);
    bp.constructor(TOKEN);
    bp.route(WITH_TOKEN);

    let response = client(bp).await.get("/token").send().await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_reported(
        &capture,
        "token store is locked",
        "",
        "std::io::error::Error",
    );
    let details = capture.error_events()[0].fields["error.details"].clone();
    assert!(details.contains("PermissionDenied"), "{details}");
}

// A third-party error: serde_json's.

#[get("/parse")]
pub fn parse() -> Result<String, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str("{\"unterminated\": ")?;
    Ok(value.to_string())
}

#[error_handler]
pub fn json_error_to_response(_e: &serde_json::Error) -> StatusCode {
    StatusCode::UNPROCESSABLE_ENTITY
}

#[tokio::test]
async fn serde_json_error() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(PARSE).error_handler(JSON_ERROR_TO_RESPONSE);

    let response = client(bp).await.get("/parse").send().await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_reported(
        &capture,
        "EOF while parsing a value at line 1 column 17",
        "",
        "serde_json::error::Error",
    );
}

// An anyhow error, handled by the catch-all `&watchful::Error` handler.

#[get("/anyhow")]
pub fn fails_with_anyhow() -> anyhow::Result<&'static str> {
    Err(anyhow::anyhow!("disk quota exceeded").context("could not save the upload"))
}

#[error_handler]
pub fn catch_all(error: &watchful::Error) -> (StatusCode, String) {
    (
        StatusCode::INSUFFICIENT_STORAGE,
        format!("handled as {}", error.type_name()),
    )
}

#[tokio::test]
async fn anyhow_error_through_the_catch_all_handler() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_handler(CATCH_ALL);
    bp.route(FAILS_WITH_ANYHOW);

    let app = bp.build().await.expect("valid");
    assert_eq!(
        app.warnings().len(),
        1,
        "falling back to the catch-all is a warning"
    );
    let response = TestClient::new(app).get("/anyhow").send().await;

    assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(response.text(), "handled as anyhow::Error");
    assert_reported(
        &capture,
        "could not save the upload",
        "disk quota exceeded",
        "anyhow::Error",
    );
}

// No handler at all: the built-in 500 says nothing about the error.

#[get("/secret")]
pub fn leaks_nothing() -> Result<&'static str, LoadError> {
    Err(LoadError(StorageError(std::io::Error::other(
        "password=hunter2 rejected",
    ))))
}

#[tokio::test]
async fn builtin_500_does_not_leak_the_error() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(LEAKS_NOTHING);

    let response = client(bp).await.get("/secret").send().await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text();
    for secret in ["hunter2", "storage", "order", "LoadError"] {
        assert!(!body.contains(secret), "the body leaks `{secret}`: {body}");
    }
    let id = response.header("x-request-id").expect("x-request-id");
    assert!(body.contains(id), "the body names the request id: {body}");
    assert_reported(
        &capture,
        "the order could not be loaded",
        "storage is unavailable\npassword=hunter2 rejected",
        "LoadError",
    );
}

// Two observers: registration order, injected singletons and `&RootSpan`.

#[derive(Default)]
pub struct Journal(Mutex<Vec<String>>);

#[singleton]
pub fn journal() -> Journal {
    Journal::default()
}

#[error_observer]
pub fn first_observer(error: &watchful::Error, journal: &Journal, span: &RootSpan, id: &RequestId) {
    span.record("error.type", "overridden-by-the-first-observer");
    let entry = format!("first: {error} ({})", id.as_str());
    journal.0.lock().unwrap().push(entry);
}

#[error_observer]
pub async fn second_observer(error: &watchful::Error, journal: &Journal) {
    tokio::task::yield_now().await;
    journal.0.lock().unwrap().push(format!("second: {error}"));
}

#[get("/journal")]
pub fn read_journal(journal: &Journal) -> String {
    journal.0.lock().unwrap().join("\n")
}

#[tokio::test]
async fn observers_run_in_order_with_injected_inputs() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(FIRST_OBSERVER);
    bp.error_observer(SECOND_OBSERVER);
    bp.constructor(JOURNAL);
    bp.error_handler(LOAD_ERROR_TO_RESPONSE);
    bp.route(GET_ORDER);
    bp.route(READ_JOURNAL);
    let client = client(bp).await;

    let failed = client
        .get("/orders/1")
        .header("x-request-id", "req-1")
        .send()
        .await;
    assert_eq!(failed.status(), StatusCode::BAD_GATEWAY);
    let journal = client.get("/journal").send().await;

    assert_eq!(
        journal.text(),
        "first: the order could not be loaded (req-1)\nsecond: the order could not be loaded"
    );
    // Without LOG_ERROR there is no event, but the framework still records the error that
    // produced the response on the root span (after the observers ran).
    assert!(capture.error_events().is_empty());
    let root = &capture.root_spans()[0];
    assert_eq!(
        root.field("error.msg"),
        Some("the order could not be loaded")
    );
    assert!(root.field("error.type").unwrap().ends_with("LoadError"));
}

// A path parameter that is not UTF-8 once decoded: 400, observed.

#[get("/files/{name}")]
pub fn get_file(params: &RawPathParams) -> String {
    params.get("name").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn path_parameters_are_percent_decoded_and_bad_ones_are_observed() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(GET_FILE);
    let client = client(bp).await;

    assert_eq!(client.get("/files/a%20b").send().await.text(), "a b");
    let response = client.get("/files/%FF").send().await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text(),
        "the path parameter `name` is not valid UTF-8 once percent-decoded"
    );
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .field("error.source_chain")
            .unwrap()
            .contains("invalid utf-8")
    );
}

// The request timeout: an error like any other, with a built-in 503 a blueprint can override.

#[get("/slow")]
pub async fn slow() -> &'static str {
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    "too late"
}

#[error_handler]
pub fn timeout_to_response(error: &watchful::error::RequestTimeout) -> (StatusCode, String) {
    (
        StatusCode::GATEWAY_TIMEOUT,
        format!("gave up after {:?}", error.limit()),
    )
}

#[tokio::test(start_paused = true)]
async fn a_request_timeout_is_handled_and_observed() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.request_timeout(std::time::Duration::from_secs(2));
    bp.route(SLOW);

    let response = client(bp).await.get("/slow").send().await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.text(), "the request was not served within 2s");
    assert_reported(
        &capture,
        "the request was not served within 2s",
        "",
        "RequestTimeout",
    );
}

#[tokio::test(start_paused = true)]
async fn the_blueprint_can_handle_framework_errors_itself() {
    let mut bp = Blueprint::new();
    bp.request_timeout(std::time::Duration::from_millis(1500));
    bp.error_handler(TIMEOUT_TO_RESPONSE);
    bp.route(SLOW);

    let response = client(bp).await.get("/slow").send().await;

    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(response.text(), "gave up after 1.5s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_client_can_be_shared_across_tasks() {
    let mut bp = Blueprint::new();
    bp.route(GET_FILE);
    let client = client(bp).await;

    // Each task owns a clone; every request is served with its own path parameter.
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let response = client.get(&format!("/files/f{n}")).send().await;
                response.text().to_owned()
            })
        })
        .collect();
    for (n, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.expect("the task ran"), format!("f{n}"));
    }
}
