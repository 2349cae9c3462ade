//! Nested blueprints and fallbacks: prefixes, what a child's registrations apply to, which
//! error handler wins, and fallbacks (default and custom, per prefix), with their errors
//! observed.

use std::sync::{Arc, Mutex};

use watchful::http::{HeaderValue, StatusCode};
use watchful::request::{AllowedMethods, MatchedRoute, RequestHead};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, capture};
use watchful::{
    Blueprint, Response, error_handler, error_observer, fallback, get, post, post_process,
    request_scoped,
};

/// Which observers saw which error, in order.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no such item")]
pub struct Missing;

#[get("/items")]
pub fn root_items() -> Result<&'static str, Missing> {
    Err(Missing)
}

#[get("/items")]
pub fn api_items() -> Result<&'static str, Missing> {
    Err(Missing)
}

#[post("/items")]
pub fn api_create(route: &MatchedRoute) -> String {
    format!("created at {}", route.as_str())
}

#[error_handler]
pub fn missing_as_404(_e: &Missing) -> (StatusCode, &'static str) {
    (StatusCode::NOT_FOUND, "parent handler")
}

#[error_handler]
pub fn missing_as_410(_e: &Missing) -> (StatusCode, &'static str) {
    (StatusCode::GONE, "child handler")
}

#[error_observer]
pub fn parent_observer(error: &watchful::Error, seen: &Seen) {
    seen.0.lock().unwrap().push(format!("parent saw {error}"));
}

#[error_observer]
pub fn child_observer(error: &watchful::Error, seen: &Seen) {
    seen.0.lock().unwrap().push(format!("child saw {error}"));
}

fn tagged(mut response: Response, tag: &'static str) -> Response {
    response
        .headers_mut()
        .append("x-tag", HeaderValue::from_static(tag));
    response
}

#[post_process]
pub fn parent_tag(response: Response) -> Response {
    tagged(response, "parent")
}

#[post_process]
pub fn child_tag(response: Response) -> Response {
    tagged(response, "child")
}

fn tags(response: &watchful::testing::TestResponse) -> Vec<&str> {
    response
        .headers()
        .get_all("x-tag")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

async fn nested_app(seen: &Seen) -> TestClient {
    let mut api = Blueprint::new();
    api.post_process(CHILD_TAG);
    api.error_observer(CHILD_OBSERVER);
    api.error_handler(MISSING_AS_410);
    api.route(API_ITEMS);
    api.route(API_CREATE);

    let mut bp = Blueprint::new();
    bp.prebuilt(seen.clone());
    bp.post_process(PARENT_TAG);
    bp.error_observer(PARENT_OBSERVER);
    bp.error_handler(MISSING_AS_404);
    bp.route(ROOT_ITEMS);
    bp.prefix("/api").nest(api);
    TestClient::new(bp.build().await.unwrap())
}

#[tokio::test]
async fn a_prefix_applies_to_the_child_routes_and_is_part_of_the_matched_route() {
    let client = nested_app(&Seen::default()).await;
    let response = client.post("/api/items").send().await;
    assert_eq!(response.text(), "created at /api/items");
}

#[tokio::test]
async fn child_middleware_apply_to_child_routes_only_inside_the_parents() {
    let client = nested_app(&Seen::default()).await;
    assert_eq!(
        tags(&client.post("/api/items").send().await),
        ["child", "parent"]
    );
    assert_eq!(tags(&client.get("/items").send().await), ["parent"]);
}

#[tokio::test]
async fn the_nearest_error_handler_wins_and_parent_observers_run_first() {
    let seen = Seen::default();
    let client = nested_app(&seen).await;

    let response = client.get("/api/items").send().await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(response.text(), "child handler");
    assert_eq!(
        seen.entries(),
        ["parent saw no such item", "child saw no such item"]
    );

    let response = client.get("/items").send().await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.text(), "parent handler");
    assert_eq!(seen.entries().len(), 3, "the child observer did not see it");
}

#[tokio::test]
async fn a_nested_blueprint_without_prefix_keeps_its_paths() {
    let mut child = Blueprint::new();
    child.error_handler(MISSING_AS_410);
    child.route(API_ITEMS);
    let mut bp = Blueprint::new();
    bp.nest(child);
    let client = TestClient::new(bp.build().await.unwrap());
    assert_eq!(client.get("/items").send().await.status(), StatusCode::GONE);
}

