//! Serving one request: root span, routing, the route's plan, and the error path (handler,
//! then every observer, in order).

use std::sync::Arc;

use http::header::{CONTENT_LENGTH, HeaderValue};
use http::{Method, StatusCode};
use tracing::Instrument;

use crate::app::AppInner;
use crate::component::ComponentMeta;
use crate::di::{
    Args, ConstructStep, ErrorHandlerFn, HandlerFn, InputPlan, ObserverFn, Scope, Slot,
};
use crate::error::{ErasedError, Error, InvalidPathParameter, RequestTimeout};
use crate::request::{
    ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead, RequestId,
};
use crate::response::{Body, IntoResponse, Response};
use crate::router::Match;
use crate::telemetry::RootSpan;

/// Everything needed to serve one route, computed by `build()`.
pub(crate) struct RoutePlan {
    pub(crate) route: MatchedRoute,
    /// `METHOD /template`, the root span's `otel.name`.
    pub(crate) otel_name: String,
    /// The template's parameter names.
    pub(crate) param_names: Vec<Arc<str>>,
    pub(crate) handler: HandlerFn,
    pub(crate) calls: RouteCalls,
}

/// The calls of a route, with their inputs numbered by slot.
pub(crate) struct RouteCalls {
    /// Every construction step the route may run; the lists below index into it.
    pub(crate) steps: Vec<ConstructStep>,
    /// The steps to run before the handler, in order.
    pub(crate) main: Vec<usize>,
    /// The handler's inputs.
    pub(crate) inputs: Vec<InputPlan>,
    /// Where the handler's errors go; `None` if it cannot fail.
    pub(crate) on_error: Option<ErrorSite>,
    /// Where an [`InvalidPathParameter`] goes.
    pub(crate) on_bad_path: ErrorSite,
    /// Where a [`RequestTimeout`] goes.
    pub(crate) on_timeout: ErrorSite,
    /// The error observers, in registration order.
    pub(crate) observers: Vec<Prepared<ObserverFn>>,
    pub(crate) slot_count: usize,
}

/// An error handler or observer call and the steps that build what it needs.
pub(crate) struct Prepared<F> {
    pub(crate) meta: ComponentMeta,
    /// Steps to run first; request-scoped values already built are not built again.
    pub(crate) prepare: Vec<usize>,
    pub(crate) call: F,
    pub(crate) inputs: Vec<InputPlan>,
}

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

static BUILTIN: ErrorSite = ErrorSite::Builtin;

impl AppInner {
    /// Serves one request, start to end.
    pub(crate) async fn serve(
        &self,
        request: http::Request<RequestBody>,
        connection: ConnectionInfo,
    ) -> Response {
        let (parts, body) = request.into_parts();
        let head = RequestHead::from(parts);
        let request_id = RequestId::from_headers(&head.headers);
        let span = RootSpan::open(&head, &request_id, &connection);
        let is_head = head.method == Method::HEAD;

        let routed = async {
            match self.router.find(&head.method, head.uri.path()) {
                Match::Found { route, params } => {
                    let plan = &self.routes[route];
                    span.record_route(plan.route.as_str(), &plan.otel_name);
                    let (params, bad_params) =
                        match RawPathParams::decode(params, &plan.param_names) {
                            Ok(params) => (params, None),
                            Err(error) => (RawPathParams::default(), Some(error)),
                        };
                    let scope = Scope {
                        head,
                        body: Some(body),
                        params,
                        route: plan.route.clone(),
                        connection,
                        request_id: request_id.clone(),
                        span: span.clone(),
                        slots: Vec::new(),
                    };
                    self.run_route(plan, scope, bad_params).await
                }
                Match::MethodNotAllowed { allow } => {
                    let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
                    response
                        .headers_mut()
                        .insert(http::header::ALLOW, allow.clone());
                    response
                }
                Match::NotFound => StatusCode::NOT_FOUND.into_response(),
            }
        };
        let mut response = routed.instrument(span.span().clone()).await;

        span.record_status(response.status());
        response
            .headers_mut()
            .insert(RequestId::HEADER, request_id.0);
        if is_head {
            strip_body(&mut response);
        }
        response
    }

