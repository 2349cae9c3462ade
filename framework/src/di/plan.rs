//! The precomputed steps of a route: where each input comes from and how it is passed.

use super::scope::Primitive;
use super::{Args, ConstructorFn, Scope, Slot};
use crate::component::Cloner;
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
    pub(crate) inputs: Vec<InputPlan>,
    pub(crate) slot: usize,
    /// Transient values are built anew on every use; request-scoped ones once.
    pub(crate) transient: bool,
    /// How to turn this constructor's error into a response; `None` when it cannot fail.
    pub(crate) on_error: Option<ErrorSite>,
    /// The steps that build this step's inputs (indices into the route's steps).
    pub(crate) deps: Vec<usize>,
}

impl ConstructStep {
    /// Builds the value, unless it is request-scoped and already built.
    pub(crate) async fn run(
        &self,
        singletons: &[Slot],
        scope: &mut Scope,
    ) -> Result<(), ErasedError> {
        if !self.transient && scope.slots[self.slot].is_some() {
            return Ok(());
        }
        let args = Args {
            singletons,
            scope: Some(&mut *scope),
            inputs: &self.inputs,
        };
        let value = (self.call)(args).finish().await?;
        scope.slots[self.slot] = Some(value);
        Ok(())
    }
}
