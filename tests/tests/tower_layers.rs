//! tower layers on a blueprint (`bp.layer`): tower-http's CORS, compression, timeout and
//! header layers, where a layer sits among the middleware, and every way a layer can fail
//! (its error, a panic, a request that lost its extensions) handled and observed once, on real
//! captured tracing output. Also: a timed-out response still goes out through the
//! post-processing middleware and the tower layers it entered.

use std::io::Read;
use std::time::Duration;

use watchful::extract::BufferedBody;
use watchful::http::{self, HeaderName, HeaderValue, Method, StatusCode};
use watchful::request::{RequestBody, RequestHead};
use watchful::response::{Body, Bytes, iter_stream};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{Capture, TestClient, TestResponse, capture};
use watchful::tower::Pipeline;
use watchful::{Blueprint, Response, error_handler, get, post, post_process};

use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::{SetRequestHeaderLayer, SetResponseHeaderLayer};
use tower_http::timeout::TimeoutLayer;

const ORIGIN: &str = "https://app.example";

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list([HeaderValue::from_static(ORIGIN)]))
        .allow_methods([Method::GET, Method::POST])
}

#[get("/items")]
pub fn items() -> &'static str {
    "items"
}

#[get("/slow")]
pub async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(60)).await;
    "too late"
}

async fn client(bp: Blueprint) -> TestClient {
    TestClient::new(bp.build().await.expect("the blueprint builds"))
}

/// A CORS preflight from [`ORIGIN`] for `method` on `path`.
async fn send_preflight(client: &TestClient, path: &str, method: &str) -> TestResponse {
    client
        .request(Method::OPTIONS, path)
        .header("origin", ORIGIN)
        .header("access-control-request-method", method)
        .send()
        .await
}

/// Exactly one ERROR event, inside the root span, with `msg` and a type ending in `ty`; the
/// root span carries it, with `status`.
fn assert_one_error(capture: &Capture, msg: &str, ty: &str, status: &str) {
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field("error.msg"), Some(msg));
    let error_type = errors[0].field("error.type").expect("error.type");
    assert!(error_type.ends_with(ty), "{error_type}");
    let root = capture.root_span();
    assert_eq!(errors[0].root_span, Some(root.serial));
    assert_eq!(root.field("error.msg"), Some(msg));
    assert_eq!(root.field("http.response.status_code"), Some(status));
}

// ---------------------------------------------------------------------------------------------
// tower-http layers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_cors_layer_answers_preflights_and_marks_simple_requests() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.layer(cors());
    bp.route(ITEMS);
    let client = client(bp).await;

    let preflight = send_preflight(&client, "/items", "POST").await;
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(ORIGIN)
    );
    let allowed = preflight.header("access-control-allow-methods").unwrap();
    assert!(allowed.contains("POST"), "{allowed}");
    // The layer answered inside the root span: traced like any request, with its status.
    let root = capture.root_span();
    assert_eq!(root.field("http.request.method"), Some("OPTIONS"));
    assert_eq!(root.field("http.response.status_code"), Some("200"));
    assert!(preflight.header("x-request-id").is_some());

    let simple = client.get("/items").header("origin", ORIGIN).send().await;
    assert_eq!(simple.text(), "items");
    assert_eq!(simple.header("access-control-allow-origin"), Some(ORIGIN));
    let other = client
        .get("/items")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert!(capture.error_events().is_empty());
}

#[get("/big")]
pub fn big() -> String {
    "watchful ".repeat(500)
}

#[get("/stream")]
pub fn stream() -> Body {
    let chunks = [
        Ok(Bytes::from("a first chunk, ")),
        Err(std::io::Error::other("the disk went away")),
    ];
    Body::from_stream(iter_stream(chunks))
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("a gzip body");
    text
}

