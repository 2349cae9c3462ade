//! The error path: an error becomes a response through the error handler chosen by `build()`,
//! then every observer sees it, in order. A request may see several errors; each is observed,
//! and the root span carries the one whose response was sent.

use std::sync::{Arc, Mutex, MutexGuard};

use http::StatusCode;
use tracing::Instrument;

use super::Prepared;
use super::flight::InFlight;
use super::guard::guard;
use crate::Error;
use crate::di::{BoxFuture, ErrorHandlerFn};
use crate::error::{ErasedError, InvalidPathParameter, RequestTimeout};
use crate::request::RequestId;
use crate::response::{IntoResponse, Response, StreamErrorReporter, take_failure};

/// The error handler chosen by `build()` for one fallible component in one route.
pub(crate) enum ErrorSite {
    Handler {
        handler: Prepared<ErrorHandlerFn>,
        /// The handler takes `&watchful::Error`: convert before calling it.
        catch_all: bool,
    },
    /// No handler: the built-in response (see [`builtin_response`]).
    Builtin,
}

pub(super) static BUILTIN: ErrorSite = ErrorSite::Builtin;

/// Marks a response made for the n-th error of the request.
#[derive(Clone, Copy)]
struct ErrorMark(usize);

impl InFlight {
    /// Turns `error` into a response with the handler of `site`, then shows it to every
    /// observer. Should the handler panic, the panic is handled next (by the route's handler
    /// for panics, or the built-in one when that is what panicked) and observed after it.
    pub(super) fn fail<'a>(
        &'a self,
        error: ErasedError,
        site: &'a ErrorSite,
    ) -> BoxFuture<'a, Response> {
        Box::pin(async move {
            let (handled, error) = self.handle(error, site).await;
            let index = self.observe(error).await;
            match handled {
                Ok(mut response) => {
                    response.extensions_mut().insert(ErrorMark(index));
                    self.settle(response).await
                }
                Err(next) => {
                    let on_panic = &self.plan().calls.on_panic;
                    let site = if std::ptr::eq(site, on_panic) {
                        &BUILTIN
                    } else {
                        on_panic
                    };
                    self.fail(next, site).await
                }
            }
        })
    }

    /// Calls the error handler. The `Err` is a second error to handle instead: the handler
    /// panicked, or a value it needs could not be built.
    async fn handle(
        &self,
        error: ErasedError,
        site: &ErrorSite,
    ) -> (Result<Response, ErasedError>, Error) {
        let ErrorSite::Handler { handler, catch_all } = site else {
            let error = error.into_error();
            let response = builtin_response(&error, &self.scope.values.request_id);
            return (Ok(response), error);
        };
        for &step in &handler.prepare {
            if let Err((failed, _)) = self.build(step).await {
                return (Err(failed), error.into_error());
            }
        }
        let args = self.args(&handler.inputs);
        let name = handler.meta.name;
        if *catch_all {
            let error = error.into_error();
            let response = guard(name, || (handler.call)(args, &error)).await;
            (response.map_err(ErasedError::new), error)
        } else {
            let response = guard(name, || (handler.call)(args, error.value())).await;
            (response.map_err(ErasedError::new), error.into_error())
        }
    }

    /// Shows `error` to every observer, in order, then records it; returns its number. A
    /// panicking observer is reported once, at ERROR, and the next ones still run.
    async fn observe(&self, error: Error) -> usize {
        'observers: for observer in &self.plan().calls.observers {
            for &step in &observer.prepare {
                if let Err((failed, _)) = self.build(step).await {
                    tracing::error!(
                        observer = observer.meta.name,
                        error.msg = %failed.into_error(),
                        "a dependency of an error observer failed; the observer was skipped"
                    );
                    continue 'observers;
                }
            }
            let args = self.args(&observer.inputs);
            if let Err(panic) = guard(observer.meta.name, || (observer.call)(args, &error)).await {
                tracing::error!(
                    observer = observer.meta.name,
                    panic.msg = panic.message(),
                    "an error observer panicked; the observers after it still run"
                );
            }
        }
        let mut errors = lock(&self.errors);
        errors.push(error);
        errors.len() - 1
    }

    /// Observes the error a response type met while making `response`, if any; the 500 it
    /// made stays.
    pub(super) async fn settle(&self, mut response: Response) -> Response {
        if let Some(error) = take_failure(&mut response) {
            let index = self.observe(error).await;
            response.extensions_mut().insert(ErrorMark(index));
        }
        response
    }

    /// Observes the error of a streamed body, after its response's head was sent, and records
    /// it on the root span.
    async fn stream_failed(&self, error: Error) {
        let index = self.observe(error).await;
        let errors = lock(&self.errors);
        self.scope
            .values
            .span
            .record_errors(errors.get(index), errors.len());
    }

    /// Records on the root span the error whose response is sent, if any, and how many
    /// errors the request saw.
    pub(super) fn record_errors(&self, response: &mut Response) {
        let errors = lock(&self.errors);
        if errors.is_empty() {
            return;
        }
        let sent = response
            .extensions_mut()
            .remove::<ErrorMark>()
            .and_then(|ErrorMark(index)| errors.get(index));
        self.scope.values.span.record_errors(sent, errors.len());
    }
}

/// The response for an error that no handler took: a 4xx or 503 that says what was wrong for
/// the framework's own request errors, a 500 that says nothing for the rest.
fn builtin_response(error: &Error, request_id: &RequestId) -> Response {
    if let Some(bad) = error.downcast_ref::<InvalidPathParameter>() {
        return (StatusCode::BAD_REQUEST, bad.to_string()).into_response();
    }
    if let Some(timeout) = error.downcast_ref::<RequestTimeout>() {
        return (StatusCode::SERVICE_UNAVAILABLE, timeout.to_string()).into_response();
    }
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!(
            "500 Internal Server Error\nThe error was logged with request id {}.\n",
            request_id.as_str()
        ),
    )
        .into_response()
}

/// Observes a streamed body's error, in the request's root span.
pub(super) struct StreamReporter(pub(super) Arc<InFlight>);

impl StreamErrorReporter for StreamReporter {
    fn report(self: Box<Self>, error: Error) -> BoxFuture<'static, ()> {
        let span = self.0.scope.values.span.span().clone();
        Box::pin(async move { self.0.stream_failed(error).instrument(span).await })
    }
}

/// Locks a mutex whose critical sections cannot panic halfway (they push or take a value).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
