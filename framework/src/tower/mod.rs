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
    S: ::tower::Service<http::Request<crate::request::RequestBody>, Response = http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<crate::error::BoxError> + 'static,
    B: http_body::Body + Send + 'static,
    B::Error: Into<crate::error::BoxError> + 'static,
{
    use ::tower::ServiceExt;
    BoxedService::new(
        service
            .map_response(into_response)
            .map_err(crate::Error::new),
    )
}
