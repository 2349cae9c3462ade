//! Error responses: the spec's `GenericErrorModel` body, and one error handler per concern.
//!
//! Every error answers `{"errors": {"body": ["…"]}}`. The status says which kind of failure it
//! was: 401 (no or a bad token, wrong credentials), 403 (not the author), 404 (no such article,
//! profile or comment), 422 (invalid input, including a body or a query string that does not
//! parse), 500 (the database, password hashing or token signing failed). A 500 names the
//! request id and nothing else: the error itself is in the ERROR event `LOG_ERROR` emits.
//!
//! watchful's own errors get the same shape: a malformed request is 400, a path parameter
//! that is not UTF-8 422, a request that takes too long 503 and a panic 500 (the last two
//! naming only the request id). One keeps watchful's plain-text answer: 408, for a body that
//! arrives too slowly, which only a real connection can produce.
//!
//! Each handler declares the statuses it answers, `#[error_handler(responses(..))]`, which the
//! OpenAPI document lists for every route where its error can occur; debug builds log a WARN
//! when a handler answers another, and the suite fails on it.

use schemars::JsonSchema;
use serde::Serialize;
use watchful::error::{InvalidPathParameter, MalformedRequest, Panic, RequestTimeout};
use watchful::extract::{JsonBodyError, PathParamsError, QueryParamsError, Rejection};
use watchful::http::header::ALLOW;
use watchful::http::header::{HeaderValue, WWW_AUTHENTICATE};
use watchful::http::{HeaderMap, StatusCode};
use watchful::request::{AllowedMethods, RequestHead, RequestId};
use watchful::response::Json;
use watchful::{IntoResponse, Response, error_handler, fallback};

use crate::articles::ArticleError;
use crate::comments::CommentError;
use crate::db::DbError;
use crate::profiles::ProfileError;
use crate::token::TokenError;
use crate::users::UserError;

/// An error response: a status and the messages of a `GenericErrorModel` body.
#[derive(Debug)]
pub struct ErrorResponse {
    status: StatusCode,
    messages: Vec<String>,
}

/// What went wrong: one message per problem.
// The spec's `GenericErrorModel`, which each error handler declares with its statuses for the
// OpenAPI document: `#[error_handler(responses(404 = GenericErrorModel, ..))]`.
#[derive(Serialize, JsonSchema)]
pub struct GenericErrorModel {
    errors: Messages,
}

/// The messages.
#[derive(Serialize, JsonSchema)]
#[schemars(inline)]
struct Messages {
    body: Vec<String>,
}

impl ErrorResponse {
    /// A response with `status` and one message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            messages: vec![message.into()],
        }
    }

    /// The 500 for a failure that is not the client's: the request id, so that the client
    /// can quote it, and nothing about the error.
    pub fn internal(request_id: &RequestId) -> Self {
        Self::logged(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            request_id,
        )
    }

    /// A 5xx saying `what` and the request id, and nothing about the error.
    fn logged(status: StatusCode, what: &str, request_id: &RequestId) -> Self {
        Self::new(
            status,
            format!(
                "{what}; it was logged with request id {}",
                request_id.as_str()
            ),
        )
    }
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let body = GenericErrorModel {
            errors: Messages {
                body: self.messages,
            },
        };
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 9110 wants a challenge on every 401: the scheme this API accepts.
            let mut headers = HeaderMap::new();
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
            (self.status, headers, Json(body)).into_response()
        } else {
            (self.status, Json(body)).into_response()
        }
    }
}

/// Input that breaks the API's rules (a blank field, a limit of 0, …): 422 with one message
/// per broken rule.
#[derive(Debug, thiserror::Error)]
#[error("invalid input: {}", .messages.join("; "))]
pub struct ValidationError {
    /// What is wrong, one message per rule, e.g. "title can't be blank".
    pub messages: Vec<String>,
}

impl ValidationError {
    /// One message for each `(name, value)` field that is missing or blank, the rule of every
    /// required field in the spec.
    pub fn blank(fields: &[(&str, Option<&str>)]) -> Vec<String> {
        fields
            .iter()
            .filter(|(_, value)| value.is_none_or(|value| value.trim().is_empty()))
            .map(|(name, _)| format!("{name} can't be blank"))
            .collect()
    }

    /// An error when there are `messages`.
    pub fn check(messages: Vec<String>) -> Result<(), Self> {
        if messages.is_empty() {
            Ok(())
        } else {
            Err(Self { messages })
        }
    }

    /// Checks that each field is present and not blank, reporting all those that are not.
    pub fn require(fields: &[(&str, Option<&str>)]) -> Result<(), Self> {
        Self::check(Self::blank(fields))
    }

    /// An error with one message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            messages: vec![message.into()],
        }
    }
}

/// 422 with the rules the input broke.
#[error_handler(responses(422 = GenericErrorModel))]
pub fn validation_error(error: &ValidationError) -> ErrorResponse {
    ErrorResponse {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        messages: error.messages.clone(),
    }
}

/// An extractor's rejection as a `GenericErrorModel`: the spec has one code for invalid input,
/// so what watchful answers 400 (malformed JSON, a bad path or query parameter) or 422 (JSON
/// of the wrong shape) becomes 422; 413 (too large) and 415 (not JSON) keep their status.
fn rejection(error: &impl Rejection) -> ErrorResponse {
    let status = match error.problem().status() {
        StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
        other => other,
    };
    let mut message = error.to_string();
    if let Some(source) = std::error::Error::source(error) {
        message = format!("{message}: {source}");
    }
    ErrorResponse::new(status, message)
}

