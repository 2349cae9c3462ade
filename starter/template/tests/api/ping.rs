use crate::helpers::test_app;
use watchful::http::StatusCode;

#[tokio::test]
async fn ping_answers_pong() {
    let app = test_app().await;

    let response = app.client.get("/api/ping").send().await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "pong");
    assert!(response.header("x-request-id").is_some());
    let root = app.telemetry.root_span();
    assert_eq!(root.field("http.route"), Some("/api/ping"));
    assert_eq!(root.field("http.response.status_code"), Some("200"));
    assert!(app.telemetry.error_events().is_empty());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = test_app().await;
    for path in ["/api/ping", "/api/greet/x1", "/nowhere"] {
        let response = app.client.get(path).send().await;
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
    }
    assert_eq!(
        app.client.get("/nowhere").send().await.status(),
        StatusCode::NOT_FOUND
    );
}
