//! What every error answers and logs: a database failure is a 500 that names only the request
//! id, watchful's own errors answer in the same shape, and each error response comes with
//! exactly one ERROR event.

use std::time::Duration;

use serde_json::json;
use watchful::get;
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

async fn a_database_failure_is_a_500_that_leaks_nothing(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    app.db.close().await;

    let requests = [
        app.client.get("/api/tags"),
        app.client.get("/api/articles"),
        app.client.get("/api/profiles/jake"),
        app.client.get("/api/articles/any/comments"),
        app.auth(app.client.get("/api/user"), &jake),
    ];
    for request in requests {
        app.telemetry.clear();
        let response = request.send().await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let request_id = response.header("x-request-id").expect("a request id");
        let body: serde_json::Value = response.json().expect("JSON");
        assert_eq!(
            body["errors"]["body"][0],
            format!("internal error; it was logged with request id {request_id}")
        );
        assert!(!response.text().contains("pool"), "{}", response.text());

        // The whole story is in the one ERROR event.
        let errors = app.telemetry.error_events();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let chain = errors[0].field("error.source_chain").unwrap_or_default();
        assert!(
            chain.contains("attempted to acquire a connection on a closed pool"),
            "{chain}"
        );
        app.assert_declared_statuses();
    }
}

async fn every_error_status_logs_exactly_one_error_event(t: TestDb) {
    let app = TestApp::new(t).await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let slug = app.article(&jake, "Mine", &[]).await;

    let requests = [
        (
            app.client.get("/api/user"),
            StatusCode::UNAUTHORIZED,
            "AuthError",
        ),
        (
            app.auth(app.client.put(&format!("/api/articles/{slug}")), &jane)
                .json(&serde_json::json!({ "article": { "body": "hijacked" } })),
            StatusCode::FORBIDDEN,
            "ArticleError",
        ),
        (
            app.client.get("/api/articles/nope"),
            StatusCode::NOT_FOUND,
            "ArticleError",
        ),
        (
            app.client.get("/api/articles?limit=0"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "ValidationError",
        ),
    ];
    for (request, status, error_type) in requests {
        app.telemetry.clear();
        let response = request.send().await;
        assert_eq!(response.status(), status);
        let errors = app.telemetry.error_events();
        assert_eq!(errors.len(), 1, "{status}: {errors:#?}");
        let logged_type = errors[0].field("error.type").unwrap_or_default();
        assert!(logged_type.ends_with(error_type), "{logged_type}");
        app.assert_declared_statuses();
    }
}

async fn unknown_endpoints_answer_404_or_405_in_the_same_shape(t: TestDb) {
    let app = TestApp::new(t).await;
    for (request, status, message) in [
        (
            app.client.get("/api/nothing"),
            StatusCode::NOT_FOUND,
            "no endpoint at /api/nothing",
        ),
        (
            app.client.delete("/api/tags"),
            StatusCode::METHOD_NOT_ALLOWED,
            "DELETE is not allowed here",
        ),
    ] {
        let response = request.send().await;
        assert_eq!(response.status(), status);
        let body: serde_json::Value = response.json().expect("JSON");
        assert_eq!(body, serde_json::json!({ "errors": { "body": [message] } }));
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(response.header("allow"), Some("GET, HEAD"));
        }
    }
    // Not errors of the application: nothing to log at ERROR.
    assert!(app.telemetry.error_events().is_empty());
}

/// A bug, for the test of what a panic answers.
#[get("/panics")]
pub fn panics() -> &'static str {
    panic!("a secret in a panic message")
}

/// Outlives the request timeout of the test that serves it.
#[get("/slow")]
pub async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "too late"
}

async fn watchful_s_own_errors_answer_in_the_same_shape(t: TestDb) {
    let app = TestApp::with(t, |bp| {
        bp.route(PANICS);
        bp.route(SLOW);
        bp.request_timeout(Duration::from_millis(100));
    })
    .await;

    // 4xx: what was wrong.
    let two_hosts = app
        .client
        .get("/api/tags")
        .header("host", "a.example")
        .header("host", "b.example");
    let message = "a request must carry one `Host` header, not several (RFC 9112 §3.2)";
    app.error(two_hosts, StatusCode::BAD_REQUEST, &[message])
        .await;
    let message = "the path parameter `slug` is not valid UTF-8 once percent-decoded";
    app.error(
        app.client.get("/api/articles/%FF"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[message],
    )
    .await;

    // 5xx: the request id, nothing about the error.
    for (path, status, what) in [
        (
            "/panics",
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
        ),
        (
            "/slow",
            StatusCode::SERVICE_UNAVAILABLE,
            "the request took too long",
        ),
    ] {
        app.telemetry.clear();
        let response = app.client.get(path).send().await;
        assert_eq!(response.status(), status, "{path}: {}", response.text());
        let request_id = response.header("x-request-id").expect("a request id");
        let message = format!("{what}; it was logged with request id {request_id}");
        let body: serde_json::Value = response.json().expect("JSON");
        assert_eq!(body, json!({ "errors": { "body": [message] } }));
        assert_eq!(app.telemetry.error_events().len(), 1, "{path}");
        app.assert_declared_statuses();
    }
}

on_both_databases!(
    a_database_failure_is_a_500_that_leaks_nothing,
    every_error_status_logs_exactly_one_error_event,
    unknown_endpoints_answer_404_or_405_in_the_same_shape,
    watchful_s_own_errors_answer_in_the_same_shape,
);
