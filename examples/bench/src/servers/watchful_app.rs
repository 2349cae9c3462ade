//! watchful: the same scenarios as components in a blueprint; `LOG_ERROR` emits the ERROR
//! event and the framework records the error on the root span.
//!
//! Error-reporting scenarios still to come (their building blocks are being written): once
//! watchful has them, each is a route (and, for the middleware, a `#[wrap]` or
//! `#[post_process]` component) registered in [`blueprint`] plus its [`ErrorScenario`] in
//! [`ERROR_SCENARIOS`]:
//! - `ExtractorError`: `#[post("/echo")] fn echo(body: JsonBody<Echo>) -> String`.
//! - `MiddlewareAfterHandlerError`: `/audited/fail` = `fail` wrapped by a post-processing
//!   middleware that returns `Err(common::audit_error())` when the response is a 5xx.
//! - `Panic`: `#[get("/panic")] fn panic() -> &'static str { panic!(..) }`.

use http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, HeaderValue};
use tokio::net::TcpListener;
use watchful::http::StatusCode;
use watchful::request::{RawPathParams, RequestHead};
use watchful::response::Body;
use watchful::telemetry::LOG_ERROR;
use watchful::{Blueprint, Response, Server, error_handler, get, request_scoped, singleton};

use crate::common::{self, ErrorScenario, FetchError, HELLO, Site, UserPost, Viewer};

/// The error-reporting scenarios this server implements today.
pub const ERROR_SCENARIOS: &[ErrorScenario] =
    &[ErrorScenario::HandlerError, ErrorScenario::NotFound];

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
