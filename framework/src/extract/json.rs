//! [`JsonBody`]: a JSON request body, deserialized.

use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::body::{BufferedBodyError, UnsupportedContentType, check_content_type, read_body};
use super::text::{json_pointer, rejection_problem, rejection_text};
use super::{BodySizeLimit, FromRequestBody, Rejection};
use crate::request::{RequestBody, RequestHead};
use crate::response::Problem;

/// The request body, `Content-Type: application/json` or `application/*+json`, deserialized
/// into `T`.
///
/// The body is read within the route's [`BodySizeLimit`]. The rejections, a
/// [`JsonBodyError`]: 415 without a JSON content type, 413 over the limit, 400 for an empty or
/// malformed body (with line and column), 422 for JSON that does not fit `T` (naming the field).
///
/// ```
/// use watchful::extract::JsonBody;
/// use watchful::{Blueprint, post};
///
/// #[derive(serde::Deserialize)]
/// pub struct NewUser {
///     name: String,
///     age: u8,
/// }
///
/// #[post("/users")]
/// pub fn create(JsonBody(user): JsonBody<NewUser>) -> String {
///     format!("{} ({})", user.name, user.age)
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(CREATE);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    /// The deserialized body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The request body could not be read as JSON of the expected shape.
#[derive(Debug, thiserror::Error)]
pub enum JsonBodyError {
    /// No JSON content type. Default response: 415.
    #[error(transparent)]
    ContentType(#[from] UnsupportedContentType),
    /// The body could not be read. Default response: 413 or 400.
    #[error(transparent)]
    Body(#[from] BufferedBodyError),
    /// The body is empty. Default response: 400.
    #[error("empty body, expected JSON")]
    Empty,
    /// The body is not JSON (the source says where). Default response: 400.
    #[error("malformed JSON")]
    Syntax(#[source] serde_json::Error),
    /// The body is JSON, but not of the expected shape. Default response: 422, whose problem
    /// details name the field in `errors`.
    #[error("invalid JSON{}", super::form::at(path))]
    Data {
        /// Where in the document, e.g. `items[0].price`; `.` for the whole document.
        path: String,
        /// The same place as a JSON Pointer, e.g. `/items/0/price`; empty for the whole
        /// document.
        pointer: String,
        /// What was wrong there.
        #[source]
        source: serde_json::Error,
    },
}

impl Rejection for JsonBodyError {
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
            Self::Empty | Self::Syntax(_) => StatusCode::BAD_REQUEST,
            Self::Data {
                pointer, source, ..
            } => {
                return rejection_problem(StatusCode::UNPROCESSABLE_ENTITY, self)
                    .field_error(pointer, rejection_text(source));
            }
        };
        rejection_problem(status, self)
    }
}

/// `application/json`, or a structured syntax suffix such as `application/problem+json`.
fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || media_type
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json") && subtype.len() > "+json".len())
}

impl<T> FromRequestBody for JsonBody<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = JsonBodyError;

    async fn from_request_body(
        head: &RequestHead,
        body: RequestBody,
        limit: BodySizeLimit,
    ) -> Result<Self, JsonBodyError> {
        check_content_type(head, "application/json", is_json)?;
        let bytes = read_body(head, body, limit).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(JsonBodyError::Empty);
        }
        parse(&bytes).map(JsonBody)
    }
}

/// Deserializes `bytes`, classifying the error as syntax or data the way serde_json does.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonBodyError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let pointer = json_pointer(error.path());
        let source = error.into_inner();
        match source.classify() {
            Category::Data => JsonBodyError::Data {
                path,
                pointer,
                source,
            },
            Category::Syntax | Category::Eof | Category::Io => JsonBodyError::Syntax(source),
        }
    })?;
    deserializer.end().map_err(JsonBodyError::Syntax)?;
    Ok(value)
}
