//! [`Body`]: bytes held in memory, or a stream whose errors are reported rather than lost.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use http::header::{CONTENT_TYPE, HeaderValue};
use http_body::{Frame, SizeHint};
use sync_wrapper::SyncWrapper;

use crate::error::BoxError;

/// An HTTP response with a watchful [`Body`].
pub type Response = http::Response<Body>;

/// The content type of text bodies, and of watchful's own error bodies.
pub(crate) const TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// A response with `body` and its `Content-Type`. Content types are constants: made with
/// `HeaderValue::from_static` at run time, a value is checked byte by byte on every response.
pub(crate) fn with_content_type(body: Body, content_type: HeaderValue) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}

/// A response body: bytes held in memory, or a stream of chunks.
///
/// A stream that fails after the head was sent cannot change the status. Its error is handed to
/// the pipeline, which observes it like any other, and then returned to the server, which closes
/// the connection: the client sees a broken response, not a silently truncated one.
#[derive(Default)]
pub struct Body {
    kind: Kind,
}

#[derive(Default)]
enum Kind {
    #[default]
    Empty,
    Full(Bytes),
    // `SyncWrapper` makes `Body` `Sync`: the stream is only ever used through `&mut`.
    Stream(SyncWrapper<Streaming>),
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, crate::Error>> + Send>>;

/// The future of a reporter; the body knows nothing of what runs in it.
pub(crate) type Reporting = Pin<Box<dyn Future<Output = ()> + Send>>;

struct Streaming {
    stream: ChunkStream,
    reporter: Option<Box<dyn StreamErrorReporter>>,
    /// The reporter's future, running before the error is returned.
    reporting: Option<Reporting>,
    done: bool,
}

/// Where a streamed body's error goes before the connection is closed: the pipeline sets one
/// that runs the route's error observers.
pub(crate) trait StreamErrorReporter: Send + Sync + 'static {
    /// Reports `error`; the body waits for the returned future before failing.
    fn report(self: Box<Self>, error: crate::Error) -> Reporting;
}

/// What the server sees once a streamed body's error was given to the reporter, which owns it.
#[derive(Debug, thiserror::Error)]
#[error("the response body stream failed after the head was sent; the error was reported")]
struct StreamAborted;

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A body with the given bytes.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Self::empty();
        }
        Self {
            kind: Kind::Full(bytes),
        }
    }

    /// A body sent chunk by chunk as `stream` yields them, with no `Content-Length`.
    ///
    /// An error from the stream ends the response: it is observed (with the route's error
    /// observers) and the connection is closed.
    ///
    /// ```
    /// use watchful::response::Bytes;
    /// use watchful::response::Body;
    ///
    /// let chunks = [Ok::<_, std::io::Error>(Bytes::from("a")), Ok(Bytes::from("b"))];
    /// let body = Body::from_stream(watchful::response::iter_stream(chunks));
    /// # drop(body);
    /// ```
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<crate::error::BoxError> + 'static,
    {
        let stream = MapErr { stream };
        Self {
            kind: Kind::Stream(SyncWrapper::new(Streaming {
                stream: Box::pin(stream),
                reporter: None,
                reporting: None,
                done: false,
            })),
        }
    }

    /// Sets where a streamed body's error goes. In-memory bodies cannot fail: `reporter` is
    /// not even called for them.
    pub(crate) fn set_error_reporter(
        &mut self,
        reporter: impl FnOnce() -> Box<dyn StreamErrorReporter>,
    ) {
        if let Kind::Stream(streaming) = &mut self.kind {
            streaming.get_mut().reporter = Some(reporter());
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Empty => f.write_str("Body::Empty"),
            Kind::Full(bytes) => f.debug_tuple("Body::Full").field(&bytes.len()).finish(),
            Kind::Stream(_) => f.write_str("Body::Stream"),
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.kind {
            Kind::Empty => Poll::Ready(None),
            Kind::Full(_) => match std::mem::take(&mut self.kind) {
                Kind::Full(bytes) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
                _ => Poll::Ready(None),
            },
            Kind::Stream(streaming) => {
                let streaming = streaming.get_mut();
                let frame = streaming.poll_frame(cx);
                // Once over, the body is empty, which `&self` methods can tell.
                if streaming.done && streaming.reporting.is_none() {
                    self.kind = Kind::Empty;
                }
                frame
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Full(_) | Kind::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(bytes) => SizeHint::with_exact(bytes.len() as u64),
            Kind::Stream(_) => SizeHint::default(),
        }
    }
}

impl Streaming {
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(reporting) = &mut self.reporting {
            ready!(reporting.as_mut().poll(cx));
            self.reporting = None;
            return Poll::Ready(Some(Err(Box::new(StreamAborted))));
        }
        if self.done {
            return Poll::Ready(None);
        }
        loop {
            match ready!(self.stream.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) if chunk.is_empty() => continue,
                Some(Ok(chunk)) => return Poll::Ready(Some(Ok(Frame::data(chunk)))),
                None => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Some(Err(error)) => {
                    self.done = true;
                    let Some(reporter) = self.reporter.take() else {
                        return Poll::Ready(Some(Err(error.into())));
                    };
                    self.reporting = Some(reporter.report(error));
                    return self.poll_frame(cx);
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// Wraps each error into a [`crate::Error`] while its type is still known, for `error.type`.
    struct MapErr<S> {
        #[pin]
        stream: S,
    }
}

impl<S, E> Stream for MapErr<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError> + 'static,
{
    type Item = Result<Bytes, crate::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(self.project().stream.poll_next(cx));
        Poll::Ready(item.map(|result| result.map_err(crate::Error::new)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}

/// A stream over the items of an iterator, ready at once: handy for [`Body::from_stream`] in
/// tests and examples.
pub fn iter_stream<I: IntoIterator>(items: I) -> IterStream<I::IntoIter> {
    IterStream {
        items: items.into_iter(),
    }
}

/// The stream returned by [`iter_stream`].
#[derive(Debug, Clone)]
pub struct IterStream<I> {
    items: I,
}

impl<I: Iterator + Unpin> Stream for IterStream<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.items.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

macro_rules! body_from {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Body {
            fn from(value: $ty) -> Self {
                Self::from_bytes(value)
            }
        }
    )*};
}

body_from!(Bytes, String, &'static str, Vec<u8>, &'static [u8]);

impl From<std::borrow::Cow<'static, str>> for Body {
    fn from(value: std::borrow::Cow<'static, str>) -> Self {
        match value {
            std::borrow::Cow::Borrowed(text) => Self::from_bytes(text),
            std::borrow::Cow::Owned(text) => Self::from_bytes(text),
        }
    }
}
