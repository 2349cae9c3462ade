//! [`App`] as a `tower::Service`, to mount it in axum or another tower stack, or to drive it
//! from another server.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::App;
use crate::component::adapter::BoxFuture;
use crate::error::BoxError;
use crate::request::{ConnectionInfo, RequestBody};
use crate::response::Response;

/// Serves requests of any body type, as [`App::handle`] does. The peer address is the
/// [`ConnectionInfo`] in the request's extensions, when something put one there (a `map_request`
/// layer, for instance); otherwise it is `0.0.0.0:0`, the unspecified address.
///
/// ```
/// use watchful::{Blueprint, get};
///
/// #[get("/hello")]
/// pub fn hello() -> &'static str {
///     "hello"
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), watchful::BuildError> {
/// let mut bp = Blueprint::new();
/// bp.route(HELLO);
/// let app = bp.build().await?;
///
/// // Everything under `/v2` is served by watchful, the rest by axum.
/// let router: axum::Router = axum::Router::new()
///     .route("/old", axum::routing::get(|| async { "old" }))
///     .nest_service("/v2", app);
/// # let _ = router;
/// # Ok(())
/// # }
/// ```
impl<B> ::tower::Service<http::Request<B>> for App
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let connection = request
            .extensions()
            .get::<ConnectionInfo>()
            .copied()
            .unwrap_or(ConnectionInfo {
                peer_addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
                local_addr: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
                scheme: "http",
            });
        let served = self.handle(request.map(RequestBody::new), connection);
        Box::pin(async move { Ok(served.await) })
    }
}
