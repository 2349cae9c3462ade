//! Response types for the common cases: JSON, HTML, text, redirects, no content.

use http::StatusCode;
use http::header::{HeaderValue, LOCATION};
use serde::Serialize;

use super::body::{Body, Response, TEXT_PLAIN, with_content_type};
use super::failure::{InvalidResponseHeader, JsonResponseError, failed};
use super::into_response::IntoResponse;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT_HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

/// `T` serialised as JSON, with `Content-Type: application/json`.
///
/// Serialisation can fail (a map with non-string keys, a `Serialize` impl that errors): the
/// response is then a 500 whose body says nothing about the error, and the error — a
/// [`JsonResponseError`] — is observed like a handler's.
///
/// ```
/// use watchful::response::Json;
/// use watchful::{Blueprint, get};
///
/// #[derive(serde::Serialize)]
/// pub struct User {
///     id: u64,
///     name: String,
/// }
///
/// #[get("/me")]
/// pub fn me() -> Json<User> {
///     Json(User { id: 1, name: "Ada".into() })
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(ME);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => with_content_type(Body::from_bytes(bytes), APPLICATION_JSON),
            Err(error) => failed(JsonResponseError(error)),
        }
    }
}

/// An HTML page, with `Content-Type: text/html; charset=utf-8`.
///
/// ```
/// use watchful::response::Html;
/// use watchful::{Blueprint, get};
///
/// #[get("/")]
/// pub fn home() -> Html<&'static str> {
///     Html("<h1>Hello</h1>")
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(HOME);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        with_content_type(self.0.into(), TEXT_HTML)
    }
}

/// Plain text, with `Content-Type: text/plain; charset=utf-8`; for a `String` or `&str` that is
/// already what returning it does, `Text` also takes bytes you know are UTF-8.
///
/// ```
/// use watchful::response::Text;
/// use watchful::response::Bytes;
/// use watchful::{Blueprint, get};
///
/// #[get("/robots.txt")]
/// pub fn robots() -> Text<Bytes> {
///     Text(Bytes::from_static(b"User-agent: *\nDisallow:\n"))
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(ROBOTS);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Text<T>(pub T);

impl<T: Into<Body>> IntoResponse for Text<T> {
    fn into_response(self) -> Response {
        with_content_type(self.0.into(), TEXT_PLAIN)
    }
}

/// 204 No Content: a response with no body.
///
/// ```
/// use watchful::response::NoContent;
/// use watchful::{Blueprint, delete};
///
/// #[delete("/sessions/current")]
/// pub fn log_out() -> NoContent {
///     NoContent
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(LOG_OUT);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// A redirect: a 3xx status and a `Location` header, with no body.
///
/// | constructor | status | the client repeats |
/// |---|---|---|
/// | [`to`](Redirect::to) | 307 Temporary Redirect | the same method and body |
/// | [`permanent`](Redirect::permanent) | 308 Permanent Redirect | the same method and body, and may remember it |
/// | [`see_other`](Redirect::see_other) | 303 See Other | a GET, e.g. after a form was posted |
///
/// A location that is not a valid header value (a control character, say) cannot be sent: the
/// response is then a 500 and the error, an [`InvalidResponseHeader`], is observed.
///
/// ```
/// use watchful::response::Redirect;
/// use watchful::{Blueprint, post};
///
/// #[post("/login")]
/// pub fn log_in() -> Redirect {
///     Redirect::see_other("/home")
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(LOG_IN);
/// ```
#[derive(Debug)]
pub struct Redirect {
    status: StatusCode,
    location: Result<HeaderValue, http::Error>,
}

impl Redirect {
    /// 307 Temporary Redirect to `location`.
    pub fn to(location: &str) -> Self {
        Self::with_status(StatusCode::TEMPORARY_REDIRECT, location)
    }

    /// 308 Permanent Redirect to `location`.
    pub fn permanent(location: &str) -> Self {
        Self::with_status(StatusCode::PERMANENT_REDIRECT, location)
    }

    /// 303 See Other to `location`: the client follows with a GET.
    pub fn see_other(location: &str) -> Self {
        Self::with_status(StatusCode::SEE_OTHER, location)
    }

    fn with_status(status: StatusCode, location: &str) -> Self {
        Self {
            status,
            location: HeaderValue::from_str(location).map_err(http::Error::from),
        }
    }

    /// The redirect's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match self.location {
            Ok(location) => {
                let mut response = self.status.into_response();
                response.headers_mut().insert(LOCATION, location);
                response
            }
            Err(source) => failed(InvalidResponseHeader {
                name: LOCATION.as_str().to_owned(),
                source,
            }),
        }
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}
