use crate::helpers::test_app;
use watchful::http::StatusCode;

#[tokio::test]
async fn a_valid_name_is_greeted() {
    let app = test_app().await;

    let response = app.client.get("/api/greet/Ada").send().await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "Hello, Ada!");
    assert!(app.telemetry.error_events().is_empty());
    assert_eq!(app.telemetry.root_span().field("error.msg"), None);
}

#[tokio::test]
async fn an_invalid_name_is_a_400_and_an_observed_error() {
    let app = test_app().await;

    let response = app.client.get("/api/greet/x1").send().await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.text(),
        "`x1` is not a valid name: a name has ASCII letters only, and '1' is not one\n"
    );

    // LOG_ERROR's event: message, details and the source chain (the rule the name broke).
    let errors = app.telemetry.error_events();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let event = &errors[0];
    assert_eq!(event.field("error.msg"), Some("`x1` is not a valid name"));
    assert_eq!(
        event.field("error.details"),
        Some(r#"InvalidName { name: "x1", rule: NotALetter('1') }"#)
    );
    assert_eq!(
        event.field("error.source_chain"),
        Some("a name has ASCII letters only, and '1' is not one")
    );

    // The root span carries the same fields, and the status.
    let root = app.telemetry.root_span();
    assert_eq!(
        event.root_span,
        Some(root.serial),
        "the event is in the request's span"
    );
    for field in ["error.msg", "error.details", "error.source_chain"] {
        assert_eq!(root.field(field), event.field(field), "{field}");
    }
    assert_eq!(root.field("http.response.status_code"), Some("400"));
    assert_eq!(root.field("http.route"), Some("/api/greet/{name}"));
}

#[tokio::test]
async fn names_longer_than_64_letters_are_refused() {
    let app = test_app().await;

    let ok = app
        .client
        .get(&format!("/api/greet/{}", "a".repeat(64)))
        .send()
        .await;
    let too_long = app
        .client
        .get(&format!("/api/greet/{}", "a".repeat(65)))
        .send()
        .await;

    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    assert!(
        too_long.text().contains("1 to 64 characters, not 65"),
        "{}",
        too_long.text()
    );
}
