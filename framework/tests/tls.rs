//! HTTPS over a real socket, with a certificate made by the test (rcgen) and hyper's client over
//! tokio-rustls: HTTP/1.1 and HTTP/2 chosen by ALPN, `url.scheme`, and a failed handshake that
//! leaves the server serving.
#![cfg(feature = "tls")]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use watchful::http::{StatusCode, Version};
use watchful::server::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName,
};
use watchful::server::rustls::{ClientConfig, RootCertStore, ServerConfig};
use watchful::testing::{Capture, capture};
use watchful::{Blueprint, Server, get};

/// The most any step may take, so that a broken server fails the test instead of hanging it.
const LIMIT: Duration = Duration::from_secs(5);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[get("/hello")]
pub fn hello() -> &'static str {
    "hello over TLS"
}

/// A self-signed certificate for `localhost` and the server configuration that uses it, with
/// the ALPN protocols `alpn` (none: watchful's default).
fn certificate(alpn: &[&[u8]]) -> (CertificateDer<'static>, ServerConfig) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let certificate = generated.cert.der().clone();
    let key = PrivatePkcs8KeyDer::from(generated.signing_key.serialize_der());
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone()], PrivateKeyDer::Pkcs8(key))
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    (certificate, config)
}

/// Serves HTTPS with `config`; the server's address.
async fn serve(config: ServerConfig) -> SocketAddr {
    let mut bp = Blueprint::new();
    bp.route(HELLO);
    let server = Server::bind_tls("127.0.0.1:0", config).await.unwrap();
    let server = server.handle_signals(false);
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(bp.build().await.unwrap()));
    addr
}

/// A TLS connection to `addr` that trusts `certificate` and offers `alpn`.
async fn connect(
    addr: SocketAddr,
    certificate: &CertificateDer<'static>,
    alpn: &[&[u8]],
) -> TlsStream<TcpStream> {
    let mut roots = RootCertStore::empty();
    roots.add(certificate.clone()).unwrap();
    let mut config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let connecting = TlsConnector::from(Arc::new(config)).connect(name, tcp);
    within("the TLS handshake", connecting).await.unwrap()
}

/// The ALPN protocol the server chose.
fn negotiated(stream: &TlsStream<TcpStream>) -> Option<Vec<u8>> {
    stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec)
}

fn get_hello(version: Version) -> hyper::Request<Empty<Bytes>> {
    let request = hyper::Request::get("https://localhost/hello").version(version);
    // HTTP/1.1 requires `Host`; HTTP/2 names the host in the `:authority` of the URI.
    let request = match version {
        Version::HTTP_11 => request.header("host", "localhost"),
        _ => request,
    };
    request
        .header("x-request-id", format!("tls-{version:?}"))
        .body(Empty::new())
        .unwrap()
}

async fn body_of(response: hyper::Response<hyper::body::Incoming>) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

async fn https_http1(stream: TlsStream<TcpStream>) -> String {
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(get_hello(Version::HTTP_11));
    body_of(within("the HTTP/1.1 response", response).await.unwrap()).await
}

async fn https_http2(stream: TlsStream<TcpStream>) -> String {
    let handshake = http2::handshake(TokioExecutor::new(), TokioIo::new(stream));
    let (mut sender, connection) = handshake.await.unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(get_hello(Version::HTTP_2));
    body_of(within("the HTTP/2 response", response).await.unwrap()).await
}

/// The closed root span of the request with the id `id`.
fn root_span(telemetry: &Capture, id: &str) -> watchful::testing::CapturedSpan {
    let spans = telemetry.root_spans();
    let span = spans.iter().find(|s| s.field("request_id") == Some(id));
    span.unwrap_or_else(|| panic!("no root span for {id}: {spans:#?}"))
        .clone()
}

#[tokio::test]
async fn serves_http1_and_http2_chosen_by_alpn_with_url_scheme_https() {
    let (telemetry, _guard) = capture();
    let (certificate, config) = certificate(&[]);
    let addr = serve(config).await;

    let stream = connect(addr, &certificate, &[b"http/1.1"]).await;
    assert_eq!(negotiated(&stream).as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(https_http1(stream).await, "hello over TLS");

    let stream = connect(addr, &certificate, &[b"h2", b"http/1.1"]).await;
    assert_eq!(negotiated(&stream).as_deref(), Some(&b"h2"[..]));
    assert_eq!(https_http2(stream).await, "hello over TLS");

    let http1 = root_span(&telemetry, "tls-HTTP/1.1");
    assert_eq!(http1.field("url.scheme"), Some("https"));
    assert_eq!(http1.field("network.protocol.version"), Some("1.1"));
    let http2 = root_span(&telemetry, "tls-HTTP/2.0");
    assert_eq!(http2.field("url.scheme"), Some("https"));
    assert_eq!(http2.field("network.protocol.version"), Some("2"));
}

#[tokio::test]
async fn keeps_the_alpn_protocols_the_configuration_names() {
    let (certificate, config) = certificate(&[b"http/1.1"]);
    let addr = serve(config).await;
    let stream = connect(addr, &certificate, &[b"h2", b"http/1.1"]).await;
    assert_eq!(negotiated(&stream).as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(https_http1(stream).await, "hello over TLS");
}

#[tokio::test]
async fn a_failed_handshake_is_logged_at_debug_and_the_server_goes_on() {
    let (telemetry, _guard) = capture();
    let (certificate, config) = certificate(&[]);
    let addr = serve(config).await;

    // Cleartext HTTP on the TLS port: not a ClientHello.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /hello HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::io::AsyncReadExt::read_to_end(&mut plain, &mut rest);
    within("the server to close the connection", closed)
        .await
        .unwrap_or_default();
    assert!(!String::from_utf8_lossy(&rest).contains("hello over TLS"));

    let stream = connect(addr, &certificate, &[]).await;
    assert_eq!(https_http1(stream).await, "hello over TLS");

    let failures: Vec<_> = telemetry
        .events()
        .into_iter()
        .filter(|event| event.field("message") == Some("TLS handshake failed: closing"))
        .collect();
    assert_eq!(failures.len(), 1, "{:#?}", telemetry.events());
    assert_eq!(failures[0].level, tracing::Level::DEBUG);
    assert!(telemetry.error_events().is_empty());
}
