//! [`Blueprint::layer`](crate::Blueprint::layer): a tower layer around the rest of the
//! pipeline, which it sees as the service [`Pipeline`].

use std::sync::Arc;

use super::{BoxedService, HttpService, ResponseBody};
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

/// The error of a layer that called the rest of the pipeline with a request that lost the
/// extensions of the one it was given: the pipeline cannot find the request it belongs to.
#[derive(Debug, thiserror::Error)]
#[error(
    "the tower layer `{layer}` called the rest of the pipeline with a request that lost the original request's extensions"
)]
pub struct ExtensionsLost {
    layer: &'static str,
}

/// Marks the response the [`Pipeline`] gives a request that lost its extensions.
#[derive(Clone, Copy)]
pub(crate) struct Lost;

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
        L::Service: HttpService<B>,
        B: ResponseBody,
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

    /// Sends `request` through the layer, `next` (how the [`Pipeline`] finds the rest of it)
    /// in its extensions. The layer's error is returned to be handled; so is a request that
    /// reached the rest of the pipeline without `next`.
    ///
    /// Not an `async fn`: its future would hold the request twice, as its argument and in the
    /// call's, and the request is moved into the call before the future is made and boxed.
    pub(crate) fn call<N: Clone + Send + Sync + 'static>(
        &self,
        mut request: http::Request<RequestBody>,
        next: N,
    ) -> impl Future<Output = Result<Response, crate::Error>> + Send + 'static {
        use ::tower::ServiceExt;
        request.extensions_mut().insert(next);
        let mut call = self.service.clone().oneshot(request);
        let layer = self.name;
        async move {
            // Awaited in place (it is `Unpin`): awaiting it by value would copy it first.
            let response = (&mut call).await?;
            match response.extensions().get::<Lost>() {
                Some(Lost) => Err(crate::Error::new(ExtensionsLost { layer })),
                None => Ok(response),
            }
        }
    }
}
