//! Server-Sent Events: [`Sse`] streams [`Event`]s as `text/event-stream`, with optional
//! [`KeepAlive`] comments while the stream is idle.
//!
//! The stream's error is a request error like any other: once the head is sent it cannot change
//! the status, so it is observed by the route's error observers (one ERROR event with
//! [`LOG_ERROR`](crate::telemetry::LOG_ERROR), with the request id) and the connection is
//! closed, which tells an `EventSource` to reconnect (with the last `id` it saw).
//!
//! Writing a stream needs no extra dependency: [`stream`] is `tokio-stream` (its `StreamExt`,
//! `iter`, and wrappers such as `ReceiverStream` for a channel).
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use watchful::response::sse::stream::{self, StreamExt};
//! use watchful::response::sse::{Event, KeepAlive, Sse};
//! use watchful::{Blueprint, get};
//!
//! #[get("/ticks")]
//! pub fn ticks() -> Sse {
//!     let events = stream::iter(1..=3)
//!         .map(|n| Ok::<_, Infallible>(Event::default().event("tick").data(n.to_string())))
//!         .throttle(Duration::from_secs(1));
//!     Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
//! }
//!
//! let mut bp = Blueprint::new();
//! bp.route(TICKS);
//! ```

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures_core::Stream;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use tokio::time::{Instant, Sleep};

use super::body::{Body, Response};
use super::into_response::IntoResponse;
use crate::error::BoxError;

/// `tokio-stream`, re-exported to write event streams with no extra dependency: `Stream`,
/// `StreamExt` (`map`, `merge`, `throttle`, ...), `iter`, `once`, and `wrappers` (e.g.
/// `ReceiverStream` to stream what a channel receives).
pub use tokio_stream as stream;

/// A `text/event-stream` response: each item of the stream is sent as soon as it is ready.
///
/// The response has `Cache-Control: no-cache`. An `Err` item ends the response: it is observed
/// like a handler's error, then the connection is closed. An [`Event`] that cannot be sent (an
/// `event` name or `id` with a line break) ends it the same way, with an [`InvalidEvent`] error.
///
/// `Sse` is not generic, so that a handler can name what it returns: the stream is boxed.
#[must_use = "an `Sse` does nothing until it is returned as a response"]
pub struct Sse {
    events: EventItems,
    keep_alive: Option<KeepAlive>,
}

/// The events, their errors already wrapped while their type was known (for `error.type`).
type EventItems = Pin<Box<dyn Stream<Item = Result<Event, crate::Error>> + Send>>;

impl Sse {
    /// Streams the events of `stream`.
    pub fn new<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Event, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        use tokio_stream::StreamExt as _;
        Self {
            events: Box::pin(stream.map(|item| item.map_err(crate::Error::new))),
            keep_alive: None,
        }
    }

    /// Sends a comment whenever the stream has been idle for `keep_alive`'s interval, so that
    /// proxies do not close the connection.
    pub fn keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.keep_alive = Some(keep_alive);
        self
    }
}

impl std::fmt::Debug for Sse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sse")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for Sse {
    fn into_response(self) -> Response {
        let timer = self.keep_alive.map(|keep_alive| KeepAliveTimer {
            sleep: Box::pin(tokio::time::sleep(keep_alive.interval)),
            interval: keep_alive.interval,
            comment: keep_alive.comment,
        });
        let body = Body::from_stream(EventStream {
            events: self.events,
            keep_alive: timer,
        });
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

/// One event of an [`Sse`] stream, its fields written in the order they are set.
///
/// ```
/// use std::time::Duration;
/// use watchful::response::sse::Event;
///
/// let event = Event::default()
///     .event("update")
///     .id("42")
///     .retry(Duration::from_secs(3))
///     .data("line one\nline two");
/// # drop(event);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "an event does nothing until a stream yields it"]
pub struct Event {
    buffer: BytesMut,
    invalid: Option<InvalidEvent>,
}

impl Event {
    /// Adds data. Each line of `data` (split at `\n`, `\r\n` or `\r`, as the client splits
    /// them) is a `data:` line; the client joins them with `\n`, and a second call adds lines.
    pub fn data(mut self, data: impl AsRef<str>) -> Self {
        self.lines("data", data.as_ref());
        self
    }

    /// Adds `value` serialised as JSON as the data; JSON has no raw line breaks.
    pub fn json_data(self, value: impl Serialize) -> Result<Self, serde_json::Error> {
        let json = serde_json::to_string(&value)?;
        Ok(self.data(json))
    }

    /// Sets the event's name, which `EventSource.addEventListener` listens for. A name with a
    /// line break makes the event an [`InvalidEvent`].
    pub fn event(mut self, name: impl AsRef<str>) -> Self {
        self.single("event", name.as_ref());
        self
    }

    /// Sets the event's id, which the client sends back in `Last-Event-ID` when it reconnects.
    /// An id with a line break or a NUL makes the event an [`InvalidEvent`].
    pub fn id(mut self, id: impl AsRef<str>) -> Self {
        let id = id.as_ref();
        if id.contains('\0') {
            self.invalid.get_or_insert(InvalidEvent { field: "id" });
        }
        self.single("id", id);
        self
    }

    /// Tells the client how long to wait before reconnecting.
    pub fn retry(mut self, delay: Duration) -> Self {
        self.field("retry", &delay.as_millis().to_string());
        self
    }

    /// Adds a comment, which the client ignores: one `:` line per line of `text`.
    pub fn comment(mut self, text: impl AsRef<str>) -> Self {
        self.lines("", text.as_ref());
        self
    }

    /// A field that holds one line.
    fn single(&mut self, field: &'static str, value: &str) {
        if value.contains(['\n', '\r']) {
            self.invalid.get_or_insert(InvalidEvent { field });
            return;
        }
        self.field(field, value);
    }

    /// A field repeated for each line of `text`.
    fn lines(&mut self, field: &str, text: &str) {
        let mut rest = text;
        loop {
            let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            self.field(field, &rest[..end]);
            let after = &rest[end..];
            let next = after.strip_prefix("\r\n");
            match next.or_else(|| after.strip_prefix(['\n', '\r'])) {
                Some(next) => rest = next,
                None => break,
            }
        }
    }

    /// `field: value`, or `:value` for a comment.
    fn field(&mut self, field: &str, value: &str) {
        self.buffer.put_slice(field.as_bytes());
        self.buffer.put_u8(b':');
        if !field.is_empty() {
            self.buffer.put_u8(b' ');
        }
        self.buffer.put_slice(value.as_bytes());
        self.buffer.put_u8(b'\n');
    }

    /// The event on the wire, ended by its blank line.
    fn finish(mut self) -> Result<Bytes, InvalidEvent> {
        if let Some(invalid) = self.invalid {
            return Err(invalid);
        }
        self.buffer.put_u8(b'\n');
        Ok(self.buffer.freeze())
    }
}

/// An [`Event`] whose `event` name or `id` has a line break (or, for the id, a NUL): it would
/// end the field early, so it is not sent. It ends the stream like the stream's own errors.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the server-sent event's `{field}` field has a line break or a NUL")]
pub struct InvalidEvent {
    field: &'static str,
}

impl InvalidEvent {
    /// The field, `event` or `id`.
    pub fn field(&self) -> &'static str {
        self.field
    }
}

