//! [`Server`] over a real socket on `127.0.0.1`, driven by hyper's own HTTP/1 and HTTP/2
//! clients (or a raw `TcpStream` where a well-behaved client can't misbehave enough).
//!
//! Covered: serving a request, graceful shutdown with a request in flight, the shutdown
//! timeout, HTTP/2 with prior knowledge, and the header read timeout. `TCP_NODELAY` is not
//! tested: it is a server-side socket option that a client cannot observe reliably.
//!
//! Every wait is bounded by `watchful_conformance::LIMIT`, so a misbehaving server fails the suite instead of
//! hanging it.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::{http1, http2};
use hyper::{Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use watchful::server::{ServerError, ShutdownHandle};
use watchful::{Blueprint, Server, get};
use watchful_conformance::within;

// ---------------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------------

/// Lets a test see when a handler has started, and decide when it finishes. Registered as a
/// prebuilt singleton; the test keeps a clone.
#[derive(Clone, Default)]
pub struct Gate(Arc<GateInner>);

#[derive(Default)]
struct GateInner {
    started: Notify,
    release: Notify,
}

impl Gate {
    async fn started(&self) {
        within("the handler to start", self.0.started.notified()).await;
    }

    fn release(&self) {
        self.0.release.notify_one();
    }
}

#[get("/hello")]
pub async fn hello() -> &'static str {
    "hello over a socket"
}

#[get("/slow")]
pub async fn slow(gate: &Gate) -> &'static str {
    gate.0.started.notify_one();
    gate.0.release.notified().await;
    "finished after shutdown began"
}

#[get("/forever")]
pub async fn forever(gate: &Gate) -> &'static str {
    gate.0.started.notify_one();
    std::future::pending::<()>().await;
    "never sent"
}

/// Four chunks, 150 ms apart: a response that takes longer to send than the header read
/// timeout of the tests that read it.
#[get("/drip")]
pub fn drip() -> watchful::response::Body {
    use watchful::response::sse::stream::{self, StreamExt};
    let chunks =
        ["one ", "two ", "three ", "four"].map(|chunk| Ok::<_, std::io::Error>(Bytes::from(chunk)));
    watchful::response::Body::from_stream(stream::iter(chunks).throttle(Duration::from_millis(150)))
}

fn blueprint(gate: &Gate) -> Blueprint {
    let mut bp = Blueprint::new();
    bp.prebuilt(gate.clone());
    bp.route(HELLO);
    bp.route(SLOW);
    bp.route(FOREVER);
    bp.route(DRIP);
    bp
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A server serving in a background task.
struct Running {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    served: JoinHandle<Result<(), ServerError>>,
}

impl Running {
    /// What `serve` returned, once it does.
    async fn served(self) -> Result<(), ServerError> {
        within("`serve` to return", self.served)
            .await
            .expect("the server task did not panic")
    }
}

/// Builds the blueprint and serves it on a free port of 127.0.0.1, without signal handling; `configure`
/// tunes the server first.
async fn start(gate: &Gate, configure: impl FnOnce(Server) -> Server) -> Running {
    let app = blueprint(gate)
        .build()
        .await
        .expect("the blueprint is valid");
    let server = Server::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let server = configure(server.handle_signals(false));
    let addr = server.local_addr().expect("local_addr");
    assert_ne!(addr.port(), 0, "port 0 was resolved to a real port");
    let shutdown = server.shutdown_handle();
    let served = tokio::spawn(server.serve(app));
    Running {
        addr,
        shutdown,
        served,
    }
}

/// An HTTP/1.1 connection to `addr`, driven in the background.
async fn connect_http1(addr: SocketAddr) -> http1::SendRequest<Empty<Bytes>> {
    let stream = within("connect", TcpStream::connect(addr))
        .await
        .expect("connect");
    let (sender, connection) = within(
        "the HTTP/1 handshake",
        http1::handshake(TokioIo::new(stream)),
    )
    .await
    .expect("HTTP/1 handshake");
    tokio::spawn(connection);
    sender
}

/// A `GET` for `uri` with an empty body.
fn get_request(uri: &str) -> Request<Empty<Bytes>> {
    Request::get(uri)
        .header(hyper::header::HOST, "localhost")
        .body(Empty::new())
        .expect("a valid request")
}

/// Sends `GET path` on a fresh HTTP/1.1 connection and reads the whole response.
async fn get_http1(addr: SocketAddr, path: &str) -> hyper::Result<Response<Bytes>> {
    let mut sender = connect_http1(addr).await;
    let response = sender.send_request(get_request(path)).await?;
    collect(response).await
}

/// Reads a response's whole body.
async fn collect(response: Response<hyper::body::Incoming>) -> hyper::Result<Response<Bytes>> {
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Response::from_parts(parts, body))
}

