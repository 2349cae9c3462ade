//! What components say about themselves for the OpenAPI document: a route's doc comment,
//! declared success status and success type; the responses an error handler declares; what an
//! input type adds to an operation.
//!
//! The attribute macros always emit these through `watchful::__route_doc!`,
//! `watchful::__declared_response!` and `watchful::__input_doc!`; without the `openapi`
//! feature the macros drop everything but the declared statuses, which the debug-build check
//! of error handlers reads (see [`Responses::allows`]).

use http::StatusCode;

#[cfg(feature = "openapi")]
pub use crate::openapi::component_docs::{BodyDocFn, RouteDoc};

/// What a route says about itself: built on demand, by the document only.
#[cfg(feature = "openapi")]
pub type RouteDocFn = fn() -> RouteDoc;

/// Nothing, without the `openapi` feature.
#[cfg(not(feature = "openapi"))]
pub type RouteDocFn = ();

/// A response an error handler declares it can answer: `404 = ApiError` in
/// `#[error_handler(responses(404 = ApiError, 503))]`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct DeclaredResponse {
    pub(crate) status: u16,
    /// Describes the body, when its type was named.
    #[cfg(feature = "openapi")]
    pub(crate) body: Option<BodyDocFn>,
}

impl DeclaredResponse {
    /// A response with `status` and, with the `openapi` feature, the body `body` describes.
    pub const fn new(status: u16, #[cfg(feature = "openapi")] body: Option<BodyDocFn>) -> Self {
        Self {
            status,
            #[cfg(feature = "openapi")]
            body,
        }
    }
}

/// The responses an error handler can answer.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Responses {
    /// It declares none: any status.
    #[default]
    Undeclared,
    /// What `#[error_handler(responses(..))]` lists.
    Declared(&'static [DeclaredResponse]),
    /// A built-in handler of a rejection: the statuses of [`Rejection::statuses`], in the
    /// framework's error format (text or problem details).
    ///
    /// [`Rejection::statuses`]: crate::extract::Rejection::statuses
    Framework(&'static [StatusCode]),
}

impl Responses {
    /// Whether a response with `status` is declared; `None` when nothing is.
    pub(crate) fn allows(&self, status: StatusCode) -> Option<bool> {
        match self {
            Responses::Undeclared => None,
            Responses::Declared(declared) => Some(
                declared
                    .iter()
                    .any(|response| response.status == status.as_u16()),
            ),
            Responses::Framework([]) => None,
            Responses::Framework(statuses) => Some(statuses.contains(&status)),
        }
    }
}

/// The doc of a route: `__route_doc!(docs, status, Ok)`.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __route_doc {
    ($docs:expr, $status:expr, $ok:ty) => {{
        fn __route_doc() -> $crate::__private::RouteDoc {
            #[allow(unused_imports)]
            use $crate::__private::{
                ViaNoResponseDoc as _, ViaResponseDoc as _, ViaUntypedResponse as _,
            };
            $crate::__private::RouteDoc::new(
                $docs,
                $status,
                (&&&$crate::__private::DocProbe::<$ok>::new()).response_doc(),
            )
        }
        __route_doc
    }};
}

/// The doc of a route: nothing without the `openapi` feature.
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __route_doc {
    ($docs:expr, $status:expr, $ok:ty) => {
        ()
    };
}

/// A declared response: `__declared_response!(404, ApiError)` or `__declared_response!(503)`.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __declared_response {
    ($status:literal) => {
        $crate::__private::DeclaredResponse::new($status, ::core::option::Option::None)
    };
    ($status:literal, $body:ty) => {
        $crate::__private::DeclaredResponse::new(
            $status,
            ::core::option::Option::Some({
                fn __body(content: &mut $crate::openapi::ResponseContent<'_>) {
                    #[allow(unused_imports)]
                    use $crate::__private::{
                        ViaJsonSchema as _, ViaNoResponseDoc as _, ViaResponseDoc as _,
                    };
                    (&&&$crate::__private::DocProbe::<$body>::new()).body_doc(content)
                }
                __body
            }),
        )
    };
}

/// A declared response: its status only, without the `openapi` feature.
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __declared_response {
    ($status:literal $(, $body:ty)?) => {
        $crate::__private::DeclaredResponse::new($status)
    };
}

/// An input and what its type adds to an operation: `__input_doc!(input, T)`.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __input_doc {
    ($input:expr, $ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ViaInputDoc as _, ViaNoInputDoc as _, ViaUntypedInput as _};
        $input.with_doc((&&&$crate::__private::DocProbe::<$ty>::new()).input_doc())
    }};
}

/// An input, as it is, without the `openapi` feature.
#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __input_doc {
    ($input:expr, $ty:ty) => {
        $input
    };
}