/// A request body that is not JSON of the expected shape: 422 (413, 415 as watchful says).
#[error_handler(responses(
    413 = GenericErrorModel,
    415 = GenericErrorModel,
    422 = GenericErrorModel,
))]
pub fn json_body_error(error: &JsonBodyError) -> ErrorResponse {
    rejection(error)
}

/// A query string that does not parse (e.g. `limit=ten`): 422.
#[error_handler(responses(422 = GenericErrorModel))]
pub fn query_params_error(error: &QueryParamsError) -> ErrorResponse {
    rejection(error)
}

/// A path parameter that does not parse (a comment id that is not a number): 422.
#[error_handler(responses(422 = GenericErrorModel))]
pub fn path_params_error(error: &PathParamsError) -> ErrorResponse {
    rejection(error)
}

/// Registration, login and reading or updating the current user.
#[error_handler(responses(
    401 = GenericErrorModel,
    404 = GenericErrorModel,
    422 = GenericErrorModel,
    500 = GenericErrorModel,
))]
pub fn user_error(error: &UserError, request_id: &RequestId) -> ErrorResponse {
    let status = match error {
        UserError::NotFound => StatusCode::NOT_FOUND,
        UserError::Taken { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        UserError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        UserError::Password(_) | UserError::Db(_) => return ErrorResponse::internal(request_id),
    };
    ErrorResponse::new(status, error.to_string())
}

/// Reading, following and unfollowing profiles.
#[error_handler(responses(
    404 = GenericErrorModel,
    422 = GenericErrorModel,
    500 = GenericErrorModel,
))]
pub fn profile_error(error: &ProfileError, request_id: &RequestId) -> ErrorResponse {
    let status = match error {
        ProfileError::NotFound => StatusCode::NOT_FOUND,
        ProfileError::FollowSelf => StatusCode::UNPROCESSABLE_ENTITY,
        ProfileError::Db(_) => return ErrorResponse::internal(request_id),
    };
    ErrorResponse::new(status, error.to_string())
}

/// Articles, the feed and favourites.
#[error_handler(responses(
    403 = GenericErrorModel,
    404 = GenericErrorModel,
    500 = GenericErrorModel,
))]
pub fn article_error(error: &ArticleError, request_id: &RequestId) -> ErrorResponse {
    let status = match error {
        ArticleError::NotFound => StatusCode::NOT_FOUND,
        ArticleError::Forbidden => StatusCode::FORBIDDEN,
        ArticleError::SlugContention { .. } | ArticleError::Db(_) => {
            return ErrorResponse::internal(request_id);
        }
    };
    ErrorResponse::new(status, error.to_string())
}

/// Comments.
#[error_handler(responses(
    403 = GenericErrorModel,
    404 = GenericErrorModel,
    500 = GenericErrorModel,
))]
pub fn comment_error(error: &CommentError, request_id: &RequestId) -> ErrorResponse {
    let status = match error {
        CommentError::ArticleNotFound | CommentError::NotFound => StatusCode::NOT_FOUND,
        CommentError::Forbidden => StatusCode::FORBIDDEN,
        CommentError::Db(_) => return ErrorResponse::internal(request_id),
    };
    ErrorResponse::new(status, error.to_string())
}

/// A query that failed outside any resource's own errors (the tag list): 500.
#[error_handler(responses(500 = GenericErrorModel))]
pub fn db_error(_error: &DbError, request_id: &RequestId) -> ErrorResponse {
    ErrorResponse::internal(request_id)
}

/// A token that could not be issued (signing failed): 500. A token that a client presented
/// and that does not verify is an [`AuthError`](super::auth::AuthError), a 401.
#[error_handler(responses(500 = GenericErrorModel))]
pub fn token_error(_error: &TokenError, request_id: &RequestId) -> ErrorResponse {
    ErrorResponse::internal(request_id)
}

/// A request that breaks a rule of HTTP (two `Host` headers, …): 400 with the rule.
#[error_handler(responses(400 = GenericErrorModel))]
pub fn malformed_request(error: &MalformedRequest) -> ErrorResponse {
    ErrorResponse::new(StatusCode::BAD_REQUEST, error.to_string())
}

/// A path parameter that is not UTF-8 once percent-decoded: 422, as for any invalid input.
#[error_handler(responses(422 = GenericErrorModel))]
pub fn invalid_path_parameter(error: &InvalidPathParameter) -> ErrorResponse {
    ErrorResponse::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string())
}

/// A request not served within the request timeout: 503, naming the request id.
#[error_handler(responses(503 = GenericErrorModel))]
pub fn request_timeout(_error: &RequestTimeout, request_id: &RequestId) -> ErrorResponse {
    ErrorResponse::logged(
        StatusCode::SERVICE_UNAVAILABLE,
        "the request took too long",
        request_id,
    )
}

/// A component that panicked: 500, naming the request id.
#[error_handler(responses(500 = GenericErrorModel))]
pub fn panicked(_error: &Panic, request_id: &RequestId) -> ErrorResponse {
    ErrorResponse::internal(request_id)
}

/// A path under `/api` that no route serves: 404, or 405 with `Allow` when the path is served
/// with other methods, in the same `GenericErrorModel` shape as every other answer.
#[fallback]
pub fn no_such_endpoint(head: &RequestHead, allowed: &AllowedMethods) -> Response {
    match allowed.allow_header() {
        Some(allow) => {
            let mut response = ErrorResponse::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{} is not allowed here", head.method),
            )
            .into_response();
            response.headers_mut().insert(ALLOW, allow.clone());
            response
        }
        None => ErrorResponse::new(
            StatusCode::NOT_FOUND,
            format!("no endpoint at {}", head.uri.path()),
        )
        .into_response(),
    }
}
