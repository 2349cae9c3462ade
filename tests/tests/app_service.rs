//! `App` as a `tower::Service`: mounted in an axum `Router`, inside a tower `ServiceBuilder`,
//! with request bodies of other types and the peer address from the request's extensions.
//! Errors inside are still handled and observed once.

use std::net::SocketAddr;

use http_body_util::BodyExt;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::set_header::SetResponseHeaderLayer;
use watchful::extract::BufferedBody;
use watchful::http::{self, HeaderName, HeaderValue, StatusCode};
use watchful::request::ConnectionInfo;
use watchful::telemetry::LOG_ERROR;
use watchful::testing::capture;
use watchful::{App, Blueprint, get, post};

#[get("/hello")]
pub fn hello() -> &'static str {
    "hello from watchful"
}

#[post("/echo")]
pub fn echo(body: BufferedBody) -> String {
    format!("watchful read {}", String::from_utf8_lossy(&body.0))
}

#[get("/peer")]
pub fn peer(connection: &ConnectionInfo) -> String {
    connection.peer_addr.to_string()
}

#[get("/fail")]
pub fn fail() -> Result<&'static str, std::io::Error> {
    Err(std::io::Error::other("the disk is full"))
}

async fn app() -> App {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(HELLO);
    bp.route(ECHO);
    bp.route(PEER);
    bp.route(FAIL);
    bp.build().await.expect("the blueprint builds")
}

async fn text<B>(response: http::Response<B>) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn request(method: &str, uri: &str, body: &'static str) -> http::Request<axum::body::Body> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "localhost")
        .body(axum::body::Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn an_app_serves_inside_an_axum_router() {
    let (capture, _guard) = capture();
    let router: axum::Router = axum::Router::new()
        .route("/old", axum::routing::get(|| async { "from axum" }))
        .nest_service("/v2", app().await);

    let old = router
        .clone()
        .oneshot(request("GET", "/old", ""))
        .await
        .unwrap();
    assert_eq!(text(old).await, "from axum");

    let hello = router
        .clone()
        .oneshot(request("GET", "/v2/hello", ""))
        .await
        .unwrap();
    assert_eq!(hello.status(), StatusCode::OK);
    assert!(hello.headers().contains_key("x-request-id"));
    assert_eq!(text(hello).await, "hello from watchful");
    assert_eq!(
        capture.root_span().field("http.route"),
        Some("/hello"),
        "axum stripped its prefix"
    );

    // axum's body (not `Sync`) reaches watchful's extractors.
    let echoed = router
        .clone()
        .oneshot(request("POST", "/v2/echo", "a body"))
        .await
        .unwrap();
    assert_eq!(text(echoed).await, "watchful read a body");

    capture.clear();
    let failed = router
        .oneshot(request("GET", "/v2/fail", ""))
        .await
        .unwrap();
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field("error.msg"), Some("the disk is full"));
}

#[tokio::test]
async fn an_app_serves_inside_a_service_builder() {
    let service = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-outer"),
            HeaderValue::from_static("tower"),
        ))
        .service(app().await);

    let body = http_body_util::Full::new(bytes::Bytes::from("full"));
    let post = http::Request::post("/echo")
        .header("host", "localhost")
        .body(body)
        .unwrap();
    let response = service.clone().oneshot(post).await.unwrap();
    assert_eq!(response.headers()["x-outer"], "tower");
    assert_eq!(text(response).await, "watchful read full");

    let missing = http::Request::get("/nowhere")
        .header("host", "localhost")
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = service.oneshot(missing).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_peer_address_comes_from_the_request_extensions() {
    let app = app().await;

    let unknown = app
        .clone()
        .oneshot(request("GET", "/peer", ""))
        .await
        .unwrap();
    assert_eq!(text(unknown).await, "0.0.0.0:0");

    let mut known = request("GET", "/peer", "");
    let peer_addr: SocketAddr = "192.0.2.7:4242".parse().unwrap();
    known.extensions_mut().insert(ConnectionInfo {
        peer_addr,
        local_addr: "192.0.2.1:80".parse().unwrap(),
        scheme: "http",
    });
    let response = app.oneshot(known).await.unwrap();
    assert_eq!(text(response).await, "192.0.2.7:4242");
}
