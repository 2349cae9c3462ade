//! Middleware and fallbacks: code that runs around, before or after every handler of a
//! blueprint, and the handler for requests that match no route.
//!
#![doc = include_str!("docs/middleware.md")]

use std::future::IntoFuture;

use crate::component::ComponentMeta;
use crate::di::{BoxFuture, HandlerFn, PostFn, PreFn, WrapFn};
use crate::response::{IntoResponse, Response};

/// The rest of the pipeline, given to a [`#[wrap]`](crate::wrap) middleware: `next.await`
/// runs it and yields its response. Errors inside it are already handled and observed, so it
/// cannot fail. Dropping it without awaiting skips the rest of the pipeline.
#[must_use = "the rest of the pipeline runs only when `next` is awaited"]
pub struct Next {
    pub(crate) inner: BoxFuture<'static, Response>,
}

impl IntoFuture for Next {
    type Output = Response;
    type IntoFuture = BoxFuture<'static, Response>;

    fn into_future(self) -> Self::IntoFuture {
        self.inner
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

/// What a [`#[pre_process]`](crate::pre_process) middleware decides.
#[derive(Debug)]
pub enum Processing {
    /// Go on with the rest of the pipeline.
    Continue,
    /// Skip the rest of the pipeline before the handler, and the handler; send this response
    /// (post-processing middleware still run on it).
    EarlyReturn(Response),
}

impl Processing {
    /// An early return with anything that converts into a response.
    pub fn early_return(response: impl IntoResponse) -> Self {
        Processing::EarlyReturn(response.into_response())
    }
}

macro_rules! middleware_component {
    ($(#[$doc:meta])* $name:ident, $call:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name {
            pub(crate) meta: ComponentMeta,
            pub(crate) call: $call,
        }

        impl $name {
            /// Used by the macros.
            #[doc(hidden)]
            pub const fn new(meta: ComponentMeta, call: $call) -> Self {
                Self { meta, call }
            }

            /// The function's name and location.
            pub fn meta(&self) -> &ComponentMeta {
                &self.meta
            }
        }
    };
}

middleware_component!(
    /// A wrapping middleware; emitted by `#[wrap]`, registered with `bp.wrap(..)`.
    Wrap,
    WrapFn
);
middleware_component!(
    /// A pre-processing middleware; emitted by `#[pre_process]`, registered with
    /// `bp.pre_process(..)`.
    PreProcess,
    PreFn
);
middleware_component!(
    /// A post-processing middleware; emitted by `#[post_process]`, registered with
    /// `bp.post_process(..)`.
    PostProcess,
    PostFn
);
middleware_component!(
    /// The handler for requests that match no route; emitted by `#[fallback]`, registered
    /// with `bp.fallback(..)`.
    Fallback,
    HandlerFn
);

/// The fallback of a blueprint that registers none: 405 with `Allow` when the path exists
/// under other methods, else 404.
#[crate::fallback]
pub(crate) fn default_fallback(allowed: &crate::request::AllowedMethods) -> Response {
    match allowed.allow_header() {
        Some(allow) => {
            let mut response = http::StatusCode::METHOD_NOT_ALLOWED.into_response();
            response
                .headers_mut()
                .insert(http::header::ALLOW, allow.clone());
            response
        }
        None => http::StatusCode::NOT_FOUND.into_response(),
    }
}
