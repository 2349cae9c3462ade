//! Middleware (`wrap`, `pre_process`, `post_process`): order of execution, early returns,
//! request-scoped values shared with the handler, and every error they raise or meet being
//! handled and observed, checked on real captured tracing output.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use watchful::http::{HeaderValue, StatusCode};
use watchful::middleware::{Next, Processing};
use watchful::request::RequestHead;
use watchful::telemetry::{LOG_ERROR, RootSpan};
use watchful::testing::{TestClient, capture};
use watchful::{
    Blueprint, Response, error_handler, get, post_process, pre_process, request_scoped, wrap,
};

/// What ran, in order; a prebuilt singleton the test keeps a clone of.
#[derive(Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    fn write(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn marked(mut response: Response, name: &'static str) -> Response {
    response
        .headers_mut()
        .append("x-seen-by", HeaderValue::from_static(name));
    response
}

// ---------------------------------------------------------------------------------------------
// Order of execution
// ---------------------------------------------------------------------------------------------

#[pre_process]
pub fn pre_a(journal: &Journal) -> Processing {
    journal.write("A");
    Processing::Continue
}

#[post_process]
pub fn post_b(response: Response, journal: &Journal) -> Response {
    journal.write("B");
    marked(response, "B")
}

#[wrap]
pub async fn wrap_w(next: Next, journal: &Journal) -> Response {
    journal.write("W before");
    let response = next.await;
    journal.write("W after");
    marked(response, "W")
}

#[pre_process]
pub fn pre_c(journal: &Journal, head: &RequestHead) -> Processing {
    journal.write("C");
    match head.headers.contains_key("x-stop") {
        true => Processing::early_return((StatusCode::FORBIDDEN, "stopped by C")),
        false => Processing::Continue,
    }
}

#[post_process]
pub fn post_d(response: Response, journal: &Journal) -> Response {
    journal.write("D");
    marked(response, "D")
}

#[get("/ordered")]
pub fn ordered(journal: &Journal) -> &'static str {
    journal.write("handler");
    "ordered"
}

async fn ordered_app() -> (TestClient, Journal) {
    let journal = Journal::default();
    let mut bp = Blueprint::new();
    bp.prebuilt(journal.clone());
    bp.pre_process(PRE_A);
    bp.post_process(POST_B);
    bp.wrap(WRAP_W);
    bp.pre_process(PRE_C);
    bp.post_process(POST_D);
    bp.route(ORDERED);
    (TestClient::new(bp.build().await.unwrap()), journal)
}

fn seen_by(response: &watchful::testing::TestResponse) -> Vec<&str> {
    response
        .headers()
        .get_all("x-seen-by")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect()
}

#[tokio::test]
async fn middleware_run_in_registration_order_around_the_handler() {
    let (client, journal) = ordered_app().await;
    let response = client.get("/ordered").send().await;
    assert_eq!(response.text(), "ordered");
    assert_eq!(
        journal.entries(),
        ["A", "W before", "C", "handler", "D", "W after", "B"]
    );
    assert_eq!(seen_by(&response), ["D", "W", "B"]);
}

#[tokio::test]
async fn an_early_return_skips_the_handler_but_not_post_processing() {
    let (client, journal) = ordered_app().await;
    let response = client.get("/ordered").header("x-stop", "1").send().await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.text(), "stopped by C");
    assert_eq!(
        journal.entries(),
        ["A", "W before", "C", "D", "W after", "B"]
    );
    assert_eq!(seen_by(&response), ["D", "W", "B"]);
}

#[tokio::test]
async fn middleware_also_serve_the_fallback() {
    let (client, journal) = ordered_app().await;
    let response = client.get("/nowhere").send().await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        journal.entries(),
        ["A", "W before", "C", "D", "W after", "B"]
    );
}

// ---------------------------------------------------------------------------------------------
// The actix-web scenario: a handler error, then a post-processing error
// ---------------------------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
#[error("the inventory service refused the order")]
pub struct InventoryError(#[source] std::io::Error);

#[derive(Debug, thiserror::Error)]
#[error("the response could not be signed")]
pub struct SigningError(#[source] std::io::Error);

#[get("/order")]
pub fn place_order() -> Result<&'static str, InventoryError> {
    Err(InventoryError(std::io::Error::other("connection refused")))
}

#[error_handler]
pub fn inventory_error(_e: &InventoryError) -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

#[post_process]
pub fn sign(response: Response) -> Result<Response, SigningError> {
    match response.status().is_success() {
        true => Ok(response),
        false => Err(SigningError(std::io::Error::other("key vault unreachable"))),
    }
}

#[error_handler]
pub fn signing_error(_e: &SigningError) -> StatusCode {
    StatusCode::BAD_GATEWAY
}

#[tokio::test]
async fn a_handler_error_then_a_post_processing_error_are_both_observed() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.post_process(SIGN);
    bp.error_handler(SIGNING_ERROR);
    bp.route(PLACE_ORDER).error_handler(INVENTORY_ERROR);
    let client = TestClient::new(bp.build().await.unwrap());

    let response = client.get("/order").send().await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);

    let errors = telemetry.error_events();
    let messages: Vec<_> = errors.iter().map(|e| e.field("error.msg")).collect();
    assert_eq!(
        messages,
        [
            Some("the inventory service refused the order"),
            Some("the response could not be signed"),
        ]
    );
    assert_eq!(
        errors[0].field("error.source_chain"),
        Some("connection refused")
    );
    assert_eq!(
        errors[1].field("error.source_chain"),
        Some("key vault unreachable")
    );
    let root = telemetry.root_span();
    assert_eq!(
        root.field("error.msg"),
        Some("the response could not be signed")
    );
    assert_eq!(
        root.field("error.source_chain"),
        Some("key vault unreachable")
    );
    assert_eq!(
        root.field("error.details"),
        errors[1].field("error.details")
    );
    assert_eq!(root.field("error.count"), Some("2"));
    assert_eq!(root.field("http.response.status_code"), Some("502"));
}

