//! # watchful
//!
//! A web framework where error reporting is done right: every error raised while serving a
//! request is turned into a response by an error handler that **borrows** it, and is then seen
//! by every registered **error observer**; its message, details and source chain are recorded
//! on the request's root span.
//!
//! Application code is plain functions with attribute macros; a [`Blueprint`] lists them and
//! [`Blueprint::build`] checks the whole graph at once, like a compiler would.
//!
//! ```
//! use watchful::http::StatusCode;
//! use watchful::request::RawPathParams;
//! use watchful::telemetry::LOG_ERROR;
//! use watchful::testing::TestClient;
//! use watchful::{Blueprint, error_handler, get};
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("no user named `{0}`")]
//! pub struct UnknownUser(String);
//!
//! #[get("/users/{name}")]
//! pub fn get_user(params: &RawPathParams) -> Result<String, UnknownUser> {
//!     match params.get("name") {
//!         Some("ada") => Ok("Ada Lovelace".to_owned()),
//!         other => Err(UnknownUser(other.unwrap_or_default().to_owned())),
//!     }
//! }
//!
//! #[error_handler]
//! pub fn unknown_user(_error: &UnknownUser) -> StatusCode {
//!     StatusCode::NOT_FOUND
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), watchful::BuildError> {
//! let mut bp = Blueprint::new();
//! bp.error_observer(LOG_ERROR); // one ERROR event per error
//! bp.error_handler(UNKNOWN_USER);
//! bp.route(GET_USER);
//! let client = TestClient::new(bp.build().await?);
//!
//! assert_eq!(client.get("/users/ada").send().await.text(), "Ada Lovelace");
//! assert_eq!(client.get("/users/bob").send().await.status(), StatusCode::NOT_FOUND);
//! # Ok(())
//! # }
//! ```
//!
//! # Cargo features
//!
//! Off by default; without them, none of their dependencies is compiled (so the items they add
//! are named here without links).
//!
//! | feature | adds | on |
//! |---|---|---|
//! | `ws` | WebSockets, in the module `watchful::ws`: the `WebSocketUpgrade` extractor, `WebSocket`, `Message`; a session's error or panic is observed like any error | `tokio-tungstenite` |
//! | `tls` | HTTPS: `Server::bind_tls` and `Server::tls`, HTTP/1.1 and HTTP/2 by ALPN, `url.scheme` = `https` | `tokio-rustls` (`ring` provider) |
#![deny(missing_docs)]

// The macros emit `::watchful::...` paths; this makes them resolve inside this crate too.
extern crate self as watchful;

mod app;
pub mod blueprint;
pub mod component;
mod di;
pub mod error;
pub mod extract;
pub mod middleware;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "otel")]
pub mod otel;
mod pipeline;
mod plan;
pub mod request;
mod request_rules;
pub mod response;
mod router;
pub mod server;
mod sync;
pub mod telemetry;
pub mod testing;
#[cfg(feature = "tls")]
mod tls;
pub mod tower;
mod type_name;
#[cfg(feature = "ws")]
pub mod ws;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use app::App;
pub use blueprint::{Blueprint, BuildError, BuildWarning};
pub use error::Error;
pub use http;
pub use response::{IntoResponse, Response};
pub use server::Server;
pub use watchful_macros::{
    delete, error_handler, error_observer, fallback, get, patch, post, post_process, pre_process,
    put, request_scoped, route, singleton, transient, wrap,
};

/// The README's example must compile.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
