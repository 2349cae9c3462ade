//! Dependency injection at request time: the scope that holds a request's values, and the
//! injector that builds them as the route's plan says.
//!
//! `build()` turns the blueprint into plans (see [`crate::plan`]); here they only run.
//! Nothing at request time looks a type up in a map: every input is a slot number.

mod args;
mod injector;
mod primitive;
mod scope;

pub use args::{Args, SharedArgs};
pub(crate) use injector::{Injector, Unbuilt};
pub(crate) use primitive::Primitive;
pub(crate) use scope::{RequestValues, Scope, Slot};
