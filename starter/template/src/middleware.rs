//! Middleware: code that runs around, before or after every handler of the blueprint that
//! registers it. Each can take injected inputs and can fail, like any component.

use watchful::http::HeaderValue;
use watchful::{Response, post_process};

/// Tells browsers not to guess content types or frame the responses, on every response.
#[post_process]
pub fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}
