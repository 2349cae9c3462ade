//! What the four servers share: the scenarios' data, the error with a two-level source chain,
//! the error scenarios, and one tracing setup (JSON lines to a file, INFO, a line per closed
//! span) so that every server pays the same for its telemetry.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The body of scenario 1.
pub const HELLO: &str = "Hello, World!";

/// The headers tower-http's `CorsLayer::permissive()` adds to a response to a request without
/// an `Origin`: the CORS scenario's servers without tower-http add them by hand.
pub const PERMISSIVE_CORS: [(&str, &str); 3] = [
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", "*"),
    (
        "vary",
        "origin, access-control-request-method, access-control-request-headers",
    ),
];

/// The name every server gives its root span.
pub const ROOT_SPAN: &str = "HTTP request";

/// The singleton of scenario 2 (axum, actix-web: application state).
#[derive(Debug, Clone)]
pub struct Site {
    /// Shown in the response.
    pub name: Arc<str>,
}

impl Site {
    /// The one instance each server builds at start.
    pub fn new() -> Self {
        Self {
            name: Arc::from("watchful-bench"),
        }
    }
}

/// The request-scoped dependency of scenario 2 (axum, actix-web: an extractor): the
/// language the client asked for, `en` when it did not say.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The first tag of `accept-language`.
    pub language: String,
}

impl Viewer {
    /// Reads the `accept-language` header.
    pub fn from_header(value: Option<&[u8]>) -> Self {
        let language = value
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.split([',', ';']).next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or("en");
        Self {
            language: language.to_owned(),
        }
    }
}

/// The JSON body of scenario 2.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct UserPost {
    /// From the path.
    pub user_id: u64,
    /// From the path.
    pub post_id: u64,
    /// From the singleton.
    pub site: String,
    /// From the request-scoped dependency.
    pub language: String,
}

impl UserPost {
    /// Builds the JSON body.
    pub fn json(user_id: u64, post_id: u64, site: &Site, viewer: &Viewer) -> Vec<u8> {
        let post = UserPost {
            user_id,
            post_id,
            site: site.name.as_ref().to_owned(),
            language: viewer.language.clone(),
        };
        serde_json::to_vec(&post).unwrap_or_default()
    }
}

/// The request path of scenario 2, and what it must answer.
pub const USER_POST_PATH: &str = "/users/42/posts/7";

/// The body [`USER_POST_PATH`] must answer.
pub fn expected_user_post() -> UserPost {
    UserPost {
        user_id: 42,
        post_id: 7,
        site: "watchful-bench".to_owned(),
        language: "en".to_owned(),
    }
}

/// The handler error of scenario 3: two levels of sources.
#[derive(Debug, thiserror::Error)]
#[error("the posts of user {user} could not be loaded")]
pub struct FetchError {
    user: u64,
    #[source]
    source: StorageError,
}

/// The first cause of [`FetchError`].
#[derive(Debug, thiserror::Error)]
#[error("the posts database is unreachable")]
pub struct StorageError(#[source] std::io::Error);

/// What `GET /fail` fails with.
pub fn fetch_error() -> FetchError {
    FetchError {
        user: 42,
        source: StorageError(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        )),
    }
}

/// The middleware error of the error-reporting comparison: it happens after the handler
/// failed (an audit middleware could not record the failure).
#[derive(Debug, thiserror::Error)]
#[error("the audit record could not be written")]
pub struct AuditError(#[source] pub std::io::Error);

/// What the audit middleware fails with.
pub fn audit_error() -> AuditError {
    AuditError(std::io::Error::other("audit log is full"))
}

/// The body of `POST /echo` (the extractor scenario sends invalid JSON instead).
#[derive(Debug, Deserialize)]
pub struct Echo {
    /// Echoed back.
    pub name: String,
}

/// The failure scenarios of the error-reporting comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorScenario {
    /// `GET /fail`: the handler returns [`FetchError`].
    HandlerError,
    /// `POST /echo` with a body that is not JSON: the JSON extractor fails.
    ExtractorError,
    /// `GET /audited/fail`: the handler fails, then a middleware fails with [`AuditError`].
    MiddlewareAfterHandlerError,
    /// `GET /panic`: the handler panics.
    Panic,
    /// `GET /missing`: no route matches.
    NotFound,
}

impl ErrorScenario {
    /// Every scenario, in table order.
    pub const ALL: [ErrorScenario; 5] = [
        Self::HandlerError,
        Self::ExtractorError,
        Self::MiddlewareAfterHandlerError,
        Self::Panic,
        Self::NotFound,
    ];

