//! The foundation issue's acceptance example (verbatim but for a tracing event in `greet`, so a
//! test can tell whether it ran), and the behaviour it must have.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};
use watchful::http::StatusCode;
use watchful::request::{RawPathParams, RequestHead};
use watchful::telemetry::{LOG_ERROR, RootSpan};
use watchful::testing::TestClient;
use watchful::testing::capture;
use watchful::{Blueprint, error_handler, error_observer, get, request_scoped, singleton};

#[derive(Debug, thiserror::Error)]
#[error("no greeting for `{name}`")]
pub struct GreetError {
    name: String,
    #[source]
    cause: std::io::Error,
}

#[derive(Default)]
pub struct Greeter;
#[derive(Clone, Default)]
pub struct ErrorCounter(pub Arc<AtomicUsize>);
pub struct Audit;

#[singleton]
pub fn greeter() -> Greeter {
    Greeter
}

#[request_scoped]
pub fn audit(head: &RequestHead) -> Result<Audit, std::io::Error> {
    if head.headers.contains_key("x-deny") {
        Err(std::io::Error::other("audit log is full"))
    } else {
        Ok(Audit)
    }
}

#[get("/greet/{name}")]
pub async fn greet(params: &RawPathParams, _g: &Greeter, _a: &Audit) -> Result<String, GreetError> {
    // Lets a test see whether the handler ran, in its own capture.
    tracing::info!(handler = "greet", "greeting");
    let name = params.get("name").unwrap_or_default().to_owned();
    if name == "nobody" {
        return Err(GreetError {
            name,
            cause: std::io::Error::new(std::io::ErrorKind::NotFound, "directory lookup failed"),
        });
    }
    Ok(format!("Hello, {name}!"))
}

#[error_handler]
pub fn greet_error(_e: &GreetError) -> StatusCode {
    StatusCode::NOT_FOUND
}
#[error_handler]
pub fn io_error(_e: &std::io::Error) -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

#[error_observer]
pub async fn count_errors(_e: &watchful::Error, counter: &ErrorCounter, _span: &RootSpan) {
    counter.0.fetch_add(1, Ordering::SeqCst);
    tracing::info!(observer = "count_errors", "counted");
}

pub fn blueprint(counter: ErrorCounter) -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_observer(COUNT_ERRORS);
    bp.prebuilt(counter);
    bp.constructor(GREETER);
    bp.constructor(AUDIT);
    bp.error_handler(IO_ERROR);
    bp.route(GREET).error_handler(GREET_ERROR);
    bp
}

async fn client() -> (TestClient, ErrorCounter) {
    let counter = ErrorCounter::default();
    let app = blueprint(counter.clone())
        .build()
        .await
        .expect("the blueprint is valid");
    assert!(app.warnings().is_empty(), "{:?}", app.warnings());
    (TestClient::new(app), counter)
}

#[tokio::test]
async fn a_greeting_succeeds_without_error_events() {
    let (capture, _guard) = capture();
    let (client, counter) = client().await;

    let response = client.get("/greet/ada").send().await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "Hello, ada!");
    assert!(capture.error_events().is_empty());
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    let greet_ran = capture
        .events()
        .iter()
        .any(|e| e.field("handler") == Some("greet"));
    assert!(greet_ran, "the handler's own event is captured");
    let root = capture.root_span();
    assert_eq!(root.field("http.response.status_code"), Some("200"));
    assert_eq!(root.field("http.route"), Some("/greet/{name}"));
    assert_eq!(root.field("error.msg"), None);
}

#[tokio::test]
async fn a_handler_error_is_handled_by_the_route_handler_and_observed_in_order() {
    let (capture, _guard) = capture();
    let (client, counter) = client().await;

    let response = client.get("/greet/nobody").send().await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let event = &errors[0];
    assert_eq!(event.field("error.msg"), Some("no greeting for `nobody`"));
    let details = event.field("error.details").expect("error.details");
    assert!(details.starts_with("GreetError {"), "{details}");
    assert!(details.contains("directory lookup failed"), "{details}");
    let chain = event
        .field("error.source_chain")
        .expect("error.source_chain");
    assert!(chain.contains("directory lookup failed"), "{chain}");
    assert!(
        event.root_span.is_some(),
        "the event is emitted inside the root span"
    );

    let root = capture.root_span();
    assert_eq!(Some(root.serial), event.root_span);
    assert_eq!(root.field("error.msg"), event.field("error.msg"));
    assert_eq!(root.field("error.details"), event.field("error.details"));
    assert_eq!(
        root.field("error.source_chain"),
        event.field("error.source_chain")
    );
    assert_eq!(root.field("http.response.status_code"), Some("404"));
    assert_eq!(root.field("error.count"), Some("1"));
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);

    // LOG_ERROR's event comes before COUNT_ERRORS' one.
    let events = capture.events();
    let logged = events.iter().position(|e| e.field("error.msg").is_some());
    let counted = events
        .iter()
        .position(|e| e.field("observer") == Some("count_errors"));
    assert!(logged < counted, "{events:#?}");
}

#[tokio::test]
async fn a_constructor_error_skips_the_handler_and_uses_the_blueprint_handler() {
    let (capture, _guard) = capture();
    let (client, counter) = client().await;

    let response = client.get("/greet/ada").header("x-deny", "1").send().await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let greet_ran = capture
        .events()
        .iter()
        .any(|e| e.field("handler") == Some("greet"));
    assert!(!greet_ran, "greet never ran");
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field("error.msg"), Some("audit log is full"));
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_404_and_405_with_a_root_span() {
    let (capture, _guard) = capture();
    let (client, _counter) = client().await;

    let response = client.get("/nowhere").send().await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let root = capture.root_span();
    assert_eq!(root.field("http.response.status_code"), Some("404"));
    assert!(capture.error_events().is_empty());

    let response = client.post("/greet/ada").send().await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
    assert_eq!(capture.root_spans().len(), 2);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_a_well_formed_one() {
    let (capture, _guard) = capture();
    let (client, _counter) = client().await;

    for path in ["/greet/ada", "/greet/nobody", "/nowhere"] {
        let response = client.get(path).send().await;
        let id = response.header("x-request-id").expect("x-request-id");
        assert!(!id.is_empty());
    }
    let response = client
        .get("/greet/ada")
        .header("x-request-id", "trace-42")
        .send()
        .await;
    assert_eq!(response.header("x-request-id"), Some("trace-42"));
    let last = capture.root_spans().pop().expect("a root span");
    assert_eq!(last.field("request_id"), Some("trace-42"));
}

#[tokio::test]
async fn head_is_served_by_the_get_route_without_a_body() {
    let (client, _counter) = client().await;
    let response = client
        .request(watchful::http::Method::HEAD, "/greet/ada")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().is_empty());
    assert_eq!(response.header("content-length"), Some("11"));
}

#[tokio::test]
async fn a_route_needing_an_unregistered_type_fails_the_build() {
    let mut bp = Blueprint::new();
    bp.route(GREET);
    let error = bp
        .build()
        .await
        .expect_err("Greeter and Audit have no constructor");
    let report = error.to_string();
    assert!(report.contains("foundation::greet"), "{report}");
    assert!(report.contains("foundation::Greeter"), "{report}");
    assert!(report.contains("nothing constructs it"), "{report}");
}
