//! Criterion micro-benchmarks of watchful, in process (no network): one request through
//! `App::handle` (routing, root span, DI, handler, error handler and observers), `build()`
//! for 1,000 routes, and dispatch on apps of 10, 100 and 1,000 routes.
//!
//! `cargo bench -p watchful --bench pipeline` (add `-- --quick` for a short run).
//!
//! The router is private, so "dispatch" is a whole `App::handle` on a trivial route: its
//! change with the route count is the router's; its absolute value is the pipeline's.

#[path = "support/thousand_routes.rs"]
mod thousand_routes;

use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use watchful::http::{Request, StatusCode};
use watchful::request::{ConnectionInfo, RawPathParams, RequestBody, RequestHead};
use watchful::telemetry::LOG_ERROR;
use watchful::{App, Blueprint, error_handler, get, request_scoped, singleton};

/// The singleton of scenario 2.
pub struct Site(String);

/// The request-scoped value of scenario 2.
pub struct Viewer(String);

#[singleton]
pub fn site() -> Site {
    Site("watchful".to_owned())
}

#[request_scoped]
pub fn viewer(head: &RequestHead) -> Viewer {
    let language = head
        .headers
        .get("accept-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("en");
    Viewer(language.to_owned())
}

#[get("/plaintext")]
pub fn plaintext() -> &'static str {
    "Hello, World!"
}

#[get("/users/{id}/posts/{post}")]
pub fn user_post(params: &RawPathParams, site: &Site, viewer: &Viewer) -> String {
    format!(
        r#"{{"user_id":{},"post_id":{},"site":"{}","language":"{}"}}"#,
        params.get("id").unwrap_or_default(),
        params.get("post").unwrap_or_default(),
        site.0,
        viewer.0
    )
}

/// Scenario 3's error: two levels of sources.
#[derive(Debug, thiserror::Error)]
#[error("the posts could not be loaded")]
pub struct FetchError(#[source] StorageError);

/// [`FetchError`]'s cause.
#[derive(Debug, thiserror::Error)]
#[error("the posts database is unreachable")]
pub struct StorageError(#[source] std::io::Error);

#[get("/fail")]
pub fn fail() -> Result<&'static str, FetchError> {
    Err(FetchError(StorageError(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "connection refused",
    ))))
}

#[error_handler]
pub fn fetch_failed(_error: &FetchError) -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn scenarios_app(rt: &Runtime) -> App {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.constructor(SITE);
    bp.constructor(VIEWER);
    bp.route(PLAINTEXT);
    bp.route(USER_POST);
    bp.route(FAIL).error_handler(FETCH_FAILED);
    rt.block_on(bp.build()).expect("a valid blueprint")
}

fn routes_app(rt: &Runtime, count: usize) -> App {
    rt.block_on(routes_blueprint(count).build())
        .expect("a valid blueprint")
}

fn routes_blueprint(count: usize) -> Blueprint {
    let mut bp = Blueprint::new();
    for route in &thousand_routes::ALL[..count] {
        bp.route(*route);
    }
    bp
}

fn request(path: &str) -> Request<RequestBody> {
    Request::builder()
        .uri(path)
        .header("host", "localhost")
        .header("user-agent", "criterion")
        .body(RequestBody::from_bytes(""))
        .expect("a valid request")
}

const CONNECTION: ConnectionInfo = ConnectionInfo {
    peer_addr: SocketAddr::V4(std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::LOCALHOST,
        40000,
    )),
    local_addr: SocketAddr::V4(std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::LOCALHOST,
        8000,
    )),
    scheme: "http",
};

fn handle(rt: &Runtime, app: &App, path: &str, expected: StatusCode) {
    let response = rt.block_on(app.handle(request(path), CONNECTION));
    assert_eq!(response.status(), expected, "{path}");
    black_box(response);
}

const SCENARIOS: [(&str, &str, StatusCode); 3] = [
    ("plaintext", "/plaintext", StatusCode::OK),
    ("user_post", "/users/42/posts/7", StatusCode::OK),
    ("fail", "/fail", StatusCode::INTERNAL_SERVER_ERROR),
];

/// Scenarios 1–3 without a subscriber: spans and events are disabled, which is the floor.
fn request_no_subscriber(c: &mut Criterion) {
    let rt = runtime();
    let app = scenarios_app(&rt);
    let mut group = c.benchmark_group("request");
    for (name, path, status) in SCENARIOS {
        group.bench_function(name, |b| b.iter(|| handle(&rt, &app, path, status)));
    }
    group.finish();
}

/// Scenarios 1–3 with the harness's subscriber (JSON lines at INFO, a line per closed span),
/// writing to a sink: what formatting the root span and the ERROR event costs.
fn request_json_logs(c: &mut Criterion) {
    let rt = runtime();
    let app = scenarios_app(&rt);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(LevelFilter::INFO)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let mut group = c.benchmark_group("request_json_logs");
        for (name, path, status) in SCENARIOS {
            group.bench_function(name, |b| b.iter(|| handle(&rt, &app, path, status)));
        }
        group.finish();
    });
}

/// `build()` of a blueprint of 1,000 routes (building the blueprint included).
fn build(c: &mut Criterion) {
    let rt = runtime();
    c.bench_function("build/1000_routes", |b| {
        b.iter_batched(
            || routes_blueprint(1000),
            |bp| black_box(rt.block_on(bp.build()).expect("a valid blueprint")),
            BatchSize::LargeInput,
        )
    });
}

/// A request to the last route of apps with 10, 100 and 1,000 routes, through `App::handle`.
fn dispatch(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("dispatch");
    for count in [10, 100, 1000] {
        let app = routes_app(&rt, count);
        let path = format!("/r/{:03}", count - 1);
        group.bench_function(format!("{count}_routes"), |b| {
            b.iter(|| handle(&rt, &app, &path, StatusCode::OK))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    request_no_subscriber,
    request_json_logs,
    build,
    dispatch
);
criterion_main!(benches);
