//! The body read timeout: a pipeline waiting for a body that does not arrive in time fails with
//! `RequestBodyTimeout` (408, `Connection: close`), observed once, whichever of the two
//! timeouts runs out while it waits. Driven through `App::handle` with a body fed by hand, on
//! a paused clock.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::sync::mpsc;
use watchful::error::RequestBodyTimeout;
use watchful::extract::BufferedBody;
use watchful::http::{Request, StatusCode};
use watchful::request::{ConnectionInfo, RequestBody};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::capture;
use watchful::{App, Blueprint, Response, error_handler, get, post};

#[post("/upload")]
pub fn upload(body: BufferedBody) -> String {
    format!("{} bytes", body.0.len())
}

#[post("/patient")]
pub fn patient(body: BufferedBody) -> String {
    format!("{} bytes, patiently", body.0.len())
}

#[post("/ignore")]
pub async fn ignore() -> &'static str {
    tokio::time::sleep(Duration::from_secs(20)).await;
    "did not read the body"
}

#[get("/unused")]
pub fn unused() -> &'static str {
    "unused"
}

#[error_handler]
pub fn too_slow(error: &RequestBodyTimeout) -> (StatusCode, String) {
    (
        StatusCode::REQUEST_TIMEOUT,
        format!("send faster than {:?}", error.limit()),
    )
}

/// A body whose frames the test sends, one by one; it ends when the sender is dropped.
struct Fed(mpsc::Receiver<Bytes>);

impl Body for Fed {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|bytes| bytes.map(|b| Ok(Frame::data(b))))
    }
}

/// Sends `request` to `app` with a body that delivers 4 bytes every `every`, `chunks` times.
async fn slow_upload(app: &App, path: &str, every: Duration, chunks: usize) -> Response {
    let (sender, receiver) = mpsc::channel(1);
    tokio::spawn(async move {
        for _ in 0..chunks {
            tokio::time::sleep(every).await;
            if sender.send(Bytes::from_static(b"data")).await.is_err() {
                return;
            }
        }
    });
    let request = Request::post(path)
        .header("host", "localhost")
        .body(RequestBody::new(Fed(receiver)))
        .unwrap();
    let connection = ConnectionInfo {
        peer_addr: "127.0.0.1:9".parse().unwrap(),
        local_addr: "127.0.0.1:80".parse().unwrap(),
        scheme: "http",
    };
    app.handle(request, connection).await
}

fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.body_read_timeout(Duration::from_secs(10));
    bp.route(UPLOAD);
    bp.route(PATIENT).body_read_timeout(Duration::from_secs(60));
    bp.route(IGNORE);
    bp.route(UNUSED);
    bp
}

#[tokio::test(start_paused = true)]
async fn a_body_that_comes_too_slowly_is_a_408_that_closes_the_connection() {
    let (telemetry, _guard) = capture();
    let app = blueprint().build().await.unwrap();
    let started = tokio::time::Instant::now();
    // 4 bytes every 3 s, 10 times: 30 s, past the 10 s limit.
    let response = slow_upload(&app, "/upload", Duration::from_secs(3), 10).await;
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(response.headers()["connection"], "close");
    assert_eq!(started.elapsed(), Duration::from_secs(10));

    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.type"),
        Some("watchful::error::RequestBodyTimeout")
    );
    assert_eq!(
        telemetry.root_span().field("http.response.status_code"),
        Some("408")
    );
}

#[tokio::test(start_paused = true)]
async fn a_route_can_wait_longer_and_a_body_in_time_is_served() {
    let app = blueprint().build().await.unwrap();
    // 24 s: past the blueprint's 10 s, within the route's 60 s and the request timeout.
    let response = slow_upload(&app, "/patient", Duration::from_secs(3), 8).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = slow_upload(&app, "/upload", Duration::from_secs(1), 5).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_does_not_read_the_body_never_meets_the_timeout() {
    let app = blueprint().build().await.unwrap();
    let response = slow_upload(&app, "/ignore", Duration::from_secs(100), 1).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(start_paused = true)]
async fn the_request_timeout_running_out_while_the_body_is_awaited_blames_the_client() {
    let (telemetry, _guard) = capture();
    let mut bp = blueprint();
    bp.request_timeout(Duration::from_secs(5));
    let app = bp.build().await.unwrap();
    let response = slow_upload(&app, "/upload", Duration::from_secs(3), 10).await;
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the request body did not arrive within 5s")
    );
}

#[tokio::test(start_paused = true)]
async fn the_defaults_answer_a_slow_body_with_408_not_503() {
    let mut bp = Blueprint::new();
    bp.route(UPLOAD);
    let app = bp.build().await.unwrap();
    let response = slow_upload(&app, "/upload", Duration::from_secs(2), 100).await;
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn a_handler_for_the_error_replaces_the_response_and_the_connection_still_closes() {
    let mut bp = blueprint();
    bp.error_handler(TOO_SLOW);
    let app = bp.build().await.unwrap();
    let response = slow_upload(&app, "/upload", Duration::from_secs(3), 10).await;
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(response.headers()["connection"], "close");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(body, "send faster than 10s");
}

#[tokio::test(start_paused = true)]
async fn disabled_it_waits_as_long_as_the_request_timeout_lets_it() {
    let mut bp = Blueprint::new();
    bp.body_read_timeout(None);
    bp.request_timeout(None);
    bp.route(UPLOAD);
    let app = bp.build().await.unwrap();
    let response = slow_upload(&app, "/upload", Duration::from_secs(30), 3).await;
    assert_eq!(response.status(), StatusCode::OK);
}
