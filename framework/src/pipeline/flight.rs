//! One request in flight: its scope, its errors so far, and the walk through the route's
//! middleware layers to the handler.

use std::sync::{Arc, Mutex};

use http::HeaderValue;
use http::header::CONNECTION;
use tracing::Instrument;

use super::deadlines::{self, BodyWait, Late, Limits};
use super::errors::{ErrorList, ErrorPath};
use crate::component::adapter::{Next, Processing, Step};
use crate::component::guard::guard;
use crate::di::{Args, Injector, RequestValues, Scope, Slot, Unbuilt};
use crate::error::{
    ErasedError, InvalidPathParameter, MalformedRequest, RequestBodyTimeout, RequestTimeout,
};
use crate::plan::{Call, RoutePlan};
use crate::request::RequestBody;
use crate::request_rules;
use crate::response::{Reporting, Response, StreamErrorReporter};
use crate::sync::lock;

/// What every request reads: the plans of the routes and fallbacks, and the singletons.
pub(crate) struct Runtime {
    plans: Vec<RoutePlan>,
    singletons: Vec<Slot>,
}

impl Runtime {
    pub(crate) fn new(plans: Vec<RoutePlan>, singletons: Vec<Slot>) -> Self {
        Self { plans, singletons }
    }

    /// The plan of route (or fallback) number `route`.
    pub(crate) fn plan(&self, route: usize) -> &RoutePlan {
        &self.plans[route]
    }

    pub(crate) fn route_count(&self) -> usize {
        self.plans.len()
    }
}

/// A request being served, shared by the pipeline and by the [`Next`] of each wrapping
/// middleware.
pub(crate) struct InFlight {
    runtime: Arc<Runtime>,
    /// The index of the route's (or fallback's) plan.
    route: usize,
    scope: Scope,
    /// A path parameter that did not decode: raised where the handler would run, so that the
    /// middleware run first.
    bad_path: Mutex<Option<InvalidPathParameter>>,
    /// A broken HTTP/1.1 rule: raised before the middleware, which never see the request.
    malformed: Option<MalformedRequest>,
    /// Whether the pipeline waits for body bytes, when the route has a body read timeout and
    /// the body has bytes to come.
    body_wait: Option<Arc<BodyWait>>,
    errors: ErrorList,
}

impl InFlight {
    pub(crate) fn new(
        runtime: Arc<Runtime>,
        route: usize,
        values: RequestValues,
        mut body: RequestBody,
        bad_path: Option<InvalidPathParameter>,
    ) -> Arc<Self> {
        let plan = runtime.plan(route);
        let slot_count = plan.calls().slot_count();
        let body_wait = plan.body_timeout().and_then(|_| body.watch());
        let malformed = request_rules::check(&values.head);
        Arc::new(Self {
            runtime,
            route,
            scope: Scope::new(values, body, slot_count),
            bad_path: Mutex::new(bad_path),
            malformed,
            body_wait,
            errors: ErrorList::default(),
        })
    }

    fn plan(&self) -> &RoutePlan {
        self.runtime.plan(self.route)
    }

