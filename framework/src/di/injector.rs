//! The dependency-injection half of a request in flight: building the values a call needs, in
//! the order the plan says, and handing the call its inputs.

use super::args::Args;
use super::scope::{Scope, Slot};
use crate::component::guard::guard;
use crate::error::{ErasedError, Panic};
use crate::plan::{ConstructStep, ErrorSite, InputPlan};

/// Builds values into one request's scope, following one route's plan.
#[derive(Clone, Copy)]
pub(crate) struct Injector<'a> {
    singletons: &'a [Slot],
    steps: &'a [ConstructStep],
    scope: &'a Scope,
}

/// Why a value could not be built.
pub(crate) enum Unbuilt<'a> {
    /// Its constructor failed; the error goes to this site.
    Failed(ErasedError, &'a ErrorSite),
    /// Its constructor panicked.
    Panicked(Panic),
}

impl<'a> Injector<'a> {
    pub(crate) fn new(
        singletons: &'a [Slot],
        steps: &'a [ConstructStep],
        scope: &'a Scope,
    ) -> Self {
        Self {
            singletons,
            steps,
            scope,
        }
    }

    /// Builds, in order, the values of the steps a call needs first; those built already are
    /// not built again.
    pub(crate) async fn prepare(&self, steps: &[usize]) -> Result<(), Unbuilt<'a>> {
        for &step in steps {
            self.build(&self.steps[step]).await?;
        }
        Ok(())
    }

    async fn build(&self, step: &'a ConstructStep) -> Result<(), Unbuilt<'a>> {
        if self.scope.is_built(step.slot()) {
            return Ok(());
        }
        let constructor = step.constructor();
        let args = self.args(constructor.inputs());
        match guard(constructor.name(), || (constructor.call())(args)).await {
            Ok(Ok(value)) => {
                self.scope.fill(step.slot(), value, step.owned());
                Ok(())
            }
            Ok(Err(error)) => Err(Unbuilt::Failed(error, step.on_error())),
            Err(panic) => Err(Unbuilt::Panicked(panic)),
        }
    }

    /// The inputs of a call, fetched from the scope (its steps must have run).
    pub(crate) fn args(&self, inputs: &'a [InputPlan]) -> Args<'a> {
        Args::new(self.singletons, self.scope, inputs)
    }
}