    async fn run_route(
        &self,
        plan: &RoutePlan,
        mut scope: Scope,
        bad_params: Option<InvalidPathParameter>,
    ) -> Response {
        let calls = &plan.calls;
        scope.slots.resize_with(calls.slot_count, || None);
        let singletons = &self.singletons[..];
        let run = async {
            if let Some(error) = bad_params {
                return Err((ErasedError::new(error), &calls.on_bad_path));
            }
            for &index in &calls.main {
                let step = &calls.steps[index];
                if let Err(error) = step.run(singletons, &mut scope).await {
                    return Err((error, step.on_error.as_ref().unwrap_or(&BUILTIN)));
                }
            }
            let args = Args {
                singletons,
                scope: Some(&mut scope),
                inputs: &calls.inputs,
            };
            (plan.handler)(args)
                .finish()
                .await
                .map_err(|error| (error, calls.on_error.as_ref().unwrap_or(&BUILTIN)))
        };
        let outcome = match self.request_timeout {
            Some(limit) => match tokio::time::timeout(limit, run).await {
                Ok(outcome) => outcome,
                Err(_) => Err((
                    ErasedError::new(RequestTimeout { limit }),
                    &calls.on_timeout,
                )),
            },
            None => run.await,
        };
        match outcome {
            Ok(response) => response,
            Err((error, site)) => {
                let mut errors = ErrorPath {
                    singletons,
                    calls,
                    scope: &mut scope,
                    count: 0,
                };
                errors.handle(error, site).await
            }
        }
    }
}

/// The error path of one request: turns errors into responses and shows them to observers.
struct ErrorPath<'a> {
    singletons: &'a [Slot],
    calls: &'a RouteCalls,
    scope: &'a mut Scope,
    /// Errors seen so far in this request.
    count: usize,
}

impl ErrorPath<'_> {
    /// Turns `error` into a response with the handler of `site`, then runs every observer.
    async fn handle(&mut self, error: ErasedError, site: &ErrorSite) -> Response {
        let (response, error) = match site {
            ErrorSite::Handler { handler, catch_all } => {
                let prepared = self.prepare(&handler.prepare).await;
                let args = Args {
                    singletons: self.singletons,
                    scope: Some(&mut *self.scope),
                    inputs: &handler.inputs,
                };
                if *catch_all {
                    let error = error.into_error();
                    let response = (handler.call)(args, &error).finish().await;
                    self.observe_all(prepared).await;
                    (response, error)
                } else {
                    let response = (handler.call)(args, error.value()).finish().await;
                    self.observe_all(prepared).await;
                    (response, error.into_error())
                }
            }
            ErrorSite::Builtin => {
                let error = error.into_error();
                (builtin_response(&error, &self.scope.request_id), error)
            }
        };
        self.observe(&error).await;
        self.scope.span.record_error(&error, self.count);
        response
    }

    /// Runs the steps an error handler or observer needs. They cannot fail (`build()` checks
    /// it), but should one fail anyway, its error is returned to be observed, not lost.
    async fn prepare(&mut self, steps: &[usize]) -> Vec<Error> {
        let mut errors = Vec::new();
        for &index in steps {
            if let Err(error) = self.calls.steps[index]
                .run(self.singletons, self.scope)
                .await
            {
                errors.push(error.into_error());
            }
        }
        errors
    }

    async fn observe_all(&mut self, errors: Vec<Error>) {
        for error in errors {
            self.observe(&error).await;
        }
    }

    /// Shows one error to every observer, in registration order.
    async fn observe(&mut self, error: &Error) {
        self.count += 1;
        for observer in &self.calls.observers {
            for failed in self.prepare(&observer.prepare).await {
                tracing::error!(
                    observer = observer.meta.name,
                    error.msg = %failed,
                    "a dependency of an error observer failed; the observer was skipped"
                );
            }
            let args = Args {
                singletons: self.singletons,
                scope: Some(&mut *self.scope),
                inputs: &observer.inputs,
            };
            (observer.call)(args, error).finish().await;
        }
    }
}

/// The response for an error that no handler took: a 400 that says what was wrong with the
/// request for the framework's own request errors, a 500 that says nothing for the rest.
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

/// A HEAD response has the headers of the GET response and no body.
fn strip_body(response: &mut Response) {
    let length = http_body::Body::size_hint(response.body()).exact();
    if let Some(length) = length {
        response
            .headers_mut()
            .entry(CONTENT_LENGTH)
            .or_insert_with(|| HeaderValue::from(length));
    }
    *response.body_mut() = Body::empty();
}