    fn injector(&self) -> Injector<'_> {
        let singletons = &self.runtime.singletons;
        Injector::new(singletons, self.plan().calls().steps(), &self.scope)
    }

    /// The error path of this request.
    pub(crate) fn errors(&self) -> ErrorPath<'_> {
        ErrorPath::new(
            self.injector(),
            self.plan().calls(),
            &self.errors,
            &self.scope,
        )
    }

    /// Runs the whole pipeline within the route's timeouts (see [`deadlines`](super::deadlines)),
    /// unless the request is malformed. A body that came too late, or whose framing is
    /// broken, closes the connection: what follows on it cannot be trusted.
    pub(crate) async fn run(self: &Arc<Self>) -> Response {
        let plan = self.plan();
        if let Some(error) = self.malformed.clone() {
            let close = error.closes_connection();
            let site = &plan.calls().sites().malformed;
            let response = self.errors().fail(ErasedError::new(error), site).await;
            return closing(response, close);
        }
        let limits = Limits {
            request: plan.timeout(),
            body: plan.body_timeout().zip(self.body_wait.as_deref()),
        };
        let sites = plan.calls().sites();
        let pipeline = std::pin::pin!(self.layers(0));
        match deadlines::within(pipeline, limits).await {
            Ok(response) => response,
            Err(Late::Server(limit)) => {
                let error = ErasedError::new(RequestTimeout { limit });
                self.errors().fail(error, &sites.timeout).await
            }
            Err(Late::Client(limit)) => {
                let error = ErasedError::new(RequestBodyTimeout { limit });
                closing(self.errors().fail(error, &sites.body_timeout).await, true)
            }
        }
    }

    /// Runs the layers from `start` inwards: each one's pre-processing middleware, down to the
    /// handler or to the next wrapping middleware (which runs the rest as its [`Next`]), then
    /// each one's post-processing middleware, innermost first. An early return or an error
    /// skips the rest inwards; every layer entered still post-processes the response.
    #[expect(
        clippy::manual_async_fn,
        reason = "an `async fn` calling itself through `Next` cannot be proven `Send`; the bound is named here"
    )]
    fn layers(self: &Arc<Self>, start: usize) -> impl Future<Output = Response> + Send + '_ {
        async move {
            let layers = self.plan().calls().layers();
            let mut k = start;
            let response = loop {
                if let Some(early) = self.pre_process(k).await {
                    break early;
                }
                match layers.get(k + 1).map(|inner| inner.wrap()) {
                    Some(None) => k += 1,
                    Some(Some(wrap)) => {
                        let inner = Arc::clone(self);
                        let next = Next::new(Box::pin(async move { inner.layers(k + 1).await }));
                        let wrapped =
                            self.invoke(wrap, |args| (wrap.prepared().call())(args, next));
                        break wrapped.await.unwrap_or_else(|response| response);
                    }
                    None => break self.handler().await,
                }
            };
            let errors = self.errors();
            let mut response = response;
            for layer in layers[start..=k].iter().rev() {
                response = errors.settle(response).await;
                for post in layer.post() {
                    let processed =
                        self.invoke(post, |args| (post.prepared().call())(args, response));
                    response = processed.await.unwrap_or_else(|r| r);
                    response = errors.settle(response).await;
                }
            }
            response
        }
    }

    /// Runs layer `k`'s pre-processing middleware; the response of an early return or an
    /// error, if one stops the pipeline.
    async fn pre_process(&self, k: usize) -> Option<Response> {
        for pre in self.plan().calls().layers()[k].pre() {
            match self.invoke(pre, |args| (pre.prepared().call())(args)).await {
                Ok(Processing::Continue) => {}
                Ok(Processing::EarlyReturn(response)) | Err(response) => return Some(response),
            }
        }
        None
    }

    async fn handler(&self) -> Response {
        let calls = self.plan().calls();
        let bad_path = lock(&self.bad_path).take();
        if let Some(error) = bad_path {
            let site = &calls.sites().bad_path;
            return self.errors().fail(ErasedError::new(error), site).await;
        }
        let handler = calls.handler();
        let outcome = self.invoke(handler, |args| (handler.prepared().call())(args));
        outcome.await.unwrap_or_else(|response| response)
    }

    /// Builds what `call` needs, then calls it through `f`. An error (or a panic) in either is
    /// handled and observed; its response is the `Err`.
    async fn invoke<'s, F, T>(
        &'s self,
        call: &'s Call<F>,
        f: impl FnOnce(Args<'s>) -> Step<'s, Result<T, ErasedError>>,
    ) -> Result<T, Response> {
        let injector = self.injector();
        let errors = self.errors();
        let prepared = call.prepared();
        let panic_site = &self.plan().calls().sites().panic;
        match injector.prepare(prepared.prepare()).await {
            Ok(()) => {}
            Err(Unbuilt::Failed(error, site)) => return Err(errors.fail(error, site).await),
            Err(Unbuilt::Panicked(panic)) => {
                return Err(errors.fail(ErasedError::new(panic), panic_site).await);
            }
        }
        let args = injector.args(prepared.inputs());
        match guard(prepared.name(), || f(args)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(errors.fail(error, call.on_error()).await),
            Err(panic) => Err(errors.fail(ErasedError::new(panic), panic_site).await),
        }
    }
}

/// `response`, with `Connection: close` when `close`.
fn closing(mut response: Response, close: bool) -> Response {
    if close {
        let close = HeaderValue::from_static("close");
        response.headers_mut().insert(CONNECTION, close);
    }
    response
}

/// Observes a streamed body's error, in the request's root span.
pub(crate) struct StreamReporter(pub(crate) Arc<InFlight>);

impl StreamErrorReporter for StreamReporter {
    fn report(self: Box<Self>, error: crate::Error) -> Reporting {
        let span = self.0.scope.span().span().clone();
        Box::pin(async move { self.0.errors().stream_failed(error).instrument(span).await })
    }
}
