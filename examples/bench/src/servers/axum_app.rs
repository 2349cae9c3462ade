//! axum 0.8 in its best-practice error-reporting configuration (the "response extension"
//! workaround): every error is wrapped in [`ApiError`], whose `IntoResponse` stores it in the
//! response's extensions; a middleware inside tower-http's `TraceLayer` reads it back, emits
//! the ERROR event and records the fields on the root span. Extractor rejections are wrapped
//! too ([`AppJson`]), and panics are caught by `CatchPanicLayer` with a handler that does the
//! same.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Path, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::{debug, display};

use crate::common::{self, Echo, ErrorScenario, HELLO, Site, UserPost, Viewer};

/// The error-reporting scenarios this server implements: all of them.
pub const ERROR_SCENARIOS: &[ErrorScenario] = &ErrorScenario::ALL;

/// Serves until the process is killed.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = app().into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).await
}

fn app() -> Router {
    Router::new()
        .route("/plaintext", get(plaintext))
        .route("/cors", get(plaintext).route_layer(CorsLayer::permissive()))
        .route("/users/{id}/posts/{post}", get(user_post))
        .route("/fail", get(fail))
        .route("/echo", post(echo))
        .route("/panic", get(panic))
        .route(
            "/audited/fail",
            get(fail).route_layer(middleware::from_fn(audit)),
        )
        .with_state(Site::new())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(report_errors))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let client = request.extensions().get::<ConnectInfo<SocketAddr>>();
                    let span = common::root_span(request, client.map(|c| c.0.ip()));
                    let route = request.extensions().get::<MatchedPath>();
                    common::record_route(&span, request.method(), route.map(|r| r.as_str()));
                    span
                })
                .on_request(())
                .on_response(|response: &Response, _: Duration, span: &Span| {
                    common::record_status(span, response.status());
                })
                // The default emits an ERROR event without the error's fields for every 5xx:
                // `report_errors` emits the real one.
                .on_failure(()),
        )
}

/// Every error of the application, stored in the response's extensions by `into_response`.
#[derive(Clone)]
pub struct ApiError {
    status: StatusCode,
    error: Arc<dyn std::error::Error + Send + Sync>,
}

impl ApiError {
    fn new(status: StatusCode, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            status,
            error: Arc::new(error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The middleware that reports the error a response carries, inside the root span.
async fn report_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(ApiError { error, .. }) = response.extensions().get::<ApiError>() {
        let chain = common::source_chain(error.as_ref());
        tracing::error!(
            error.msg = %error,
            error.details = ?error,
            error.source_chain = %chain,
            error.type = std::any::type_name_of_val(&**error),
            "an error occurred while serving the request",
        );
        let root = Span::current();
        root.record("error.msg", display(error));
        root.record("error.details", debug(error));
        root.record("error.source_chain", chain.as_str());
        root.record("error.type", std::any::type_name_of_val(&**error));
        root.record("error.count", 1u64);
    }
    response
}

/// A middleware that fails after the handler failed: its error replaces the handler's.
async fn audit(request: Request, next: Next) -> Result<Response, ApiError> {
    let response = next.run(request).await;
    if response.status().is_server_error() {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            common::audit_error(),
        ));
    }
    Ok(response)
}

/// A panic, as an error.
#[derive(Debug, thiserror::Error)]
#[error("the handler panicked: {0}")]
struct Panicked(String);

fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, Panicked(message)).into_response()
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(ACCEPT_LANGUAGE);
        Ok(Viewer::from_header(header.map(|v| v.as_bytes())))
    }
}

/// `axum::Json` whose rejection is wrapped in [`ApiError`], so that it is reported.
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::new(rejection.status(), rejection)),
        }
    }
}

async fn plaintext() -> &'static str {
    HELLO
}

async fn user_post(
    State(site): State<Site>,
    Path((user, post)): Path<(u64, u64)>,
    viewer: Viewer,
) -> Response {
    let body = UserPost::json(user, post, &site, &viewer);
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn fail() -> Result<&'static str, ApiError> {
    Err(ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        common::fetch_error(),
    ))
}

async fn echo(AppJson(echo): AppJson<Echo>) -> String {
    echo.name
}

async fn panic() -> &'static str {
    panic!("the handler gave up")
}