#[tokio::test]
async fn a_compression_layer_compresses_and_its_body_errors_are_observed() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.layer(CompressionLayer::new());
    bp.route(BIG);
    bp.route(STREAM);
    let client = client(bp).await;

    let response = client
        .get("/big")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert!(
        response.bytes().len() < 500,
        "{} bytes",
        response.bytes().len()
    );
    assert_eq!(gunzip(response.bytes()), "watchful ".repeat(500));

    let plain = client.get("/big").send().await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.text(), "watchful ".repeat(500));
    assert!(capture.error_events().is_empty());

    // The compressed body of a failing stream fails too: observed once, connection broken.
    capture.clear();
    let broken = client
        .get("/stream")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert!(broken.body_error().is_some());
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let message = errors[0].field("error.msg").unwrap();
    assert!(message.contains("the disk went away"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn a_timeout_layer_answers_for_a_slow_route() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        Duration::from_secs(1),
    ));
    bp.route(SLOW);
    bp.route(ITEMS);
    let client = client(bp).await;

    let slow = client.get("/slow").send().await;
    assert_eq!(slow.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(
        capture.root_span().field("http.response.status_code"),
        Some("408")
    );
    assert_eq!(client.get("/items").send().await.text(), "items");
}

// ---------------------------------------------------------------------------------------------
// Where a layer sits
// ---------------------------------------------------------------------------------------------

/// Registered before the layer: runs outside it, and sees what the layer did.
#[post_process]
pub fn outer_post(mut response: Response) -> Response {
    let seen = response.headers().get("x-order").cloned();
    let seen = seen.unwrap_or(HeaderValue::from_static("nothing"));
    response.headers_mut().insert("x-outer-saw", seen);
    response
}

/// Registered after the layer: runs inside it, before it.
#[post_process]
pub fn inner_post(mut response: Response) -> Response {
    let order = HeaderValue::from_static("inner");
    response.headers_mut().insert("x-order", order);
    response
}

#[get("/head")]
pub fn read_head(head: &RequestHead) -> String {
    let added = head.headers.get("x-added-by-layer");
    format!("{:?}", added.map(|v| v.to_str().unwrap_or_default()))
}

#[tokio::test]
async fn a_layer_runs_in_registration_order_and_passes_its_request_on() {
    let mut bp = Blueprint::new();
    bp.post_process(OUTER_POST);
    bp.layer(SetResponseHeaderLayer::overriding(
        HeaderName::from_static("x-order"),
        HeaderValue::from_static("layer"),
    ));
    bp.layer(SetRequestHeaderLayer::overriding(
        HeaderName::from_static("x-added-by-layer"),
        HeaderValue::from_static("yes"),
    ));
    bp.post_process(INNER_POST);
    bp.route(READ_HEAD);
    let client = client(bp).await;

    let response = client.get("/head").send().await;
    // The handler reads the request the layer passed on.
    assert_eq!(response.text(), "Some(\"yes\")");
    // inner post-process, then the layer, then the outer post-process.
    assert_eq!(response.header("x-order"), Some("layer"));
    assert_eq!(response.header("x-outer-saw"), Some("layer"));
}

#[post("/upload")]
pub fn upload(body: BufferedBody) -> String {
    format!("{} bytes", body.0.len())
}

#[tokio::test]
async fn a_layer_that_wraps_the_body_passes_it_on_to_the_extractors() {
    let mut bp = Blueprint::new();
    bp.layer(RequestBodyLimitLayer::new(8));
    bp.route(UPLOAD);
    let client = client(bp).await;

    // Read by the handler through the layer's `Limited` body.
    let small = client.post("/upload").chunked(["ab", "cd"]).send().await;
    assert_eq!(small.text(), "4 bytes");
    // Refused by the layer itself, from its `content-length`.
    let big = client
        .post("/upload")
        .header("content-length", "100")
        .body(vec![b'x'; 100])
        .send()
        .await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Cut by the layer's body while the extractor reads it: the extractor's error.
    let streamed = client
        .post("/upload")
        .chunked(["abcdef", "ghijkl"])
        .send()
        .await;
    assert!(streamed.status().is_client_error(), "{}", streamed.status());
}

#[tokio::test]
async fn a_nested_blueprint_s_layer_wraps_its_routes_only() {
    let mut api = Blueprint::new();
    api.layer(SetResponseHeaderLayer::overriding(
        HeaderName::from_static("x-api"),
        HeaderValue::from_static("1"),
    ));
    api.route(ITEMS);
    let mut bp = Blueprint::new();
    bp.prefix("/api").nest(api);
    bp.route(BIG);
    let client = client(bp).await;

    assert_eq!(
        client.get("/api/items").send().await.header("x-api"),
        Some("1")
    );
    assert_eq!(client.get("/big").send().await.header("x-api"), None);
    // The paths under its prefix that no route serves too: 404s and 405s.
    let missing = client.get("/api/nothing").send().await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.header("x-api"), Some("1"));
    assert_eq!(client.get("/nothing").send().await.header("x-api"), None);
}

