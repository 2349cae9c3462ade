//! Middleware and fallbacks: code that runs around, before or after every handler of a
//! blueprint, and the handler for requests that match no route.
//!
//! Each middleware is an annotated function with injected inputs, like any component, and
//! each may fail: its error goes through the same error handler selection and observers as a
//! handler's. Three kinds exist:
//!
//! - [`#[wrap]`](crate::wrap) receives [`Next`], the rest of the pipeline as a future, and
//!   returns a response;
//! - [`#[pre_process]`](crate::pre_process) returns [`Processing::Continue`] or
//!   [`Processing::EarlyReturn`];
//! - [`#[post_process]`](crate::post_process) takes the response by value and returns one.
//!
//! # Order of execution
//!
//! Middleware run in registration order. Each `wrap` encloses everything registered after it;
//! pre-processing middleware run before what follows them, post-processing middleware after
//! it, in registration order. A nested blueprint's middleware are enclosed by its parent's, as
//! if by a `wrap`: the parent's pre-processing run first and its post-processing last. With
//!
//! ```text
//! bp.pre_process(A); bp.post_process(B); bp.wrap(W); bp.pre_process(C); bp.post_process(D);
//!
//! request ─▶ A ─▶ W ┬▶ C ─▶ handler ─▶ D ┬▶ W ─▶ B ─▶ response
//!                   └──── next.await ────┘
//! ```
//!
//! An early return or an error skips what is left before the handler, and the handler, but
//! never a post-processing middleware: B and D also see responses made by error handlers and
//! early returns (D only when the early return or error happened inside `W`).
//!
//! The request timeout covers the whole pipeline; when it fires, the pipeline is dropped and
//! the [`RequestTimeout`](crate::error::RequestTimeout) error's response is sent as it is.

pub use crate::component::adapter::{Next, Processing};
pub use crate::component::{Fallback, PostProcess, PreProcess, Wrap};
