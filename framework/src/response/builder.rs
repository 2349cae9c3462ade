//! [`builder`]: a response put together step by step, for what the tuples do not cover.

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

use super::body::Response;
use super::cookies::ResponseCookies;
use super::failure::{InvalidResponseHeader, failed};
use super::into_response::{IntoResponse, IntoResponseParts, set_status};
use crate::response::Cookie;

/// Starts a response: status 200 unless set, headers and cookies added to those the body sets.
///
/// An invalid header name or value does not panic: the response becomes a 500 whose error, an
/// [`InvalidResponseHeader`], is observed.
///
/// ```
/// use watchful::http::StatusCode;
/// use watchful::response::{self, Json, Response};
/// use watchful::{Blueprint, post};
///
/// #[post("/users")]
/// pub fn create_user() -> Response {
///     response::builder()
///         .status(StatusCode::CREATED)
///         .header("location", "/users/7")
///         .body(Json(serde_json::json!({ "id": 7 })))
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(CREATE_USER);
/// ```
pub fn builder() -> ResponseBuilder {
    ResponseBuilder::default()
}

/// A response being built; see [`builder`].
#[derive(Debug, Default)]
#[must_use = "a response builder does nothing until `body` is called"]
pub struct ResponseBuilder {
    status: Option<StatusCode>,
    headers: HeaderMap,
    cookies: ResponseCookies,
    invalid: Option<InvalidResponseHeader>,
}

impl ResponseBuilder {
    /// Sets the status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a header; it replaces one of the same name the body sets, and a name added twice is
    /// sent twice.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        if self.invalid.is_some() {
            return self;
        }
        let name = match name.try_into() {
            Ok(name) => name,
            Err(error) => {
                self.invalid = Some(InvalidResponseHeader {
                    name: "(an invalid name)".to_owned(),
                    source: error.into(),
                });
                return self;
            }
        };
        match value.try_into() {
            Ok(value) => {
                self.headers.append(name, value);
            }
            Err(error) => {
                self.invalid = Some(InvalidResponseHeader {
                    name: name.as_str().to_owned(),
                    source: error.into(),
                });
            }
        }
        self
    }

    /// Adds a cookie, sent as its own `Set-Cookie` header.
    pub fn cookie(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.cookies.add(cookie);
        self
    }

    /// Finishes the response with `body`, which sets the content type unless a header did.
    pub fn body(self, body: impl IntoResponse) -> Response {
        if let Some(invalid) = self.invalid {
            return failed(invalid);
        }
        let mut response = body.into_response();
        self.headers.into_response_parts(&mut response);
        self.cookies.into_response_parts(&mut response);
        if let Some(status) = self.status {
            set_status(&mut response, status);
        }
        response
    }

    /// Finishes the response with no body.
    pub fn empty(self) -> Response {
        self.body(())
    }
}