// ---------------------------------------------------------------------------------------------
// A pre-processing rejection
// ---------------------------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
#[error("the request has no credentials")]
pub struct Unauthenticated;

#[pre_process]
pub fn authenticate(head: &RequestHead) -> Result<Processing, Unauthenticated> {
    match head.headers.contains_key("authorization") {
        true => Ok(Processing::Continue),
        false => Err(Unauthenticated),
    }
}

#[error_handler]
pub fn unauthenticated(_e: &Unauthenticated) -> (StatusCode, &'static str) {
    (StatusCode::UNAUTHORIZED, "log in first")
}

#[post_process]
pub fn stamp(response: Response) -> Response {
    marked(response, "stamp")
}

#[get("/secret")]
pub fn secret(journal: &Journal) -> &'static str {
    journal.write("secret handler");
    "the secret"
}

#[tokio::test]
async fn a_rejecting_pre_process_skips_the_handler_is_observed_and_post_processed() {
    let (telemetry, _guard) = capture();
    let journal = Journal::default();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.prebuilt(journal.clone());
    bp.pre_process(AUTHENTICATE);
    bp.post_process(STAMP);
    bp.error_handler(UNAUTHENTICATED);
    bp.route(SECRET);
    let client = TestClient::new(bp.build().await.unwrap());

    let response = client.get("/secret").send().await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(seen_by(&response), ["stamp"]);
    assert_eq!(response.text(), "log in first");
    assert!(journal.entries().is_empty(), "the handler never ran");
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the request has no credentials")
    );
    let root = telemetry.root_span();
    assert_eq!(
        root.field("error.msg"),
        Some("the request has no credentials")
    );
    assert_eq!(root.field("error.count"), Some("1"));

    let response = client
        .get("/secret")
        .header("authorization", "Bearer x")
        .send()
        .await;
    assert_eq!(response.text(), "the secret");
    assert_eq!(journal.entries(), ["secret handler"]);
}

// ---------------------------------------------------------------------------------------------
// A timing wrap, and its own failure
// ---------------------------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
#[error("the request took too long for the budget")]
pub struct OverBudget;

#[wrap]
pub async fn timing(
    next: Next,
    head: &RequestHead,
    span: &RootSpan,
) -> Result<Response, OverBudget> {
    let start = Instant::now();
    let response = next.await;
    span.record(
        "http.server.request.duration",
        start.elapsed().as_secs_f64(),
    );
    match head.headers.contains_key("x-budget-exceeded") {
        true => Err(OverBudget),
        false => Ok(response),
    }
}

#[error_handler]
pub fn over_budget(_e: &OverBudget) -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

#[get("/timed")]
pub async fn timed() -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    "timed"
}

#[tokio::test]
async fn a_timing_wrap_records_on_the_root_span_and_its_failure_is_observed() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.wrap(TIMING).error_handler(OVER_BUDGET);
    bp.route(TIMED);
    let client = TestClient::new(bp.build().await.unwrap());

    assert_eq!(client.get("/timed").send().await.text(), "timed");
    let root = telemetry.root_span();
    let seconds: f64 = root
        .field("http.server.request.duration")
        .expect("the wrap recorded the duration")
        .parse()
        .unwrap();
    assert!(seconds >= 0.020, "{seconds}");
    assert!(telemetry.error_events().is_empty());

    telemetry.clear();
    let response = client
        .get("/timed")
        .header("x-budget-exceeded", "1")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the request took too long for the budget")
    );
    assert_eq!(
        telemetry.root_span().field("error.msg"),
        Some("the request took too long for the budget")
    );
}

// ---------------------------------------------------------------------------------------------
// Request-scoped values shared by middleware and handler
// ---------------------------------------------------------------------------------------------

/// Counts how many sessions were built.
#[derive(Default)]
pub struct Built(AtomicUsize);

pub struct Session {
    id: usize,
}

#[request_scoped]
pub fn session(built: &Built) -> Session {
    Session {
        id: built.0.fetch_add(1, Ordering::SeqCst) + 1,
    }
}

#[wrap]
pub async fn session_wrap(next: Next, session: &Session, journal: &Journal) -> Response {
    journal.write(format!("wrap sees session {}", session.id));
    next.await
}

#[pre_process]
pub fn session_pre(session: &Session, journal: &Journal) -> Processing {
    journal.write(format!("pre sees session {}", session.id));
    Processing::Continue
}

#[get("/session")]
pub fn session_handler(session: &Session) -> String {
    format!("session {}", session.id)
}

#[tokio::test]
async fn middleware_and_handler_share_one_request_scoped_instance() {
    let journal = Journal::default();
    let mut bp = Blueprint::new();
    bp.prebuilt(journal.clone());
    bp.prebuilt(Built::default());
    bp.constructor(SESSION);
    bp.wrap(SESSION_WRAP);
    bp.pre_process(SESSION_PRE);
    bp.route(SESSION_HANDLER);
    let client = TestClient::new(bp.build().await.unwrap());

    assert_eq!(client.get("/session").send().await.text(), "session 1");
    assert_eq!(
        journal.entries(),
        ["wrap sees session 1", "pre sees session 1"]
    );
    assert_eq!(client.get("/session").send().await.text(), "session 2");
}
