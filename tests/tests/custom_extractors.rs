//! A type of the application's own becomes an extractor by implementing `FromRequestHead` or
//! `FromRequestBody`: no registration, its errors handled by default by `Rejection`, overridden
//! by a blueprint's handler, always observed.

use bytes::Bytes;
use http_body_util::BodyExt;
use watchful::blueprint::{InvolvedKind, ProblemKind};
use watchful::extract::{BodySizeLimit, FromRequestBody, FromRequestHead, Rejection};
use watchful::http::StatusCode;
use watchful::request::{RawPathParams, RequestBody, RequestHead};
use watchful::response::Problem;
use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, capture};
use watchful::{Blueprint, BuildError, error_handler, get, post};

/// The `x-tenant` header, required.
pub struct Tenant(String);

#[derive(Debug, thiserror::Error)]
#[error("the `x-tenant` header is missing")]
pub struct NoTenant;

impl Rejection for NoTenant {
    fn problem(&self) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST).detail(self.to_string())
    }
}

impl FromRequestHead for Tenant {
    type Rejection = NoTenant;

    fn from_request_head(head: &RequestHead, _: &RawPathParams) -> Result<Self, NoTenant> {
        match head.headers.get("x-tenant").and_then(|v| v.to_str().ok()) {
            Some(tenant) => Ok(Tenant(tenant.to_owned())),
            None => Err(NoTenant),
        }
    }

    fn check_route(param_names: &[&str]) -> Result<(), String> {
        match param_names.contains(&"tenant") {
            true => Err("the tenant comes from a header, not from the path".to_owned()),
            false => Ok(()),
        }
    }
}

/// The body, upper-cased; never fails.
pub struct Shout(String);

impl FromRequestBody for Shout {
    type Rejection = std::convert::Infallible;

    async fn from_request_body(
        _head: &RequestHead,
        body: RequestBody,
        _limit: BodySizeLimit,
    ) -> Result<Self, Self::Rejection> {
        let bytes = body
            .into_inner()
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_else(|_| Bytes::new());
        Ok(Shout(String::from_utf8_lossy(&bytes).to_uppercase()))
    }
}

#[get("/whoami")]
pub fn whoami(tenant: &Tenant) -> String {
    format!("tenant {}", tenant.0)
}

#[post("/shout")]
pub fn shout(shout: Shout) -> String {
    shout.0
}

#[get("/tenants/{tenant}")]
pub fn by_path(tenant: &Tenant) -> String {
    tenant.0.clone()
}

#[error_handler]
pub fn no_tenant_as_401(_e: &NoTenant) -> StatusCode {
    StatusCode::UNAUTHORIZED
}

#[tokio::test]
async fn an_extractor_needs_no_registration_and_its_failure_is_observed() {
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(WHOAMI);
    bp.route(SHOUT);
    let app = bp.build().await.expect("extractors register themselves");
    assert!(app.warnings().is_empty(), "{:?}", app.warnings());
    let client = TestClient::new(app);

    let response = client
        .get("/whoami")
        .header("x-tenant", "acme")
        .send()
        .await;
    assert_eq!(response.text(), "tenant acme");
    assert_eq!(client.post("/shout").body("hey").send().await.text(), "HEY");
    assert!(telemetry.error_events().is_empty());

    let response = client.get("/whoami").send().await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.text(), "the `x-tenant` header is missing");
    let errors = telemetry.error_events();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].field("error.msg"),
        Some("the `x-tenant` header is missing")
    );
}

#[tokio::test]
async fn a_blueprint_handler_overrides_the_default_one() {
    let mut bp = Blueprint::new();
    bp.error_handler(NO_TENANT_AS_401);
    bp.route(WHOAMI);
    let client = TestClient::new(bp.build().await.unwrap());
    assert_eq!(
        client.get("/whoami").send().await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_extractor_can_refuse_a_route_at_build_time() {
    let mut bp = Blueprint::new();
    bp.route(BY_PATH);
    let checked = bp.check().expect_err("the route cannot use the extractor");
    let Err(BuildError::Invalid { problems }) = bp.build().await else {
        panic!("the route cannot use the extractor");
    };
    assert_eq!(problems, checked.problems());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].kind(), ProblemKind::ExtractorRejectsRoute);
    let extractor = &problems[0].components()[0];
    assert_eq!(extractor.kind(), InvolvedKind::Builtin);
    assert_eq!(extractor.name(), "custom_extractors::Tenant");
    insta::assert_snapshot!(problems[0]);
}
