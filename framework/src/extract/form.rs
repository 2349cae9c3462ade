//! URL-encoded data, in the query string ([`QueryParams`](super::QueryParams)) or the body
//! ([`UrlEncodedBody`]): strict percent-decoding, repeated keys into sequences, errors that name
//! the field.

use http::StatusCode;
use serde::de::DeserializeOwned;

use super::body::{BufferedBodyError, UnsupportedContentType, check_content_type, read_body};
use super::text::{json_pointer, rejection_problem, shorten};
use super::{BodySizeLimit, FromRequestBody, Rejection};
use crate::request::{RequestBody, RequestHead};
use crate::response::Problem;

/// URL-encoded text that is not valid percent-encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEncoding {
    /// A `%` not followed by two hexadecimal digits.
    #[error("invalid percent-encoding at byte {at}")]
    BadEscape {
        /// The offset of the `%`.
        at: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("not valid UTF-8 once percent-decoded")]
    NotUtf8,
}

/// Checks what the `form_urlencoded` decoder would let through silently: stray `%`s and bytes
/// that do not decode to UTF-8.
fn check_encoding(input: &[u8]) -> Result<(), InvalidEncoding> {
    for (at, byte) in input.iter().enumerate() {
        if *byte == b'%'
            && !input
                .get(at + 1..at + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
        {
            return Err(InvalidEncoding::BadEscape { at });
        }
    }
    // `&`, `=` and `+` are ASCII, so decoding the whole input is as good as each part.
    let decoded: Vec<u8> = percent_encoding::percent_decode(input).collect();
    std::str::from_utf8(&decoded).map_err(|_| InvalidEncoding::NotUtf8)?;
    Ok(())
}

/// A field of URL-encoded data that did not deserialize: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) path: String,
    pub(crate) pointer: String,
    pub(crate) message: String,
}

/// `` at `path` ``, or nothing for the whole document (`.`).
pub(crate) fn at(path: &str) -> String {
    if path == "." || path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

/// Why URL-encoded data did not deserialize.
pub(crate) enum FormError {
    Encoding(InvalidEncoding),
    Field(FieldError),
}

/// Deserializes URL-encoded `input`, after checking its encoding.
pub(crate) fn parse_form<T: DeserializeOwned>(input: &[u8]) -> Result<T, FormError> {
    check_encoding(input).map_err(FormError::Encoding)?;
    let deserializer = serde_html_form::Deserializer::from_bytes(input);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let pointer = json_pointer(error.path());
        let message = error.into_inner().to_string();
        // serde_html_form's words for a key given several times where one value was expected.
        let message = if message == "unsupported value" {
            "the key is repeated, expected a single value".to_owned()
        } else {
            message
        };
        FormError::Field(FieldError {
            path,
            pointer,
            message,
        })
    })
}

/// The request body, `Content-Type: application/x-www-form-urlencoded`, deserialized into `T`,
/// as an HTML form posts it.
///
/// Keys repeated in the body fill a `Vec`; an empty body is an empty form (a `T` whose fields
/// are all optional accepts it). The rejections, an [`UrlEncodedBodyError`]: 415 without that
/// content type, 413 over the [`BodySizeLimit`], 400 for invalid percent-encoding, 422 for a
/// form that does not fit `T` (naming the field).
///
/// ```
/// use watchful::extract::UrlEncodedBody;
/// use watchful::{Blueprint, post};
///
/// #[derive(serde::Deserialize)]
/// pub struct Login {
///     user: String,
///     password: String,
/// }
///
/// #[post("/login")]
/// pub fn log_in(UrlEncodedBody(form): UrlEncodedBody<Login>) -> String {
///     format!("hello {}", form.user)
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(LOG_IN);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlEncodedBody<T>(pub T);

impl<T> UrlEncodedBody<T> {
    /// The deserialized body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The request body could not be read as a form of the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum UrlEncodedBodyError {
    /// Not `application/x-www-form-urlencoded`. Default response: 415.
    #[error(transparent)]
    ContentType(#[from] UnsupportedContentType),
    /// The body could not be read. Default response: 413 or 400.
    #[error(transparent)]
    Body(#[from] BufferedBodyError),
    /// The body is not valid percent-encoding. Default response: 400.
    #[error("malformed form body")]
    Encoding(#[source] InvalidEncoding),
    /// A field did not deserialize. Default response: 422, whose problem details name the
    /// field in `errors`.
    #[error("invalid form{}: {message}", at(path))]
    Field {
        /// The field, e.g. `tags[1]`; `.` for the whole form.
        path: String,
        /// The same field as a JSON Pointer into the form seen as an object, e.g. `/tags/1`.
        pointer: String,
        /// What was wrong with it.
        message: String,
    },
}

impl Rejection for UrlEncodedBodyError {
    fn statuses() -> &'static [StatusCode] {
        &[
            StatusCode::BAD_REQUEST,
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StatusCode::UNPROCESSABLE_ENTITY,
        ]
    }

    fn problem(&self) -> Problem {
        let status = match self {
            Self::ContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Body(error) => return error.problem(),
            Self::Encoding(_) => StatusCode::BAD_REQUEST,
            Self::Field {
                pointer, message, ..
            } => {
                return rejection_problem(StatusCode::UNPROCESSABLE_ENTITY, self)
                    .field_error(pointer, shorten(message));
            }
        };
        rejection_problem(status, self)
    }
}

impl<T> FromRequestBody for UrlEncodedBody<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = UrlEncodedBodyError;

    async fn from_request_body(
        head: &RequestHead,
        body: RequestBody,
        limit: BodySizeLimit,
    ) -> Result<Self, UrlEncodedBodyError> {
        const FORM: &str = "application/x-www-form-urlencoded";
        check_content_type(head, FORM, |media_type| media_type == FORM)?;
        let bytes = read_body(head, body, limit).await?;
        match parse_form(&bytes) {
            Ok(value) => Ok(UrlEncodedBody(value)),
            Err(FormError::Encoding(error)) => Err(UrlEncodedBodyError::Encoding(error)),
            Err(FormError::Field(FieldError {
                path,
                pointer,
                message,
            })) => Err(UrlEncodedBodyError::Field {
                path,
                pointer,
                message,
            }),
        }
    }
}
