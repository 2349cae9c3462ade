//! The precomputed steps of a route: where each input comes from and how it is passed.

use super::scope::Primitive;
use super::{Args, ConstructorFn, Scope, Slot, Step};
use crate::component::{Cloner, ComponentMeta};
use crate::error::ErasedError;
use crate::pipeline::ErrorSite;

/// Where an input's value lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source {
    Singleton(usize),
    Slot(usize),
    Primitive(Primitive),
}

/// How an input receives its value.
#[derive(Clone, Copy)]
pub(crate) enum Access {
    Borrow,
    /// Move it out: this is the value's only use in the route.
    Take,
    /// Clone it: the value is used elsewhere too (or is a singleton).
    Clone(Cloner),
}

/// One input of one call.
#[derive(Clone, Copy)]
pub(crate) struct InputPlan {
    pub(crate) source: Source,
    pub(crate) access: Access,
}

/// Builds one value into one slot.
pub(crate) struct ConstructStep {
    pub(crate) call: ConstructorFn,
    /// The constructor, to name it when it panics.
    pub(crate) meta: ComponentMeta,
    pub(crate) inputs: Vec<InputPlan>,
    pub(crate) slot: usize,
    /// How to turn this constructor's error into a response; `None` when it cannot fail.
    pub(crate) on_error: Option<ErrorSite>,
    /// The steps that build this step's inputs (indices into the route's steps).
    pub(crate) deps: Vec<usize>,
    /// The value's only consumer moves it out (else it is borrowed or cloned).
    pub(crate) owned: bool,
}

impl ConstructStep {
    /// Calls the constructor with its inputs from `scope`.
    pub(crate) fn call<'s>(
        &'s self,
        singletons: &'s [Slot],
        scope: &'s Scope,
    ) -> Step<'s, Result<Slot, ErasedError>> {
        let args = Args {
            singletons,
            scope: Some(scope),
            inputs: &self.inputs,
        };
        (self.call)(args)
    }
}
