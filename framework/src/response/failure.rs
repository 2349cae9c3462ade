//! Responses that could not be made as asked: a 500 that carries the error for the pipeline.
//!
//! `into_response` cannot fail, yet serialising a body or validating a header can. Rather than
//! panic, the response type answers 500 (a body that says nothing about the error) and leaves the
//! error in a private extension; the pipeline takes it out with [`take_failure`] and observes it.

use std::sync::{Arc, Mutex};

use http::StatusCode;
use http::header::CONTENT_TYPE;

use super::body::{Body, Response, TEXT_PLAIN};
use crate::sync::lock;

/// An error met while making a response, carried by the 500 response that replaced it.
pub(crate) struct ResponseFailure(pub(crate) crate::Error);

/// The extension that holds the failure: extensions must be `Clone`, errors are not.
#[derive(Clone)]
struct FailureSlot(Arc<Mutex<Option<ResponseFailure>>>);

/// A 500 response carrying `error` for the pipeline to observe.
pub(crate) fn failed(error: impl Into<crate::Error>) -> Response {
    let mut response = Response::new(Body::from_bytes("500 Internal Server Error"));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(CONTENT_TYPE, TEXT_PLAIN);
    let failure = ResponseFailure(error.into());
    response
        .extensions_mut()
        .insert(FailureSlot(Arc::new(Mutex::new(Some(failure)))));
    response
}

/// Takes the error a response type met while making `response`, if any; the pipeline observes
/// it like a handler's error. A second call returns `None`.
pub(crate) fn take_failure(response: &mut Response) -> Option<crate::Error> {
    let slot = response.extensions_mut().remove::<FailureSlot>()?;
    let failure = lock(&slot.0).take();
    failure.map(|ResponseFailure(error)| error)
}

/// A [`Json`](super::Json) response whose value could not be serialised.
#[derive(Debug, thiserror::Error)]
#[error("the response value could not be serialised as JSON")]
pub struct JsonResponseError(#[source] pub(crate) serde_json::Error);

/// A header a response type was asked to set is not a valid header value.
#[derive(Debug, thiserror::Error)]
#[error("the response header `{name}` has an invalid value")]
pub struct InvalidResponseHeader {
    pub(crate) name: String,
    #[source]
    pub(crate) source: http::Error,
}

impl InvalidResponseHeader {
    /// The header's name, or the invalid name itself, lossily.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Whether making `response` failed: its status must then stay 500.
pub(crate) fn has_failure(response: &Response) -> bool {
    response.extensions().get::<FailureSlot>().is_some()
}
