//! A tower service's response, whatever its body type, as a watchful [`Response`].

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use futures_core::Stream;

use crate::error::BoxError;
use crate::response::{Body, Response};

/// Converts the response of a layer or a service. A watchful [`Body`] (what a layer that
/// leaves the body alone returns) is kept as it is; any other body (a `CompressionBody`, a
/// `ServeDir` file) is streamed, and its error, if it fails, is observed like any streamed
/// body's. Trailers are dropped.
pub(crate) fn into_response<B>(response: http::Response<B>) -> Response
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<BoxError> + 'static,
{
    response.map(into_body)
}

fn into_body<B>(body: B) -> Body
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<BoxError> + 'static,
{
    let mut slot = Some(body);
    if let Some(body) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<Body>>() {
        return body.take().unwrap_or_default();
    }
    match slot {
        Some(body) if body.is_end_stream() => Body::empty(),
        Some(body) => Body::from_stream(DataStream { body }),
        None => Body::empty(),
    }
}

pin_project_lite::pin_project! {
    /// The data frames of a body, as a stream of chunks.
    struct DataStream<B> {
        #[pin]
        body: B,
    }
}

impl<B: http_body::Body> Stream for DataStream<B> {
    type Item = Result<Bytes, B::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut body = self.project().body;
        loop {
            let frame = match ready!(body.as_mut().poll_frame(cx)) {
                None => return Poll::Ready(None),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                Some(Ok(frame)) => frame,
            };
            if let Ok(mut data) = frame.into_data() {
                let bytes = data.copy_to_bytes(data.remaining());
                return Poll::Ready(Some(Ok(bytes)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn keeps_watchful_bodies_and_streams_the_others() {
        let kept = into_body(Body::from_bytes("kept"));
        assert_eq!(http_body::Body::size_hint(&kept).exact(), Some(4));

        let other = http_body_util::Full::new(Bytes::from("other"));
        let streamed = into_body(other);
        let bytes = streamed.collect().await.map(|c| c.to_bytes());
        assert_eq!(bytes.ok().as_deref(), Some(&b"other"[..]));

        let empty = into_body(http_body_util::Empty::<Bytes>::new());
        assert!(http_body::Body::is_end_stream(&empty));
    }
}
