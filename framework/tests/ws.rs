//! WebSockets over a real socket, with tokio-tungstenite's client: an echo, handshakes that are
//! refused, and sessions that fail or panic, observed once with the request id.
#![cfg(feature = "ws")]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as ClientMessage};
use watchful::http::{HeaderValue, StatusCode};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{Capture, CapturedEvent, CapturedSpan, capture};
use watchful::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use watchful::{Blueprint, Response, Server, get};

/// The most any step may take, so that a broken server fails the test instead of hanging it.
const LIMIT: Duration = Duration::from_secs(5);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[get("/echo")]
pub fn echo(upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .protocols(["echo.v1"])
        .on_upgrade(|mut socket: WebSocket| async move {
            while let Some(message) = socket.recv().await {
                match message? {
                    Message::Text(text) if text == "close" => {
                        let frame = CloseFrame {
                            code: close_code::NORMAL,
                            reason: "asked to".into(),
                        };
                        socket.send(Message::Close(Some(frame))).await?;
                    }
                    Message::Text(text) => socket.send(Message::Text(text)).await?,
                    Message::Binary(bytes) => socket.send(Message::Binary(bytes)).await?,
                    Message::Close(Some(frame)) => {
                        tracing::info!(code = frame.code, reason = %frame.reason, "closed by the client");
                    }
                    _ => {}
                }
            }
            Ok::<(), watchful::ws::Error>(())
        })
}

#[derive(Debug, thiserror::Error)]
#[error("the session gave up after `{0}`")]
pub struct SessionGaveUp(String);

/// Fails after the first message.
#[get("/fails")]
pub fn fails(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket: WebSocket| async move {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => Err(SessionGaveUp(text.to_string())),
            other => panic!("expected a text message, got {other:?}"),
        }
    })
}

/// Accepts messages of up to 16 bytes, and says so for each.
#[get("/small")]
pub fn small(upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(16)
        .on_upgrade(|mut socket: WebSocket| async move {
            while let Some(message) = socket.recv().await {
                if let Message::Binary(bytes) = message? {
                    let answer = format!("{} bytes", bytes.len());
                    socket.send(Message::text(answer)).await?;
                }
            }
            Ok::<(), watchful::ws::Error>(())
        })
}

/// Panics after the first message; returns `()` otherwise.
#[get("/panics")]
pub fn panics(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(|mut socket: WebSocket| async move {
        if let Some(Ok(Message::Text(text))) = socket.recv().await {
            panic!("the session met `{text}`");
        }
    })
}

async fn serve() -> SocketAddr {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(ECHO);
    bp.route(FAILS);
    bp.route(PANICS);
    bp.route(SMALL);
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let server = server.handle_signals(false);
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(bp.build().await.unwrap()));
    addr
}

/// Opens a WebSocket to `path` with the request id `id` (offering `echo.v1` to `/echo`).
async fn connect(
    addr: SocketAddr,
    path: &str,
    id: &str,
) -> (
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
    tungstenite::handshake::client::Response,
) {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert("x-request-id", HeaderValue::from_str(id).unwrap());
    if path == "/echo" {
        // The client fails the handshake if the server does not choose an offered protocol.
        headers.insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("echo.v1"),
        );
    }
    let connecting = tokio_tungstenite::connect_async(request);
    within("the handshake", connecting).await.unwrap()
}

