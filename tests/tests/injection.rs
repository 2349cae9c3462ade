//! Dependency injection: lifecycles, inputs by value and by reference, framework primitives.

use std::sync::atomic::{AtomicUsize, Ordering};

use watchful::http::StatusCode;
use watchful::request::{
    ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead, RequestId,
};
use watchful::telemetry::RootSpan;
use watchful::testing::TestClient;
use watchful::{Blueprint, get, post, request_scoped, singleton, transient};

// Each counter counts the builds of one constructor.
static CONFIG_BUILDS: AtomicUsize = AtomicUsize::new(0);
static USER_BUILDS: AtomicUsize = AtomicUsize::new(0);
static NONCE_BUILDS: AtomicUsize = AtomicUsize::new(0);

pub struct Config {
    greeting: &'static str,
}

#[singleton]
pub async fn config() -> Config {
    CONFIG_BUILDS.fetch_add(1, Ordering::SeqCst);
    Config { greeting: "hi" }
}

#[derive(Clone)]
pub struct User(String);

#[request_scoped(clone_if_necessary)]
pub fn user(head: &RequestHead) -> User {
    USER_BUILDS.fetch_add(1, Ordering::SeqCst);
    let name = head.headers.get("x-user").and_then(|v| v.to_str().ok());
    User(name.unwrap_or("anonymous").to_owned())
}

pub struct Nonce(usize);

#[transient]
pub fn nonce() -> Nonce {
    Nonce(NONCE_BUILDS.fetch_add(1, Ordering::SeqCst))
}

/// Needs the user by reference and a nonce of its own.
pub struct Greeting(String);

#[request_scoped]
pub async fn greeting(config: &Config, user: &User, nonce: Nonce) -> Greeting {
    tokio::task::yield_now().await;
    Greeting(format!("{} {} #{}", config.greeting, user.0, nonce.0))
}

#[get("/greet")]
pub fn greet(greeting: &Greeting, user: User, nonce: Nonce) -> String {
    format!("{} / {} #{}", greeting.0, user.0, nonce.0)
}

#[get("/plain")]
pub fn plain() -> &'static str {
    "plain"
}

#[get("/items/{id}/{*rest}")]
#[allow(clippy::too_many_arguments)]
pub fn primitives(
    head: &RequestHead,
    params: &RawPathParams,
    route: &MatchedRoute,
    connection: &ConnectionInfo,
    id: &RequestId,
    span: &RootSpan,
    owned_head: RequestHead,
) -> String {
    span.record("user_agent.original", "overridden");
    format!(
        "{} {} id={} rest={} route={} peer={} request_id={} same_head={}",
        head.method,
        head.uri,
        params.get("id").unwrap_or_default(),
        params.get("rest").unwrap_or_default(),
        route.as_str(),
        connection.peer_addr.ip(),
        id.as_str(),
        owned_head.uri == head.uri,
    )
}

#[post("/echo")]
pub async fn echo(body: RequestBody) -> Result<Vec<u8>, watchful::Error> {
    use http_body_util::BodyExt;
    let collected = body.into_inner().collect().await;
    let bytes = collected.map_err(watchful::Error::new)?.to_bytes();
    Ok(bytes.to_vec())
}

#[watchful::error_handler]
pub fn any_error(_e: &watchful::Error) -> StatusCode {
    StatusCode::BAD_REQUEST
}

async fn client() -> TestClient {
    let mut bp = Blueprint::new();
    bp.constructor(CONFIG);
    bp.constructor(USER);
    bp.constructor(NONCE);
    bp.constructor(GREETING);
    bp.route(GREET);
    bp.route(PLAIN);
    bp.route(PRIMITIVES);
    bp.route(ECHO).error_handler(ANY_ERROR);
    TestClient::new(bp.build().await.expect("valid"))
}

// One test, so that the build counters are not shared between concurrent tests.
#[tokio::test]
async fn lifecycles_and_primitives() {
    let client = client().await;
    assert_eq!(
        CONFIG_BUILDS.load(Ordering::SeqCst),
        1,
        "build() builds singletons"
    );

    // Request-scoped: built once per request though three components use it; cloned for the
    // by-value input. Transient: built for each of its two uses.
    let response = client.get("/greet").header("x-user", "ada").send().await;
    assert_eq!(response.text(), "hi ada #0 / ada #1");
    assert_eq!(USER_BUILDS.load(Ordering::SeqCst), 1);
    assert_eq!(NONCE_BUILDS.load(Ordering::SeqCst), 2);

    let response = client.get("/greet").send().await;
    assert_eq!(response.text(), "hi anonymous #2 / anonymous #3");
    assert_eq!(
        USER_BUILDS.load(Ordering::SeqCst),
        2,
        "built anew for the next request"
    );

    // A route that needs nothing builds nothing.
    assert_eq!(client.get("/plain").send().await.text(), "plain");
    assert_eq!(USER_BUILDS.load(Ordering::SeqCst), 2);
    assert_eq!(NONCE_BUILDS.load(Ordering::SeqCst), 4);
    assert_eq!(
        CONFIG_BUILDS.load(Ordering::SeqCst),
        1,
        "singletons are shared"
    );

    let response = client
        .get("/items/7/a/b%20c?x=1")
        .header("x-request-id", "abc")
        .send()
        .await;
    assert_eq!(
        response.text(),
        "GET /items/7/a/b%20c?x=1 id=7 rest=a/b c route=/items/{id}/{*rest} peer=127.0.0.1 request_id=abc same_head=true"
    );

    let response = client.post("/echo").body("some bytes").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().as_ref(), b"some bytes");
}
