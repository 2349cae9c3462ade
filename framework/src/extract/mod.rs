//! Extractors: typed values read from the request, injected with no registration.
//!
//! An extractor is a request-scoped constructor that the framework registers by itself when a
//! component takes it as an input. Its failure is an error like any other: handled (each error
//! type has a default handler, which a blueprint can override) and observed.
//!
//! A type becomes an extractor by implementing [`FromRequestHead`] (it reads the head and the
//! path parameters) or [`FromRequestBody`] (it consumes the body); its error type implements
//! [`Rejection`], which gives the default response.

use std::future::Future;

use crate::request::{RawPathParams, RequestBody, RequestHead};
use crate::response::Response;

/// An extractor's error: a standard error that knows the response watchful's default error
/// handler gives for it.
pub trait Rejection: std::error::Error + Send + Sync + 'static {
    /// The default response: a 4xx with a short plain-text body that says what was wrong.
    fn default_response(&self) -> Response;
}

/// An extractor that cannot fail says so with `Infallible`: `build()` then attaches no error
/// handler to it.
impl Rejection for std::convert::Infallible {
    fn default_response(&self) -> Response {
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
