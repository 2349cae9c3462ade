//! WebSockets (feature `ws`): the [`WebSocketUpgrade`] extractor checks the handshake, and
//! [`on_upgrade`](WebSocketUpgrade::on_upgrade) answers it with a 101 and runs a session on
//! the upgraded connection.
//!
//! Built on `tokio-tungstenite` (the protocol only, on hyper's upgraded connection): it is the
//! WebSocket implementation most of the ecosystem (axum included) uses, so the same crate is
//! also the client in tests, and with no client, TLS or URL features it adds little to
//! compile.
//!
//! # Errors
//!
//! A request that is not a valid handshake is rejected like any extractor's input, with a
//! [`WebSocketUpgradeError`] (400, or 426 for a version other than 13) that is handled and
//! observed. Once the 101 is sent, the session runs in a task of its own: its error (the `Err`
//! its future returns), its panic, or a failed upgrade ([`UpgradeFailed`]) is observed by the
//! route's error observers inside the request's root span, as an error of a streamed body is,
//! and recorded on that span.
//!
//! ```no_run
//! use watchful::telemetry::LOG_ERROR;
//! use watchful::ws::{Message, WebSocket, WebSocketUpgrade};
//! use watchful::{Blueprint, Response, Server, get};
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("the client sent binary data")]
//! pub struct BinaryRefused;
//!
//! #[get("/chat")]
//! pub fn chat(upgrade: WebSocketUpgrade) -> Response {
//!     upgrade
//!         .protocols(["chat.v1"])
//!         .on_upgrade(|mut socket: WebSocket| async move {
//!             while let Some(message) = socket.recv().await {
//!                 match message? {
//!                     Message::Text(text) => socket.send(Message::text(format!("> {text}"))).await?,
//!                     // The error ends the session; LOG_ERROR reports it with the request id.
//!                     Message::Binary(_) => return Err(watchful::Error::new(BinaryRefused)),
//!                     _ => {}
//!                 }
//!             }
//!             Ok(())
//!         })
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut bp = Blueprint::new();
//! bp.error_observer(LOG_ERROR);
//! bp.route(CHAT);
//! Server::bind("127.0.0.1:8000").await?.serve(bp.build().await?).await?;
//! # Ok(())
//! # }
//! ```

mod session;
mod socket;
mod upgrade;

pub(crate) use session::start_session;
pub use session::{SessionResult, UpgradeFailed};
pub use socket::{CloseFrame, Error, Message, Utf8Bytes, WebSocket, close_code};
pub use upgrade::{WebSocketUpgrade, WebSocketUpgradeError};
