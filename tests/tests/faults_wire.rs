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
