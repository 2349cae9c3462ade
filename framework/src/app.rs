//! [`App`]: a built blueprint, ready to serve requests.

use std::sync::Arc;

use http::Method;
use http::header::{CONTENT_LENGTH, HeaderValue};
use tracing::Instrument;

use crate::blueprint::BuildWarning;
use crate::di::RequestValues;
use crate::pipeline::{InFlight, Runtime, StreamReporter};
use crate::request::{
    AllowedMethods, ConnectionInfo, RawPathParams, RequestBody, RequestHead, RequestId,
};
use crate::response::{Body, Response};
use crate::router::{Match, Router};
use crate::telemetry::RootSpan;

/// A validated application: singletons built, a plan per route. Cheap to clone.
///
/// Serve it with [`Server`](crate::Server), or drive it in tests with
/// [`TestClient`](crate::testing::TestClient).
#[derive(Clone)]
pub struct App {
    inner: Arc<AppInner>,
}

struct AppInner {
    router: Router,
    /// The fallbacks of nested blueprints: their path prefix and plan, longest prefix first.
    fallbacks: Vec<(String, usize)>,
    /// The plan of the root blueprint's fallback.
    root_fallback: usize,
    runtime: Arc<Runtime>,
    warnings: Vec<BuildWarning>,
}

impl App {
    /// An app that routes with `router` to the plans of `runtime`, whose fallbacks are
    /// `fallbacks` (longest prefix first) and `root_fallback`.
    pub(crate) fn new(
        router: Router,
        runtime: Runtime,
        fallbacks: Vec<(String, usize)>,
        root_fallback: usize,
        warnings: Vec<BuildWarning>,
    ) -> Self {
        crate::component::guard::capture_panic_backtraces();
        let inner = AppInner {
            router,
            fallbacks,
            root_fallback,
            runtime: Arc::new(runtime),
            warnings,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// What `build()` accepted but warned about; also logged at WARN when the app starts
    /// serving.
    pub fn warnings(&self) -> &[BuildWarning] {
        &self.inner.warnings
    }

    /// Serves one request: routing, the route's components, error handling and observers,
    /// all inside the request's root span. Never fails: errors become responses.
    ///
    /// The request is routed, its root span opened, its scope built and the pipeline's future
    /// made when this is called; the future returned holds the request in flight, behind an
    /// `Arc`, and the pipeline's state, boxed: a server moves the future it is given several
    /// times (hyper does, from the service call to its dispatcher), and each move of the
    /// unboxed state, near a kilobyte, cost more than the allocation. Boxed here rather than
    /// with what runs after it, the pipeline's future is made in place, not copied into the
    /// state of the future around it when that is first polled.
    pub fn handle(
        &self,
        request: http::Request<RequestBody>,
        connection: ConnectionInfo,
    ) -> impl Future<Output = Response> + Send + use<> {
        let inner = &*self.inner;
        let (parts, body) = request.into_parts();
        let head = RequestHead::from(parts);
        let request_id = RequestId::from_headers(&head.headers);
        // Routed before the span opens: its name, `{method} {route}`, is given at creation.
        let (route, params, allowed) = match inner.router.find(&head.method, head.uri.path()) {
            Match::Found { route, params } => (route, Some(params), AllowedMethods(None)),
            Match::MethodNotAllowed { allow } => (
                inner.fallback_for(head.uri.path()),
                None,
                AllowedMethods(Some(allow.clone())),
            ),
            Match::NotFound => (
                inner.fallback_for(head.uri.path()),
                None,
                AllowedMethods(None),
            ),
        };
        let plan = inner.runtime.plan(route);
        let label = plan.otel_name().map(|label| (plan.route(), label));
        let span = RootSpan::open(&head, &request_id, &connection, label);
        let is_head = head.method == Method::HEAD;
        let (params, bad_path) = match params.map(|p| RawPathParams::decode(p, plan.param_names()))
        {
            Some(Ok(params)) => (params, None),
            Some(Err(error)) => (RawPathParams::default(), Some(error)),
            None => (RawPathParams::default(), None),
        };
        let values = RequestValues {
            head,
            params,
            route: plan.route().clone(),
            allowed,
            connection,
            request_id,
            span,
            body_limit: plan.body_limit(),
            error_format: plan.error_format(),
        };
        let runtime = Arc::clone(&inner.runtime);
        let request = InFlight::new(runtime, route, values, body, bad_path);
        let span = request.scope().span().span().clone();
        let pipeline = Box::pin(Arc::clone(&request).run()).instrument(span);
        async move {
            let mut response = pipeline.await;
            request.errors().record_outcome(&mut response);
            response
                .body_mut()
                .set_error_reporter(|| Box::new(StreamReporter(Arc::clone(&request))));
            #[cfg(feature = "ws")]
            {
                let (span, id) = (request.scope().span(), request.scope().request_id());
                crate::ws::start_session(&mut response, span, id, || {
                    Box::new(StreamReporter(Arc::clone(&request)))
                });
            }
            let request_id = request.scope().request_id().header_value();
            response
                .headers_mut()
                .insert(RequestId::HEADER_NAME, request_id);
            if is_head {
                strip_body(&mut response);
            }
            response
        }
    }

    /// Logs each build warning at WARN.
    pub(crate) fn log_warnings(&self) {
        for warning in self.warnings() {
            tracing::warn!(warning = %warning, "watchful build warning");
        }
    }
}

impl AppInner {
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

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.inner.runtime.route_count())
            .field("warnings", &self.inner.warnings)
            .finish_non_exhaustive()
    }
}
