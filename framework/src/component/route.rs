//! Routes: a request handler and the method and path it serves.

use super::adapter::HandlerFn;
use super::meta::ComponentMeta;

/// A request handler and the method and path it serves; emitted by `#[get]`, `#[post]`,
/// `#[put]`, `#[patch]`, `#[delete]` and `#[route]`.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) meta: ComponentMeta,
    pub(crate) call: HandlerFn,
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
        }
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
