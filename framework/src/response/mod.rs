//! Responses: the [`Response`] type, its [`Body`], and [`IntoResponse`] for what handlers return.
//!
//! `Result` is deliberately not a response type: an error reaches the client only through an
//! error handler, which borrows it, so that observers can see it afterwards.
//!
//! What a handler can return:
//!
//! - bodies: `String`, `&'static str` (text), `Vec<u8>`, `Bytes` (octets), [`Json`], [`Html`],
//!   [`Text`], [`Problem`] (RFC 9457 problem details), a [`Body`] (e.g.
//!   [`Body::from_stream`]), [`Sse`](sse::Sse) (Server-Sent Events), `()` (200, empty);
//! - statuses: `StatusCode`, [`NoContent`], [`Redirect`];
//! - a body with parts before it: `(StatusCode, T)`, `(P, T)`, `(StatusCode, P, T)`,
//!   `(P1, P2, T)` and `(StatusCode, P1, P2, T)`, where each `P` is a [`IntoResponseParts`]
//!   (a `HeaderMap`, [`ResponseCookies`]);
//! - anything, with the [`builder`].
//!
//! A response type that cannot be made as asked (a value that does not serialise to JSON, a
//! header value with a newline) does not panic: the response is a 500 whose body says nothing
//! about the cause, and the cause is observed like a handler's error.
//!
//! # Streams and Server-Sent Events
//!
//! A streamed body ([`Body::from_stream`], [`Sse`](sse::Sse)) is sent after the route's
//! pipeline has returned its response: the [request
//! timeout](crate::Blueprint::request_timeout) covers making the response, not streaming it,
//! so an event stream can stay open for as long as the client listens. Its errors come after
//! the head, when the status can no longer change: each is observed by the route's error
//! observers, recorded on the request's root span, and the connection is closed, so the
//! client sees a broken response rather than a silently truncated one (an `EventSource`
//! reconnects, sending the last event id it saw).
//!
//! [`sse`] writes events as the HTML standard defines them (`data` split per line, `event`,
//! `id`, `retry`, comments), with optional keep-alive comments while the stream is idle, and
//! re-exports `tokio-stream` as [`sse::stream`] so that a handler can build its stream (from an
//! iterator, a channel or an interval) with no extra dependency.

mod body;
mod builder;
mod cookies;
mod failure;
mod into_response;
mod problem;
pub mod sse;
mod types;

#[cfg(feature = "openapi")]
pub(crate) use body::with_content_type;
pub use body::{Body, IterStream, Response, iter_stream};
pub(crate) use body::{Reporting, StreamErrorReporter};
pub use builder::{ResponseBuilder, builder};
/// The bytes a [`Body`] is made of.
pub use bytes::Bytes;
pub use cookies::{Cookie, ResponseCookies, SameSite};
pub(crate) use failure::take_failure;
pub use failure::{InvalidResponseHeader, JsonResponseError};
pub use into_response::{IntoResponse, IntoResponseParts};
pub(crate) use problem::ErrorFormat;
pub use problem::Problem;
pub use types::{Html, Json, NoContent, Redirect, Text};

#[cfg(test)]
mod tests;
