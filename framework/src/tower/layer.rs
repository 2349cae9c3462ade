//! [`Blueprint::layer`](crate::Blueprint::layer): a tower layer around the rest of the
//! pipeline, which it sees as the service [`Pipeline`].

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::BoxedService;
use crate::component::adapter::BoxFuture;
use crate::error::BoxError;
use crate::pipeline::InFlight;
use crate::request::RequestBody;
use crate::response::Response;

/// The rest of the pipeline, as the service a layer registered with
/// [`Blueprint::layer`](crate::Blueprint::layer) wraps: the middleware registered after the
/// layer, then the route's handler (or the fallback).
///
/// It accepts the request the layer passes on, whatever its body type (a layer may wrap the
/// body, as `RequestBodyLimitLayer` does): its head and body are what the components inside
/// the layer read. It never fails: errors inside it are handled and observed there, and come
/// back as responses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pipeline {
    _private: (),
}

/// Where the request goes on inside a layer: carried in the request's extensions, from the
/// pipeline that called the layer to the [`Pipeline`] service the layer calls.
#[derive(Clone)]
pub(crate) struct Continuation {
    pub(crate) flight: Arc<InFlight>,
    /// The plan layer the layer opens.
    pub(crate) layer: usize,
}

/// The error of a layer that called the rest of the pipeline with a request that lost the
/// extensions of the one it was given: the pipeline cannot find the request it belongs to.
#[derive(Debug, thiserror::Error)]
#[error("the tower layer `{layer}` called the rest of the pipeline with a request that lost the original request's extensions")]
pub struct ExtensionsLost {
    layer: &'static str,
}

/// Marks the response the [`Pipeline`] gives a request without its [`Continuation`].
#[derive(Clone, Copy)]
struct Lost;

impl<B> ::tower::Service<http::Request<B>> for Pipeline
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
        let (mut parts, body) = request.into_parts();
        let Some(next) = parts.extensions.remove::<Continuation>() else {
            let mut response = Response::default();
            *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            response.extensions_mut().insert(Lost);
            return Box::pin(std::future::ready(Ok(response)));
        };
        let request = http::Request::from_parts(parts, RequestBody::new(body));
        let inner = next.flight.resume(next.layer, request);
        Box::pin(async move { Ok(inner.await) })
    }
}

/// A layer as a blueprint keeps it, to apply it to each route it wraps.
#[derive(Clone)]
pub(crate) struct RegisteredLayer {
    apply: Arc<dyn Fn() -> BoxedService + Send + Sync>,
    name: &'static str,
}

impl RegisteredLayer {
    pub(crate) fn new<L, B>(layer: L) -> Self
    where
        L: ::tower::Layer<Pipeline> + Send + Sync + 'static,
        L::Service: ::tower::Service<http::Request<RequestBody>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as ::tower::Service<http::Request<RequestBody>>>::Future: Send + 'static,
        <L::Service as ::tower::Service<http::Request<RequestBody>>>::Error:
            Into<BoxError> + 'static,
        B: http_body::Body + Send + 'static,
        B::Error: Into<BoxError> + 'static,
    {
        Self {
            apply: Arc::new(move || super::boxed(layer.layer(Pipeline::default()))),
            name: std::any::type_name::<L>(),
        }
    }

    /// The layer around a new [`Pipeline`], for one route, where it is tower layer number
    /// `ordinal`.
    pub(crate) fn apply(&self, ordinal: usize) -> LayerService {
        LayerService {
            service: (self.apply)(),
            name: self.name,
            ordinal,
        }
    }
}

/// A layer applied to one route's pipeline.
pub(crate) struct LayerService {
    service: BoxedService,
    name: &'static str,
    /// Its number among the route's tower layers, outermost first.
    ordinal: usize,
}

impl LayerService {
    /// The layer's type, to name it when it panics.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Its number among the route's tower layers, outermost first.
    pub(crate) fn ordinal(&self) -> usize {
        self.ordinal
    }

    /// Sends `request` through the layer, the rest of the pipeline being `next`. The layer's
    /// error is returned to be handled; so is a request that reached the rest of the pipeline
    /// without `next`.
    pub(crate) async fn call(
        &self,
        mut request: http::Request<RequestBody>,
        next: Continuation,
    ) -> Result<Response, crate::Error> {
        use ::tower::ServiceExt;
        request.extensions_mut().insert(next);
        let response = self.service.clone().oneshot(request).await?;
        match response.extensions().get::<Lost>() {
            Some(Lost) => Err(crate::Error::new(ExtensionsLost { layer: self.name })),
            None => Ok(response),
        }
    }
}
