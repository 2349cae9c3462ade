//! Response types end to end: status, headers and body through the pipeline; a response that
//! cannot be made is an observed 500; a streamed body that fails is observed and cut off.

use std::collections::BTreeMap;

use watchful::http::{HeaderMap, HeaderValue, Method, StatusCode};
use watchful::response::{
    self, Body, Bytes, Cookie, Html, Json, NoContent, Redirect, Response, ResponseCookies, Text,
    iter_stream,
};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, capture};
use watchful::{Blueprint, delete, get, post};

#[derive(serde::Serialize)]
pub struct User {
    id: u64,
    name: &'static str,
}

#[get("/json")]
pub fn json() -> Json<User> {
    Json(User { id: 1, name: "Ada" })
}

#[get("/broken-json")]
pub fn broken_json() -> Json<BTreeMap<(u8, u8), u8>> {
    Json(BTreeMap::from([((1, 2), 3)]))
}

#[get("/html")]
pub fn html() -> Html<&'static str> {
    Html("<h1>hi</h1>")
}

#[get("/text")]
pub fn text() -> Text<String> {
    Text("plain".to_owned())
}

#[delete("/thing")]
pub fn remove_thing() -> NoContent {
    NoContent
}

#[get("/old")]
pub fn old() -> Redirect {
    Redirect::permanent("/new")
}

#[post("/form")]
pub fn form() -> Redirect {
    Redirect::see_other("/done")
}

#[get("/elsewhere")]
pub fn elsewhere() -> Redirect {
    Redirect::to("/there")
}

#[get("/bad-redirect")]
pub fn bad_redirect() -> Redirect {
    Redirect::to("/a\r\nx: y")
}

#[get("/tuple")]
pub fn tuple() -> (StatusCode, HeaderMap, &'static str) {
    let mut headers = HeaderMap::new();
    headers.insert("x-custom", HeaderValue::from_static("yes"));
    (StatusCode::ACCEPTED, headers, "accepted")
}

#[get("/headers")]
pub fn headers_only() -> (HeaderMap, Json<u8>) {
    let mut headers = HeaderMap::new();
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    (headers, Json(7))
}

#[post("/login")]
pub fn login() -> (ResponseCookies, &'static str) {
    let cookies = ResponseCookies::new()
        .with(Cookie::build(("session", "abc")).http_only(true).path("/"))
        .with(Cookie::new("theme", "dark"));
    (cookies, "welcome")
}

#[post("/built")]
pub fn built() -> Response {
    response::builder()
        .status(StatusCode::CREATED)
        .header("location", "/built/1")
        .cookie(Cookie::new("seen", "1"))
        .body(Json(1))
}

#[get("/stream")]
pub fn stream() -> Body {
    let chunks = ["a", "b", "c"].map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c.as_bytes())));
    Body::from_stream(iter_stream(chunks))
}

#[derive(Debug, thiserror::Error)]
#[error("the disk went away")]
pub struct DiskGone(#[source] std::io::Error);

#[get("/broken-stream")]
pub fn broken_stream() -> Body {
    let chunks = [
        Ok(Bytes::from_static(b"first ")),
        Err(DiskGone(std::io::Error::other("EIO"))),
        Ok(Bytes::from_static(b"never")),
    ];
    Body::from_stream(iter_stream(chunks))
}

async fn client() -> TestClient {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    for route in [
        JSON,
        BROKEN_JSON,
        HTML,
        TEXT,
        REMOVE_THING,
        OLD,
        FORM,
        ELSEWHERE,
        BAD_REDIRECT,
        TUPLE,
        HEADERS_ONLY,
        LOGIN,
        BUILT,
        STREAM,
        BROKEN_STREAM,
    ] {
        bp.route(route);
    }
    TestClient::new(bp.build().await.expect("the blueprint is valid"))
}

#[tokio::test]
async fn body_types() {
    let (capture, _guard) = capture();
    let client = client().await;

    let response = client.get("/json").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"id":1,"name":"Ada"}"#);

    let head = client.request(Method::HEAD, "/json").send().await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.header("content-type"), Some("application/json"));
    assert_eq!(head.header("content-length"), Some("21"));
    assert!(head.bytes().is_empty());

    let response = client.get("/html").send().await;
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(response.text(), "<h1>hi</h1>");

    let response = client.get("/text").send().await;
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.text(), "plain");

    let response = client.delete("/thing").send().await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().is_empty());

    assert!(capture.error_events().is_empty());
}

#[tokio::test]
async fn redirects() {
    let client = client().await;
    let cases = [
        (
            client.get("/elsewhere"),
            StatusCode::TEMPORARY_REDIRECT,
            "/there",
        ),
        (client.get("/old"), StatusCode::PERMANENT_REDIRECT, "/new"),
        (client.post("/form"), StatusCode::SEE_OTHER, "/done"),
    ];
    for (request, status, location) in cases {
        let response = request.send().await;
        assert_eq!(response.status(), status);
        assert_eq!(response.header("location"), Some(location));
    }
}

#[tokio::test]
async fn headers_cookies_and_the_builder() {
    let client = client().await;

    let response = client.get("/tuple").send().await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.header("x-custom"), Some("yes"));
    assert_eq!(response.text(), "accepted");

    let response = client.get("/headers").send().await;
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("content-type"), Some("application/json"));

    let response = client.post("/login").send().await;
    let set: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(set, ["session=abc; HttpOnly; Path=/", "theme=dark"]);

    let response = client.post("/built").send().await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.header("location"), Some("/built/1"));
    assert_eq!(response.header("set-cookie"), Some("seen=1"));
    assert_eq!(response.text(), "1");
}

#[tokio::test]
async fn a_json_value_that_does_not_serialise_is_an_observed_500() {
    let (capture, _guard) = capture();
    let response = client().await.get("/broken-json").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        !response.text().contains("key must be a string"),
        "the body says nothing"
    );
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the response value could not be serialised as JSON")
    );
    assert_eq!(
        errors[0].field("error.source_chain"),
        Some("key must be a string")
    );
    assert!(
        errors[0]
            .field("error.type")
            .unwrap()
            .ends_with("JsonResponseError")
    );
}

#[tokio::test]
async fn an_invalid_redirect_is_an_observed_500() {
    let (capture, _guard) = capture();
    let response = client().await.get("/bad-redirect").send().await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.header("location").is_none());
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the response header `location` has an invalid value")
    );
}

#[tokio::test]
async fn streamed_bodies() {
    let (capture, _guard) = capture();
    let client = client().await;
    let response = client.get("/stream").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.header("content-length").is_none());
    assert_eq!(response.text(), "abc");
    assert!(response.body_error().is_none());
    assert!(capture.error_events().is_empty());
}

#[tokio::test]
async fn a_stream_that_fails_is_observed_and_cut_off() {
    let (capture, _guard) = capture();
    let response = client().await.get("/broken-stream").send().await;
    // The head was sent before the error: the status cannot change.
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "first ");
    assert!(
        response.body_error().is_some(),
        "the connection is closed, not the body ended"
    );
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field("error.msg"), Some("the disk went away"));
    assert_eq!(errors[0].field("error.source_chain"), Some("EIO"));
    assert!(errors[0].field("error.type").unwrap().ends_with("DiskGone"));
    // The root span stays open while the body streams, and records the error.
    let root = capture.root_span();
    assert_eq!(root.field("error.msg"), Some("the disk went away"));
    assert_eq!(root.field("error.source_chain"), Some("EIO"));
    assert_eq!(root.field("error.count"), Some("1"));
    assert_eq!(root.field("http.response.status_code"), Some("200"));
}
