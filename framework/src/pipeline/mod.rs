//! Serving one request once it is routed: the route's middleware and handler, and the error
//! path (an error handler, then every observer, in order).
//!
//! `build()` computes a [`RoutePlan`](crate::plan::RoutePlan) per route and per fallback; here
//! they run. Every component call is guarded, so that a panic becomes a
//! [`Panic`](crate::error::Panic) error, handled and observed like any other.

mod deadlines;
mod errors;
mod flight;
mod tower;

pub(crate) use deadlines::{BodyWait, Watched};

pub(crate) use flight::{InFlight, Runtime};

use std::pin::Pin;

/// `Box::pin(make())`, with the box allocated before the future is made, so that the compiler
/// can build the future in place instead of copying it there: a future of a kilobyte costs
/// ~100 instructions to copy.
#[inline(always)]
pub(crate) fn pin_in_place<F: Future>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    Box::into_pin(Box::write(Box::new_uninit(), make()))
}
