//! [`QueryParams`]: the query string, deserialized.

use http::StatusCode;
use serde::de::DeserializeOwned;

use super::form::{FieldError, FormError, InvalidEncoding, at, parse_form};
use super::text::{rejection_problem, shorten};
use super::{FromRequestHead, Rejection};
use crate::request::{RawPathParams, RequestHead};
use crate::response::Problem;

/// The query string, percent-decoded and deserialized into `T`.
///
/// Keys repeated in the query fill a `Vec` (`?tag=a&tag=b`); a missing query string is an empty
/// one, so a `T` whose fields are all optional always has a value. The rejection, a
/// [`QueryParamsError`], is a 400 that names the field.
///
/// `Option<QueryParams<T>>` is `None` when the request has no query string (or an empty one),
/// and is still rejected when there is one that does not fit `T`.
///
/// ```
/// use watchful::extract::QueryParams;
/// use watchful::{Blueprint, get};
///
/// #[derive(serde::Deserialize)]
/// pub struct Search {
///     q: String,
///     #[serde(default)]
///     tag: Vec<String>,
///     page: Option<u32>,
/// }
///
/// #[get("/search")]
/// pub fn search(QueryParams(search): QueryParams<Search>) -> String {
///     format!("{} in {:?}, page {}", search.q, search.tag, search.page.unwrap_or(1))
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(SEARCH);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryParams<T>(pub T);

impl<T> QueryParams<T> {
    /// The deserialized query.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for QueryParams<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The query string did not deserialize into the type the route asked for.
///
/// Default response: 400.
#[derive(Debug, thiserror::Error)]
pub enum QueryParamsError {
    /// The query string is not valid percent-encoding.
    #[error("malformed query string")]
    Encoding(#[source] InvalidEncoding),
    /// A field did not deserialize: missing, of the wrong type, repeated.
    #[error("invalid query string{}: {message}", at(path))]
    Field {
        /// The field, e.g. `page` or `tag[1]`; `.` for the whole query.
        path: String,
        /// The same field as a JSON Pointer into the query seen as an object, e.g. `/tag/1`.
        pointer: String,
        /// What was wrong with it.
        message: String,
    },
}

impl Rejection for QueryParamsError {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::BAD_REQUEST]
    }

    fn problem(&self) -> Problem {
        let problem = rejection_problem(StatusCode::BAD_REQUEST, self);
        match self {
            Self::Encoding(_) => problem,
            Self::Field {
                pointer, message, ..
            } => problem.field_error(pointer, shorten(message)),
        }
    }
}

impl<T> FromRequestHead for QueryParams<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = QueryParamsError;

    fn from_request_head(
        head: &RequestHead,
        _params: &RawPathParams,
    ) -> Result<Self, QueryParamsError> {
        let query = head.uri.query().unwrap_or_default();
        match parse_form(query.as_bytes()) {
            Ok(value) => Ok(QueryParams(value)),
            Err(FormError::Encoding(error)) => Err(QueryParamsError::Encoding(error)),
            Err(FormError::Field(FieldError {
                path,
                pointer,
                message,
            })) => Err(QueryParamsError::Field {
                path,
                pointer,
                message,
            }),
        }
    }
}

/// `None` without a query string; see [`QueryParams`].
impl<T> FromRequestHead for Option<QueryParams<T>>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = QueryParamsError;

    fn from_request_head(
        head: &RequestHead,
        params: &RawPathParams,
    ) -> Result<Self, QueryParamsError> {
        match head.uri.query() {
            None | Some("") => Ok(None),
            Some(_) => QueryParams::from_request_head(head, params).map(Some),
        }
    }
}
