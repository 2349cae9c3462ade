//! [`PathParams`]: the route's parameters, deserialized.

use serde::de::DeserializeOwned;

use super::path_de::{self, ParamsDeserializer, Shape};
use super::text::rejection_problem;
use super::{FromRequestHead, Rejection};
use crate::request::{RawPathParams, RequestHead};
use crate::response::Problem;
use http::StatusCode;

/// The route's path parameters, percent-decoded and deserialized into `T`.
///
/// `T` is a struct whose field names are parameter names, a tuple with one element per
/// parameter in route order, or, for a route with one parameter, that value alone. Values parse
/// from text with `FromStr`: numbers, `bool`, `char`, strings, enums of unit variants, and
/// `Option`s and newtypes of those.
///
/// `build()` reports a struct field that is not a parameter of the route, a tuple with the
/// wrong number of elements, and a single value on a route that has several parameters.
///
/// A value that does not parse is a [`PathParamsError`]: 400 naming the parameter, e.g.
/// ``"`id`: invalid digit found in string"``.
///
/// ```
/// use watchful::extract::PathParams;
/// use watchful::{Blueprint, get};
///
/// #[derive(serde::Deserialize)]
/// pub struct UserPath {
///     id: u64,
/// }
///
/// #[get("/users/{id}")]
/// pub fn show(path: PathParams<UserPath>) -> String {
///     format!("user {}", path.0.id)
/// }
///
/// #[get("/users/{id}/posts/{slug}")]
/// pub fn post(PathParams((id, slug)): PathParams<(u64, String)>) -> String {
///     format!("post {slug} of user {id}")
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(SHOW);
/// bp.route(POST);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathParams<T>(pub T);

impl<T> PathParams<T> {
    /// The deserialized parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for PathParams<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A path parameter did not deserialize into the type the route asked for.
///
/// Default response: 400 with the message, e.g. ``"`id`: invalid digit found in string"``.
#[derive(Debug)]
pub struct PathParamsError {
    param: Option<String>,
    message: String,
}

impl std::fmt::Display for PathParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.param {
            Some(param) => write!(f, "`{param}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PathParamsError {}

impl PathParamsError {
    /// The parameter at fault, when one is.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// What was wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Rejection for PathParamsError {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::BAD_REQUEST]
    }

    fn problem(&self) -> Problem {
        rejection_problem(http::StatusCode::BAD_REQUEST, self)
    }
}

impl<T> FromRequestHead for PathParams<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    type Rejection = PathParamsError;

    fn from_request_head(
        _head: &RequestHead,
        params: &RawPathParams,
    ) -> Result<Self, PathParamsError> {
        T::deserialize(ParamsDeserializer(params))
            .map(PathParams)
            .map_err(|error| PathParamsError {
                param: error.param,
                message: error.message,
            })
    }

    fn check_route(param_names: &[&str]) -> Result<(), String> {
        let listed = || {
            if param_names.is_empty() {
                "the route has no parameters".to_owned()
            } else {
                let names: Vec<String> = param_names.iter().map(|n| format!("`{n}`")).collect();
                format!("the route's parameters are {}", names.join(", "))
            }
        };
        let target = std::any::type_name::<T>();
        match path_de::shape::<T>() {
            Shape::Struct(fields) => {
                let missing: Vec<String> = fields
                    .iter()
                    .filter(|field| !param_names.contains(field))
                    .map(|field| format!("`{field}`"))
                    .collect();
                if missing.is_empty() {
                    return Ok(());
                }
                let (noun, verb) = if missing.len() == 1 {
                    ("field", "is")
                } else {
                    ("fields", "are")
                };
                Err(format!(
                    "`PathParams<{target}>`: the {noun} {} {verb} not a route parameter ({})",
                    missing.join(", "),
                    listed()
                ))
            }
            Shape::Tuple(len) if len != param_names.len() => Err(format!(
                "`PathParams<{target}>`: a tuple of {len} for {} route parameter(s) ({})",
                param_names.len(),
                listed()
            )),
            Shape::Single if param_names.len() != 1 => Err(format!(
                "`PathParams<{target}>`: a single value needs a route with exactly one parameter ({})",
                listed()
            )),
            Shape::Tuple(_) | Shape::Single | Shape::Any => Ok(()),
        }
    }
}
