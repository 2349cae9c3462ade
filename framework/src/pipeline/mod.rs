//! Serving one request: root span, routing, the route's middleware and handler, and the error
//! path (an error handler, then every observer, in order).
//!
//! `build()` computes a [`RoutePlan`] per route and per fallback; here they run. Every
//! component call is guarded, so that a panic becomes a [`Panic`](crate::error::Panic) error,
//! handled and observed like any other.

mod errors;
mod flight;
mod guard;

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use http::header::{CONTENT_LENGTH, HeaderValue};
use tracing::Instrument;

use crate::app::AppInner;
use crate::component::ComponentMeta;
use crate::di::{
    ConstructStep, HandlerFn, InputPlan, ObserverFn, PostFn, PreFn, RequestValues, WrapFn,
};
use crate::extract::BodySizeLimit;
use crate::request::{
    AllowedMethods, ConnectionInfo, MatchedRoute, RawPathParams, RequestBody, RequestHead,
    RequestId,
};
use crate::response::{Body, Response};
use crate::router::Match;
use crate::telemetry::RootSpan;

pub(crate) use errors::ErrorSite;
use errors::StreamReporter;
use flight::InFlight;

/// Everything needed to serve one route or fallback, computed by `build()`.
pub(crate) struct RoutePlan {
    /// The path template; empty for a fallback.
    pub(crate) route: MatchedRoute,
    /// `METHOD /template`, the root span's `otel.name`; `None` for a fallback.
    pub(crate) otel_name: Option<String>,
    /// The template's parameter names.
    pub(crate) param_names: Vec<Arc<str>>,
    /// How long the middleware and components may take.
    pub(crate) timeout: Option<Duration>,
    pub(crate) body_limit: BodySizeLimit,
    pub(crate) calls: RouteCalls,
}

/// The calls of a route, with their inputs numbered by slot.
pub(crate) struct RouteCalls {
    /// Every construction step the route may run; the calls' `prepare` lists index into it.
    pub(crate) steps: Vec<ConstructStep>,
    /// The middleware, split at each blueprint and each wrapping middleware, outermost first.
    pub(crate) layers: Vec<Layer>,
    /// The route's handler, or the fallback.
    pub(crate) handler: Call<HandlerFn>,
    /// Where an [`InvalidPathParameter`](crate::error::InvalidPathParameter) goes.
    pub(crate) on_bad_path: ErrorSite,
    /// Where a [`RequestTimeout`](crate::error::RequestTimeout) goes.
    pub(crate) on_timeout: ErrorSite,
    /// Where a [`Panic`](crate::error::Panic) goes.
    pub(crate) on_panic: ErrorSite,
    /// The error observers, outermost blueprint first, each in registration order.
    pub(crate) observers: Vec<Prepared<ObserverFn>>,
    pub(crate) slot_count: usize,
}

/// A wrapping middleware (or a nested blueprint's start) and what it encloses up to the next
/// one: the pre-processing middleware that run before the rest, and the post-processing ones
/// that run after it.
#[derive(Default)]
pub(crate) struct Layer {
    pub(crate) wrap: Option<Call<WrapFn>>,
    pub(crate) pre: Vec<Call<PreFn>>,
    pub(crate) post: Vec<Call<PostFn>>,
}

/// A middleware or handler call, and where its errors go.
pub(crate) struct Call<F> {
    pub(crate) prepared: Prepared<F>,
    /// `None` if it cannot fail.
    pub(crate) on_error: Option<ErrorSite>,
}

/// A component call and the steps that build what it needs.
pub(crate) struct Prepared<F> {
    pub(crate) meta: ComponentMeta,
    /// Steps to run first; values already built are not built again.
    pub(crate) prepare: Vec<usize>,
    pub(crate) call: F,
    pub(crate) inputs: Vec<InputPlan>,
}

impl AppInner {
    /// Serves one request, start to end.
    pub(crate) async fn serve(
        self: &Arc<Self>,
        request: http::Request<RequestBody>,
        connection: ConnectionInfo,
    ) -> Response {
        let (parts, body) = request.into_parts();
        let head = RequestHead::from(parts);
        let request_id = RequestId::from_headers(&head.headers);
        let span = RootSpan::open(&head, &request_id, &connection);
        let is_head = head.method == Method::HEAD;

        let served = async {
            let (route, params, allowed) = match self.router.find(&head.method, head.uri.path()) {
                Match::Found { route, params } => (route, Some(params), AllowedMethods(None)),
                Match::MethodNotAllowed { allow } => (
                    self.fallback_for(head.uri.path()),
                    None,
                    AllowedMethods(Some(allow.clone())),
                ),
                Match::NotFound => (
                    self.fallback_for(head.uri.path()),
                    None,
                    AllowedMethods(None),
                ),
            };
            let plan = &self.routes[route];
            match &plan.otel_name {
                Some(otel_name) => span.record_route(Some(plan.route.as_str()), otel_name),
                None => span.record_route(None, head.method.as_str()),
            }
            let (params, bad_path) =
                match params.map(|p| RawPathParams::decode(p, &plan.param_names)) {
                    Some(Ok(params)) => (params, None),
                    Some(Err(error)) => (RawPathParams::default(), Some(error)),
                    None => (RawPathParams::default(), None),
                };
            let values = RequestValues {
                head,
                params,
                route: plan.route.clone(),
                allowed,
                connection,
                request_id: request_id.clone(),
                span: span.clone(),
                body_limit: plan.body_limit,
            };
            let request = InFlight::new(Arc::clone(self), route, values, body, bad_path);
            let response = request.run().await;
            (response, request)
        };
        let (mut response, request) = served.instrument(span.span().clone()).await;

        request.record_errors(&mut response);
        response
            .body_mut()
            .set_error_reporter(|| Box::new(StreamReporter(Arc::clone(&request))));
        span.record_status(response.status());
        response
            .headers_mut()
            .insert(RequestId::HEADER, request_id.0);
        if is_head {
            strip_body(&mut response);
        }
        response
    }

    /// The fallback that serves `path`: the one of the nearest blueprint whose prefix
    /// contains it.
    fn fallback_for(&self, path: &str) -> usize {
        let covers = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        self.fallbacks
            .iter()
            .find(|(prefix, _)| covers(prefix))
            .map_or(self.root_fallback, |(_, route)| *route)
    }
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