/// Waits until the root span of the request `id` has closed, and returns it.
async fn root_span(telemetry: &Capture, id: &str) -> CapturedSpan {
    let closed = async {
        loop {
            let spans = telemetry.root_spans();
            if let Some(span) = spans.iter().find(|s| s.field("request_id") == Some(id)) {
                return span.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    within("the root span to close", closed).await
}

/// The ERROR events emitted inside `root`.
fn errors_in(telemetry: &Capture, root: &CapturedSpan) -> Vec<CapturedEvent> {
    let errors = telemetry.error_events().into_iter();
    errors
        .filter(|event| event.root_span == Some(root.serial))
        .collect()
}

#[tokio::test]
async fn echoes_text_and_binary_over_a_real_socket() {
    let (telemetry, _guard) = capture();
    let addr = serve().await;
    let (mut client, response) = connect(addr, "/echo", "ws-echo").await;
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(response.headers()["sec-websocket-protocol"], "echo.v1");
    assert_eq!(response.headers()["x-request-id"], "ws-echo");

    for message in [
        ClientMessage::text("hello"),
        ClientMessage::binary(vec![0, 1, 2]),
    ] {
        client.send(message.clone()).await.unwrap();
        let echoed = within("the echo", client.next()).await.unwrap().unwrap();
        assert_eq!(echoed, message);
    }
    let frame = tungstenite::protocol::CloseFrame {
        code: tungstenite::protocol::frame::coding::CloseCode::Away,
        reason: "done".into(),
    };
    client.close(Some(frame)).await.unwrap();
    while let Some(message) = within("the close", client.next()).await {
        assert!(message.unwrap().is_close());
    }

    let root = root_span(&telemetry, "ws-echo").await;
    assert_eq!(root.field("http.response.status_code"), Some("101"));
    assert_eq!(root.field("http.route"), Some("/echo"));
    assert_eq!(root.field("url.scheme"), Some("http"));
    assert_eq!(root.field("error.count"), None);
    assert!(telemetry.error_events().is_empty());
    // The session saw the client's close frame, in its own span.
    let closed = telemetry.events();
    let closed = closed
        .iter()
        .find(|event| event.field("message") == Some("closed by the client"))
        .expect("the session logs the close frame");
    assert_eq!(closed.field("code"), Some("1001"));
    assert_eq!(closed.field("reason"), Some("done"));
}

#[tokio::test]
async fn the_server_closes_with_a_code_and_a_reason() {
    let addr = serve().await;
    let (mut client, _) = connect(addr, "/echo", "ws-close").await;
    client.send(ClientMessage::text("close")).await.unwrap();
    let message = within("the close frame", client.next()).await;
    let ClientMessage::Close(Some(frame)) = message.unwrap().unwrap() else {
        panic!("expected a close frame");
    };
    assert_eq!(u16::from(frame.code), 1000);
    assert_eq!(frame.reason, "asked to");
    // The client's reply completes the closing handshake.
    assert!(within("the end", client.next()).await.is_none());
}

#[tokio::test]
async fn a_message_over_the_size_limit_ends_the_session_and_is_observed() {
    let (telemetry, _guard) = capture();
    let addr = serve().await;
    let (mut client, _) = connect(addr, "/small", "ws-small").await;
    client
        .send(ClientMessage::binary(vec![7; 16]))
        .await
        .unwrap();
    let answer = within("the answer", client.next()).await.unwrap().unwrap();
    assert_eq!(answer, ClientMessage::text("16 bytes"));
    client
        .send(ClientMessage::binary(vec![7; 17]))
        .await
        .unwrap();
    let ended = async { while let Some(Ok(_)) = client.next().await {} };
    within("the session to end", ended).await;

    let root = root_span(&telemetry, "ws-small").await;
    let errors = errors_in(&telemetry, &root);
    assert_eq!(errors.len(), 1, "{:#?}", telemetry.error_events());
    assert_eq!(errors[0].field("error.type"), Some("watchful::ws::Error"));
    let chain = errors[0].field("error.source_chain").unwrap();
    assert!(chain.contains("Space limit exceeded"), "{chain}");
}

/// A connection that cannot be upgraded after all: the 101 is made, the session never
/// starts, and the failure is observed like a session's error.
#[tokio::test]
async fn a_failed_upgrade_is_observed_with_the_request_id() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(ECHO);
    let app = bp.build().await.unwrap();
    let mut request = watchful::http::Request::get("/echo")
        .header("host", "localhost")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("x-request-id", "ws-no-upgrade")
        .body(watchful::request::RequestBody::from_bytes(""))
        .unwrap();
    // What hyper inserts for a connection that will never be handed over.
    let never = hyper::upgrade::on(watchful::http::Request::new(()));
    request.extensions_mut().insert(never);
    let peer = SocketAddr::from(([127, 0, 0, 1], 1));
    let response = app
        .handle(
            request,
            watchful::request::ConnectionInfo {
                peer_addr: peer,
                local_addr: SocketAddr::from(([127, 0, 0, 1], 80)),
                scheme: "http",
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(
        response.headers()["sec-websocket-accept"],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    drop(response);

    let root = root_span(&telemetry, "ws-no-upgrade").await;
    let errors = errors_in(&telemetry, &root);
    assert_eq!(errors.len(), 1, "{:#?}", telemetry.error_events());
    assert_eq!(
        errors[0].field("error.type"),
        Some("watchful::ws::UpgradeFailed")
    );
    assert_eq!(telemetry.error_events().len(), 1);
}

/// Sends a handshake with hyper's client, one header changed or removed.
async fn handshake(
    addr: SocketAddr,
    change: (&'static str, Option<&str>),
) -> hyper::Response<String> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut request = hyper::Request::get("/echo")
        .header("host", addr.to_string())
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("x-request-id", "ws-refused")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let (name, value) = change;
    match value {
        Some(value) => request
            .headers_mut()
            .insert(name, HeaderValue::from_str(value).unwrap()),
        None => request.headers_mut().remove(name),
    };
    let response = within("the response", sender.send_request(request))
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    hyper::Response::from_parts(parts, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn refuses_a_bad_handshake_with_400_and_a_wrong_version_with_426() {
    let (telemetry, _guard) = capture();
    let addr = serve().await;

    let no_key = handshake(addr, ("sec-websocket-key", None)).await;
    assert_eq!(no_key.status(), StatusCode::BAD_REQUEST);
    assert!(no_key.body().contains("sec-websocket-key"), "{no_key:?}");

    let no_upgrade = handshake(addr, ("upgrade", None)).await;
    assert_eq!(no_upgrade.status(), StatusCode::BAD_REQUEST);

    let version = handshake(addr, ("sec-websocket-version", Some("8"))).await;
    assert_eq!(version.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(version.headers()["sec-websocket-version"], "13");
    assert_eq!(version.headers()["upgrade"], "websocket");

    // Each refusal is an error like any other: handled by the default handler, observed once.
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    for error in &errors {
        assert_eq!(
            error.field("error.type"),
            Some("watchful::ws::WebSocketUpgradeError")
        );
    }
}

/// Sends one text message to `path`, then waits for the server to drop the connection.
async fn session_that_ends(addr: SocketAddr, path: &str, id: &str) {
    let (mut client, _) = connect(addr, path, id).await;
    client.send(ClientMessage::text("bye")).await.unwrap();
    // The server ends the session without a closing handshake.
    let ended = async { while let Some(Ok(_)) = client.next().await {} };
    within("the session to end", ended).await;
}

#[tokio::test]
async fn a_failing_session_is_observed_once_with_the_request_id() {
    let (telemetry, _guard) = capture();
    let addr = serve().await;
    session_that_ends(addr, "/fails", "ws-fails").await;

    let root = root_span(&telemetry, "ws-fails").await;
    let errors = errors_in(&telemetry, &root);
    assert_eq!(errors.len(), 1, "{:#?}", telemetry.error_events());
    let error = &errors[0];
    assert_eq!(
        error.field("error.msg"),
        Some("the session gave up after `bye`")
    );
    assert_eq!(error.field("error.type"), Some("ws::SessionGaveUp"));
    assert_eq!(telemetry.error_events().len(), 1);
    // Recorded on the root span too, after the 101.
    assert_eq!(root.field("http.response.status_code"), Some("101"));
    assert_eq!(
        root.field("error.msg"),
        Some("the session gave up after `bye`")
    );
    assert_eq!(root.field("error.count"), Some("1"));
    // The session's own span carries the request id and follows from the root span.
    let session = telemetry.spans_named("WebSocket session");
    assert_eq!(session.len(), 1);
    assert_eq!(session[0].field("request_id"), Some("ws-fails"));
    assert_eq!(session[0].follows_from, [root.serial]);
}

#[tokio::test]
async fn a_panicking_session_is_observed_once_with_the_request_id() {
    let (telemetry, _guard) = capture();
    let addr = serve().await;
    session_that_ends(addr, "/panics", "ws-panics").await;

    let root = root_span(&telemetry, "ws-panics").await;
    let errors = errors_in(&telemetry, &root);
    assert_eq!(errors.len(), 1, "{:#?}", telemetry.error_events());
    assert_eq!(
        errors[0].field("error.msg"),
        Some("`WebSocket session` panicked: the session met `bye`")
    );
    assert_eq!(
        errors[0].field("error.type"),
        Some("watchful::error::Panic")
    );
    assert_eq!(telemetry.error_events().len(), 1);

    // The server goes on serving.
    let (mut client, _) = connect(addr, "/echo", "ws-after-panic").await;
    client
        .send(ClientMessage::text("still here"))
        .await
        .unwrap();
    let echoed = within("the echo", client.next()).await.unwrap().unwrap();
    assert_eq!(echoed, ClientMessage::text("still here"));
}
