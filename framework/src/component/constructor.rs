//! Constructors: functions that build an injected value, with its lifecycle.

use super::adapter::ConstructorFn;
use super::meta::{ComponentMeta, Lifecycle};

/// A constructor and its lifecycle; emitted by `#[singleton]`, `#[request_scoped]` and
/// `#[transient]`.
#[derive(Clone, Copy, Debug)]
pub struct Constructor {
    pub(crate) lifecycle: Lifecycle,
    pub(crate) clone_if_necessary: bool,
    pub(crate) meta: ComponentMeta,
    pub(crate) call: ConstructorFn,
}

impl Constructor {
    /// Used by the macros.
    #[doc(hidden)]
    pub const fn new(
        lifecycle: Lifecycle,
        clone_if_necessary: bool,
        meta: ComponentMeta,
        call: ConstructorFn,
    ) -> Self {
        Self {
            lifecycle,
            clone_if_necessary,
            meta,
            call,
        }
    }

    /// How long the constructed value lives.
    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    /// The constructor's name and location.
    pub fn meta(&self) -> &ComponentMeta {
        &self.meta
    }
}
