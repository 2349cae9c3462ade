//! Calling a component with panics caught, whether it panics when called (a sync function) or
//! while its future is polled (an async one).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::adapter::{BoxFuture, Step};
use crate::error::Panic;

/// Calls the component `component` through `call` and waits for it; a panic becomes a
/// [`Panic`] error.
///
/// Unwind safety is asserted: after a panic, the request only goes on to its error path, and
/// the values it could have left half-updated belong to that request.
pub(crate) async fn guard<'s, T>(
    component: &'static str,
    call: impl FnOnce() -> Step<'s, T>,
) -> Result<T, Panic> {
    let caught = match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Step::Ready(value)) => Ok(value),
        Ok(Step::Pending(future)) => CatchUnwind(future).await,
        Err(payload) => Err(payload),
    };
    caught.map_err(|payload| Panic::new(component, &*payload))
}

/// A future that turns a panic while it is polled into an `Err` of the panic's payload.
struct CatchUnwind<'s, T>(BoxFuture<'s, T>);

impl<T> Future for CatchUnwind<'_, T> {
    type Output = Result<T, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}
