//! The bench's OpenTelemetry scenario: one server serving the plaintext route (the same
//! handler as the bench's scenario 1) with every span exported through a default
//! `tracing-opentelemetry` layer to an `opentelemetry_sdk` tracer provider whose simple
//! processor hands each span to [`Discard`](sink::Discard):
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

use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
    alloc_count::exit_when_stdin_closes();
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// Keeps the spans it is given.
    #[derive(Debug, Clone, Default)]
    struct Collect(Arc<Mutex<Vec<SpanData>>>);

    impl SpanExporter for Collect {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0.lock().expect("not poisoned").extend(batch);
            Ok(())
        }
    }

    /// The attributes whose values differ between two servers by nature: the source location
    /// and target, the timings, and the ids (checked on their own).
    const OWN_VALUES: [&str; 8] = [
        "code.file.path",
        "code.module.name",
        "code.line.number",
        "target",
        "busy_ns",
        "idle_ns",
        "trace_id",
        "request_id",
    ];

    /// One `GET /plaintext` with a `traceparent` to `server`: the spans it exported and the
    /// response.
    fn one_request(server: &str) -> (Vec<SpanData>, String) {
        let collect = Collect::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(collect.clone())
            .build();
        let _subscriber = tracing::subscriber::set_default(sink::subscriber(&provider));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let head = runtime.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
            let address = listener.local_addr().expect("an address");
            let serving = if server == "watchful" {
                tokio::spawn(async { serve_watchful(listener).await.map_err(|e| e.to_string()) })
            } else {
                tokio::spawn(async { serve_axum(listener).await.map_err(|e| e.to_string()) })
            };
            let mut stream = tokio::net::TcpStream::connect(address)
                .await
                .expect("connects");
            stream
                .write_all(
                    b"GET /plaintext HTTP/1.1\r\nHost: bench.example:8080\r\n\
                      User-Agent: bench\r\nConnection: close\r\n\
                      traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n",
                )
                .await
                .expect("sends");
            let mut response = String::new();
            stream
                .read_to_string(&mut response)
                .await
                .expect("reads the response");
            // The span ends once the server has dropped the request.
            tokio::time::sleep(Duration::from_millis(100)).await;
            serving.abort();
            response
        });
        let spans = collect.0.lock().expect("not poisoned").clone();
        (spans, head)
    }

    /// A span's attributes as text, by name; strings quoted, so that `"200"` is not `200`.
    fn attributes(span: &SpanData) -> BTreeMap<String, String> {
        span.attributes
            .iter()
            .map(|kv| {
                let value = match &kv.value {
                    opentelemetry::Value::String(text) => format!("{:?}", text.as_str()),
                    other => other.to_string(),
                };
                (kv.key.to_string(), value)
            })
            .collect()
    }

    #[test]
    fn watchful_and_axum_export_the_same_span() {
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        let (watchful, watchful_head) = one_request("watchful");
        let (axum, axum_head) = one_request("axum");
        let [watchful] = &watchful[..] else {
            panic!("watchful exported {watchful:?}")
        };
        let [axum] = &axum[..] else {
            panic!("axum exported {axum:?}")
        };
        assert_eq!(watchful.name, "GET /plaintext");
        assert_eq!(axum.name, watchful.name);
        assert_eq!(axum.span_kind, watchful.span_kind);
        assert_eq!(axum.status, watchful.status);
        let (mut w, mut a) = (attributes(watchful), attributes(axum));
        for (span, attributes) in [(watchful, &w), (axum, &a)] {
            // The incoming trace is continued, and its id recorded.
            let trace_id = span.span_context.trace_id().to_string();
            assert_eq!(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
            assert_eq!(span.parent_span_id.to_string(), "00f067aa0ba902b7");
            assert_eq!(attributes.get("trace_id"), Some(&format!("{trace_id:?}")));
            assert!(attributes.contains_key("request_id"), "{attributes:?}");
        }
        assert_eq!(w["http.response.status_code"], "200");
        for name in OWN_VALUES {
            w.remove(name);
            a.remove(name);
        }
        assert_eq!(a, w);
        for head in [watchful_head, axum_head] {
            assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
            assert!(head.contains("x-request-id: "), "{head}");
        }
    }
}
