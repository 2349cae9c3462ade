//! One request in flight: its scope, its errors so far, and the walk through the route's
//! middleware layers to the handler.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use http::HeaderValue;
use http::header::{CONNECTION, CONTENT_LENGTH};
use tokio::time::Instant;
use tracing::Instrument;

use super::deadlines::{self, BodyWait, Late, Limits};
use super::errors::{ErrorList, ErrorPath};
use crate::component::adapter::{BoxFuture, Next, Processing, Step};
use crate::component::guard::guard;
use crate::di::{Args, Injector, RequestValues, Scope, Slot, Unbuilt};
use crate::error::{
    ErasedError, InvalidPathParameter, MalformedRequest, Panic, RequestBodyTimeout, RequestTimeout,
};
use crate::plan::{Call, Endpoint, Layer, Opener, RoutePlan};
use crate::request::{RequestBody, RequestId};
use crate::request_rules;
use crate::response::{Body, Reporting, Response, StreamErrorReporter};
use crate::sync::lock;
use crate::tower::LayerService;

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

/// Where the request goes on inside a layer: carried in the request's extensions, from the
/// pipeline that called the layer to the [`Pipeline`](crate::tower::Pipeline) service the layer calls.
#[derive(Clone)]
pub(crate) struct Continuation {
    pub(crate) flight: Arc<InFlight>,
    /// The plan layer the tower layer opens.
    pub(crate) layer: usize,
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
    errors: ErrorList,
    /// A broken HTTP/1.1 rule: raised before the middleware, which never see the request.
    malformed: Option<MalformedRequest>,
    /// Whether the pipeline waits for body bytes, when the route has a body read timeout and
    /// the body has bytes to come.
    body_wait: Option<Arc<BodyWait>>,
    /// When the route's timeouts started counting: set the first time the pipeline has to
    /// wait, so that a request that never waits does not read the clock.
    started: OnceLock<Instant>,
}

impl InFlight {
    // Inlined into `App::handle`, its only caller, so that the request's values are built in
    // place rather than copied on each call (~400 bytes, three times).
    #[inline]
    pub(crate) fn new(
        runtime: Arc<Runtime>,
        route: usize,
        values: RequestValues,
        mut body: RequestBody,
        bad_path: Option<InvalidPathParameter>,
    ) -> Arc<Self> {
        let plan = runtime.plan(route);
        let calls = plan.calls();
        let body_wait = plan.body_timeout().and_then(|_| body.watch());
        let malformed = request_rules::check(&values.head);
        let scope = Scope::new(values, body, calls.slot_count(), calls.tower_layers());
        Arc::new(Self {
            runtime,
            route,
            scope,
            bad_path: Mutex::new(bad_path),
            errors: ErrorList::default(),
            malformed,
            body_wait,
            started: OnceLock::new(),
        })
    }

    /// What the request owns.
    pub(crate) fn scope(&self) -> &Scope {
        &self.scope
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

    /// Serves the request: the whole pipeline, unless the request is malformed (a request
    /// whose framing is broken closes the connection, since what follows on it cannot be
    /// trusted), then what every response gets on its way out (see [`finish`](Self::finish)).
    /// `is_head`: the request's method is HEAD, whose response has no body.
    pub(crate) async fn run(self: Arc<Self>, is_head: bool) -> Response {
        let mut response = match self.malformed.clone() {
            Some(error) => {
                let close = error.closes_connection();
                let site = &self.plan().calls().sites().malformed;
                closing(
                    self.errors().fail(ErasedError::new(error), site).await,
                    close,
                )
            }
            None => self.layers(0).await,
        };
        self.finish(&mut response, is_head);
        response
    }

    /// Records how the request ended on the root span, lets a streamed body (or a WebSocket
    /// session) report its errors in the request's name, echoes the request id, and empties
    /// the body of a response to HEAD.
    fn finish(self: &Arc<Self>, response: &mut Response, is_head: bool) {
        self.errors().record_outcome(response);
        let reporter =
            || -> Box<dyn StreamErrorReporter> { Box::new(StreamReporter(Arc::clone(self))) };
        response.body_mut().set_error_reporter(reporter);
        #[cfg(feature = "ws")]
        crate::ws::start_session(
            response,
            self.scope.span(),
            self.scope.request_id(),
            reporter,
        );
        let request_id = self.scope.request_id().header_value();
        response
            .headers_mut()
            .insert(RequestId::HEADER_NAME, request_id);
        if is_head {
            strip_body(response);
        }
    }

    /// Runs the rest of the pipeline inside a tower layer, from `layer` (the one the tower
    /// layer opens) inwards, with the request the tower layer passed on: the future of the
    /// [`Pipeline`](crate::tower::Pipeline) service, boxed once, which never fails.
    pub(crate) fn resume(
        self: Arc<Self>,
        layer: usize,
        request: http::Request<RequestBody>,
    ) -> BoxFuture<'static, Result<Response, Infallible>> {
        if let Some(Opener::Tower(tower)) =
            self.plan().calls().layers().get(layer).map(Layer::opener)
        {
            self.scope.pass_on(tower.ordinal(), request);
        }
        Box::pin(async move { Ok(self.layers(layer).await) })
    }

