//! Fallbacks: the handler for requests that match no route, and the one used when a blueprint
//! registers none.

use http::StatusCode;
use http::header::ALLOW;

use super::adapter::HandlerFn;
use crate::request::AllowedMethods;
use crate::response::{IntoResponse, Response};

plain_component!(
    /// The handler for requests that match no route; emitted by `#[fallback]`, registered
    /// with `bp.fallback(..)`.
    Fallback,
    HandlerFn
);

/// The fallback of a blueprint that registers none: 405 with `Allow` when the path exists
/// under other methods, else 404.
#[crate::fallback]
pub(crate) fn default_fallback(allowed: &AllowedMethods) -> Response {
    match allowed.allow_header() {
        Some(allow) => {
            let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
            response.headers_mut().insert(ALLOW, allow.clone());
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
