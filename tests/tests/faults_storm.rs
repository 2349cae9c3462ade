//! The storm: 20,000 requests over 100 keep-alive connections on a real socket, mixing
//! successes, handler errors, extractor errors and panics. Every request is answered with
//! its status, every error yields exactly one ERROR event of its class, every root span
//! closes with a status, and the file descriptors the server opened are all closed at the end.
//!
//! The server and the clients share one thread, so that the capturing subscriber (per
//! thread) sees every event.

mod faults;

use std::collections::BTreeMap;
use std::time::Instant;

use faults::{Client, blueprint, open_fds};
use watchful::Server;
use watchful::testing::capture;
use watchful_conformance::within;

const CONNECTIONS: usize = 100;
const REQUESTS_PER_CONNECTION: usize = 200;
/// The most the whole storm may take (it takes a few seconds in a debug build).
const STORM_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);

/// One kind of request of the storm: its path (and JSON body, for a POST), the status it
/// gets, and the error type (the end of its name) it raises, if any.
struct Kind {
    path: &'static str,
    json: Option<&'static str>,
    status: u16,
    error: Option<&'static str>,
}

impl Kind {
    async fn send(&self, client: &mut Client) -> std::io::Result<()> {
        match self.json {
            Some(body) => client.post(self.path, "application/json", body).await,
            None => client.get(self.path).await,
        }
    }
}

const KINDS: [Kind; 6] = [
    Kind {
        path: "/ok",
        json: None,
        status: 200,
        error: None,
    },
    Kind {
        path: "/fail",
        json: None,
        status: 409,
        error: Some("Locked"),
    },
    Kind {
        path: "/items/not-a-number",
        json: None,
        status: 400,
        error: Some("PathParamsError"),
    },
    Kind {
        path: "/notes",
        json: Some("{\"text\":"),
        status: 400,
        error: Some("JsonBodyError"),
    },
    Kind {
        path: "/panic",
        json: None,
        status: 500,
        error: Some("Panic"),
    },
    Kind {
        path: "/items/7",
        json: None,
        status: 200,
        error: None,
    },
];

/// Silences the storm's own panics (thousands of them); any other panic is printed.
fn quiet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let storm = info
            .payload()
            .downcast_ref::<&str>()
            .is_some_and(|message| message.contains("the storm broke something"));
        if !storm {
            default(info);
        }
    }));
}

#[tokio::test]
async fn a_storm_of_mixed_requests_is_answered_observed_and_cleaned_up() {
    quiet_panics();
    let (telemetry, _guard) = capture();
    let fds_before = open_fds();
    let app = blueprint().build().await.unwrap();
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .handle_signals(false);
    let addr = server.local_addr().unwrap();
    let shutdown = server.shutdown_handle();
    let served = tokio::spawn(server.serve(app));

    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for connection in 0..CONNECTIONS {
        clients.spawn(async move {
            let mut client = Client::connect(addr).await.unwrap();
            let mut wrong = Vec::new();
            for request in 0..REQUESTS_PER_CONNECTION {
                let kind = &KINDS[(connection + request) % KINDS.len()];
                kind.send(&mut client).await.unwrap();
                let response = client.response().await.unwrap().expect("a response");
                if response.status != kind.status {
                    wrong.push((kind.status, response.status));
                }
                if response.status >= 500 {
                    let body = String::from_utf8_lossy(&response.body);
                    assert!(!body.contains("storm"), "a 5xx leaked the error: {body}");
                }
            }
            wrong
        });
    }
    let mut wrong = Vec::new();
    let storm = async {
        while let Some(result) = clients.join_next().await {
            wrong.extend(result.unwrap());
        }
    };
    tokio::time::timeout(STORM_LIMIT, storm)
        .await
        .expect("the storm ends in time");
    let elapsed = started.elapsed();
    assert!(
        wrong.is_empty(),
        "wrong statuses (expected, got): {wrong:?}"
    );

    shutdown.shutdown();
    within("the shutdown", served).await.unwrap().unwrap();

    let total = CONNECTIONS * REQUESTS_PER_CONNECTION;
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for connection in 0..CONNECTIONS {
        for request in 0..REQUESTS_PER_CONNECTION {
            let kind = &KINDS[(connection + request) % KINDS.len()];
            if let Some(error) = kind.error {
                *expected.entry(error).or_default() += 1;
            }
            *statuses.entry(kind.status.to_string()).or_default() += 1;
        }
    }
    let mut events: BTreeMap<&str, usize> = BTreeMap::new();
    for event in telemetry.error_events() {
        let ty = event.field("error.type").unwrap_or("(no error.type)");
        let class = expected
            .keys()
            .find(|class| ty.ends_with(*class))
            .copied()
            .unwrap_or("(unexpected)");
        *events.entry(class).or_default() += 1;
    }
    assert_eq!(events, expected, "ERROR events by class");

    let spans = telemetry.root_spans();
    assert_eq!(spans.len(), total, "one root span per request");
    let mut span_statuses: BTreeMap<String, usize> = BTreeMap::new();
    for span in &spans {
        let status = span.field("http.response.status_code").expect("a status");
        *span_statuses.entry(status.to_owned()).or_default() += 1;
    }
    assert_eq!(span_statuses, statuses, "root spans by status");

    // The server's sockets close as its tasks end; give the runtime a moment to drop them.
    let mut fds_after = open_fds();
    for _ in 0..50 {
        if fds_after == fds_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        fds_after = open_fds();
    }
    assert_eq!(fds_after, fds_before, "file descriptors left open");
    eprintln!(
        "storm: {total} requests over {CONNECTIONS} connections in {elapsed:?}; \
         errors by class {expected:?}; ERROR events by class {events:?}; \
         statuses {statuses:?}; fds {fds_before} -> {fds_after}"
    );
}
