//! Panics, caught wherever they happen: each becomes a `watchful::error::Panic`, handled (500
//! by default) and observed, over a real socket whose connection keeps serving afterwards.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use watchful::error::Panic;
use watchful::middleware::Next;
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{Capture, CapturedEvent, TestClient, capture};
use watchful::{
    Blueprint, Response, Server, error_handler, error_observer, get, request_scoped, wrap,
};
use watchful_conformance::within;

#[get("/ok")]
pub fn ok() -> &'static str {
    "still serving"
}

#[get("/handler")]
pub fn panicking_handler() -> &'static str {
    panic!("the handler exploded")
}

pub struct Fragile;

#[request_scoped]
pub fn fragile() -> Fragile {
    panic!("the constructor exploded")
}

#[get("/constructor")]
pub fn needs_fragile(_fragile: &Fragile) -> &'static str {
    "unreachable"
}

#[wrap]
pub async fn exploding_wrap(next: Next) -> Response {
    let response = next.await;
    if response.headers().contains_key("x-explode") {
        panic!("the wrap exploded");
    }
    response
}

#[get("/wrap")]
pub fn flagged() -> Response {
    let mut response = Response::new(Default::default());
    response
        .headers_mut()
        .insert("x-explode", watchful::http::HeaderValue::from_static("1"));
    response
}

#[derive(Debug, thiserror::Error)]
#[error("the ledger is locked")]
pub struct Locked;

#[get("/error-handler")]
pub fn locked() -> Result<&'static str, Locked> {
    Err(Locked)
}

#[error_handler]
pub fn locked_handler(_e: &Locked) -> StatusCode {
    panic!("the error handler exploded")
}

fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.wrap(EXPLODING_WRAP);
    bp.constructor(FRAGILE);
    bp.error_handler(LOCKED_HANDLER);
    bp.route(OK);
    bp.route(PANICKING_HANDLER);
    bp.route(NEEDS_FRAGILE);
    bp.route(FLAGGED);
    bp.route(LOCKED);
    bp
}

/// Sends `GET path` on an open HTTP/1.1 connection; returns the status and body.
async fn get(sender: &mut http1::SendRequest<Empty<Bytes>>, path: &str) -> (StatusCode, String) {
    within("the connection to be ready", sender.ready())
        .await
        .expect("the connection is still open");
    let request = Request::get(path)
        .header("host", "localhost")
        .body(Empty::new())
        .unwrap();
    let response = within("a response", sender.send_request(request))
        .await
        .expect("a response");
    let status = response.status();
    let body = within("the body", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The ERROR events that carry the panic `message` in `error.msg`.
fn panic_events(capture: &Capture, message: &str) -> Vec<CapturedEvent> {
    capture
        .error_events()
        .into_iter()
        .filter(|event| {
            event
                .field("error.msg")
                .is_some_and(|m| m.contains(message))
        })
        .collect()
}

// Current-thread runtime: the capturing subscriber is per thread, and the server runs on it.
#[tokio::test]
async fn a_panic_anywhere_is_a_500_observed_once_and_the_connection_keeps_serving() {
    let (telemetry, _guard) = capture();
    let app = blueprint().build().await.expect("a valid blueprint");
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .handle_signals(false);
    let addr: SocketAddr = server.local_addr().unwrap();
    let shutdown = server.shutdown_handle();
    let served = tokio::spawn(server.serve(app));

    let stream = within("connect", TcpStream::connect(addr)).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);

    for (path, message) in [
        ("/handler", "the handler exploded"),
        ("/constructor", "the constructor exploded"),
        ("/wrap", "the wrap exploded"),
        ("/error-handler", "the error handler exploded"),
    ] {
        telemetry.clear();
        let (status, body) = get(&mut sender, path).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(!body.contains("exploded"), "a 500 leaks nothing: {body}");

        let events = panic_events(&telemetry, message);
        assert_eq!(events.len(), 1, "{path}: {:#?}", telemetry.error_events());
        let msg = events[0].field("error.msg").unwrap();
        assert!(msg.contains("panicked"), "{msg}");
        assert!(
            events[0]
                .field("error.type")
                .is_some_and(|t| t.ends_with("Panic")),
            "{path}"
        );
        let root = telemetry.root_span();
        assert!(
            root.field("error.msg").is_some_and(|m| m.contains(message)),
            "{path}: {root:?}"
        );

        let (status, body) = get(&mut sender, "/ok").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "still serving"),
            "after {path}"
        );
    }

    // The error handler's panic comes after the error it was handling, which is observed too.
    telemetry.clear();
    get(&mut sender, "/error-handler").await;
    let messages: Vec<_> = telemetry
        .error_events()
        .iter()
        .map(|event| event.field("error.msg").unwrap().to_owned())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0], "the ledger is locked");
    assert!(messages[1].contains("the error handler exploded"));
    assert_eq!(telemetry.root_span().field("error.count"), Some("2"));

    shutdown.shutdown();
    within("`serve` to return", served)
        .await
        .unwrap()
        .expect("a clean shutdown");
}

#[error_handler]
pub fn panic_page(panic: &Panic) -> (StatusCode, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("sorry, `{}` failed", panic.component()),
    )
}

#[tokio::test]
async fn a_blueprint_handler_for_panic_overrides_the_built_in_500() {
    let mut bp = Blueprint::new();
    bp.error_handler(PANIC_PAGE);
    bp.route(PANICKING_HANDLER);
    let client = TestClient::new(bp.build().await.unwrap());
    let response = client.get("/handler").send().await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.text(), "sorry, `panics::panicking_handler` failed");
}

#[error_observer]
pub fn clumsy_observer(_error: &watchful::Error) {
    panic!("the observer exploded")
}

#[tokio::test]
async fn a_panicking_observer_is_reported_once_and_the_next_observers_still_run() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(CLUMSY_OBSERVER);
    bp.error_observer(LOG_ERROR);
    bp.error_handler(PANIC_PAGE);
    bp.route(LOCKED);
    let client = TestClient::new(bp.build().await.unwrap());

    let response = client.get("/error-handler").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].field("panic.msg"), Some("the observer exploded"));
    assert_eq!(errors[0].field("observer"), Some("panics::clumsy_observer"));
    assert_eq!(errors[1].field("error.msg"), Some("the ledger is locked"));
}
