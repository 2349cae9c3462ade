//! [`Blueprint::layer`] and [`Blueprint::service`]: tower layers and services in a blueprint.

use std::panic::Location;

use super::Blueprint;
use crate::tower::{HttpService, Pipeline, RegisteredLayer, RegisteredService, ResponseBody};

impl Blueprint {
    /// Wraps this blueprint's routes and fallback (and those of its nested blueprints) in a
    /// `tower` layer, such as tower-http's `CorsLayer`, `CompressionLayer` or
    /// `TimeoutLayer`.
    ///
    /// The layer takes its place among the middleware in registration order: it runs inside
    /// the middleware registered before it and around those registered after it, like a
    /// [`wrap`](Blueprint::wrap) middleware; its inner service is the rest of the pipeline,
    /// a [`Pipeline`]. The request's root span covers it, so a CORS preflight the layer
    /// answers is traced like any request. Its `Service::Error`, or a panic, becomes a
    /// [`watchful::Error`](crate::Error), handled by the blueprint's handler for
    /// `watchful::Error` (or the built-in 500) and observed. A response body the layer
    /// replaces (a compressed one) is streamed. See [`crate::tower`].
    ///
    /// A blueprint without layers pays nothing for them.
    ///
    /// ```
    /// use watchful::testing::TestClient;
    /// use watchful::{Blueprint, get};
    /// use tower_http::cors::CorsLayer;
    ///
    /// #[get("/hello")]
    /// pub fn hello() -> &'static str {
    ///     "hello"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), watchful::BuildError> {
    /// let mut bp = Blueprint::new();
    /// bp.layer(CorsLayer::permissive());
    /// bp.route(HELLO);
    /// let client = TestClient::new(bp.build().await?);
    /// let response = client.get("/hello").header("origin", "https://a.example").send().await;
    /// assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn layer<L, B>(&mut self, layer: L) -> &mut Self
    where
        L: ::tower::Layer<Pipeline> + Send + Sync + 'static,
        L::Service: HttpService<B>,
        B: ResponseBody,
    {
        let position = self.middleware.len();
        let layer = RegisteredLayer::new(layer);
        self.tower_layers.push((position, layer));
        self
    }

    /// Serves every request under `prefix` (the path `prefix` itself and every path below
    /// it, with any method) with a `tower` service, such as tower-http's `ServeDir` or an
    /// axum `Router` being migrated. The service sees the path with the prefix stripped
    /// (`/static/css/app.css` arrives as `/css/app.css`), as with axum's `nest_service`.
    ///
    /// It runs where a route's handler would: inside this blueprint's middleware and layers,
    /// in the request's root span, whose `http.route` is `{prefix}/{*rest}`. Its
    /// `Service::Error`, or a panic, becomes a [`watchful::Error`](crate::Error), handled by
    /// the blueprint's handler for `watchful::Error` (or the built-in 500) and observed.
    /// `build()` rejects a prefix that does not start with `/`, ends with `/`, or whose paths
    /// conflict with a route's.
    ///
    /// ```no_run
    /// use watchful::Blueprint;
    /// use tower_http::services::ServeDir;
    ///
    /// let mut bp = Blueprint::new();
    /// bp.service("/static", ServeDir::new("assets"));
    /// ```
    #[track_caller]
    pub fn service<S, B>(&mut self, prefix: &str, service: S) -> &mut Self
    where
        S: HttpService<B>,
        B: ResponseBody,
    {
        let service = RegisteredService::new(prefix, service, Location::caller());
        self.services.push(service);
        self
    }
}