#[tokio::test]
async fn a_cors_layer_on_a_nested_blueprint_answers_its_preflights() {
    let mut api = Blueprint::new();
    api.layer(cors());
    api.route(ITEMS);
    let mut bp = Blueprint::new();
    bp.prefix("/api").nest(api);
    let client = client(bp).await;

    let preflight = send_preflight(&client, "/api/items", "GET").await;
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(ORIGIN)
    );
    // Outside the nested blueprint, the root's fallback answers, without the layer.
    let outside = send_preflight(&client, "/items", "GET").await;
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
    assert_eq!(outside.header("access-control-allow-origin"), None);
}

// ---------------------------------------------------------------------------------------------
// A layer that fails
// ---------------------------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
#[error("the gate refused the request")]
pub struct Refused;

type Request = http::Request<RequestBody>;

/// Registers a layer whose service fails without calling the rest of the pipeline.
fn refusing_layer(bp: &mut Blueprint) {
    bp.layer(tower::layer::layer_fn(|_inner: Pipeline| {
        tower::service_fn(|_request: Request| async { Err::<http::Response<Body>, _>(Refused) })
    }));
}

#[error_handler]
pub fn any_error(error: &watchful::Error) -> (StatusCode, String) {
    (StatusCode::BAD_GATEWAY, format!("handled: {error}"))
}

#[tokio::test]
async fn a_layer_error_is_handled_and_observed_once() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    refusing_layer(&mut bp);
    bp.route(ITEMS);
    let response = client(bp).await.get("/items").send().await;

    // The built-in 500 says nothing of the error.
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!response.text().contains("gate"), "{}", response.text());
    assert_one_error(&capture, "the gate refused the request", "Refused", "500");

    // The blueprint's handler for `watchful::Error` takes it when there is one.
    let mut bp = Blueprint::new();
    bp.error_handler(ANY_ERROR);
    refusing_layer(&mut bp);
    bp.route(ITEMS);
    let response = client(bp).await.get("/items").send().await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.text(), "handled: the gate refused the request");
}

#[tokio::test]
async fn a_panicking_layer_is_handled_and_observed_once() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.layer(tower::layer::layer_fn(|_inner: Pipeline| {
        tower::service_fn(|_request: Request| async {
            if true {
                panic!("the layer broke");
            }
            Ok::<_, Refused>(http::Response::new(Body::empty()))
        })
    }));
    bp.route(ITEMS);
    let response = client(bp).await.get("/items").send().await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let message = errors[0].field("error.msg").unwrap();
    assert!(message.ends_with("panicked: the layer broke"), "{message}");
}

#[tokio::test]
async fn a_layer_that_loses_the_request_s_extensions_is_an_observed_error() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.layer(tower::util::MapRequestLayer::new(|request: Request| {
        let (mut parts, body) = request.into_parts();
        parts.extensions = http::Extensions::new();
        http::Request::from_parts(parts, body)
    }));
    bp.route(ITEMS);
    let response = client(bp).await.get("/items").send().await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .field("error.type")
            .is_some_and(|t| t.ends_with("ExtensionsLost")),
        "{errors:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Timeouts and post-processing
// ---------------------------------------------------------------------------------------------

#[post_process]
pub fn cors_header(mut response: Response) -> Response {
    let origin = HeaderValue::from_static(ORIGIN);
    response
        .headers_mut()
        .insert("access-control-allow-origin", origin);
    response
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_response_goes_through_post_processing() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.request_timeout(Duration::from_secs(2));
    bp.post_process(CORS_HEADER);
    bp.route(SLOW);
    let response = client(bp).await.get("/slow").send().await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.header("access-control-allow-origin"), Some(ORIGIN));
    assert_one_error(
        &capture,
        "the request was not served within 2s",
        "RequestTimeout",
        "503",
    );
}

#[tokio::test(start_paused = true)]
async fn a_timed_out_response_goes_through_a_cors_layer() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.request_timeout(Duration::from_secs(2));
    bp.layer(cors());
    bp.route(SLOW);
    let response = client(bp)
        .await
        .get("/slow")
        .header("origin", ORIGIN)
        .send()
        .await;

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.header("access-control-allow-origin"), Some(ORIGIN));
    assert_one_error(
        &capture,
        "the request was not served within 2s",
        "RequestTimeout",
        "503",
    );
}
