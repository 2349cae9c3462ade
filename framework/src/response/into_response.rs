//! [`IntoResponse`] for the plain types handlers return, and tuples that add a status or
//! parts to a body.

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::body::{Body, Response, TEXT_PLAIN, with_content_type};
use super::failure::has_failure;

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

pub(super) const OCTETS: HeaderValue = HeaderValue::from_static("application/octet-stream");

fn bytes_with_type(bytes: Bytes, content_type: HeaderValue) -> Response {
    with_content_type(Body::from_bytes(bytes), content_type)
}

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
pub(super) fn set_status(response: &mut Response, status: StatusCode) {
    if !has_failure(response) {
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
