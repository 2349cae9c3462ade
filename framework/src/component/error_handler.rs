//! Error handlers: functions that turn a borrowed error into a response.

use super::adapter::ErrorHandlerFn;
use super::docs::{DeclaredResponse, Responses};
use super::meta::ComponentMeta;

/// A function that turns `&E` into a response; emitted by `#[error_handler]`.
#[derive(Clone, Copy, Debug)]
pub struct ErrorHandler {
    pub(crate) meta: ComponentMeta,
    pub(crate) call: ErrorHandlerFn,
    /// The responses it can answer, as `#[error_handler(responses(..))]` declares them.
    pub(crate) responses: Responses,
}

impl ErrorHandler {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(meta: ComponentMeta, call: ErrorHandlerFn) -> Self {
        Self {
            meta,
            call,
            responses: Responses::Undeclared,
        }
    }

    /// Records the responses the handler declares. Used by the macros.
    #[doc(hidden)]
    pub const fn responses(self, declared: &'static [DeclaredResponse]) -> Self {
        Self {
            responses: Responses::Declared(declared),
            ..self
        }
    }

    /// The function's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}
