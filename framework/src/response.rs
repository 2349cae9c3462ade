//! Responses: the [`Response`] type, its [`Body`], and [`IntoResponse`] for what handlers return.
//!
//! `Result` is deliberately not a response type: an error reaches the client only through an
//! error handler, which borrows it, so that observers can see it afterwards.

use std::borrow::Cow;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};
use http_body::{Frame, SizeHint};

/// An HTTP response with a watchful [`Body`].
pub type Response = http::Response<Body>;

/// A response body held in memory.
#[derive(Debug, Default, Clone)]
pub struct Body {
    data: Option<Bytes>,
}

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A body with the given bytes.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Self {
            data: (!bytes.is_empty()).then_some(bytes),
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.data.take().map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |data| data.len() as u64))
    }
}

/// Converts a value into a [`Response`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a response type",
    label = "this is returned by a handler or an error handler",
    note = "return a `Response`, `StatusCode`, `String`, `&'static str`, `Vec<u8>`, `Bytes`, or `(StatusCode, T)`; a handler that can fail returns `Result<R, E>`, spelled with a type named `Result`"
)]
pub trait IntoResponse {
    /// Makes the response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = self;
        response
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        StatusCode::OK.into_response()
    }
}

fn with_content_type(body: Bytes, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from_bytes(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

const TEXT: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_content_type(Bytes::from_static(self.as_bytes()), TEXT)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_content_type(Bytes::from(self), TEXT)
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(text) => text.into_response(),
            Cow::Owned(text) => text.into_response(),
        }
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_content_type(Bytes::from(self), OCTETS)
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response {
        with_content_type(Bytes::from_static(self), OCTETS)
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_content_type(self, OCTETS)
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        *response.status_mut() = self.0;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn text(response: Response) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn conversions_set_status_type_and_body() {
        let response = (StatusCode::CREATED, "made").into_response();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[CONTENT_TYPE], TEXT);
        assert_eq!(text(response).await, "made");

        let response = vec![1u8, 2].into_response();
        assert_eq!(response.headers()[CONTENT_TYPE], OCTETS);

        let response = StatusCode::NO_CONTENT.into_response();
        assert!(http_body::Body::is_end_stream(response.body()));
    }
}
