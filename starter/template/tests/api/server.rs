//! The real binary, over a socket: what an operator sees on stdout.

use serde_json::Value;

use crate::helpers::{TestServer, is_root_span_close};

#[test]
fn ping_over_the_network() {
    let server = TestServer::spawn(&[]);
    assert_eq!(server.get("/api/ping"), (200, "pong".to_owned()));
}

#[test]
fn an_error_logs_one_error_line_and_one_root_span_line_with_the_same_fields() {
    let mut server = TestServer::spawn(&[]);

    let (status, _) = server.get("/api/greet/x1");

    assert_eq!(status, 400);
    let lines = server.lines_until(is_root_span_close);
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{lines:#?}");
    let event = &errors[0]["fields"];
    let close = lines.last().expect("the close line");
    let span = &close["span"];
    for field in ["error.msg", "error.details", "error.source_chain"] {
        assert!(event[field].is_string(), "{field} in {event}");
        assert_eq!(span[field], event[field], "{field}");
    }
    assert_eq!(event["error.msg"], "`x1` is not a valid name");
    assert_eq!(span["http.response.status_code"], 400);
    assert_eq!(span["http.request.method"], "GET");
    assert_eq!(span["http.route"], "/api/greet/{name}");
    assert!(span["request_id"].is_string(), "{span}");
    assert!(
        close["fields"]["time.busy"].is_string(),
        "the duration: {close}"
    );
    // The ERROR line is inside the same request.
    assert_eq!(errors[0]["span"]["request_id"], span["request_id"]);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_gracefully() {
    let mut server = TestServer::spawn(&[]);
    assert_eq!(server.get("/api/ping").0, 200);
    server.next_line_where(is_root_span_close);

    let status = server.terminate();

    assert!(status.success(), "{status}");
}
