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
mod any;
mod constructor;
pub(crate) mod docs;
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

pub(crate) use any::AnyComponent;
pub use constructor::Constructor;
#[doc(hidden)]
pub use docs::{DeclaredResponse, RouteDocFn};
pub use error_handler::ErrorHandler;
pub use error_observer::ErrorObserver;
pub(crate) use fallback::DEFAULT_FALLBACK;
pub use fallback::Fallback;
#[doc(hidden)]
pub use meta::Extractor;
pub(crate) use meta::RouteCheck;
pub use meta::{ComponentMeta, Input, Lifecycle, Signature, TypeMeta};
pub use post_process::PostProcess;
pub use pre_process::PreProcess;
pub use route::Route;
pub use wrap::Wrap;

/// A component constant that a [`Blueprint`](crate::Blueprint) method registers as a `C`:
/// the constant an attribute macro emits next to the function it annotates.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a component: register the constant the attribute macro emits, not the function",
    label = "expected the component constant here",
    note = "each attribute macro leaves the function as it is and emits a constant named after it in SCREAMING_CASE: `fn get_note` emits `GET_NOTE`, to register with `bp.route(GET_NOTE)`"
)]
pub trait Registrable<C> {
    /// The component.
    fn component(self) -> C;
}

impl<C: Copy> Registrable<C> for C {
    fn component(self) -> C {
        self
    }
}

#[doc(hidden)]
pub use crate::plan::Cloner;
