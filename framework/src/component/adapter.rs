//! What the generated adapters take and return: the signatures through which the request path
//! calls every kind of component, and the futures they hand back.

use std::any::Any;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::Error;
use crate::di::{Args, Slot};
use crate::error::{BoxError, ErasedError};
use crate::response::{IntoResponse, Response};

/// A boxed, sendable future borrowing from the request's scope.
pub type BoxFuture<'s, T> = Pin<Box<dyn Future<Output = T> + Send + 's>>;

/// The result of calling a component: ready at once for a sync function, a future for an
/// async one (so sync components cost no allocation).
pub enum Step<'s, T> {
    /// The sync function already returned.
    Ready(T),
    /// The async function's future.
    Pending(BoxFuture<'s, T>),
}

impl<T> Step<'_, T> {
    /// Waits for the component to finish.
    pub(crate) async fn finish(self) -> T {
        match self {
            Step::Ready(value) => value,
            Step::Pending(future) => future.await,
        }
    }
}

/// Adapter that calls a request handler or a fallback.
pub type HandlerFn = for<'s> fn(Args<'s>) -> Step<'s, Result<Response, ErasedError>>;
/// Adapter that calls a constructor.
pub type ConstructorFn = for<'s> fn(Args<'s>) -> Step<'s, Result<Slot, ErasedError>>;
/// Adapter that calls an error handler with the error (the original `E`, behind `dyn Any`).
pub type ErrorHandlerFn = for<'s> fn(Args<'s>, &'s (dyn Any + Send + Sync)) -> Step<'s, Response>;
/// Adapter that calls an error observer.
pub type ObserverFn = for<'s> fn(Args<'s>, &'s Error) -> Step<'s, ()>;
/// Adapter that calls a wrapping middleware with the rest of the pipeline.
pub type WrapFn = for<'s> fn(Args<'s>, Next) -> Step<'s, Result<Response, ErasedError>>;
/// Adapter that calls a pre-processing middleware.
pub type PreFn = for<'s> fn(Args<'s>) -> Step<'s, Result<Processing, ErasedError>>;
/// Adapter that calls a post-processing middleware with the response so far.
pub type PostFn = for<'s> fn(Args<'s>, Response) -> Step<'s, Result<Response, ErasedError>>;

/// The rest of the pipeline, given to a [`#[wrap]`](crate::wrap) middleware: `next.await`
/// runs it and yields its response. Errors inside it are already handled and observed, so it
/// cannot fail. Dropping it without awaiting skips the rest of the pipeline.
#[must_use = "the rest of the pipeline runs only when `next` is awaited"]
pub struct Next {
    inner: BoxFuture<'static, Response>,
}

impl Next {
    pub(crate) fn new(inner: BoxFuture<'static, Response>) -> Self {
        Self { inner }
    }
}

impl IntoFuture for Next {
    type Output = Response;
    type IntoFuture = BoxFuture<'static, Response>;

    fn into_future(self) -> Self::IntoFuture {
        self.inner
    }
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
    }
}

/// What a [`#[pre_process]`](crate::pre_process) middleware decides.
#[derive(Debug)]
pub enum Processing {
    /// Go on with the rest of the pipeline.
    Continue,
    /// Skip the rest of the pipeline before the handler, and the handler; send this response
    /// (post-processing middleware still run on it).
    EarlyReturn(Response),
}

impl Processing {
    /// An early return with anything that converts into a response.
    pub fn early_return(response: impl IntoResponse) -> Self {
        Processing::EarlyReturn(response.into_response())
    }
}

/// A handler's output when it cannot fail.
pub fn response<R: IntoResponse>(output: R) -> Result<Response, ErasedError> {
    Ok(output.into_response())
}

/// A handler's output when it returns a `Result`.
pub fn response_result<R, E>(output: Result<R, E>) -> Result<Response, ErasedError>
where
    R: IntoResponse,
    E: Into<BoxError> + Send + Sync + 'static,
{
    output
        .map(IntoResponse::into_response)
        .map_err(ErasedError::new)
}

/// A pre-processing middleware's output when it cannot fail.
pub fn processing<P: Into<Processing>>(output: P) -> Result<Processing, ErasedError> {
    Ok(output.into())
}

/// A pre-processing middleware's output when it returns a `Result`.
pub fn processing_result<P, E>(output: Result<P, E>) -> Result<Processing, ErasedError>
where
    P: Into<Processing>,
    E: Into<BoxError> + Send + Sync + 'static,
{
    output.map(Into::into).map_err(ErasedError::new)
}

/// A constructor's output when it returns a `Result`.
pub fn value_result<T, E>(output: Result<T, E>) -> Result<Slot, ErasedError>
where
    T: Send + Sync + 'static,
    E: Into<BoxError> + Send + Sync + 'static,
{
    match output {
        Ok(value) => Ok(Box::new(value)),
        Err(error) => Err(ErasedError::new(error)),
    }
}

/// The error an error handler was registered for, borrowed from the erased original.
pub fn handled_error<E: 'static>(error: &(dyn Any + Send + Sync)) -> &E {
    error
        .downcast_ref::<E>()
        .expect("build() attaches an error handler only to errors of the type it takes")
}
