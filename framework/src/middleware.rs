//! Middleware and fallbacks: code that runs around, before or after every handler of a
//! blueprint, and the handler for requests that match no route.
//!
#![doc = include_str!("docs/middleware.md")]

pub use crate::component::adapter::{Next, Processing};
pub use crate::component::{Fallback, PostProcess, PreProcess, Wrap};