/// Connects until a connection is refused, i.e. until the server stopped listening. While the
/// listener closes, a connection may still be accepted, or reset from the backlog.
async fn until_refused(addr: SocketAddr) {
    within("new connections to be refused", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(error) if error.kind() == ErrorKind::ConnectionRefused => return,
                Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
                Err(error) => panic!("connecting failed otherwise than refused: {error}"),
                Ok(_accepted) => {}
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// Reads from a raw connection until the server closes it; returns how long that took.
async fn until_closed(stream: &mut TcpStream) -> Duration {
    let begin = Instant::now();
    let mut received = Vec::new();
    // `Ok` is a clean close (possibly after an error response), `Err` a reset: both mean closed.
    let _closed = within(
        "the server to close the connection",
        stream.read_to_end(&mut received),
    )
    .await;
    begin.elapsed()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_a_request_over_http1() {
    let gate = Gate::default();
    let server = start(&gate, |server| server).await;

    let response = within("the response", get_http1(server.addr, "/hello"))
        .await
        .expect("a response");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.body().as_ref(), b"hello over a socket");
    let id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id");
    assert!(!id.is_empty());

    server.shutdown.shutdown();
    server
        .served()
        .await
        .expect("an idle server shuts down cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_a_listener_bound_elsewhere() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    let app = blueprint(&Gate::default()).build().await.expect("valid");
    let server = Server::from_listener(listener).handle_signals(false);
    assert_eq!(server.local_addr().expect("local_addr"), addr);
    let shutdown = server.shutdown_handle();
    let served = tokio::spawn(server.serve(app));

    let response = within("the response", get_http1(addr, "/hello"))
        .await
        .expect("a response");
    assert_eq!(response.status(), StatusCode::OK);

    shutdown.shutdown();
    within("`serve` to return", served)
        .await
        .expect("no panic")
        .expect("a clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_refuses_new_connections_and_finishes_in_flight_requests() {
    let gate = Gate::default();
    let server = start(&gate, |server| server).await;
    // Opened before shutdown and left idle: it must not hold the shutdown up.
    let _idle = connect_http1(server.addr).await;
    let in_flight = tokio::spawn(get_http1(server.addr, "/slow"));
    gate.started().await;

    server.shutdown.shutdown();

    until_refused(server.addr).await;
    assert!(
        !server.served.is_finished(),
        "`serve` waits for the in-flight request"
    );

    gate.release();
    let response = within("the in-flight response", in_flight)
        .await
        .expect("no panic")
        .expect("the in-flight request completes");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body().as_ref(), b"finished after shutdown began");
    server.served().await.expect("a clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_up_on_requests_that_outlive_the_shutdown_timeout() {
    let gate = Gate::default();
    let timeout = Duration::from_millis(200);
    let server = start(&gate, |server| server.shutdown_timeout(timeout)).await;
    let _in_flight = tokio::spawn(get_http1(server.addr, "/forever"));
    gate.started().await;

    let begin = Instant::now();
    server.shutdown.shutdown();
    let served = server.served().await;

    match served {
        Err(ServerError::ShutdownTimeout(waited)) => assert_eq!(waited, timeout),
        other => panic!("expected a shutdown timeout, got {other:?}"),
    }
    assert!(
        begin.elapsed() >= timeout,
        "gave up after {:?}",
        begin.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_still_busy_at_the_shutdown_timeout_are_closed() {
    let gate = Gate::default();
    let timeout = Duration::from_millis(200);
    let server = start(&gate, |server| server.shutdown_timeout(timeout)).await;
    let in_flight = tokio::spawn(get_http1(server.addr, "/forever"));
    gate.started().await;

    server.shutdown.shutdown();
    let served = server.served().await;
    assert!(
        matches!(served, Err(ServerError::ShutdownTimeout(_))),
        "{served:?}"
    );

    // As `ServerError::ShutdownTimeout` documents: "their connections were closed".
    let outcome = within("the in-flight request to fail", in_flight)
        .await
        .expect("no panic");
    assert!(
        outcome.is_err(),
        "the connection is closed, got {outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_http2_with_prior_knowledge() {
    let gate = Gate::default();
    let server = start(&gate, |server| server).await;
    let stream = within("connect", TcpStream::connect(server.addr))
        .await
        .expect("connect");
    let (mut sender, connection) = within(
        "the HTTP/2 handshake",
        http2::handshake(TokioExecutor::new(), TokioIo::new(stream)),
    )
    .await
    .expect("HTTP/2 handshake");
    tokio::spawn(connection);

    let uri = format!("http://{}/hello", server.addr);
    let response = within("the response", async {
        collect(sender.send_request(get_request(&uri)).await?).await
    })
    .await
    .expect("a response");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.body().as_ref(), b"hello over a socket");
    assert!(response.headers().contains_key("x-request-id"));

    drop(sender);
    server.shutdown.shutdown();
    server.served().await.expect("a clean shutdown");
}

/// A connection whose request head does not arrive within the header read timeout is closed:
/// a head that never ends, no byte at all, and a keep-alive connection's next head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closes_connections_whose_headers_do_not_arrive_in_time() {
    const PARTIAL_HEAD: &[u8] = b"GET /hello HTTP/1.1\r\nhost: localhost\r\n";
    /// What the case is, the request answered first (if any), and the bytes that then stall.
    type Case = (&'static str, Option<&'static [u8]>, &'static [u8]);
    let cases: [Case; 3] = [
        ("a head without its blank line", None, PARTIAL_HEAD),
        ("not a single byte", None, b""),
        (
            "a keep-alive connection's next head",
            Some(b"GET /hello HTTP/1.1\r\nhost: localhost\r\n\r\n"),
            PARTIAL_HEAD,
        ),
    ];
    for (case, first_request, stalled) in cases {
        let gate = Gate::default();
        let timeout = Duration::from_millis(200);
        let server = start(&gate, |server| server.header_read_timeout(timeout)).await;
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        if let Some(request) = first_request {
            stream.write_all(request).await.expect("write");
            let mut response = Vec::new();
            within("the first response", async {
                while !response.ends_with(b"hello over a socket") {
                    let mut buffer = [0; 1024];
                    let read = stream.read(&mut buffer).await.expect("read");
                    assert_ne!(read, 0, "{case}: closed before the response");
                    response.extend_from_slice(&buffer[..read]);
                }
            })
            .await;
        }

        stream.write_all(stalled).await.expect("write");
        let took = until_closed(&mut stream).await;

        assert!(
            took >= timeout / 2,
            "{case}: closed after {took:?}, before the timeout"
        );
    }
}

/// The header read timeout does not count while a request is served: neither while its
/// handler runs nor while its body is sent, both longer than the timeout here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_read_timeout_spares_requests_being_served() {
    let gate = Gate::default();
    let timeout = Duration::from_millis(200);
    let server = start(&gate, |server| server.header_read_timeout(timeout)).await;
    let mut sender = connect_http1(server.addr).await;

    let slow = tokio::spawn(sender.send_request(get_request("/slow")));
    gate.started().await;
    tokio::time::sleep(timeout * 3).await;
    gate.release();
    let response = within("the slow response", slow)
        .await
        .expect("no panic")
        .expect("a response");
    assert_eq!(response.status(), StatusCode::OK);
    collect(response).await.expect("the slow body");

    let response = within("the dripped response", async {
        collect(sender.send_request(get_request("/drip")).await?).await
    })
    .await
    .expect("the whole dripped body, though it took longer than the timeout");
    assert_eq!(response.body().as_ref(), b"one two three four");
}

#[derive(Debug, thiserror::Error)]
#[error("unhandled on purpose")]
pub struct Unhandled;

#[get("/unhandled")]
pub fn unhandled() -> Result<&'static str, Unhandled> {
    Err(Unhandled)
}

// Current-thread runtime: the capturing subscriber is per thread, and `serve` runs on this one.
#[tokio::test]
async fn build_warnings_are_logged_at_warn_when_serving_starts() {
    let (capture, _guard) = watchful::testing::capture();
    let mut bp = Blueprint::new();
    bp.route(UNHANDLED);
    let app = bp.build().await.expect("a warning does not fail the build");
    assert_eq!(app.warnings().len(), 1);
    let server = Server::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .handle_signals(false);
    server.shutdown_handle().shutdown();

    within("`serve` to return", server.serve(app))
        .await
        .expect("a clean shutdown");

    let warnings: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|event| event.level == tracing::Level::WARN)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let warning = warnings[0].field("warning").expect("the warning's text");
    assert!(warning.contains("server::unhandled"), "{warning}");
    assert!(
        warning.contains("fall back to the built-in handler"),
        "{warning}"
    );
}
