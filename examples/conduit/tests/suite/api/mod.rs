//! The HTTP API, in process: every endpoint's success and each error status it answers, with
//! the bodies. Every request goes through [`TestApp::ok`] or [`TestApp::error`], which also
//! check the telemetry: no ERROR event for a success, exactly one (from `LOG_ERROR`) for each
//! error response, and no error handler answering a status it does not declare (which the
//! OpenAPI document would miss).

mod articles;
mod comments;
mod errors;
mod openapi;
mod profiles;
mod tags;
mod users;

use conduit::app::{Services, blueprint};
use conduit::db::Db;
use conduit::token::{DEFAULT_TOKEN_TTL, Tokens};
use serde_json::{Value, json};
use tracing::Level;
use watchful::Blueprint;
use watchful::http::StatusCode;
use watchful::testing::{Capture, CaptureGuard, TestClient, TestRequest, TestResponse, capture};

use crate::common::TestDb;

/// The secret the test app signs tokens with.
pub const SECRET: &[u8] = b"test-secret";

/// The app on a fresh database, with its telemetry captured.
pub struct TestApp {
    /// Sends requests to the app.
    pub client: TestClient,
    /// The app's database, shared with it (closing it makes every query fail).
    pub db: Db,
    /// What the app logged.
    pub telemetry: Capture,
    _capture: CaptureGuard,
    _db: TestDb,
}

impl TestApp {
    /// Builds the application's blueprint on `t`; fails the test on any build warning.
    pub async fn new(t: TestDb) -> Self {
        Self::with(t, |_| {}).await
    }

    /// Builds the application's blueprint on `t` after `change` (a test's own routes or
    /// settings); fails the test on any build warning.
    pub async fn with(t: TestDb, change: impl FnOnce(&mut Blueprint)) -> Self {
        let (telemetry, guard) = capture();
        let services = Services {
            db: t.db.clone(),
            tokens: Tokens::new(SECRET, DEFAULT_TOKEN_TTL).expect("a usable secret"),
            passwords: t.passwords.clone(),
        };
        let mut bp = blueprint(services);
        change(&mut bp);
        let app = bp.build().await.expect("the blueprint builds");
        assert!(app.warnings().is_empty(), "{:#?}", app.warnings());
        Self {
            client: TestClient::new(app),
            db: t.db.clone(),
            telemetry,
            _capture: guard,
            _db: t,
        }
    }

    /// Sends `request`, checks that it answered `status` and logged no ERROR event, and
    /// returns the JSON body (`Null` for an empty one).
    pub async fn ok(&self, request: TestRequest, status: StatusCode) -> Value {
        self.telemetry.clear();
        let response = request.send().await;
        assert_eq!(response.status(), status, "{}", response.text());
        let errors = self.telemetry.error_events();
        assert!(errors.is_empty(), "{errors:#?}");
        json_body(&response)
    }

    /// Sends `request`, checks that it answered `status` with the spec's `GenericErrorModel`
    /// body holding `messages`, and that exactly one ERROR event was logged; returns it.
    pub async fn error(
        &self,
        request: TestRequest,
        status: StatusCode,
        messages: &[&str],
    ) -> TestResponse {
        self.telemetry.clear();
        let response = request.send().await;
        assert_eq!(response.status(), status, "{}", response.text());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(
            json_body(&response),
            json!({ "errors": { "body": messages } })
        );
        let errors = self.telemetry.error_events();
        assert_eq!(errors.len(), 1, "one ERROR event per error: {errors:#?}");
        self.assert_declared_statuses();
        response
    }

    /// Checks that no error handler answered a status it does not declare in
    /// `#[error_handler(responses(..))]`: debug builds log a WARN naming the handler.
    pub fn assert_declared_statuses(&self) {
        let undeclared: Vec<_> = self
            .telemetry
            .events()
            .into_iter()
            .filter(|event| event.level == Level::WARN && event.field("error_handler").is_some())
            .collect();
        assert!(undeclared.is_empty(), "{undeclared:#?}");
    }

    /// `request` with `Authorization: Token <token>`.
    pub fn auth(&self, request: TestRequest, token: &str) -> TestRequest {
        request.header("authorization", &format!("Token {token}"))
    }

    /// Registers `name` (email `name@example.com`, password `name-password`); returns the
    /// token.
    pub async fn register(&self, name: &str) -> String {
        let body = json!({ "user": {
            "username": name,
            "email": format!("{name}@example.com"),
            "password": format!("{name}-password"),
        }});
        let user = self
            .ok(
                self.client.post("/api/users").json(&body),
                StatusCode::CREATED,
            )
            .await;
        user["user"]["token"].as_str().expect("a token").to_owned()
    }

    /// Writes an article titled `title` with `tags` as the user of `token`; returns its slug.
    pub async fn article(&self, token: &str, title: &str, tags: &[&str]) -> String {
        let body = json!({ "article": {
            "title": title,
            "description": format!("about {title}"),
            "body": format!("all of {title}"),
            "tagList": tags,
        }});
        let article = self
            .ok(
                self.auth(self.client.post("/api/articles"), token)
                    .json(&body),
                StatusCode::CREATED,
            )
            .await;
        article["article"]["slug"]
            .as_str()
            .expect("a slug")
            .to_owned()
    }
}

/// The body as JSON, `Null` when empty.
fn json_body(response: &TestResponse) -> Value {
    if response.bytes().is_empty() {
        Value::Null
    } else {
        response.json().expect("a JSON body")
    }
}
