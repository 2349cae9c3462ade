//! Server-Sent Events over a real socket: [`Sse`] behind `watchful::Server` on port 0, read by
//! hyper's HTTP/1 client frame by frame, as an `EventSource` would.
//!
//! Covered: the head (`text/event-stream`, `no-cache`), events in order, a keep-alive comment
//! while the stream is idle, and a stream that fails: observed once (one ERROR event, in the
//! request's root span) and the connection closed. An event that cannot be sent (a line break
//! in its id) ends the stream the same way, through the test client.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use watchful::response::sse::stream::{self, StreamExt};
use watchful::response::sse::{Event, KeepAlive, Sse};
use watchful::telemetry::LOG_ERROR;
use watchful::testing::capture;
use watchful::{Blueprint, Server, get};
use watchful_conformance::within;

/// Three events, then silence: the keep-alive speaks every 50 ms.
#[get("/events")]
pub fn events() -> Sse {
    let events = stream::iter(1..=3)
        .map(|n| {
            Ok::<_, Infallible>(
                Event::default()
                    .event("count")
                    .id(n.to_string())
                    .data(format!("n={n}")),
            )
        })
        .chain(stream::pending());
    Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_millis(50))
            .text("still here"),
    )
}

#[derive(Debug, thiserror::Error)]
#[error("the feed went away")]
pub struct FeedGone(#[source] std::io::Error);

/// One event, then the stream fails (a little later, as a real feed would: hyper drops what it
/// has buffered when the body fails).
#[get("/failing")]
pub fn failing() -> Sse {
    let items = stream::iter([
        Ok(Event::default().data("before")),
        Err(FeedGone(std::io::Error::other("EPIPE"))),
        Ok(Event::default().data("never sent")),
    ]);
    Sse::new(items.throttle(Duration::from_millis(20)))
}

/// An event whose id has a line break, which would end the field early.
#[get("/invalid")]
pub fn invalid() -> Sse {
    let events = [
        Ok::<_, Infallible>(Event::default().data("fine")),
        Ok(Event::default().id("1\ndata: injected").data("x")),
    ];
    Sse::new(stream::iter(events))
}

/// Serves the blueprint on `127.0.0.1:0` and sends one GET to `path`.
async fn get_over_socket(path: &str) -> hyper::Response<Incoming> {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(EVENTS);
    bp.route(FAILING);
    bp.route(INVALID);
    let app = bp.build().await.expect("the blueprint builds");
    let server = Server::from_listener(TcpListener::bind("127.0.0.1:0").await.unwrap())
        .handle_signals(false);
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(app));

    let stream = within("the connection", TcpStream::connect(addr)).await;
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream.unwrap()))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = Request::get(path)
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    within("the response head", sender.send_request(request))
        .await
        .unwrap()
}

/// The next data frame, as text; `None` at the end; `Err` when the connection broke.
async fn next_chunk(body: &mut Incoming) -> Option<Result<String, hyper::Error>> {
    let frame = within("the next chunk", body.frame()).await?;
    Some(frame.map(|frame| String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()))
}

#[tokio::test]
async fn events_arrive_in_order_then_keep_alive_comments() {
    let response = get_over_socket("/events").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let mut body = response.into_body();
    let mut received = String::new();
    while !received.ends_with(":still here\n\n") {
        received.push_str(&next_chunk(&mut body).await.unwrap().unwrap());
    }
    assert_eq!(
        received,
        "event: count\nid: 1\ndata: n=1\n\n\
         event: count\nid: 2\ndata: n=2\n\n\
         event: count\nid: 3\ndata: n=3\n\n\
         :still here\n\n"
    );
    // And again while the stream stays idle.
    let next = next_chunk(&mut body).await.unwrap().unwrap();
    assert_eq!(next, ":still here\n\n");
}

#[tokio::test]
async fn a_failing_stream_is_observed_once_and_closes_the_connection() {
    let (telemetry, _guard) = capture();
    let response = get_over_socket("/failing").await;
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut body = response.into_body();
    assert_eq!(
        next_chunk(&mut body).await.unwrap().unwrap(),
        "data: before\n\n"
    );
    match next_chunk(&mut body).await {
        Some(Err(_)) => {}
        other => panic!("expected the connection to break, got {other:?}"),
    }

    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field("error.msg"), Some("the feed went away"));
    assert_eq!(errors[0].field("error.source_chain"), Some("EPIPE"));
    assert!(errors[0].field("error.type").unwrap().ends_with("FeedGone"));
    // The event belongs to the request's root span, which names the request id.
    let root = within("the root span to close", async {
        loop {
            if let Some(root) = telemetry.root_spans().pop() {
                break root;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(root.field("request_id"), Some(request_id.as_str()));
    assert_eq!(errors[0].root_span, Some(root.serial));
    assert_eq!(root.field("error.msg"), Some("the feed went away"));
}

#[tokio::test]
async fn an_event_that_cannot_be_sent_ends_the_stream_and_is_observed() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(INVALID);
    let client = watchful::testing::TestClient::new(bp.build().await.unwrap());
    let response = client.get("/invalid").send().await;
    assert_eq!(response.text(), "data: fine\n\n");
    assert!(response.body_error().is_some(), "the response is cut off");
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field("error.type"),
        Some("watchful::response::sse::InvalidEvent")
    );
}
