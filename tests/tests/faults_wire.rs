//! Misbehaving clients over raw sockets: slowloris, a slow body, and a table of malformed
//! requests. Each is answered with a 4xx or closed, never a 5xx or a panic, and the server
//! keeps serving well-behaved clients meanwhile and afterwards.

mod faults;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use faults::{Client, blueprint};
use tokio::io::AsyncWriteExt;
use watchful::Server;
use watchful::testing::capture;
use watchful_conformance::within;

/// Short timeouts, so that the slow clients meet them quickly.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(2);
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(1);

async fn start() -> SocketAddr {
    let mut bp = blueprint();
    bp.body_read_timeout(BODY_READ_TIMEOUT);
    let app = bp.build().await.unwrap();
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .handle_signals(false)
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(app));
    addr
}

/// Asserts that a fresh connection is served.
async fn still_serving(addr: SocketAddr) {
    let mut client = within("a connection", Client::connect(addr)).await.unwrap();
    client.get("/ok").await.unwrap();
    let response = within("a response", client.response()).await.unwrap();
    assert_eq!(response.expect("a response").status, 200);
}

#[tokio::test]
async fn slowloris_connections_are_closed_while_others_are_served() {
    let addr = start().await;
    let request = b"GET /ok HTTP/1.1\r\nhost: localhost\r\nx-slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    let slow: Vec<_> = (0..50)
        .map(|_| {
            tokio::spawn(async move {
                let (mut reader, mut writer) = Client::connect(addr).await.unwrap().split();
                let drip = async {
                    for byte in request {
                        if writer.write_all(&[*byte]).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                };
                tokio::select! {
                    closed = reader.closed() => assert!(closed),
                    () = drip => panic!("the whole request went through"),
                }
                started.elapsed()
            })
        })
        .collect();
    let mut served = 0;
    while started.elapsed() < HEADER_READ_TIMEOUT + Duration::from_millis(500) {
        let asked = Instant::now();
        still_serving(addr).await;
        assert!(
            asked.elapsed() < Duration::from_millis(500),
            "slow while under attack"
        );
        served += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut latest = Duration::ZERO;
    for connection in slow {
        let closed_after = within("the slow connection to close", connection)
            .await
            .unwrap();
        latest = latest.max(closed_after);
    }
    assert!(
        latest < HEADER_READ_TIMEOUT + Duration::from_millis(1000),
        "{latest:?}"
    );
    eprintln!(
        "slowloris: 50 connections closed within {latest:?}; {served} requests served meanwhile"
    );
}

#[tokio::test]
async fn a_slow_body_is_a_408_that_closes_the_connection() {
    let (telemetry, _guard) = capture();
    let addr = start().await;
    let (mut reader, mut writer) = Client::connect(addr).await.unwrap().split();
    let head = "POST /echo HTTP/1.1\r\nhost: localhost\r\ncontent-length: 100\r\n\r\n";
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // One byte every 200 ms: the 100 bytes would take 20 s.
    let drip = async {
        for _ in 0..100 {
            if writer.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let response = tokio::select! {
        response = reader.response() => response,
        () = drip => panic!("the whole body went through"),
    };
    let response = response.unwrap().expect("a response");
    assert_eq!(response.status, 408);
    assert!(response.closes());
    assert!(started.elapsed() < BODY_READ_TIMEOUT + Duration::from_millis(800));
    assert!(within("the close", reader.closed()).await);
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.type"),
        Some("watchful::error::RequestBodyTimeout")
    );
    still_serving(addr).await;
}

/// What a malformed request gets.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// A response with this status.
    Status(u16),
    /// The connection closed without a response.
    Closed,
    /// A response with this status, or a close: hyper answers some body errors before
    /// closing and closes on others, depending on when it sees them.
    StatusOrClosed(u16),
}

use Expect::{Closed, Status, StatusOrClosed};

const H: &str = "host: localhost\r\n";

/// The malformed requests: request lines, versions, methods, control bytes, header syntax,
/// `Content-Length`/`Transfer-Encoding` conflicts and smuggling attempts, chunk syntax,
/// oversized target and headers, percent-encoding and UTF-8 in paths.
fn malformed() -> Vec<(&'static str, Vec<u8>, Expect)> {
    let long_target = format!("GET /{} HTTP/1.1\r\n{H}\r\n", "a".repeat(70_000));
    let many_headers: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let huge_header = format!(
        "GET /ok HTTP/1.1\r\n{H}x-big: {}\r\n\r\n",
        "b".repeat(1_000_000)
    );
    let post = |headers: &str, body: &str| format!("POST /echo HTTP/1.1\r\n{H}{headers}\r\n{body}");
    let cases: Vec<(&'static str, String, Expect)> = vec![
        // Request line.
        ("no target, no version", "GET\r\n\r\n".into(), Status(400)),
        (
            "extra token after the version",
            format!("GET /ok HTTP/1.1 x\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "two spaces after the method",
            format!("GET  /ok HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "no version (HTTP/0.9)",
            "GET /ok\r\n\r\n".into(),
            Status(400),
        ),
        (
            "tab as separator",
            format!("GET\t/ok HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "target not starting with /",
            format!("GET ok HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "NUL in the target",
            format!("GET /o\0k HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "space in the target",
            format!("GET /o k HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "absolute-form, other host",
            format!("GET http://elsewhere/ok HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "asterisk-form on GET",
            format!("GET * HTTP/1.1\r\n{H}\r\n"),
            Status(404),
        ),
        // Versions.
        (
            "HTTP/2.0 in an HTTP/1 request line",
            format!("GET /ok HTTP/2.0\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "HTTP/1.2",
            format!("GET /ok HTTP/1.2\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "lowercase protocol",
            format!("GET /ok http/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        ("HTTX", format!("GET /ok HTTX/1.1\r\n{H}\r\n"), Status(400)),
        (
            "HTTP/1.1 without Host",
            "GET /ok HTTP/1.1\r\n\r\n".into(),
            Status(400),
        ),
        (
            "two Host headers",
            format!("GET /ok HTTP/1.1\r\n{H}{H}\r\n"),
            Status(400),
        ),
        (
            "Host with userinfo",
            "GET /ok HTTP/1.1\r\nhost: u@localhost\r\n\r\n".into(),
            Status(400),
        ),
        (
            "Host with a path",
            "GET /ok HTTP/1.1\r\nhost: localhost/x\r\n\r\n".into(),
            Status(400),
        ),
        // Methods.
        (
            "invalid method token",
            format!("G@T /ok HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "lowercase method",
            format!("get /ok HTTP/1.1\r\n{H}\r\n"),
            Status(405),
        ),
        (
            "unknown method",
            format!("BREW /ok HTTP/1.1\r\n{H}\r\n"),
            Status(405),
        ),
        (
            "control byte in the method",
            format!("GE\x01T /ok HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        // Header syntax.
        (
            "header without a colon",
            format!("GET /ok HTTP/1.1\r\n{H}x-bad\r\n\r\n"),
            Status(400),
        ),
        (
            "space before the colon",
            format!("GET /ok HTTP/1.1\r\n{H}x-bad : v\r\n\r\n"),
            Status(400),
        ),
        (
            "obsolete line folding",
            format!("GET /ok HTTP/1.1\r\n{H}x-a: v\r\n w\r\n\r\n"),
            Status(400),
        ),
        (
            "empty header name",
            format!("GET /ok HTTP/1.1\r\n{H}: v\r\n\r\n"),
            Status(400),
        ),
        (
            "control byte in a header name",
            format!("GET /ok HTTP/1.1\r\n{H}x\x01y: v\r\n\r\n"),
            Status(400),
        ),
        (
            "NUL in a header value",
            format!("GET /ok HTTP/1.1\r\n{H}x-a: v\0w\r\n\r\n"),
            Status(400),
        ),
        (
            "bare CR in a header value",
            format!("GET /ok HTTP/1.1\r\n{H}x-a: v\rw\r\n\r\n"),
            Status(400),
        ),
        (
            "200 headers",
            format!("GET /ok HTTP/1.1\r\n{H}{many_headers}\r\n"),
            Status(431),
        ),
        ("a 1 MB header", huge_header, Status(431)),
        ("a 70 kB target", long_target, Status(414)),
        // Content-Length and Transfer-Encoding.
        (
            "Content-Length not a number",
            post("content-length: abc\r\n", ""),
            Status(400),
        ),
        (
            "negative Content-Length",
            post("content-length: -1\r\n", ""),
            Status(400),
        ),
        (
            "Content-Length with a sign",
            post("content-length: +3\r\n", "abc"),
            Status(400),
        ),
        (
            "Content-Length overflowing",
            post("content-length: 99999999999999999999\r\n", ""),
            Status(400),
        ),
        (
            "two different Content-Lengths",
            post("content-length: 3\r\ncontent-length: 4\r\n", "abcd"),
            Status(400),
        ),
        (
            "Content-Length list",
            post("content-length: 3, 4\r\n", "abcd"),
            Status(400),
        ),
        (
            "chunked twice",
            post(
                "transfer-encoding: chunked, chunked\r\n",
                "3\r\nabc\r\n0\r\n\r\n",
            ),
            Status(400),
        ),
        (
            "chunked in two lines",
            post(
                "transfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n",
                "3\r\nabc\r\n0\r\n\r\n",
            ),
            Status(400),
        ),
        (
            "chunked not last",
            post(
                "transfer-encoding: chunked, gzip\r\n",
                "3\r\nabc\r\n0\r\n\r\n",
            ),
            Status(400),
        ),
        (
            "unknown coding alone",
            post("transfer-encoding: identity\r\n", "abc"),
            Status(400),
        ),
        (
            "Transfer-Encoding in HTTP/1.0",
            "POST /echo HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n".into(),
            Status(400),
        ),
        // CL.TE smuggling: hyper frames by Transfer-Encoding, drops Content-Length, and closes.
        (
            "Content-Length and Transfer-Encoding",
            post(
                "content-length: 4\r\ntransfer-encoding: chunked\r\n",
                "3\r\nabc\r\n0\r\n\r\nGET /panic HTTP/1.1\r\nhost: x\r\n\r\n",
            ),
            Status(200),
        ),
        (
            "obfuscated Transfer-Encoding",
            post(
                "transfer-encoding: xchunked\r\ncontent-length: 3\r\n",
                "abc",
            ),
            Status(400),
        ),
        // Chunk syntax.
        (
            "chunk size not hex",
            post("transfer-encoding: chunked\r\n", "zz\r\nabc\r\n0\r\n\r\n"),
            StatusOrClosed(400),
        ),
        (
            "chunk size overflowing",
            post(
                "transfer-encoding: chunked\r\n",
                "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
            ),
            StatusOrClosed(400),
        ),
        (
            "chunk data longer than its size",
            post("transfer-encoding: chunked\r\n", "2\r\nabc\r\n0\r\n\r\n"),
            StatusOrClosed(400),
        ),
        (
            "chunk size with a space inside",
            post("transfer-encoding: chunked\r\n", "1 1\r\nabc\r\n0\r\n\r\n"),
            StatusOrClosed(400),
        ),
        (
            "body cut off, connection half-closed",
            post("content-length: 10\r\n", "abc"),
            StatusOrClosed(400),
        ),
        // Paths.
        (
            "percent-encoded invalid UTF-8 parameter",
            format!("GET /items/%FF HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "broken percent-encoding",
            format!("GET /items/%zz HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "raw UTF-8 in the path",
            format!("GET /items/\u{e9} HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "dot segments",
            format!("GET /../../etc/passwd HTTP/1.1\r\n{H}\r\n"),
            Status(404),
        ),
        (
            "encoded slash in a parameter",
            format!("GET /items/1%2F2 HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
        (
            "invalid UTF-8 in the query",
            format!("GET /search?page=%FF HTTP/1.1\r\n{H}\r\n"),
            Status(400),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, request, expect)| (name, request.into_bytes(), expect))
        .collect()
}

/// Sends `request` on a new connection and says what came back. A request the client cuts off
/// half-closes its side, so that the server sees the end of it.
async fn outcome(addr: SocketAddr, name: &str, request: &[u8]) -> Result<Expect, String> {
    let (mut reader, mut writer) = Client::connect(addr).await.unwrap().split();
    // The server may answer and close before reading everything: a failed write is fine.
    let _ = writer.write_all(request).await;
    if name.contains("half-closed") {
        let _ = writer.shutdown().await;
    }
    let response = tokio::time::timeout(Duration::from_secs(3), reader.response())
        .await
        .map_err(|_| "no response and no close within 3 s".to_owned())?;
    match response {
        Ok(Some(response)) => Ok(Status(response.status)),
        Ok(None) => Ok(Closed),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => Ok(Closed),
        Err(error) => Err(format!("unreadable response: {error}")),
    }
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_or_a_close_and_the_server_keeps_serving() {
    let (telemetry, _guard) = capture();
    let addr = start().await;
    let cases = malformed();
    assert!(cases.len() >= 40);
    let mut wrong = Vec::new();
    for (name, request, expected) in &cases {
        let got = outcome(addr, name, request).await;
        let fits = match (expected, &got) {
            (StatusOrClosed(status), Ok(Status(got))) => got == status,
            (StatusOrClosed(_), Ok(Closed)) => true,
            (expected, Ok(got)) => expected == got,
            (_, Err(_)) => false,
        };
        if !fits {
            wrong.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
        if let Ok(Status(status)) = got {
            assert!(status < 500, "{name}: a {status}");
        }
        still_serving(addr).await;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let panics = telemetry
        .error_events()
        .into_iter()
        .filter(|event| event.field("error.type") == Some("watchful::error::Panic"))
        .count();
    assert_eq!(panics, 0);
    eprintln!(
        "malformed: {} requests, each a 4xx or a close, no 5xx, no panic",
        cases.len()
    );
}
