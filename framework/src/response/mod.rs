//! Responses: the [`Response`] type, its [`Body`], and [`IntoResponse`] for what handlers return.
//!
//! `Result` is deliberately not a response type: an error reaches the client only through an
//! error handler, which borrows it, so that observers can see it afterwards.
//!
//! What a handler can return:
//!
//! - bodies: `String`, `&'static str` (text), `Vec<u8>`, `Bytes` (octets), [`Json`], [`Html`],
//!   [`Text`], a [`Body`] (e.g. [`Body::from_stream`]), `()` (200, empty);
//! - statuses: `StatusCode`, [`NoContent`], [`Redirect`];
//! - a body with parts before it: `(StatusCode, T)`, `(P, T)`, `(StatusCode, P, T)`,
//!   `(P1, P2, T)` and `(StatusCode, P1, P2, T)`, where each `P` is a [`IntoResponseParts`]
//!   (a `HeaderMap`, [`ResponseCookies`]);
//! - anything, with the [`builder`].
//!
//! A response type that cannot be made as asked (a value that does not serialise to JSON, a
//! header value with a newline) does not panic: the response is a 500 whose body says nothing
//! about the cause, and the cause is observed like a handler's error.

mod body;
mod builder;
mod cookies;
mod failure;
mod types;

use std::borrow::Cow;

use http::{HeaderMap, StatusCode};

#[allow(unused_imports)] // The pipeline's hook for streamed errors.
pub(crate) use body::StreamErrorReporter;
pub use body::{Body, IterStream, iter_stream};
pub use builder::{ResponseBuilder, builder};
/// The bytes a [`Body`] is made of.
pub use bytes::Bytes;
pub use cookies::{Cookie, ResponseCookies, SameSite};
pub use failure::{InvalidResponseHeader, JsonResponseError};
#[allow(unused_imports)] // The pipeline's hook for failed responses.
pub(crate) use failure::{ResponseFailure, take_failure};
pub use types::{Html, Json, NoContent, Redirect, Text};

use types::bytes_with_type;

/// An HTTP response with a watchful [`Body`].
pub type Response = http::Response<Body>;

/// Converts a value into a [`Response`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a response: handlers, error handlers, middleware and fallbacks return a type that implements `IntoResponse`",
    label = "`{Self}` does not convert into a response",
    note = "to send data as JSON, return `Json<{Self}>` (`watchful::response::Json`; the data must implement `serde::Serialize`) and wrap the value: `Json(value)`",
    note = "these convert: `Response`, `StatusCode`, `String`, `&'static str`, `Vec<u8>`, `Bytes`, `Json<T>`, `Html<T>`, `Text<T>`, `Redirect`, `NoContent`, `()`, and `(StatusCode, T)`; headers and cookies go before the body, e.g. `(StatusCode, HeaderMap, T)`",
    note = "a component that can fail returns `Result<R, E>` (a type named `Result`) where `R` converts into a response"
)]
pub trait IntoResponse {
    /// Makes the response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self;
        response
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        StatusCode::OK.into_response()
    }
}

/// The content type of text bodies, and of watchful's own error bodies.
pub(crate) const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        bytes_with_type(Bytes::from_static(self.as_bytes()), TEXT_PLAIN)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        bytes_with_type(Bytes::from(self), TEXT_PLAIN)
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(text) => text.into_response(),
            Cow::Owned(text) => text.into_response(),
        }
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        bytes_with_type(Bytes::from(self), OCTETS)
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response {
        bytes_with_type(Bytes::from_static(self), OCTETS)
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        bytes_with_type(self, OCTETS)
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        set_status(&mut response, self.0);
        response
    }
}

/// Sets the status, unless making the response failed: that 500 must stay a 500.
fn set_status(response: &mut Response, status: StatusCode) {
    if !failure::has_failure(response) {
        *response.status_mut() = status;
    }
}

/// Something that adds to a response made by the body that follows it in a tuple: headers,
/// cookies.
pub trait IntoResponseParts {
    /// Adds to `response`.
    fn into_response_parts(self, response: &mut Response);
}

/// Headers replace those of the same name the body set (e.g. `Content-Type`); a name present
/// several times in the map is sent several times.
impl IntoResponseParts for HeaderMap {
    fn into_response_parts(self, response: &mut Response) {
        let headers = response.headers_mut();
        let mut current = None;
        for (name, value) in self {
            if let Some(name) = name {
                headers.remove(&name);
                current = Some(name);
            }
            if let Some(name) = &current {
                headers.append(name.clone(), value);
            }
        }
    }
}

impl<P: IntoResponseParts, T: IntoResponse> IntoResponse for (P, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        self.0.into_response_parts(&mut response);
        response
    }
}

impl<P: IntoResponseParts, T: IntoResponse> IntoResponse for (StatusCode, P, T) {
    fn into_response(self) -> Response {
        let mut response = (self.1, self.2).into_response();
        set_status(&mut response, self.0);
        response
    }
}

impl<P1, P2, T> IntoResponse for (P1, P2, T)
where
    P1: IntoResponseParts,
    P2: IntoResponseParts,
    T: IntoResponse,
{
    fn into_response(self) -> Response {
        let mut response = self.2.into_response();
        self.0.into_response_parts(&mut response);
        self.1.into_response_parts(&mut response);
        response
    }
}

impl<P1, P2, T> IntoResponse for (StatusCode, P1, P2, T)
where
    P1: IntoResponseParts,
    P2: IntoResponseParts,
    T: IntoResponse,
{
    fn into_response(self) -> Response {
        let mut response = (self.1, self.2, self.3).into_response();
        set_status(&mut response, self.0);
        response
    }
}

#[cfg(test)]
mod tests;
