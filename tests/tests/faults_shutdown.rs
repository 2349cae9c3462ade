//! Shutdown that loses nothing, and the connection limit.
//!
//! The SIGTERM test runs the server in a child process (this very test binary, re-run with
//! `WATCHFUL_FAULTS_CHILD` set, which turns `serve_until_sigterm` into the server) and
//! signals it in the middle of a keep-alive storm: a client that honours
//! `Connection: close` loses no request. The other tests drive an in-process server.

mod faults;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use faults::{Client, blueprint};
use watchful::Server;
use watchful::server::ShutdownHandle;
use watchful_conformance::within;

const CHILD: &str = "WATCHFUL_FAULTS_CHILD";
const CONNECTIONS: usize = 50;

/// The server of the SIGTERM test, when run as the child; a no-op otherwise.
#[test]
fn serve_until_sigterm() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let app = blueprint().build().await.unwrap();
        let server = Server::bind("127.0.0.1:0").await.unwrap();
        println!("listening on {}", server.local_addr().unwrap());
        server.serve(app).await.expect("a clean shutdown");
    });
}

/// What one client connection of the SIGTERM storm saw.
#[derive(Default, Debug)]
struct Tally {
    sent: usize,
    answered: usize,
    told_to_close: usize,
    lost: usize,
}

/// Sends requests until the server refuses new connections: on `Connection: close`, opens a
/// new connection, as a client honouring it does. A request sent and never answered is lost.
async fn keep_sending(addr: SocketAddr) -> Tally {
    let mut tally = Tally::default();
    'connections: while let Ok(mut client) = Client::connect(addr).await {
        loop {
            if client.get("/work").await.is_err() {
                // The server closed the connection before the request went out: not sent.
                continue 'connections;
            }
            tally.sent += 1;
            match client.response().await {
                Ok(Some(response)) => {
                    assert_eq!(response.status, 200);
                    tally.answered += 1;
                    if response.closes() {
                        tally.told_to_close += 1;
                        continue 'connections;
                    }
                }
                Ok(None) | Err(_) => {
                    tally.lost += 1;
                    continue 'connections;
                }
            }
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_keep_alive_storm_loses_no_request() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "serve_until_sigterm",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Reads the child's address, then the rest of its output, so that it never writes to a
    // closed pipe.
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (address, announced) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            // The harness prints `test serve_until_sigterm ... ` on the same line first.
            if let Some((_, addr)) = line.split_once("listening on ") {
                let _ = address.send(addr.parse::<SocketAddr>().unwrap());
            }
        }
    });
    let addr = announced
        .recv_timeout(Duration::from_secs(10))
        .expect("the child's address");

    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| tokio::spawn(keep_sending(addr)))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());

    let mut total = Tally::default();
    for client in clients {
        let tally = tokio::time::timeout(Duration::from_secs(20), client)
            .await
            .expect("the clients stop once the server is gone")
            .unwrap();
        total.sent += tally.sent;
        total.answered += tally.answered;
        total.told_to_close += tally.told_to_close;
        total.lost += tally.lost;
    }
    let status = child.wait().unwrap();
    eprintln!("SIGTERM storm over {CONNECTIONS} connections: {total:?}; child {status}");
    assert!(status.success(), "the child shut down cleanly: {status}");
    assert_eq!(total.lost, 0, "{total:?}");
    assert_eq!(total.sent, total.answered);
    assert!(total.told_to_close >= CONNECTIONS, "{total:?}");
}

/// A server on a free port, its shutdown handle, and its task.
async fn start(
    configure: impl FnOnce(Server) -> Server,
) -> (
    SocketAddr,
    ShutdownHandle,
    tokio::task::JoinHandle<Result<(), watchful::server::ServerError>>,
) {
    let app = blueprint().build().await.unwrap();
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .handle_signals(false);
    let server = configure(server);
    let addr = server.local_addr().unwrap();
    let shutdown = server.shutdown_handle();
    (addr, shutdown, tokio::spawn(server.serve(app)))
}

#[tokio::test]
async fn a_request_sent_on_an_idle_connection_just_after_shutdown_is_served() {
    let (addr, shutdown, served) = start(|server| server).await;
    let mut client = Client::connect(addr).await.unwrap();
    client.get("/ok").await.unwrap();
    let before = client.response().await.unwrap().unwrap();
    assert!(!before.closes());

    shutdown.shutdown();
    // The client did not know yet: its next request was on its way.
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.get("/ok").await.unwrap();
    let after = within("the response", client.response()).await.unwrap();
    let after = after.expect("the request is served, not cut off");
    assert_eq!(after.status, 200);
    assert!(after.closes(), "{:?}", after.headers);
    assert!(within("the close", client.closed()).await);
    within("the shutdown", served).await.unwrap().unwrap();
}

#[tokio::test]
async fn an_idle_connection_is_closed_once_quiet() {
    let (addr, shutdown, served) = start(|server| server).await;
    let mut client = Client::connect(addr).await.unwrap();
    client.get("/ok").await.unwrap();
    client.response().await.unwrap().unwrap();
    let started = tokio::time::Instant::now();
    shutdown.shutdown();
    assert!(within("the close", client.closed()).await);
    assert!(started.elapsed() >= Duration::from_millis(200));
    within("the shutdown", served).await.unwrap().unwrap();
}

#[tokio::test]
async fn past_the_connection_limit_connections_wait_to_be_accepted() {
    let (addr, shutdown, served) = start(|server| server.max_connections(2)).await;
    let mut first = Client::connect(addr).await.unwrap();
    let mut second = Client::connect(addr).await.unwrap();
    for client in [&mut first, &mut second] {
        client.get("/ok").await.unwrap();
        assert_eq!(client.response().await.unwrap().unwrap().status, 200);
    }
    // The kernel completes the handshake, but the server does not accept the connection.
    let mut third = Client::connect(addr).await.unwrap();
    third.get("/ok").await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(300), third.response()).await;
    assert!(early.is_err(), "served past the limit: {early:?}");

    drop(first);
    let response = within("the third response", third.response()).await;
    assert_eq!(response.unwrap().unwrap().status, 200);
    drop((second, third));
    shutdown.shutdown();
    within("the shutdown", served).await.unwrap().unwrap();
}

#[tokio::test]
async fn connections_waiting_in_the_backlog_at_shutdown_are_served() {
    let (addr, shutdown, served) = start(|server| server.max_connections(1)).await;
    let mut holder = Client::connect(addr).await.unwrap();
    holder.get("/ok").await.unwrap();
    holder.response().await.unwrap().unwrap();
    let mut waiting = Client::connect(addr).await.unwrap();
    waiting.get("/ok").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;

    shutdown.shutdown();
    let response = within("the backlog's response", waiting.response()).await;
    let response = response.unwrap().expect("served, not dropped");
    assert_eq!(response.status, 200);
    assert!(response.closes());
    within("the shutdown", served).await.unwrap().unwrap();
}