/// Comments sent while an [`Sse`] stream is idle: every 15 seconds with no text, unless set.
///
/// ```
/// use std::time::Duration;
/// use watchful::response::sse::KeepAlive;
///
/// let keep_alive = KeepAlive::new().interval(Duration::from_secs(5)).text("ping");
/// # drop(keep_alive);
/// ```
#[derive(Debug, Clone)]
#[must_use = "a keep-alive does nothing until given to `Sse::keep_alive`"]
pub struct KeepAlive {
    interval: Duration,
    comment: Bytes,
}

impl KeepAlive {
    /// Every 15 seconds, an empty comment.
    pub fn new() -> Self {
        Self {
            interval: Duration::from_secs(15),
            comment: comment(""),
        }
    }

    /// How long the stream may be idle before a comment is sent.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The comment's text.
    pub fn text(mut self, text: impl AsRef<str>) -> Self {
        self.comment = comment(text.as_ref());
        self
    }
}

impl Default for KeepAlive {
    fn default() -> Self {
        Self::new()
    }
}

/// A comment event's bytes; a comment cannot be invalid.
fn comment(text: &str) -> Bytes {
    let mut event = Event::default();
    event.lines("", text);
    event.buffer.put_u8(b'\n');
    event.buffer.freeze()
}

struct KeepAliveTimer {
    sleep: Pin<Box<Sleep>>,
    interval: Duration,
    comment: Bytes,
}

impl KeepAliveTimer {
    /// The stream spoke: the next comment is due a full interval from now.
    fn restart(&mut self) {
        let deadline = Instant::now() + self.interval;
        self.sleep.as_mut().reset(deadline);
    }
}

/// The events as bytes, with keep-alive comments between them.
struct EventStream {
    events: EventItems,
    keep_alive: Option<KeepAliveTimer>,
}

impl Stream for EventStream {
    type Item = Result<Bytes, crate::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.events.as_mut().poll_next(cx) {
            Poll::Ready(item) => {
                if let Some(timer) = &mut this.keep_alive {
                    timer.restart();
                }
                Poll::Ready(item.map(|item| item?.finish().map_err(crate::Error::new)))
            }
            Poll::Pending => {
                let Some(timer) = &mut this.keep_alive else {
                    return Poll::Pending;
                };
                ready!(timer.sleep.as_mut().poll(cx));
                timer.restart();
                Poll::Ready(Some(Ok(timer.comment.clone())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(event: Event) -> String {
        String::from_utf8(event.finish().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn fields_in_order_with_data_split_per_line() {
        let event = Event::default()
            .event("update")
            .id("7")
            .retry(Duration::from_millis(1500))
            .data("a\nb\r\nc\rd");
        assert_eq!(
            wire(event),
            "event: update\nid: 7\nretry: 1500\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
        );
    }

    #[test]
    fn empty_lines_survive() {
        assert_eq!(wire(Event::default().data("")), "data: \n\n");
        assert_eq!(wire(Event::default().data("a\n")), "data: a\ndata: \n\n");
        assert_eq!(
            wire(Event::default().data("\n\nb")),
            "data: \ndata: \ndata: b\n\n"
        );
        assert_eq!(
            wire(Event::default().data("x").data("y")),
            "data: x\ndata: y\n\n"
        );
    }

    #[test]
    fn comments_and_json() {
        assert_eq!(
            wire(Event::default().comment("hi\nthere")),
            ":hi\n:there\n\n"
        );
        assert_eq!(wire(Event::default().comment(" lead")), ": lead\n\n");
        let event = Event::default()
            .json_data(serde_json::json!({"a": "x\ny"}))
            .unwrap();
        assert_eq!(wire(event), "data: {\"a\":\"x\\ny\"}\n\n");
        assert_eq!(&comment("")[..], b":\n\n");
    }

    #[test]
    fn line_breaks_in_single_line_fields_are_rejected() {
        let error = Event::default().event("a\nb").finish().unwrap_err();
        assert_eq!(error.field(), "event");
        let error = Event::default().id("1\r").finish().unwrap_err();
        assert_eq!(error.field(), "id");
        let error = Event::default().id("1\0").finish().unwrap_err();
        assert_eq!(error.field(), "id");
    }
}
