//! Extractors: typed values read from the request, injected with no registration.
//!
//! An extractor is a request-scoped constructor that the framework registers by itself when a
//! component takes it as an input. Its failure is an error like any other: handled (each error
//! type has a default handler, which a blueprint can override) and observed.
//!
//! A type becomes an extractor by implementing [`FromRequestHead`] (it reads the head and the
//! path parameters) or [`FromRequestBody`] (it consumes the body); its error type implements
//! [`Rejection`], which gives the default response.
//!
//! # The extractors
//!
//! | extractor | reads | rejection | default status |
//! |---|---|---|---|
//! | [`PathParams<T>`] | route parameters, into a struct or a tuple | [`PathParamsError`] | 400 |
//! | [`QueryParams<T>`], `Option<QueryParams<T>>` | the query string | [`QueryParamsError`] | 400 |
//! | [`JsonBody<T>`] | a JSON body | [`JsonBodyError`] | 415, 413, 400, 422 |
//! | [`UrlEncodedBody<T>`] | a form body | [`UrlEncodedBodyError`] | 415, 413, 400, 422 |
//! | [`BufferedBody`] | the whole body as bytes | [`BufferedBodyError`] | 413, 400 |
//! | [`Header<H>`], `Option<Header<H>>` | one typed header | [`HeaderError`] | 400; 401 for `Authorization<Bearer>` |
//! | [`RequestCookies`] | the `Cookie` header | none: malformed pairs are skipped with a WARN event | — |
//!
//! # Rejection bodies
//!
//! Every default rejection response has the same form: the status, `Content-Type:
//! text/plain; charset=utf-8`, and one line of text — the error's message followed by each of
//! its causes, joined by `: ` — or, on a blueprint with
//! [`problem_details`](crate::Blueprint::problem_details), the same line as the `detail` of an
//! `application/problem+json` body (see [`Rejection`]), e.g.
//!
//! ```text
//! `id`: invalid digit found in string
//! malformed JSON: expected value at line 1 column 9
//! invalid JSON at `items[0].price`: invalid type: string "x", expected u32 at line 1 column 25
//! expected `Content-Type: application/json`, got `text/plain`
//! ```
//!
//! Fields and parameters are named in backticks. Text the client sent is repeated only in
//! quotes or backticks, cut after 64 characters with `…`; header values are never repeated,
//! since they may be credentials. The error itself (its message, source chain and type) is what
//! observers see; a blueprint or route error handler for the error type replaces the default
//! response.
//!
//! # Body size
//!
//! The body extractors read at most the route's [`BodySizeLimit`]: a `Content-Length` over it
//! is rejected before reading, a body without one as soon as it passes it.

mod body;
mod cookies;
mod form;
mod header;
mod json;
mod path;
mod path_de;
mod query;
mod text;

#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::future::Future;

use crate::request::{RawPathParams, RequestBody, RequestHead};
use crate::response::Problem;
use http::StatusCode;

pub use body::{BufferedBody, BufferedBodyError, UnsupportedContentType};
pub use cookies::RequestCookies;
pub use form::{InvalidEncoding, UrlEncodedBody, UrlEncodedBodyError};
pub use header::{Header, HeaderError};
/// The `headers` crate, whose types [`Header`] parses: use this path, so that versions match.
pub use headers;
pub use json::{JsonBody, JsonBodyError};
pub use path::{PathParams, PathParamsError};
pub use query::{QueryParams, QueryParamsError};
#[cfg(feature = "ws")]
pub(crate) use text::rejection_problem;

/// An error the framework answers by itself: an extractor's rejection, or one of the
/// framework's own errors. It describes its default response once, as a [`Problem`] (status,
/// detail, invalid fields, headers), which is sent as plain text (the status and the detail)
/// or, on a blueprint with [`problem_details`](crate::Blueprint::problem_details), as
/// `application/problem+json`.
///
/// ```
/// use watchful::extract::Rejection;
/// use watchful::http::StatusCode;
/// use watchful::response::Problem;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("the `x-tenant` header is missing")]
/// pub struct NoTenant;
///
/// impl Rejection for NoTenant {
///     fn statuses() -> &'static [StatusCode] {
///         &[StatusCode::BAD_REQUEST]
///     }
///
///     fn problem(&self) -> Problem {
///         Problem::new(StatusCode::BAD_REQUEST).detail(self.to_string())
///     }
/// }
/// ```
pub trait Rejection: std::error::Error + Send + Sync + 'static {
    /// Every status [`problem`](Rejection::problem) can answer with. The OpenAPI document
    /// lists them for each route that takes the extractor, and debug builds log a WARN when
    /// the default response has another status. Empty (the default) says nothing: the
    /// document then lists a `4XX` response.
    fn statuses() -> &'static [StatusCode]
    where
        Self: Sized,
    {
        &[]
    }

    /// The default response: a 4xx that says what was wrong.
    fn problem(&self) -> Problem;
}

/// An extractor that cannot fail, like [`RequestCookies`], says so with `Infallible`:
/// `build()` then attaches no error handler to it.
impl Rejection for Infallible {
    fn problem(&self) -> Problem {
        match *self {}
    }
}

/// A value read from the request head and the path parameters.
pub trait FromRequestHead: Sized + Send + Sync + 'static {
    /// Why the value could not be read.
    type Rejection: Rejection;

    /// Reads the value.
    fn from_request_head(
        head: &RequestHead,
        params: &RawPathParams,
    ) -> Result<Self, Self::Rejection>;

    /// Checks, when the blueprint is built, that the extractor can work on a route with these
    /// parameter names; the error says why not. Accepts every route unless overridden.
    fn check_route(param_names: &[&str]) -> Result<(), String> {
        let _ = param_names;
        Ok(())
    }
}

/// A value read from the request body, which it consumes.
pub trait FromRequestBody: Sized + Send + Sync + 'static {
    /// Why the value could not be read.
    type Rejection: Rejection;

    /// Reads the value, reading at most `limit` bytes of body.
    fn from_request_body(
        head: &RequestHead,
        body: RequestBody,
        limit: BodySizeLimit,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;
}

/// The most bytes of request body an extractor reads: 2 MiB unless the blueprint or the route
/// sets another limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySizeLimit {
    /// Bodies longer than this many bytes are rejected with 413 Payload Too Large.
    Enabled {
        /// The largest accepted body, in bytes.
        max_bytes: usize,
    },
    /// Bodies of any size are read.
    Disabled,
}

impl BodySizeLimit {
    /// The default limit: 2 MiB.
    pub const DEFAULT: BodySizeLimit = BodySizeLimit::Enabled {
        max_bytes: 2 * 1024 * 1024,
    };
}

impl Default for BodySizeLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}