    /// How the table names it.
    pub fn title(self) -> &'static str {
        match self {
            Self::HandlerError => "error in a handler",
            Self::ExtractorError => "error in an extractor (bad JSON body)",
            Self::MiddlewareAfterHandlerError => "error in a middleware after a handler error",
            Self::Panic => "panic in a handler",
            Self::NotFound => "404 (no route)",
        }
    }

    /// The request that triggers it: method, path, content type and body.
    pub fn request(
        self,
    ) -> (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
    ) {
        match self {
            Self::HandlerError => ("GET", "/fail", None, ""),
            Self::ExtractorError => ("POST", "/echo", Some("application/json"), "{\"name\": "),
            Self::MiddlewareAfterHandlerError => ("GET", "/audited/fail", None, ""),
            Self::Panic => ("GET", "/panic", None, ""),
            Self::NotFound => ("GET", "/missing", None, ""),
        }
    }
}

/// The Display of each cause of `error`, outermost first, one per line (the error itself
/// excluded): the same format as `watchful::telemetry::error_source_chain`.
pub fn source_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = String::new();
    let mut cause = error.source();
    while let Some(current) = cause {
        if !chain.is_empty() {
            chain.push('\n');
        }
        let _ = write!(chain, "{current}");
        cause = current.source();
    }
    chain
}

/// Installs the tracing setup every server uses: JSON lines appended to `log`, INFO and
/// above, one line when a span closes (so the root span's fields are written).
pub fn init_tracing(log: &Path) -> std::io::Result<()> {
    // Appending lets the driver truncate the file between runs.
    let file = OpenOptions::new().create(true).append(true).open(log)?;
    tracing_subscriber::fmt()
        .json()
        .with_max_level(LevelFilter::INFO)
        .with_span_events(FmtSpan::CLOSE)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(Arc::new(file))
        .init();
    Ok(())
}

/// Logging off: a tracing subscriber that is off at every level, as if there were none.
///
/// Not no subscriber at all: actix-web's crates turn on tracing's `log` feature, in this
/// binary for every server, and with it, while no subscriber was ever set, each span and event
/// is handed to the `log` crate, its fields formatted first (~300 instructions per request for
/// the root span alone). A server built without actix-web has no such cost.
pub fn tracing_off() {
    use tracing_subscriber::layer::SubscriberExt;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(LevelFilter::OFF))
        .expect("no subscriber was set before");
}

/// The root span of the servers whose framework does not make one (raw hyper; axum through
/// tower-http's `TraceLayer`), with the same fields as watchful's, recorded the same way, so
/// that every server logs as much: the comparison is of the frameworks, not of log volume.
pub fn root_span<B>(request: &http::Request<B>, client: Option<std::net::IpAddr>) -> tracing::Span {
    use tracing::field::Empty;
    let span = tracing::info_span!(
        "HTTP request",
        http.request.method = %request.method(),
        http.route = Empty,
        url.path = request.uri().path(),
        url.query = Empty,
        network.protocol.version = protocol_version(request.version()),
        user_agent.original = Empty,
        client.address = Empty,
        request_id = request_id().as_str(),
        http.response.status_code = Empty,
        otel.name = Empty,
        otel.kind = "server",
        otel.status_code = Empty,
        error.msg = Empty,
        error.details = Empty,
        error.source_chain = Empty,
        error.type = Empty,
        error.count = Empty,
    );
    if let Some(query) = request.uri().query() {
        span.record("url.query", query);
    }
    if let Some(agent) = request.headers().get(http::header::USER_AGENT) {
        span.record(
            "user_agent.original",
            String::from_utf8_lossy(agent.as_bytes()).as_ref(),
        );
    }
    if let Some(client) = client {
        span.record("client.address", tracing::field::display(client));
    }
    span
}

/// Records the matched route (and `otel.name`) on a [`root_span`]; `None` when no route
/// matched.
pub fn record_route(span: &tracing::Span, method: &http::Method, route: Option<&str>) {
    match route {
        Some(route) => {
            span.record("http.route", route);
            span.record("otel.name", format!("{method} {route}").as_str());
        }
        None => {
            span.record("otel.name", method.as_str());
        }
    }
}

fn protocol_version(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        _ => "other",
    }
}

/// A request id like watchful's: a random prefix and a counter, in hexadecimal.
fn request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::time::SystemTime::now())
    });
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix:016x}-{count:016x}")
}

/// Records the status of the response on a [`root_span`].
pub fn record_status(span: &tracing::Span, status: http::StatusCode) {
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
}
