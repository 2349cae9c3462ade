//! What the attribute macros emit: one constant per annotated function, describing it.
//!
//! `#[get("/users/{id}")] fn get_user(..)` emits `const GET_USER: Route`; you pass that constant
//! to a [`Blueprint`](crate::Blueprint). The description holds the function's name, where it is
//! defined, its inputs and output, and an adapter that calls it with inputs borrowed from the
//! request's scope. One file per kind of component.
//!
#![doc = include_str!("../docs/components.md")]

/// A component that is its description and its adapter, nothing more.
macro_rules! plain_component {
    ($(#[$doc:meta])* $name:ident, $call:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name {
            pub(crate) meta: $crate::component::ComponentMeta,
            pub(crate) call: $call,
        }

        impl $name {
            /// Used by the macros.
            #[doc(hidden)]
            pub const fn new(meta: $crate::component::ComponentMeta, call: $call) -> Self {
                Self { meta, call }
            }

            /// The function's name and location.
            pub fn meta(&self) -> &$crate::component::ComponentMeta {
                &self.meta
            }
        }
    };
}

pub(crate) mod adapter;
mod constructor;
mod error_handler;
mod error_observer;
pub(crate) mod extractor;
mod fallback;
pub(crate) mod guard;
mod meta;
mod post_process;
mod pre_process;
mod route;
mod wrap;

pub use constructor::Constructor;
pub use error_handler::ErrorHandler;
pub use error_observer::ErrorObserver;
pub(crate) use fallback::DEFAULT_FALLBACK;
pub use fallback::Fallback;
pub(crate) use meta::RouteCheck;
#[doc(hidden)]
pub use meta::{ComponentMeta, Extractor, Input, Lifecycle, Signature, TypeMeta};
pub use post_process::PostProcess;
pub use pre_process::PreProcess;
pub use route::Route;
pub use wrap::Wrap;

#[doc(hidden)]
pub use crate::plan::Cloner;
