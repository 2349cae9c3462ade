//! The bench's OpenTelemetry scenario: one server serving the plaintext route (the same
//! handler as the bench's scenario 1) with every span exported through a default
//! `tracing-opentelemetry` layer to an `opentelemetry_sdk` tracer provider whose simple
//! processor hands each span to [`Discard`]:
//!
//! - `watchful`: watchful with its `otel` feature (trace propagation, `trace_id`, the
//!   request metrics through the global meter provider, which is the no-op one here);
//! - `axum`: axum with tower-http's `TraceLayer` making a span with the same attributes (the
//!   continued trace, `trace_id` and `request_id` included, with tower-http's request id layers).
//!
//! `watchful-bench-otel serve <watchful|axum> --port PORT --log FILE` takes the bench
//! driver's command line (`--log` is accepted and unused: nothing is logged but the spans),
//! runs until its standard input closes, then prints its allocation counts as JSON on stdout
//! and exits, as `watchful-bench serve` does.

#[path = "../../bench/src/alloc_count.rs"]
mod alloc_count;
mod sink;

use std::process::ExitCode;

use std::net::SocketAddr;
use std::time::Duration;

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::HeaderValue;
use axum::http::header::{HOST, USER_AGENT};
use axum::routing::get;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_http::HeaderExtractor;
use tokio::net::TcpListener;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use watchful::{Blueprint, Server};

const USAGE: &str = "usage: watchful-bench-otel serve <watchful|axum> --port PORT --log FILE";

/// The response body, as in the bench's scenario 1.
const HELLO: &str = "Hello, World!";

fn main() -> ExitCode {
    match serve(&std::env::args().skip(1).collect::<Vec<_>>()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (server, port) = match args {
        [serve, server, flag, port, log, _]
            if serve == "serve" && flag == "--port" && log == "--log" =>
        {
            (server.as_str(), port.parse::<u16>()?)
        }
        _ => return Err(USAGE.into()),
    };
    if server != "watchful" && server != "axum" {
        return Err(USAGE.into());
    }
    let _provider = sink::install()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    exit_when_stdin_closes();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener)?;
        if server == "watchful" {
            serve_watchful(listener).await
        } else {
            serve_axum(listener).await
        }
    })
}

/// watchful: the route alone; the root span is the framework's.
async fn serve_watchful(listener: TcpListener) -> Result<(), Box<dyn std::error::Error>> {
    let mut bp = Blueprint::new();
    bp.route(PLAINTEXT);
    let app = bp.build().await?;
    Server::from_listener(listener)
        .handle_signals(false)
        .serve(app)
        .await?;
    Ok(())
}

#[watchful::get("/plaintext")]
fn plaintext() -> &'static str {
    HELLO
}

/// axum: the route under tower-http's `TraceLayer` (as a route layer, so that the route is
/// known), making a span with what watchful's root span exports (the HTTP conventions', the
/// name `GET /plaintext` given at creation, the continued trace and its `trace_id`, the
/// `request_id`) and recording the status, as watchful does, as an integer; and tower-http's
/// request id layers, which take the incoming `x-request-id` or make one, and echo it on the
/// response, as watchful does.
async fn serve_axum(listener: TcpListener) -> Result<(), Box<dyn std::error::Error>> {
    let app = axum::Router::new()
        .route("/plaintext", get(|| async { HELLO }))
        .route_layer(
            TraceLayer::new_for_http()
                .make_span_with(http_span)
                .on_request(())
                .on_response(
                    |response: &axum::response::Response, _: Duration, span: &Span| {
                        span.record(
                            "http.response.status_code",
                            i64::from(response.status().as_u16()),
                        );
                    },
                ),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(CountedRequestId::default()));
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await?;
    Ok(())
}

/// The span of one request to axum: the fields of watchful's root span, filled the same way.
fn http_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let method = request.method().as_str();
    let name = match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_owned(),
    };
    let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
    let (address, port) = match host.map(|h| h.rsplit_once(':')) {
        Some(Some((address, port))) => (Some(address), port.parse::<i64>().ok()),
        Some(None) => (host, Some(80)),
        None => (None, None),
    };
    let client = request.extensions().get::<ConnectInfo<SocketAddr>>();
    let span = tracing::info_span!(
        "HTTP request",
        otel.name = &*name,
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        url.scheme = "http",
        url.path = request.uri().path(),
        url.query = request.uri().query(),
        server.address = address,
        server.port = port,
        network.protocol.version = "1.1",
        user_agent.original = request
            .headers()
            .get(USER_AGENT)
            .and_then(|a| a.to_str().ok()),
        client.address = client.map(|c| tracing::field::display(c.0.ip())),
        request_id = request
            .extensions()
            .get::<RequestId>()
            .and_then(|id| id.header_value().to_str().ok()),
        trace_id = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(request.headers()))
    });
    let _ = span.set_parent(parent);
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
    span
}

/// axum's request ids: a process-wide random prefix and a counter, as watchful makes them.
#[derive(Clone)]
struct CountedRequestId {
    prefix: u64,
    count: Arc<AtomicU64>,
}

impl Default for CountedRequestId {
    fn default() -> Self {
        Self {
            prefix: RandomState::new().hash_one(std::time::SystemTime::now()),
            count: Arc::default(),
        }
    }
}

impl MakeRequestId for CountedRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let count = self.count.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:016x}-{count:016x}", self.prefix);
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Exits the process, after printing its allocation counts as JSON on stdout, when stdin
/// closes: the bench driver's clean stop, after which callgrind writes its profile.
fn exit_when_stdin_closes() {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let counts = serde_json::to_string(&alloc_count::Allocations::now()).unwrap_or_default();
        println!("{counts}");
        std::process::exit(0);
    });
}