    /// Runs the layers from `start` inwards: each one's pre-processing middleware, down to the
    /// endpoint or to the next wrapping middleware or tower layer (which runs the rest as its
    /// `Next` or inner service), then each one's post-processing middleware, innermost first.
    /// An early return or an error skips the rest inwards; every layer entered still
    /// post-processes the response.
    ///
    /// The way in is bounded by the route's time limit, the way out is not: a timed-out
    /// request's 503 goes out through every post-processing middleware, wrapping middleware
    /// and tower layer it entered, as any other response does.
    #[expect(
        clippy::manual_async_fn,
        reason = "an `async fn` calling itself through `Next` cannot be proven `Send`; the bound is named here"
    )]
    fn layers(self: &Arc<Self>, start: usize) -> impl Future<Output = Response> + Send + '_ {
        async move {
            let layers = self.plan().calls().layers();
            // The innermost layer entered, for the way out even when the way in timed out.
            let entered = AtomicUsize::new(start);
            let inwards = async {
                let mut k = start;
                loop {
                    entered.store(k, Ordering::Relaxed);
                    if let Some(early) = self.pre_process(k).await {
                        break early;
                    }
                    match layers.get(k + 1).map(Layer::opener) {
                        Some(Opener::Blueprint) => k += 1,
                        Some(Opener::Wrap(wrap)) => {
                            let inner = Arc::clone(self);
                            let next =
                                Next::new(Box::pin(async move { inner.layers(k + 1).await }));
                            let wrapped =
                                self.invoke(wrap, |args| (wrap.prepared().call())(args, next));
                            break wrapped.await.unwrap_or_else(|response| response);
                        }
                        // Boxed, so that a route without layers does not carry (and move)
                        // the space their futures take.
                        Some(Opener::Tower(tower)) => {
                            break Box::pin(self.through(tower, k + 1)).await;
                        }
                        None => break self.endpoint().await,
                    }
                }
            };
            let outcome =
                deadlines::within(std::pin::pin!(inwards), self.limits(), &self.started).await;
            let response = match outcome {
                Ok(response) => response,
                Err(late) => self.late(late).await,
            };
            let k = entered.load(Ordering::Relaxed);
            self.post_process(&layers[start..=k], response).await
        }
    }

    /// Runs the post-processing middleware of `layers` on `response`, innermost first. The
    /// response is settled (see [`ErrorPath::settle`]) before the first and after each one.
    ///
    /// Its own future, so that the response, borrowed across its awaits, takes space only
    /// while post-processing: a local borrowed across two awaits of `layers` would be kept
    /// beside every other state of that future.
    async fn post_process(&self, layers: &[Layer], mut response: Response) -> Response {
        let errors = self.errors();
        for post in layers.iter().rev().flat_map(Layer::post) {
            errors.settle(&mut response).await;
            // Boxed: its future holds the response, and would otherwise take that space in the
            // future of every request, post-processed or not.
            let processed =
                Box::pin(self.invoke(post, |args| (post.prepared().call())(args, response)));
            response = processed.await.unwrap_or_else(|r| r);
        }
        errors.settle(&mut response).await;
        response
    }

    /// The route's timeouts (see [`deadlines`](super::deadlines)).
    fn limits(&self) -> Limits<'_> {
        let plan = self.plan();
        Limits {
            request: plan.timeout(),
            body: plan.body_timeout().zip(self.body_wait.as_deref()),
        }
    }

    /// The response of a request past a timeout: the request timeout's 503, or the body read
    /// timeout's 408, which closes the connection.
    async fn late(&self, late: Late) -> Response {
        let sites = self.plan().calls().sites();
        let (error, site, close) = match late {
            Late::Server(limit) => {
                let error = ErasedError::new(RequestTimeout { limit });
                (error, &sites.timeout, false)
            }
            Late::Client(limit) => {
                let error = ErasedError::new(RequestBodyTimeout { limit });
                (error, &sites.body_timeout, true)
            }
        };
        closing(self.errors().fail(error, site).await, close)
    }

    /// Runs the rest of the pipeline from plan layer `layer` inside the tower layer that
    /// opens it.
    async fn through(self: &Arc<Self>, tower: &LayerService, layer: usize) -> Response {
        let request = self.scope.request();
        let next = Continuation {
            flight: Arc::clone(self),
            layer,
        };
        let called = guard(tower.name(), || {
            Step::Pending(Box::pin(tower.call(request, next)))
        });
        self.tower_outcome(called.await).await
    }

    /// The response of a tower layer or service; its error or panic is handled and observed.
    async fn tower_outcome(
        &self,
        called: Result<Result<Response, crate::Error>, Panic>,
    ) -> Response {
        let sites = self.plan().calls().sites();
        match called {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                self.errors()
                    .fail(ErasedError::new(error), &sites.tower)
                    .await
            }
            Err(panic) => {
                self.errors()
                    .fail(ErasedError::new(panic), &sites.panic)
                    .await
            }
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

    /// The path parameter that did not decode, the first time it is asked for.
    fn take_bad_path(&self) -> Option<InvalidPathParameter> {
        lock(&self.bad_path).take()
    }

    /// Runs the handler, the fallback or the mounted service.
    async fn endpoint(&self) -> Response {
        let calls = self.plan().calls();
        if let Some(error) = self.take_bad_path() {
            let site = &calls.sites().bad_path;
            return self.errors().fail(ErasedError::new(error), site).await;
        }
        match calls.endpoint() {
            Endpoint::Handler(handler) => {
                let outcome = self.invoke(handler, |args| (handler.prepared().call())(args));
                outcome.await.unwrap_or_else(|response| response)
            }
            Endpoint::Service(service) => {
                let request = self.scope.request();
                let called = guard(service.name(), || {
                    Step::Pending(Box::pin(service.call(request)))
                });
                // Boxed, like a tower layer's call, to keep the handlers' futures small.
                Box::pin(async move { self.tower_outcome(called.await).await }).await
            }
        }
    }

    /// Builds what `call` needs, then calls it through `f`. An error (or a panic) in either is
    /// handled and observed; its response is the `Err`.
    async fn invoke<'s, F, T>(
        &'s self,
        call: &'s Call<F>,
        f: impl FnOnce(Args<'s>) -> Step<'s, Result<T, ErasedError>>,
    ) -> Result<T, Response> {
        let injector = self.injector();
        let prepared = call.prepared();
        let panic_site = &self.plan().calls().sites().panic;
        if let Err(unbuilt) = injector.prepare(prepared.prepare()).await {
            let (error, site) = match unbuilt {
                Unbuilt::Failed(error, site) => (error, site),
                Unbuilt::Panicked(panic) => (ErasedError::new(panic), panic_site),
            };
            return Err(self.errors().fail(error, site).await);
        }
        let args = injector.args(prepared.inputs());
        let (error, site) = match guard(prepared.name(), || f(args)).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => (error, call.on_error()),
            Err(panic) => (ErasedError::new(panic), panic_site),
        };
        Err(self.errors().fail(error, site).await)
    }
}

/// Observes a streamed body's error, in the request's root span.
struct StreamReporter(Arc<InFlight>);

impl StreamErrorReporter for StreamReporter {
    fn report(self: Box<Self>, error: crate::Error) -> Reporting {
        let span = self.0.scope.span().span().clone();
        Box::pin(async move { self.0.errors().stream_failed(error).instrument(span).await })
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
