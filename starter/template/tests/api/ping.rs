use watchful::http::StatusCode;
use watchful::testing::capture;

use crate::helpers::test_client;

#[tokio::test]
async fn ping_answers_pong() {
    let (telemetry, _guard) = capture();
    let client = test_client().await;

    let response = client.get("/api/ping").send().await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "pong");
    assert!(response.header("x-request-id").is_some());
    let root = telemetry.root_span();
    assert_eq!(root.field("http.route"), Some("/api/ping"));
    assert_eq!(root.field("http.response.status_code"), Some("200"));
    assert!(telemetry.error_events().is_empty());
}
