//! tower interoperability: any `tower::Layer` around a blueprint's routes
//! ([`Blueprint::layer`](crate::Blueprint::layer)), any `tower::Service` mounted under a prefix
//! ([`Blueprint::service`](crate::Blueprint::service)), and [`App`](crate::App) as a
//! `tower::Service` itself.
//!
//! Whatever fails inside a layer or a service (its `Service::Error`, a panic) becomes a
//! [`watchful::Error`](crate::Error) and takes the path of every other error: the blueprint's
//! handler for `watchful::Error` (or the built-in 500), then every observer.
//!
#![doc = include_str!("../docs/tower.md")]

mod app_service;
mod body;
mod layer;
mod service;

pub(crate) use body::into_response;
pub use layer::{ExtensionsLost, Pipeline};
pub(crate) use layer::{LayerService, Lost, RegisteredLayer};
pub(crate) use service::{MountedService, REST, RegisteredService};

use crate::error::BoxError;
use crate::request::RequestBody;

/// A `tower::Service` watchful can run in a route: it takes watchful's request, answers an
/// `http::Response` whose body is a [`ResponseBody`], fails with an error that converts into a
/// `BoxError`, and can be cloned and shared between threads. What
/// [`Blueprint::service`](crate::Blueprint::service) mounts, and what a layer given to
/// [`Blueprint::layer`](crate::Blueprint::layer) makes of the [`Pipeline`]. Every service
/// that fits implements it: it names the bounds once.
pub trait HttpService<B: ResponseBody>:
    ::tower::Service<
        http::Request<RequestBody>,
        Response = http::Response<B>,
        Future: Send + 'static,
        Error: Into<BoxError> + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S, B> HttpService<B> for S
where
    B: ResponseBody,
    S: ::tower::Service<http::Request<RequestBody>, Response = http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + 'static,
{
}

/// A response body watchful can stream to the client: any `http_body::Body` that can be sent
/// between threads, whose error converts into a `BoxError` (a failure while streaming it is
/// observed like any error). Every body that fits implements it.
pub trait ResponseBody: http_body::Body<Error: Into<BoxError> + 'static> + Send + 'static {}

impl<B> ResponseBody for B
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<BoxError> + 'static,
{
}

/// A layer or a service as the pipeline runs it: the request's body is watchful's, the
/// response's too, and the error is already a [`watchful::Error`](crate::Error), named after
/// its original type.
pub(crate) type BoxedService = ::tower::util::BoxCloneSyncService<
    http::Request<crate::request::RequestBody>,
    crate::Response,
    crate::Error,
>;

/// Boxes `service`, converting its response body and its error on the way out.
fn boxed<S, B>(service: S) -> BoxedService
where
    S: HttpService<B>,
    B: ResponseBody,
{
    use ::tower::ServiceExt;
    BoxedService::new(
        service
            .map_response(into_response)
            .map_err(crate::Error::new),
    )
}
