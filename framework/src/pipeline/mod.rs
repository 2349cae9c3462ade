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
