//! Raw hyper 1: a hand-written service on hyper-util's auto connection builder, the practical
//! limit. It keeps the same telemetry as the frameworks (a root span per request, the ERROR
//! event and the root span's error fields for `/fail`), written by hand.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT_LANGUAGE, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tracing::field::{debug, display};

use crate::common::{self, HELLO, Site, UserPost, Viewer};

/// Serves until the process is killed.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let site = Arc::new(Site::new());
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let site = site.clone();
        let builder = builder.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let response = handle(&request, &site, peer.ip());
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn plaintext() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(HELLO.as_bytes())));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn handle(request: &Request<Incoming>, site: &Site, client: IpAddr) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let span = common::root_span(request, Some(client));
    let _entered = span.enter();
    let method = request.method();
    let response = if method != Method::GET {
        common::record_route(&span, method, None);
        status(StatusCode::METHOD_NOT_ALLOWED)
    } else if path == "/plaintext" {
        common::record_route(&span, method, Some("/plaintext"));
        plaintext()
    } else if path == "/cors" {
        common::record_route(&span, method, Some("/cors"));
        let mut response = plaintext();
        for (name, value) in common::PERMISSIVE_CORS {
            let value = HeaderValue::from_static(value);
            response.headers_mut().insert(name, value);
        }
        response
    } else if let Some((user, post)) = user_post_params(path) {
        common::record_route(&span, method, Some("/users/{id}/posts/{post}"));
        match (user.parse(), post.parse()) {
            (Ok(user), Ok(post)) => {
                let viewer = Viewer::from_header(
                    request.headers().get(ACCEPT_LANGUAGE).map(|v| v.as_bytes()),
                );
                let body = UserPost::json(user, post, site, &viewer);
                let mut response = Response::new(Full::new(Bytes::from(body)));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                response
            }
            _ => status(StatusCode::BAD_REQUEST),
        }
    } else if path == "/fail" {
        common::record_route(&span, method, Some("/fail"));
        let error = common::fetch_error();
        let chain = common::source_chain(&error);
        tracing::error!(
            error.msg = %error,
            error.details = ?error,
            error.source_chain = %chain,
            error.type = std::any::type_name_of_val(&error),
            "an error occurred while serving the request",
        );
        span.record("error.msg", display(&error));
        span.record("error.details", debug(&error));
        span.record("error.source_chain", chain.as_str());
        span.record("error.type", std::any::type_name_of_val(&error));
        span.record("error.count", 1u64);
        status(StatusCode::INTERNAL_SERVER_ERROR)
    } else {
        common::record_route(&span, method, None);
        status(StatusCode::NOT_FOUND)
    };
    common::record_status(&span, response.status());
    response
}

/// `/users/{id}/posts/{post}` → the two parameters.
fn user_post_params(path: &str) -> Option<(&str, &str)> {
    let (user, rest) = path.strip_prefix("/users/")?.split_once('/')?;
    let post = rest.strip_prefix("posts/")?;
    (!user.is_empty() && !post.is_empty() && !post.contains('/')).then_some((user, post))
}

fn status(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
