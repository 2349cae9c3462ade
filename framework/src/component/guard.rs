//! Calling a component with panics caught, whether it panics when called (a sync function) or
//! while its future is polled (an async one), with the panic's backtrace when capture is on.

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

use super::adapter::{BoxFuture, Step};
use crate::error::Panic;

thread_local! {
    /// The backtrace of the last panic on this thread, left by the hook for the guard that
    /// catches it: the stack is only there while the panic starts, not once it is caught.
    static LAST_PANIC: RefCell<Option<Backtrace>> = const { RefCell::new(None) };
}

/// Installs, once per process, a panic hook that captures a backtrace where a panic happens
/// (when `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` enable capture) and then runs the hook
/// that was installed before it. Panics are the error path: the success path pays nothing.
pub(crate) fn capture_panic_backtraces() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let trace = Backtrace::capture();
            if trace.status() == BacktraceStatus::Captured {
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(trace));
            }
            previous(info);
        }));
    });
}

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
    caught.map_err(|payload| {
        let trace = LAST_PANIC.with(|last| last.borrow_mut().take());
        Panic::new(component, &*payload, trace)
    })
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
