//! [`WebSocket`]: an upgraded connection, read and written one [`Message`] at a time.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::{Sink, SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame as TungsteniteClose, frame::coding};
use tokio_tungstenite::tungstenite::{self, Message as TungsteniteMessage};

/// UTF-8 text that shares its bytes: the payload of [`Message::Text`] (tungstenite's type,
/// re-exported so that no version has to match). Converts from `String` and `&'static str`,
/// and dereferences to `str`.
pub use tokio_tungstenite::tungstenite::Utf8Bytes;

/// A WebSocket connection, server side, given to the callback of
/// [`WebSocketUpgrade::on_upgrade`](super::WebSocketUpgrade::on_upgrade).
///
/// Pings are answered by the protocol layer (the pong goes out with the next read or write);
/// they are still returned by [`recv`](WebSocket::recv). It is also a `Stream` of messages and
/// a `Sink` for them, so that `futures::StreamExt::split` can give a reader and a writer to
/// two tasks.
#[derive(Debug)]
pub struct WebSocket {
    inner: WebSocketStream<TokioIo<Upgraded>>,
    protocol: Option<http::HeaderValue>,
}

impl WebSocket {
    pub(super) fn new(
        inner: WebSocketStream<TokioIo<Upgraded>>,
        protocol: Option<http::HeaderValue>,
    ) -> Self {
        Self { inner, protocol }
    }

    /// The next message; `None` once the connection is closed (after the closing handshake,
    /// or when the client went away).
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        self.next().await
    }

    /// Sends `message` and flushes it.
    ///
    /// Sending [`Message::Close`] starts the closing handshake: keep calling
    /// [`recv`](WebSocket::recv) until it returns `None` to complete it.
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        SinkExt::send(self, message).await
    }

    /// The subprotocol chosen with
    /// [`WebSocketUpgrade::protocols`](super::WebSocketUpgrade::protocols), if any.
    pub fn protocol(&self) -> Option<&http::HeaderValue> {
        self.protocol.as_ref()
    }
}

impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let message = match ready!(self.inner.poll_next_unpin(cx)) {
                None => return Poll::Ready(None),
                Some(Err(error)) => return Poll::Ready(Some(Err(Error(error)))),
                Some(Ok(message)) => message,
            };
            // Raw frames are only ever sent, never read: skipping them loses nothing.
            if let Some(message) = Message::from_tungstenite(message) {
                return Poll::Ready(Some(Ok(message)));
            }
        }
    }
}

impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready_unpin(cx).map_err(Error)
    }

    fn start_send(mut self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.inner
            .start_send_unpin(message.into_tungstenite())
            .map_err(Error)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_flush_unpin(cx).map_err(Error)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_close_unpin(cx).map_err(Error)
    }
}

/// A WebSocket message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message: UTF-8, checked on receipt.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping; its payload is at most 125 bytes. The protocol layer answers it by itself.
    Ping(Bytes),
    /// A pong; its payload is at most 125 bytes.
    Pong(Bytes),
    /// A close message, with the reason the peer gave, if any.
    Close(Option<CloseFrame>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Self::Text(text.into())
    }

    /// A binary message.
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Self::Binary(bytes.into())
    }

    fn from_tungstenite(message: TungsteniteMessage) -> Option<Self> {
        Some(match message {
            TungsteniteMessage::Text(text) => Self::Text(text),
            TungsteniteMessage::Binary(bytes) => Self::Binary(bytes),
            TungsteniteMessage::Ping(bytes) => Self::Ping(bytes),
            TungsteniteMessage::Pong(bytes) => Self::Pong(bytes),
            TungsteniteMessage::Close(frame) => Self::Close(frame.map(|frame| CloseFrame {
                code: frame.code.into(),
                reason: frame.reason,
            })),
            TungsteniteMessage::Frame(_) => return None,
        })
    }

    fn into_tungstenite(self) -> TungsteniteMessage {
        match self {
            Self::Text(text) => TungsteniteMessage::Text(text),
            Self::Binary(bytes) => TungsteniteMessage::Binary(bytes),
            Self::Ping(bytes) => TungsteniteMessage::Ping(bytes),
            Self::Pong(bytes) => TungsteniteMessage::Pong(bytes),
            Self::Close(frame) => TungsteniteMessage::Close(frame.map(|frame| TungsteniteClose {
                code: coding::CloseCode::from(frame.code),
                reason: frame.reason,
            })),
        }
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&'static str> for Message {
    fn from(text: &'static str) -> Self {
        Self::text(text)
    }
}

impl From<Bytes> for Message {
    fn from(bytes: Bytes) -> Self {
        Self::Binary(bytes)
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Binary(bytes.into())
    }
}

/// Why a connection is being closed: a close code and a reason, as in RFC 6455 §7.4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The close code, e.g. [`close_code::NORMAL`].
    pub code: u16,
    /// A reason for humans; at most 123 bytes.
    pub reason: Utf8Bytes,
}

/// The close codes of RFC 6455 §7.4.1 that a server sends.
pub mod close_code {
    /// The purpose of the connection is fulfilled.
    pub const NORMAL: u16 = 1000;
    /// The server is going down.
    pub const AWAY: u16 = 1001;
    /// The peer broke the protocol.
    pub const PROTOCOL: u16 = 1002;
    /// The peer sent a kind of data the endpoint cannot accept.
    pub const UNSUPPORTED: u16 = 1003;
    /// A message's data did not match its type (e.g. invalid UTF-8 in a text message).
    pub const INVALID: u16 = 1007;
    /// A message broke the endpoint's policy.
    pub const POLICY: u16 = 1008;
    /// A message was too big to process.
    pub const SIZE: u16 = 1009;
    /// The server met an unexpected condition.
    pub const ERROR: u16 = 1011;
}

/// Reading or writing a WebSocket failed: the connection broke, or the peer broke the protocol.
/// Its source is the protocol layer's error.
#[derive(Debug, thiserror::Error)]
#[error("the WebSocket connection failed")]
pub struct Error(#[source] tungstenite::Error);
