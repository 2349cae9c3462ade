//! The error path: an error becomes a response through the error handler chosen by `build()`,
//! then every observer sees it, in order. A request may see several errors; each is observed,
//! and the root span carries the one whose response was sent.

use std::sync::Mutex;

use http::StatusCode;
use tracing::Instrument;

use crate::Error;
use crate::component::adapter::BoxFuture;
use crate::component::guard::guard;
use crate::di::{Injector, Scope, Unbuilt};
use crate::error::{
    ErasedError, InvalidPathParameter, MalformedRequest, RequestBodyTimeout, RequestTimeout,
};
use crate::extract::Rejection;
use crate::plan::{BUILTIN, ErrorSite, RouteCalls};
use crate::request::RequestId;
use crate::response::{ErrorFormat, Problem, Response, take_failure};
use crate::sync::lock;

/// Every error a request saw so far, in the order they happened.
#[derive(Default)]
pub(crate) struct ErrorList(Mutex<Vec<Error>>);

/// Marks a response made for the n-th error of the request.
#[derive(Clone, Copy)]
struct ErrorMark(usize);

/// The error path of one request: what it needs to handle and observe an error.
pub(crate) struct ErrorPath<'a> {
    injector: Injector<'a>,
    calls: &'a RouteCalls,
    errors: &'a ErrorList,
    scope: &'a Scope,
}

impl<'a> ErrorPath<'a> {
    pub(crate) fn new(
        injector: Injector<'a>,
        calls: &'a RouteCalls,
        errors: &'a ErrorList,
        scope: &'a Scope,
    ) -> Self {
        Self {
            injector,
            calls,
            errors,
            scope,
        }
    }

    /// Turns `error` into a response with the handler of `site`, then shows it to every
    /// observer. Should the handler panic, the panic is handled next (by the route's handler
    /// for panics, or the built-in one when that is what panicked) and observed after it.
    pub(crate) fn fail<'s>(
        &'s self,
        error: ErasedError,
        site: &'s ErrorSite,
    ) -> BoxFuture<'s, Response> {
        super::pin_in_place(|| async move {
            let (handled, mut error) = self.handle(error, site).await;
            if let Ok(response) = &handled {
                site.check_declared(response.status());
                error.set_response_status(response.status());
            }
            let index = self.observe(error).await;
            match handled {
                Ok(mut response) => {
                    response.extensions_mut().insert(ErrorMark(index));
                    self.settle(&mut response).await;
                    response
                }
                Err(next) => {
                    let on_panic = &self.calls.sites().panic;
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
        let ErrorSite::Handler {
            handler, catch_all, ..
        } = site
        else {
            let error = error.into_error();
            let problem = builtin_problem(&error, self.scope.request_id());
            let response = problem.render(self.scope.error_format(), self.scope.request_id());
            return (Ok(response), error);
        };
        if let Err(unbuilt) = self.injector.prepare(handler.prepare()).await {
            return (Err(unbuilt_error(unbuilt)), error.into_error());
        }
        let args = self.injector.args(handler.inputs());
        if *catch_all {
            let error = error.into_error();
            let response = guard(handler.name(), || (handler.call())(args, &error)).await;
            (response.map_err(ErasedError::new), error)
        } else {
            let response = guard(handler.name(), || (handler.call())(args, error.value())).await;
            (response.map_err(ErasedError::new), error.into_error())
        }
    }

    /// Shows `error` to every observer, in order, then records it; returns its number. A
    /// panicking observer is reported once, at ERROR, and the next ones still run. The
    /// observers of an error answered with a 4xx may run in a child span of the root span (see
    /// `RootSpan::client_error_span`).
    async fn observe(&self, error: Error) -> usize {
        let observers = self.run_observers(&error);
        match self.scope.span().client_error_span(&error) {
            Some(span) => observers.instrument(span).await,
            None => observers.await,
        }
        #[cfg(feature = "otel")]
        self.scope.span().observed(&error);
        let mut errors = lock(&self.errors.0);
        errors.push(error);
        errors.len() - 1
    }

    /// Runs every observer on `error`, in order.
    async fn run_observers(&self, error: &Error) {
        for observer in self.calls.observers() {
            if let Err(unbuilt) = self.injector.prepare(observer.prepare()).await {
                tracing::error!(
                    observer = observer.name(),
                    error.msg = %unbuilt_error(unbuilt).into_error(),
                    "a dependency of an error observer failed; the observer was skipped"
                );
                continue;
            }
            let args = self.injector.args(observer.inputs());
            if let Err(panic) = guard(observer.name(), || (observer.call())(args, error)).await {
                tracing::error!(
                    observer = observer.name(),
                    panic.msg = panic.message(),
                    "an error observer panicked; the observers after it still run"
                );
            }
        }
    }

    /// Observes the error a response type met while making `response`, if any; the 500 it
    /// made stays, as a problem where the route writes the framework's errors so.
    ///
    /// Every response goes through here, and rarely one with an error: the response is
    /// borrowed rather than moved in and out, and the observers' future is boxed, so that it
    /// does not take space in every request's future.
    pub(crate) async fn settle(&self, response: &mut Response) {
        if let Some(mut error) = take_failure(response) {
            error.set_response_status(response.status());
            if self.scope.error_format() == ErrorFormat::Problem {
                let request_id = self.scope.request_id();
                *response = internal_error(request_id).render(ErrorFormat::Problem, request_id);
            }
            let index = Box::pin(self.observe(error)).await;
            response.extensions_mut().insert(ErrorMark(index));
        }
    }

    /// Observes the error of a streamed body, after its response's head was sent, and records
    /// it on the root span.
    pub(crate) async fn stream_failed(&self, error: Error) {
        let index = self.observe(error).await;
        let errors = lock(&self.errors.0);
        self.scope
            .span()
            .record_errors(errors.get(index), errors.len());
    }

    /// Records on the root span how the request ended: the status of `response` and, when
    /// the request saw errors, the one whose response is sent (if any) and how many there were.
    pub(crate) fn record_outcome(&self, response: &mut Response) {
        let errors = lock(&self.errors.0);
        let outcome = match errors.is_empty() {
            true => None,
            false => {
                let sent = response
                    .extensions_mut()
                    .remove::<ErrorMark>()
                    .and_then(|ErrorMark(index)| errors.get(index));
                Some((sent, errors.len()))
            }
        };
        self.scope.span().record_outcome(response.status(), outcome);
    }
}

/// The error to handle for a value that could not be built.
fn unbuilt_error(unbuilt: Unbuilt<'_>) -> ErasedError {
    match unbuilt {
        Unbuilt::Failed(error, _) => error,
        Unbuilt::Panicked(panic) => ErasedError::new(panic),
    }
}

// How the framework answers its own errors when no handler takes them: each describes its
// response once, as a `Problem`, which the route renders as text or as problem details. A new
// framework error implements `Rejection` and gets one line in `builtin_problem`.

impl Rejection for InvalidPathParameter {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::BAD_REQUEST]
    }

    fn problem(&self) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST).detail(self.to_string())
    }
}

