//! The view of a request's scope that a generated adapter uses to fetch a component's inputs.

use std::any::Any;

use super::primitive::Primitive;
use super::scope::{Scope, Slot};
use crate::plan::{Access, InputPlan, Source};

/// A component's inputs, before any is fetched.
///
/// The generated adapter first [`take`](Args::take)s every by-value input, then calls
/// [`share`](Args::share) and [`get`](SharedArgs::get)s every by-reference one.
pub struct Args<'s> {
    singletons: &'s [Slot],
    /// `None` while `build()` builds singletons, whose inputs are all singletons.
    scope: Option<&'s Scope>,
    inputs: &'s [InputPlan],
}

/// A component's inputs once all by-value ones are taken; hands out shared references.
pub struct SharedArgs<'s> {
    args: Args<'s>,
}

impl<'s> Args<'s> {
    /// The inputs of a call served from a request's scope.
    pub(crate) fn new(singletons: &'s [Slot], scope: &'s Scope, inputs: &'s [InputPlan]) -> Self {
        Self {
            singletons,
            scope: Some(scope),
            inputs,
        }
    }

    /// The inputs of a singleton constructor, which are all singletons.
    pub(crate) fn for_singleton(singletons: &'s [Slot], inputs: &'s [InputPlan]) -> Self {
        Self {
            singletons,
            scope: None,
            inputs,
        }
    }

    /// Moves (or clones, as the plan says) the input at `index` out of the scope.
    pub fn take<T: 'static>(&mut self, index: usize) -> T {
        let input = &self.inputs[index];
        match (input.access(), input.source()) {
            (Access::Take, Source::Slot(slot)) => {
                downcast_box(request_scope(self.scope).take(slot))
            }
            (Access::Take, Source::Primitive(Primitive::Body)) => {
                downcast_box(Box::new(request_scope(self.scope).take_body()))
            }
            (Access::Clone(cloner), source) => downcast_box(cloner(self.fetch(source))),
            (Access::Take, _) | (Access::Borrow, _) => {
                unreachable!("the plan moves only the body and values it built for one input")
            }
        }
    }

    /// Ends the by-value phase; what is left is borrowed.
    pub fn share(self) -> SharedArgs<'s> {
        SharedArgs { args: self }
    }

    fn fetch(&self, source: Source) -> &'s (dyn Any + Send + Sync) {
        match source {
            Source::Singleton(index) => &*self.singletons[index],
            Source::Slot(slot) => request_scope(self.scope).shared(slot),
            Source::Primitive(primitive) => request_scope(self.scope).primitive(primitive),
        }
    }
}

impl<'s> SharedArgs<'s> {
    /// Borrows the input at `index` for as long as the call lasts.
    pub fn get<T: 'static>(&self, index: usize) -> &'s T {
        self.args
            .fetch(self.args.inputs[index].source())
            .downcast_ref::<T>()
            .expect("the plan gives every input a value of its declared type")
    }
}

/// The request's scope; only singletons are built without one, and they take only singletons.
fn request_scope(scope: Option<&Scope>) -> &Scope {
    scope.expect("build() lets singletons depend on singletons only")
}

fn downcast_box<T: 'static>(value: Slot) -> T {
    match value.downcast::<T>() {
        Ok(value) => *value,
        Err(_) => unreachable!("the plan gives every input a value of its declared type"),
    }
}
