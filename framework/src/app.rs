//! [`App`]: a built blueprint, ready to serve requests.

use std::sync::Arc;

use crate::blueprint::BuildWarning;
use crate::di::Slot;
use crate::pipeline::RoutePlan;
use crate::request::{ConnectionInfo, RequestBody};
use crate::response::Response;
use crate::router::Router;

/// A validated application: singletons built, a plan per route. Cheap to clone.
///
/// Serve it with [`Server`](crate::Server), or drive it in tests with
/// [`TestClient`](crate::testing::TestClient).
#[derive(Clone)]
pub struct App {
    pub(crate) inner: Arc<AppInner>,
}

pub(crate) struct AppInner {
    pub(crate) router: Router,
    /// The plans of the routes, then of the fallbacks.
    pub(crate) routes: Vec<RoutePlan>,
    /// The fallbacks of nested blueprints: their path prefix and plan, longest prefix first.
    pub(crate) fallbacks: Vec<(String, usize)>,
    /// The plan of the root blueprint's fallback.
    pub(crate) root_fallback: usize,
    pub(crate) singletons: Vec<Slot>,
    pub(crate) warnings: Vec<BuildWarning>,
}

impl App {
    /// What `build()` accepted but warned about; also logged at WARN when the app starts
    /// serving.
    pub fn warnings(&self) -> &[BuildWarning] {
        &self.inner.warnings
    }

    /// Serves one request: routing, the route's components, error handling and observers,
    /// all inside the request's root span. Never fails: errors become responses.
    pub async fn handle(
        &self,
        request: http::Request<RequestBody>,
        connection: ConnectionInfo,
    ) -> Response {
        self.inner.serve(request, connection).await
    }

    /// Logs each build warning at WARN.
    pub(crate) fn log_warnings(&self) {
        for warning in self.warnings() {
            tracing::warn!(warning = %warning, "watchful build warning");
        }
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.inner.routes.len())
            .field("warnings", &self.inner.warnings)
            .finish_non_exhaustive()
    }
}
