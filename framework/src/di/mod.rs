//! Dependency injection at request time: the scope that holds a request's values, and the
//! precomputed plans that say, per route, which values to build, in which order, into which slot.
//!
//! `build()` turns the blueprint into plans (see [`crate::blueprint`]); here they only run.
//! Nothing at request time looks a type up in a map: every input is a slot number.

mod args;
mod extractor;
mod plan;
mod scope;

pub use args::{Args, BoxFuture, SharedArgs, Step};
pub use extractor::Extractor;
pub(crate) use extractor::RouteCheck;
pub(crate) use plan::{Access, ConstructStep, InputPlan, Source};
pub(crate) use scope::{Primitive, RequestValues, Scope};

use crate::error::ErasedError;
use crate::middleware::{Next, Processing};
use crate::response::Response;

/// A constructed value, type-erased.
pub(crate) type Slot = Box<dyn std::any::Any + Send + Sync>;

/// Adapter that calls a request handler.
pub type HandlerFn = for<'s> fn(Args<'s>) -> Step<'s, Result<Response, ErasedError>>;
/// Adapter that calls a constructor.
pub type ConstructorFn =
    for<'s> fn(Args<'s>) -> Step<'s, Result<Box<dyn std::any::Any + Send + Sync>, ErasedError>>;
/// Adapter that calls an error handler with the error (the original `E`, behind `dyn Any`).
pub type ErrorHandlerFn =
    for<'s> fn(Args<'s>, &'s (dyn std::any::Any + Send + Sync)) -> Step<'s, Response>;
/// Adapter that calls an error observer.
pub type ObserverFn = for<'s> fn(Args<'s>, &'s crate::Error) -> Step<'s, ()>;
/// Adapter that calls a wrapping middleware with the rest of the pipeline.
pub type WrapFn = for<'s> fn(Args<'s>, Next) -> Step<'s, Result<Response, ErasedError>>;
/// Adapter that calls a pre-processing middleware.
pub type PreFn = for<'s> fn(Args<'s>) -> Step<'s, Result<Processing, ErasedError>>;
/// Adapter that calls a post-processing middleware with the response so far.
pub type PostFn = for<'s> fn(Args<'s>, Response) -> Step<'s, Result<Response, ErasedError>>;
