//! The way back from a tower layer into the pipeline: the [`Pipeline`] service a layer wraps
//! finds the request it belongs to in the request's extensions.

use std::convert::Infallible;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::flight::Continuation;
use crate::component::adapter::BoxFuture;
use crate::error::BoxError;
use crate::request::RequestBody;
use crate::response::Response;
use crate::tower::{Lost, Pipeline};

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
        next.flight.resume(next.layer, request)
    }
}