impl Rejection for RequestTimeout {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::SERVICE_UNAVAILABLE]
    }

    fn problem(&self) -> Problem {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE).detail(self.to_string())
    }
}

impl Rejection for RequestBodyTimeout {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::REQUEST_TIMEOUT]
    }

    fn problem(&self) -> Problem {
        Problem::new(StatusCode::REQUEST_TIMEOUT).detail(self.to_string())
    }
}

impl Rejection for MalformedRequest {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::BAD_REQUEST]
    }

    fn problem(&self) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST).detail(self.to_string())
    }
}

/// The response of an error no handler took: the framework's own errors say what was wrong,
/// anything else is a 500 that names only the request id.
fn builtin_problem(error: &Error, request_id: &RequestId) -> Problem {
    let described = None
        .or_else(|| described::<InvalidPathParameter>(error))
        .or_else(|| described::<MalformedRequest>(error))
        .or_else(|| described::<RequestTimeout>(error))
        .or_else(|| described::<RequestBodyTimeout>(error));
    match described {
        Some(rejection) => rejection.problem(),
        None => internal_error(request_id),
    }
}

fn described<E: Rejection>(error: &Error) -> Option<&dyn Rejection> {
    error
        .downcast_ref::<E>()
        .map(|error| error as &dyn Rejection)
}

/// The built-in 500: the request id, never the error.
fn internal_error(request_id: &RequestId) -> Problem {
    let id = request_id.as_str();
    Problem::new(StatusCode::INTERNAL_SERVER_ERROR)
        .detail(format!("The error was logged with request id {id}."))
        .text(format!(
            "500 Internal Server Error\nThe error was logged with request id {id}.\n"
        ))
}
