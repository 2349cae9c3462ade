//! actix-web 4 in its best-practice error-reporting configuration: `tracing-actix-web`'s
//! `TracingLogger` with a custom `RootSpanBuilder` that declares the three error fields, and,
//! when the response carries an error, emits the ERROR event and records them on the root
//! span. Application errors are one type ([`AppError`]) that keeps its source chain; the JSON
//! extractor's errors are wrapped in it through `JsonConfig::error_handler`.

use std::future::{Ready, ready};
use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT_LANGUAGE, ContentType};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder, TracingLogger};

use crate::common::{self, Echo, ErrorScenario, HELLO, Site, UserPost, Viewer};

/// The error-reporting scenarios this server implements: all of them.
pub const ERROR_SCENARIOS: &[ErrorScenario] = &ErrorScenario::ALL;

/// Serves until the process is killed, with one worker.
pub fn serve(listener: TcpListener) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let site = web::Data::new(Site::new());
        actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(site.clone())
                .app_data(web::JsonConfig::default().error_handler(|error, _request| {
                    AppError::new(StatusCode::BAD_REQUEST, error).into()
                }))
                .wrap(TracingLogger::<BenchRootSpan>::new())
                .route("/plaintext", web::get().to(plaintext))
                .service(
                    web::resource("/cors")
                        .wrap(
                            common::PERMISSIVE_CORS
                                .into_iter()
                                .fold(DefaultHeaders::new(), |headers, header| headers.add(header)),
                        )
                        .route(web::get().to(plaintext)),
                )
                .route("/users/{id}/posts/{post}", web::get().to(user_post))
                .route("/fail", web::get().to(fail))
                .route("/echo", web::post().to(echo))
                .route("/panic", web::get().to(panic))
                .service(
                    web::resource("/audited/fail")
                        .wrap(from_fn(audit))
                        .route(web::get().to(fail)),
                )
        })
        .workers(1)
        .tcp_nodelay(true)
        .disable_signals()
        .listen(listener)?
        .run()
        .await
    })
}

/// The root span of `tracing-actix-web`, plus the three error fields.
pub struct BenchRootSpan;

impl RootSpanBuilder for BenchRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing_actix_web::root_span!(
            request,
            error.msg = Empty,
            error.details = Empty,
            error.source_chain = Empty
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let error = match outcome {
            Ok(response) => response.response().error(),
            Err(error) => Some(error),
        };
        if let Some(error) = error {
            report(&span, error);
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The ERROR event and the root span's fields for the error a response carries. Only the
/// application's own error type gives its source chain: `ResponseError` has no `source()`.
fn report(span: &Span, error: &actix_web::Error) {
    let (msg, details, chain) = match error.as_error::<AppError>() {
        Some(app) => (
            app.error.to_string(),
            format!("{:?}", app.error),
            common::source_chain(app.error.as_ref()),
        ),
        None => (error.to_string(), format!("{error:?}"), String::new()),
    };
    span.in_scope(|| {
        tracing::error!(
            error.msg = %msg,
            error.details = %details,
            error.source_chain = %chain,
            "an error occurred while serving the request",
        );
    });
    span.record("error.msg", msg.as_str());
    span.record("error.details", details.as_str());
    span.record("error.source_chain", chain.as_str());
}

/// Every error of the application.
pub struct AppError {
    status: StatusCode,
    error: Box<dyn std::error::Error + Send + Sync>,
}

impl AppError {
    fn new(status: StatusCode, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            status,
            error: Box::new(error),
        }
    }
}

impl std::fmt::Debug for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.error, f)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The status alone: the body must not leak the error.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::new(self.status)
    }
}

impl FromRequest for Viewer {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let header = request.headers().get(ACCEPT_LANGUAGE);
        ready(Ok(Viewer::from_header(header.map(|v| v.as_bytes()))))
    }
}

/// A middleware that fails after the handler failed: its error replaces the handler's.
async fn audit(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let response = next.call(request).await?;
    if response.status().is_server_error() {
        return Err(AppError::new(StatusCode::INTERNAL_SERVER_ERROR, common::audit_error()).into());
    }
    Ok(response)
}

async fn plaintext() -> &'static str {
    HELLO
}

async fn user_post(
    site: web::Data<Site>,
    path: web::Path<(u64, u64)>,
    viewer: Viewer,
) -> HttpResponse {
    let (user, post) = path.into_inner();
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(UserPost::json(user, post, &site, &viewer))
}

async fn fail() -> Result<&'static str, AppError> {
    Err(AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        common::fetch_error(),
    ))
}

async fn echo(echo: web::Json<Echo>) -> String {
    echo.into_inner().name
}

async fn panic() -> &'static str {
    panic!("the handler gave up")
}
