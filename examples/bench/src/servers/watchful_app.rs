//! watchful: the same scenarios as components in a blueprint; `LOG_ERROR` emits the ERROR
//! event and the framework records the error on the root span. The error-reporting scenarios
//! use what watchful gives every application: `JsonBody` (its rejection is handled and
//! observed), a post-processing middleware in a nested blueprint, and caught panics.

use http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, HeaderValue};
use tokio::net::TcpListener;
use tower_http::cors::CorsLayer;
use watchful::extract::JsonBody;
use watchful::http::StatusCode;
use watchful::request::{RawPathParams, RequestHead};
use watchful::response::Body;
use watchful::telemetry::LOG_ERROR;
use watchful::{
    Blueprint, Response, Server, error_handler, get, post, post_process, request_scoped, singleton,
};

use crate::common::{
    self, AuditError, Echo, ErrorScenario, FetchError, HELLO, Site, UserPost, Viewer,
};

/// The error-reporting scenarios this server implements today.
pub const ERROR_SCENARIOS: &[ErrorScenario] = &ErrorScenario::ALL;

/// Serves until the process is killed.
pub async fn serve(listener: TcpListener) -> Result<(), Box<dyn std::error::Error>> {
    let app = blueprint().build().await?;
    Server::from_listener(listener)
        .handle_signals(false)
        .serve(app)
        .await?;
    Ok(())
}

/// Every route of the benchmark and of the error-reporting comparison.
pub fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.constructor(SITE);
    bp.constructor(VIEWER);
    bp.route(PLAINTEXT);
    bp.route(USER_POST).error_handler(BAD_ID);
    bp.route(FAIL).error_handler(FETCH_FAILED);
    bp.route(ECHO);
    bp.route(PANIC);
    let mut audited = Blueprint::new();
    audited.post_process(AUDIT).error_handler(AUDIT_FAILED);
    audited.route(FAIL).error_handler(FETCH_FAILED);
    bp.prefix("/audited").nest(audited);
    let mut cors = Blueprint::new();
    cors.layer(CorsLayer::permissive());
    cors.route(CORS);
    bp.nest(cors);
    bp
}

#[singleton]
pub fn site() -> Site {
    Site::new()
}

#[request_scoped]
pub fn viewer(head: &RequestHead) -> Viewer {
    Viewer::from_header(head.headers.get(ACCEPT_LANGUAGE).map(|v| v.as_bytes()))
}

#[get("/plaintext")]
pub fn plaintext() -> &'static str {
    HELLO
}

#[get("/cors")]
pub fn cors() -> &'static str {
    HELLO
}

/// A path parameter that is not a number.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a valid id")]
pub struct BadId(String);

fn id(params: &RawPathParams, name: &str) -> Result<u64, BadId> {
    let raw = params.get(name).unwrap_or_default();
    raw.parse().map_err(|_| BadId(raw.to_owned()))
}

#[get("/users/{id}/posts/{post}")]
pub fn user_post(params: &RawPathParams, site: &Site, viewer: &Viewer) -> Result<Response, BadId> {
    let body = UserPost::json(id(params, "id")?, id(params, "post")?, site, viewer);
    let mut response = Response::new(Body::from_bytes(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

#[error_handler]
pub fn bad_id(_error: &BadId) -> StatusCode {
    StatusCode::BAD_REQUEST
}

#[get("/fail")]
pub fn fail() -> Result<&'static str, FetchError> {
    Err(common::fetch_error())
}

#[error_handler]
pub fn fetch_failed(_error: &FetchError) -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

#[post("/echo")]
pub fn echo(JsonBody(echo): JsonBody<Echo>) -> String {
    echo.name
}

#[get("/panic")]
pub fn panic() -> &'static str {
    panic!("the handler gave up")
}

/// Fails on a server error, after the handler's own error was handled.
#[post_process]
pub fn audit(response: Response) -> Result<Response, AuditError> {
    match response.status().is_server_error() {
        true => Err(common::audit_error()),
        false => Ok(response),
    }
}

#[error_handler]
pub fn audit_failed(_error: &AuditError) -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}