// ---------------------------------------------------------------------------------------------
// Constructors in nested blueprints
// ---------------------------------------------------------------------------------------------

pub struct Tenant(&'static str);

#[request_scoped]
pub fn acme() -> Tenant {
    Tenant("acme")
}

#[request_scoped]
pub fn globex() -> Tenant {
    Tenant("globex")
}

#[get("/tenant")]
pub fn tenant(tenant: &Tenant) -> &'static str {
    tenant.0
}

#[tokio::test]
async fn sibling_blueprints_may_each_provide_the_same_type() {
    let mut first = Blueprint::new();
    first.constructor(ACME);
    first.route(TENANT);
    let mut second = Blueprint::new();
    second.constructor(GLOBEX);
    second.route(TENANT);
    let mut bp = Blueprint::new();
    bp.prefix("/a").nest(first);
    bp.prefix("/g").nest(second);
    let client = TestClient::new(bp.build().await.unwrap());
    assert_eq!(client.get("/a/tenant").send().await.text(), "acme");
    assert_eq!(client.get("/g/tenant").send().await.text(), "globex");
}

// ---------------------------------------------------------------------------------------------
// Fallbacks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_default_fallback_answers_404_or_405_with_allow_through_the_middleware() {
    let (telemetry, _guard) = capture();
    let client = nested_app(&Seen::default()).await;

    let response = client.get("/nowhere").send().await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(tags(&response), ["parent"]);

    let response = client.delete("/api/items").send().await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("GET, POST, HEAD"));

    let spans = telemetry.root_spans();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].field("http.response.status_code"), Some("404"));
    assert_eq!(spans[0].field("http.route"), None, "no route matched");
    assert_eq!(spans[0].field("otel.name"), Some("GET"));
    assert_eq!(spans[1].field("http.response.status_code"), Some("405"));
}

#[derive(Debug, thiserror::Error)]
#[error("the catalogue of paths is unavailable")]
pub struct CatalogueDown;

#[fallback]
pub fn site_fallback(head: &RequestHead) -> Result<(StatusCode, String), CatalogueDown> {
    match head.uri.path() {
        "/broken" => Err(CatalogueDown),
        path => Ok((StatusCode::NOT_FOUND, format!("site: nothing at {path}"))),
    }
}

#[fallback]
pub fn api_fallback(allowed: &AllowedMethods) -> (StatusCode, String) {
    match allowed.allow_header() {
        Some(allow) => (
            StatusCode::METHOD_NOT_ALLOWED,
            format!("api: use {}", allow.to_str().unwrap()),
        ),
        None => (StatusCode::NOT_FOUND, "api: no such endpoint".to_owned()),
    }
}

#[error_handler]
pub fn catalogue_down(_e: &CatalogueDown) -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

async fn fallback_app() -> TestClient {
    let mut api = Blueprint::new();
    api.fallback(API_FALLBACK);
    api.route(API_CREATE);
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.fallback(SITE_FALLBACK).error_handler(CATALOGUE_DOWN);
    bp.prefix("/api").nest(api);
    TestClient::new(bp.build().await.unwrap())
}

#[tokio::test]
async fn a_nested_fallback_serves_the_paths_under_its_prefix() {
    let client = fallback_app().await;
    let cases = [
        ("GET", "/elsewhere", 404, "site: nothing at /elsewhere"),
        ("GET", "/apis", 404, "site: nothing at /apis"),
        ("GET", "/api", 404, "api: no such endpoint"),
        ("GET", "/api/nothing", 404, "api: no such endpoint"),
        ("GET", "/api/items", 405, "api: use POST"),
    ];
    for (method, path, status, body) in cases {
        let request = match method {
            "GET" => client.get(path),
            _ => unreachable!(),
        };
        let response = request.send().await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        assert_eq!(response.text(), body, "{path}");
    }
}

#[tokio::test]
async fn a_failing_fallback_is_handled_and_observed() {
    let (telemetry, _guard) = capture();
    let client = fallback_app().await;
    let response = client.get("/broken").send().await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the catalogue of paths is unavailable")
    );
    assert_eq!(
        telemetry.root_span().field("error.msg"),
        Some("the catalogue of paths is unavailable")
    );
}
