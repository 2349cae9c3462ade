//! Routes: a request handler and the method and path it serves.

use super::adapter::HandlerFn;
use super::docs::RouteDocFn;
use super::meta::ComponentMeta;

/// A request handler and the method and path it serves; emitted by `#[get]`, `#[post]`,
/// `#[put]`, `#[patch]`, `#[delete]` and `#[route]`.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) meta: ComponentMeta,
    pub(crate) call: HandlerFn,
    /// What the route says about itself for the OpenAPI document.
    #[cfg(feature = "openapi")]
    pub(crate) doc: Option<RouteDocFn>,
}

impl Route {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(
        method: &'static str,
        path: &'static str,
        meta: ComponentMeta,
        call: HandlerFn,
    ) -> Self {
        Self {
            method,
            path,
            meta,
            call,
            #[cfg(feature = "openapi")]
            doc: None,
        }
    }

    /// Adds what the route says about itself for the OpenAPI document. Used by the macros.
    #[cfg(feature = "openapi")]
    #[doc(hidden)]
    pub const fn documented(self, doc: RouteDocFn) -> Self {
        Self {
            doc: Some(doc),
            ..self
        }
    }

    /// Without the `openapi` feature, a route keeps nothing for the document.
    #[cfg(not(feature = "openapi"))]
    #[doc(hidden)]
    pub const fn documented(self, _doc: RouteDocFn) -> Self {
        self
    }

    /// The HTTP method, as written in the attribute.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template, as written in the attribute.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The handler's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}
