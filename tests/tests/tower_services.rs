//! tower services mounted under a prefix (`bp.service`): tower-http's `ServeDir`, an axum
//! `Router`, and hand-written services; the prefix stripped, every method served, the route
//! traced as `{prefix}/{*rest}`, and a failing service handled and observed once.

use std::convert::Infallible;
use std::path::PathBuf;

use watchful::blueprint::InvolvedKind;
use watchful::http::{self, Method, StatusCode};
use watchful::request::RequestBody;
use watchful::response::Body;
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, capture};
use watchful::{Blueprint, BuildError, Response, get, post_process};

use tower_http::services::ServeDir;

type Request = http::Request<RequestBody>;

async fn client(bp: Blueprint) -> TestClient {
    TestClient::new(bp.build().await.expect("the blueprint builds"))
}

/// A directory `assets` holding `hello.txt`, next to a `secret.txt` it must not serve.
fn assets() -> PathBuf {
    let root = std::env::temp_dir().join(format!("watchful-serve-dir-{}", std::process::id()));
    let assets = root.join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(assets.join("hello.txt"), "hello from disk").unwrap();
    std::fs::write(root.join("secret.txt"), "the secret").unwrap();
    assets
}

#[tokio::test]
async fn serve_dir_serves_files_under_the_prefix_and_refuses_traversal() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.service("/static", ServeDir::new(assets()));
    let client = client(bp).await;

    let file = client.get("/static/hello.txt").send().await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.text(), "hello from disk");
    assert_eq!(file.header("content-type"), Some("text/plain"));
    let root = capture.root_span();
    assert_eq!(root.field("http.route"), Some("/static/{*rest}"));
    assert_eq!(root.field("http.response.status_code"), Some("200"));

    assert_eq!(
        client.get("/static/missing.txt").send().await.status(),
        StatusCode::NOT_FOUND
    );
    for traversal in ["/static/../secret.txt", "/static/%2e%2e/secret.txt"] {
        let refused = client.get(traversal).send().await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{traversal}");
        assert!(!refused.text().contains("secret"), "{traversal}");
    }
    // HEAD is served by the service too, without a body.
    let head = client
        .request(Method::HEAD, "/static/hello.txt")
        .send()
        .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.header("content-length"), Some("15"));
    assert!(head.bytes().is_empty());
    assert!(capture.error_events().is_empty());
}

/// Answers with the method and the URI it received.
async fn echo(request: Request) -> Result<http::Response<Body>, Infallible> {
    let seen = format!("{} {}", request.method(), request.uri());
    Ok(http::Response::new(Body::from(seen)))
}

#[post_process]
pub fn mark(mut response: Response) -> Response {
    let value = http::HeaderValue::from_static("yes");
    response.headers_mut().insert("x-post-processed", value);
    response
}

#[get("/files/own")]
pub fn own() -> &'static str {
    "a route of its own"
}

#[tokio::test]
async fn a_service_sees_the_path_without_its_prefix_for_every_method() {
    let (capture, _guard) = capture();
    let mut api = Blueprint::new();
    api.post_process(MARK);
    api.service("/files", tower::service_fn(echo));
    api.route(OWN);
    let mut bp = Blueprint::new();
    bp.prefix("/api").nest(api);
    let client = client(bp).await;

    let response = client.get("/api/files/a/b.txt?v=2").send().await;
    assert_eq!(response.text(), "GET /a/b.txt?v=2");
    // Inside the blueprint's middleware.
    assert_eq!(response.header("x-post-processed"), Some("yes"));
    assert_eq!(
        capture.root_span().field("http.route"),
        Some("/api/files/{*rest}")
    );
    assert_eq!(client.post("/api/files").send().await.text(), "POST /");
    assert_eq!(client.delete("/api/files/").send().await.text(), "DELETE /");
    // A route under the prefix is served by its handler.
    assert_eq!(
        client.get("/api/files/own").send().await.text(),
        "a route of its own"
    );
    // Paths that only start like the prefix are not the service's.
    assert_eq!(
        client.get("/api/filesystem").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_axum_router_can_be_mounted_for_a_gradual_migration() {
    let legacy: axum::Router = axum::Router::new()
        .route(
            "/users",
            axum::routing::get(|| async { "users, from axum" }),
        )
        .route(
            "/echo",
            axum::routing::post(|body: String| async move { format!("axum read {body}") }),
        );
    let mut bp = Blueprint::new();
    bp.service("/legacy", legacy);
    let client = client(bp).await;

    let users = client.get("/legacy/users").send().await;
    assert_eq!(users.status(), StatusCode::OK);
    assert_eq!(users.text(), "users, from axum");
    let echoed = client.post("/legacy/echo").body("a body").send().await;
    assert_eq!(echoed.text(), "axum read a body");
    assert_eq!(
        client.get("/legacy/nothing").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

#[derive(Debug, thiserror::Error)]
#[error("the backend is unreachable")]
pub struct Unreachable(#[source] std::io::Error);

#[tokio::test]
async fn a_failing_service_is_handled_and_observed_once() {
    let (capture, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.service(
        "/proxy",
        tower::service_fn(|_request: Request| async {
            let cause = std::io::Error::other("connection refused");
            Err::<http::Response<Body>, _>(Unreachable(cause))
        }),
    );
    let response = client(bp).await.get("/proxy/x").send().await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!response.text().contains("backend"), "{}", response.text());
    let errors = capture.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the backend is unreachable")
    );
    assert_eq!(
        errors[0].field("error.source_chain"),
        Some("connection refused")
    );
    assert!(
        errors[0]
            .field("error.type")
            .is_some_and(|t| t.ends_with("Unreachable"))
    );
    let root = capture.root_span();
    assert_eq!(root.field("error.msg"), Some("the backend is unreachable"));
    assert_eq!(root.field("http.route"), Some("/proxy/{*rest}"));
}

#[get("/static/{*path}")]
pub fn static_route() -> &'static str {
    "route"
}

#[tokio::test]
async fn build_rejects_bad_prefixes_and_conflicts() {
    let mut bp = Blueprint::new();
    bp.service("static", tower::service_fn(echo));
    bp.service("/assets/", tower::service_fn(echo));
    let Err(BuildError::Invalid { problems }) = bp.build().await else {
        panic!("bad prefixes are rejected");
    };
    assert_eq!(problems.len(), 2, "{problems:#?}");
    for problem in &problems {
        let service = &problem.components()[0];
        assert_eq!(service.kind(), InvolvedKind::Service);
        assert!(
            problem.message().contains("a prefix starts with `/`"),
            "{problem}"
        );
    }

    let mut bp = Blueprint::new();
    bp.route(STATIC_ROUTE);
    bp.service("/static", tower::service_fn(echo));
    let Err(BuildError::Invalid { problems }) = bp.build().await else {
        panic!("a service whose paths conflict with a route's is rejected");
    };
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let message = problems[0].to_string();
    assert!(message.contains("/static/{*rest}"), "{message}");
    assert!(
        message.contains("the service mounted at `/static`"),
        "{message}"
    );
}
