//! [`Problem`]: an RFC 9457 problem details response, and how the framework's own error
//! responses are rendered from one, as plain text or as `application/problem+json`.

use http::StatusCode;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::{Map, Value};

use super::body::{Body, Response, with_content_type};
use super::failure::{JsonResponseError, failed};
use super::into_response::IntoResponse;
use crate::request::RequestId;

const PROBLEM_JSON: HeaderValue = HeaderValue::from_static("application/problem+json");

/// An RFC 9457 problem details response: `Content-Type: application/problem+json` and a JSON
/// object with `type`, `title`, `status`, and, when set, `detail`, `instance`, `errors` (one
/// per invalid field) and extension members.
///
/// It is the shape of the framework's own error responses on a blueprint with
/// [`problem_details`](crate::Blueprint::problem_details); an error handler returns one to
/// answer in the same shape. `type` is `about:blank` and `title` the status's reason phrase
/// unless set.
///
/// ```
/// use watchful::http::StatusCode;
/// use watchful::request::RequestId;
/// use watchful::response::Problem;
/// use watchful::{Blueprint, error_handler, get};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("insufficient credit")]
/// pub struct OutOfCredit { balance: u32 }
///
/// #[get("/buy")]
/// pub fn buy() -> Result<&'static str, OutOfCredit> {
///     Err(OutOfCredit { balance: 30 })
/// }
///
/// #[error_handler]
/// pub fn out_of_credit(error: &OutOfCredit, request_id: &RequestId) -> Problem {
///     Problem::new(StatusCode::FORBIDDEN)
///         .type_uri("https://example.com/probs/out-of-credit")
///         .title("You do not have enough credit.")
///         .detail(format!("Your current balance is {}.", error.balance))
///         .instance(request_id.as_str())
///         .extension("balance", error.balance)
/// }
///
/// let mut bp = Blueprint::new();
/// bp.error_handler(OUT_OF_CREDIT);
/// bp.route(BUY);
/// ```
#[derive(Debug)]
#[must_use = "a problem does nothing until it is returned as a response"]
pub struct Problem {
    status: StatusCode,
    type_uri: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    instance: Option<String>,
    errors: Vec<FieldError>,
    /// `None` until the first: an empty map still costs ~50 instructions to drop.
    extensions: Option<Map<String, Value>>,
    headers: HeaderMap,
    /// An extension that did not serialise: the response is then a 500.
    invalid: Option<serde_json::Error>,
    /// The plain-text body, where it is not the detail (the built-in 500 keeps its two lines).
    text: Option<String>,
}

/// One invalid field of the request: where (a JSON Pointer) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct FieldError {
    pointer: String,
    detail: String,
}

/// The members an extension cannot take.
const STANDARD_MEMBERS: [&str; 6] = ["type", "title", "status", "detail", "instance", "errors"];

impl Problem {
    /// A problem with `status`, titled with its reason phrase.
    pub fn new(status: StatusCode) -> Self {
        Self {
            status,
            type_uri: None,
            title: None,
            detail: None,
            instance: None,
            errors: Vec::new(),
            extensions: None,
            headers: HeaderMap::new(),
            invalid: None,
            text: None,
        }
    }

    /// A URI that identifies the problem type; `about:blank` (the status says it all) unless
    /// set.
    pub fn type_uri(mut self, type_uri: impl Into<String>) -> Self {
        self.type_uri = Some(type_uri.into());
        self
    }

    /// A short summary of the problem type, the same for every occurrence.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// What went wrong this time, for the client to read.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// This occurrence: the framework's own problems name the request id, which is also in
    /// the `x-request-id` header and on the logs.
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Adds an entry to `errors`: the field at `pointer` (a JSON Pointer into the request's
    /// data, e.g. `/items/0/price`) and what is wrong with it.
    pub fn field_error(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
        });
        self
    }

    /// Adds an extension member. A value that does not serialise makes the response a 500
    /// whose [`JsonResponseError`] is observed; a standard member's name (`type`, `title`,
    /// `status`, `detail`, `instance`, `errors`) is ignored: use its own method.
    pub fn extension(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        if STANDARD_MEMBERS.contains(&name.as_str()) {
            return self;
        }
        match serde_json::to_value(value) {
            Ok(value) => {
                self.extensions.get_or_insert_default().insert(name, value);
            }
            Err(error) => {
                self.invalid.get_or_insert(error);
            }
        }
        self
    }

    /// Adds a response header, e.g. `WWW-Authenticate` or `Retry-After`.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Sets the plain-text body, where it is not the detail.
    pub(crate) fn text(mut self, text: String) -> Self {
        self.text = Some(text);
        self
    }

    /// The response in `format`: the framework's own errors answer this way. A problem names
    /// `request_id` as its instance unless it names another.
    pub(crate) fn render(self, format: ErrorFormat, request_id: &RequestId) -> Response {
        match format {
            ErrorFormat::Text => self.into_text_response(),
            ErrorFormat::Problem if self.instance.is_some() => self.into_response(),
            ErrorFormat::Problem => self.instance(request_id.as_str()).into_response(),
        }
    }

    /// The status, the headers, and the text (else the detail) as a plain-text body; no body
    /// without either.
    pub(crate) fn into_text_response(self) -> Response {
        let mut response = match self.text.or(self.detail) {
            Some(text) => (self.status, text).into_response(),
            None => self.status.into_response(),
        };
        add_headers(&mut response, self.headers);
        response
    }
}

/// The members in RFC 9457's order, then the extensions.
#[derive(Serialize)]
struct Members<'a> {
    #[serde(rename = "type")]
    type_uri: &'a str,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<&'a str>,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
    #[serde(flatten)]
    extensions: Option<&'a Map<String, Value>>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        if let Some(invalid) = self.invalid {
            return failed(JsonResponseError(invalid));
        }
        let members = Members {
            type_uri: self.type_uri.as_deref().unwrap_or("about:blank"),
            title: self
                .title
                .as_deref()
                .or(self.status.canonical_reason())
                .unwrap_or_default(),
            status: self.status.as_u16(),
            detail: self.detail.as_deref(),
            instance: self.instance.as_deref(),
            errors: &self.errors,
            extensions: self.extensions.as_ref(),
        };
        let body = match serde_json::to_vec(&members) {
            Ok(body) => body,
            Err(error) => return failed(JsonResponseError(error)),
        };
        let mut response = with_content_type(Body::from_bytes(body), PROBLEM_JSON);
        *response.status_mut() = self.status;
        add_headers(&mut response, self.headers);
        response
    }
}

/// Adds a problem's headers to its response. Most problems have none, and extending by an
/// empty map still costs ~130 instructions: on every 404, for one.
fn add_headers(response: &mut Response, headers: HeaderMap) {
    if !headers.is_empty() {
        response.headers_mut().extend(headers);
    }
}

/// How a blueprint's framework-made error responses are written: plain text unless the
/// blueprint (or a parent) calls [`problem_details`](crate::Blueprint::problem_details).
/// Provided to every request, like the request id, for the built-in handlers to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ErrorFormat {
    /// The status and a one-line `text/plain` explanation.
    #[default]
    Text,
    /// `application/problem+json`, RFC 9457.
    Problem,
}
