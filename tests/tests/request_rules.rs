//! Strict HTTP/1.1: the `Host` and `Transfer-Encoding` rules hyper leaves to the server. Each
//! broken rule is a `MalformedRequest` error, raised before the middleware, handled (400 by
//! default, or the blueprint's handler) and observed once, on the route the path matches.

use std::cell::Cell;

use watchful::error::MalformedRequest;
use watchful::http::{Request, StatusCode, Version};
use watchful::middleware::Processing;
use watchful::request::{ConnectionInfo, RequestBody};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, capture};
use watchful::{App, Blueprint, Response, error_handler, get, pre_process};

thread_local! {
    /// Per test thread (each `#[tokio::test]` runs on a current-thread runtime of its own), so
    /// that the tests running in parallel do not count each other's requests.
    static MIDDLEWARE_RAN: Cell<usize> = const { Cell::new(0) };
}

#[pre_process]
pub fn count() -> Processing {
    MIDDLEWARE_RAN.set(MIDDLEWARE_RAN.get() + 1);
    Processing::Continue
}

#[get("/hello")]
pub fn hello() -> &'static str {
    "hello"
}

#[error_handler]
pub fn malformed_page(error: &MalformedRequest) -> (StatusCode, String) {
    (
        StatusCode::BAD_REQUEST,
        format!("fix your client: {error:?}"),
    )
}

fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.pre_process(COUNT);
    bp.route(HELLO);
    bp
}

/// Header lines, as sent.
type Headers<'a> = &'a [(&'a str, &'a str)];

async fn send(app: &App, version: Version, target: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = Request::get(target).version(version);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(RequestBody::from_bytes("")).unwrap();
    let connection = ConnectionInfo {
        peer_addr: "127.0.0.1:9".parse().unwrap(),
        local_addr: "127.0.0.1:80".parse().unwrap(),
        scheme: "http",
    };
    app.handle(request, connection).await
}

#[tokio::test]
async fn each_broken_rule_is_a_400_observed_once_before_the_middleware() {
    let app = blueprint().build().await.unwrap();
    let cases: &[(&str, Headers, &str)] = &[
        ("/hello", &[], "MissingHost"),
        ("/hello", &[("host", "a"), ("host", "b")], "SeveralHosts"),
        ("/hello", &[("host", "a b")], "InvalidHost"),
        ("http://a/hello", &[("host", "b")], "HostMismatch"),
        (
            "/hello",
            &[("host", "a"), ("transfer-encoding", "chunked, chunked")],
            "ChunkedTwice",
        ),
        (
            "/hello",
            &[("host", "a"), ("transfer-encoding", "chunked, gzip")],
            "ChunkedNotLast",
        ),
        ("/nowhere", &[], "MissingHost"),
    ];
    for (target, headers, variant) in cases {
        let (telemetry, _guard) = capture();
        let before = MIDDLEWARE_RAN.get();
        let response = send(&app, Version::HTTP_11, target, headers).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{variant}");
        assert_eq!(MIDDLEWARE_RAN.get(), before, "{variant}");
        let errors = telemetry.error_events();
        assert_eq!(errors.len(), 1, "{variant}: {errors:#?}");
        assert_eq!(
            errors[0].field("error.type"),
            Some("watchful::error::MalformedRequest")
        );
        assert_eq!(errors[0].field("error.details"), Some(*variant));
        let span = telemetry.root_span();
        assert_eq!(span.field("http.response.status_code"), Some("400"));
        let closes = variant.starts_with("Chunked");
        assert_eq!(
            response.headers().contains_key("connection"),
            closes,
            "{variant}"
        );
    }
}

#[tokio::test]
async fn well_formed_requests_and_other_versions_are_served() {
    let app = blueprint().build().await.unwrap();
    let ok: &[(Version, &str, Headers)] = &[
        (Version::HTTP_11, "/hello", &[("host", "example.com:8080")]),
        (
            Version::HTTP_11,
            "http://example.com/hello",
            &[("host", "EXAMPLE.com")],
        ),
        (
            Version::HTTP_11,
            "/hello",
            &[("host", "a"), ("transfer-encoding", "gzip, chunked")],
        ),
        (Version::HTTP_10, "/hello", &[]),
        (Version::HTTP_2, "/hello", &[]),
    ];
    for (version, target, headers) in ok {
        let response = send(&app, *version, target, headers).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{version:?} {target} {headers:?}"
        );
    }
}

#[tokio::test]
async fn a_blueprint_handler_replaces_the_response() {
    let mut bp = blueprint();
    bp.error_handler(MALFORMED_PAGE);
    let client = TestClient::new(bp.build().await.unwrap());
    let response = client
        .get("/hello")
        .header("host", "a")
        .header("host", "b")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.text(), "fix your client: SeveralHosts");
}
