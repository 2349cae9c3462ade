//! Fallbacks: the handler for requests that match no route, and the one used when a blueprint
//! registers none.

use http::StatusCode;
use http::header::ALLOW;

use super::adapter::HandlerFn;
use crate::request::{AllowedMethods, RequestId};
use crate::response::{ErrorFormat, Problem, Response};

plain_component!(
    /// The handler for requests that match no route; emitted by `#[fallback]`, registered
    /// with `bp.fallback(..)`.
    Fallback,
    HandlerFn
);

/// The fallback of a blueprint that registers none: 405 with `Allow` when the path exists
/// under other methods, else 404; no body, or a problem with no detail.
#[crate::fallback]
pub(crate) fn default_fallback(
    allowed: &AllowedMethods,
    format: &ErrorFormat,
    request_id: &RequestId,
) -> Response {
    let problem = match allowed.allow_header() {
        Some(allow) => Problem::new(StatusCode::METHOD_NOT_ALLOWED).header(ALLOW, allow.clone()),
        None => Problem::new(StatusCode::NOT_FOUND),
    };
    problem.render(*format, request_id)
}
