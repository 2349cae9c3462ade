//! [`WebSocketUpgrade`]: the extractor that checks a WebSocket handshake (RFC 6455 §4.2.1) and
//! answers it with a 101.

use std::future::Future;

use http::header::{
    CONNECTION, HeaderMap, HeaderName, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::{Method, StatusCode, Version};
use hyper::upgrade::OnUpgrade;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::session::{PendingSession, SessionResult};
use super::socket::WebSocket;
use crate::extract::{FromRequestHead, Rejection};
use crate::request::{RawPathParams, RequestHead};
use crate::response::{IntoResponse, Problem, Response};

/// The only version of the protocol there is (RFC 6455).
const VERSION: &str = "13";

/// A request to open a WebSocket, checked: answer it with
/// [`on_upgrade`](WebSocketUpgrade::on_upgrade).
///
/// A request that is not a valid handshake is a [`WebSocketUpgradeError`]: 400, or 426 for a
/// protocol version other than 13.
///
/// ```no_run
/// use watchful::ws::{Message, WebSocket, WebSocketUpgrade};
/// use watchful::{Blueprint, Response, get};
///
/// #[get("/echo")]
/// pub fn echo(upgrade: WebSocketUpgrade) -> Response {
///     upgrade.on_upgrade(|mut socket: WebSocket| async move {
///         while let Some(message) = socket.recv().await {
///             match message? {
///                 Message::Text(text) => socket.send(Message::Text(text)).await?,
///                 Message::Binary(bytes) => socket.send(Message::Binary(bytes)).await?,
///                 _ => {}
///             }
///         }
///         // An `Err` here is observed by the route's error observers.
///         Ok::<(), watchful::ws::Error>(())
///     })
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(ECHO);
/// ```
#[derive(Debug)]
pub struct WebSocketUpgrade {
    accept: HeaderValue,
    on_upgrade: OnUpgrade,
    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), if any.
    offered: Option<HeaderValue>,
    protocol: Option<HeaderValue>,
    config: WebSocketConfig,
}

impl WebSocketUpgrade {
    /// Chooses the subprotocol: the first one the client offered (in its order of preference)
    /// that is among `supported`. None is chosen when nothing matches; the client then decides
    /// whether to go on.
    pub fn protocols<I>(mut self, supported: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let supported: Vec<I::Item> = supported.into_iter().collect();
        self.protocol = self
            .offered
            .as_ref()
            .and_then(|offered| offered.to_str().ok())
            .into_iter()
            .flat_map(|offered| offered.split(','))
            .map(str::trim)
            .find(|offered| supported.iter().any(|s| s.as_ref() == *offered))
            .and_then(|chosen| HeaderValue::from_str(chosen).ok());
        self
    }

    /// The largest message the session accepts, in bytes (64 MiB unless set): a bigger one
    /// ends the session with an [`Error`](super::Error), which is observed. Frames are limited
    /// to the same size when it is below their own limit of 16 MiB.
    pub fn max_message_size(mut self, max_bytes: usize) -> Self {
        let frame = self
            .config
            .max_frame_size
            .map_or(max_bytes, |f| f.min(max_bytes));
        self.config = self
            .config
            .max_message_size(Some(max_bytes))
            .max_frame_size(Some(frame));
        self
    }

    /// The subprotocol chosen by [`protocols`](WebSocketUpgrade::protocols), if any.
    pub fn selected_protocol(&self) -> Option<&HeaderValue> {
        self.protocol.as_ref()
    }

    /// Answers the handshake with `101 Switching Protocols`; once the response is sent and
    /// the connection upgraded, `callback` runs with the [`WebSocket`] in a task of its own.
    ///
    /// The callback's future returns `()` or `Result<(), E>` for any error type `E`. An
    /// `Err`, a panic in the session, or an upgrade that fails is observed by the route's
    /// error observers like any error, with the request's root span (and so the request id)
    /// around the event; no error handler runs, since the response was already sent. The
    /// session runs under a span named `WebSocket session` (with `request_id`) that follows
    /// from the request's root span; the root span itself stays open until the session ends.
    ///
    /// The request's timeout does not apply to the session, and a graceful shutdown does not
    /// wait for it.
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output: SessionResult> + Send + 'static,
    {
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(SEC_WEBSOCKET_ACCEPT, self.accept);
        if let Some(protocol) = &self.protocol {
            headers.insert(SEC_WEBSOCKET_PROTOCOL, protocol.clone());
        }
        let session = PendingSession::new(self.on_upgrade, self.protocol, self.config, callback);
        let mut response = (StatusCode::SWITCHING_PROTOCOLS, headers, ()).into_response();
        response.extensions_mut().insert(session);
        response
    }
}

impl FromRequestHead for WebSocketUpgrade {
    type Rejection = WebSocketUpgradeError;

    fn from_request_head(
        head: &RequestHead,
        _params: &RawPathParams,
    ) -> Result<Self, WebSocketUpgradeError> {
        use WebSocketUpgradeError as E;
        if head.method != Method::GET {
            return Err(E::MethodNotGet);
        }
        if head.version != Version::HTTP_11 {
            return Err(E::NotHttp11);
        }
        if !has_token(&head.headers, CONNECTION, "upgrade") {
            return Err(E::MissingHeader(CONNECTION, "upgrade"));
        }
        if !has_token(&head.headers, UPGRADE, "websocket") {
            return Err(E::MissingHeader(UPGRADE, "websocket"));
        }
        match head.headers.get(SEC_WEBSOCKET_VERSION) {
            None => return Err(E::MissingHeader(SEC_WEBSOCKET_VERSION, VERSION)),
            Some(version) if version != VERSION => return Err(E::UnsupportedVersion),
            Some(_) => {}
        }
        let key = head.headers.get(SEC_WEBSOCKET_KEY);
        let key = key.filter(|key| is_valid_key(key.as_bytes()));
        let key = key.ok_or(E::InvalidKey)?;
        let on_upgrade = head.extensions.get::<OnUpgrade>().cloned();
        let on_upgrade = on_upgrade.ok_or(E::NotUpgradable)?;
        let accept = derive_accept_key(key.as_bytes());
        Ok(Self {
            accept: HeaderValue::try_from(accept).expect("base64 is a valid header value"),
            on_upgrade,
            offered: head.headers.get(SEC_WEBSOCKET_PROTOCOL).cloned(),
            protocol: None,
            config: WebSocketConfig::default(),
        })
    }
}

/// Whether one of the comma-separated values of the header `name` is `token`, in any case.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|value| value.trim().eq_ignore_ascii_case(token))
}

/// Whether `key` is 16 bytes in base64: 22 digits and `==`, the last digit carrying 2 bits.
fn is_valid_key(key: &[u8]) -> bool {
    let is_digit = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    key.len() == 24
        && key[..22].iter().all(is_digit)
        && matches!(key[21], b'A' | b'Q' | b'g' | b'w')
        && &key[22..] == b"=="
}

/// A request that is not a valid WebSocket handshake.
///
/// Default response: 400 saying what is wrong, or 426 with `Sec-WebSocket-Version: 13` and
/// `Upgrade: websocket` for [`UnsupportedVersion`](WebSocketUpgradeError::UnsupportedVersion)
/// and [`NotUpgradable`](WebSocketUpgradeError::NotUpgradable).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebSocketUpgradeError {
    /// The method is not GET.
    #[error("a WebSocket handshake uses the GET method")]
    MethodNotGet,
    /// The request is not HTTP/1.1 (WebSockets over HTTP/2 are not supported).
    #[error("a WebSocket handshake is an HTTP/1.1 request")]
    NotHttp11,
    /// A header the handshake needs is missing, or does not have the token it must have.
    #[error("a WebSocket handshake needs the header `{0}: {1}`")]
    MissingHeader(HeaderName, &'static str),
    /// `Sec-WebSocket-Key` is missing or is not 16 bytes in base64.
    #[error("`sec-websocket-key` is missing or is not 16 bytes in base64")]
    InvalidKey,
    /// `Sec-WebSocket-Version` is not 13, the only version.
    #[error("unsupported WebSocket version: only version 13 is supported")]
    UnsupportedVersion,
    /// The server did not hand over the connection (hyper's `OnUpgrade` is not in the request's
    /// extensions): e.g. a [`TestClient`](crate::testing::TestClient) request.
    #[error("this connection cannot be upgraded to a WebSocket")]
    NotUpgradable,
}

impl Rejection for WebSocketUpgradeError {
    fn problem(&self) -> Problem {
        let status = match self {
            Self::UnsupportedVersion | Self::NotUpgradable => StatusCode::UPGRADE_REQUIRED,
            _ => StatusCode::BAD_REQUEST,
        };
        let problem = crate::extract::rejection_problem(status, self);
        if status != StatusCode::UPGRADE_REQUIRED {
            return problem;
        }
        problem
            .header(UPGRADE, HeaderValue::from_static("websocket"))
            .header(SEC_WEBSOCKET_VERSION, HeaderValue::from_static(VERSION))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(edit: impl FnOnce(&mut RequestHead)) -> RequestHead {
        let mut request = http::Request::get("/ws")
            .header("connection", "keep-alive, Upgrade")
            .header("upgrade", "WebSocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .body(())
            .unwrap();
        request
            .extensions_mut()
            .insert(hyper::upgrade::on(http::Request::new(())));
        let mut head = RequestHead::from(request.into_parts().0);
        edit(&mut head);
        head
    }

    fn check(head: RequestHead) -> Result<WebSocketUpgrade, WebSocketUpgradeError> {
        WebSocketUpgrade::from_request_head(&head, &RawPathParams::default())
    }

    #[test]
    fn accepts_the_rfc_example_and_derives_its_accept_key() {
        let upgrade = check(head(|_| {})).unwrap();
        // RFC 6455 §1.3.
        assert_eq!(upgrade.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn rejects_each_broken_part_with_its_status() {
        use WebSocketUpgradeError as E;
        let remove = |name: HeaderName| move |head: &mut RequestHead| _ = head.headers.remove(name);
        let set = |name: HeaderName, value: &'static str| {
            move |head: &mut RequestHead| {
                head.headers.insert(name, HeaderValue::from_static(value));
            }
        };
        type Edit = Box<dyn FnOnce(&mut RequestHead)>;
        let cases: Vec<(Edit, StatusCode)> = vec![
            (
                Box::new(|h| h.method = Method::POST),
                StatusCode::BAD_REQUEST,
            ),
            (
                Box::new(|h| h.version = Version::HTTP_2),
                StatusCode::BAD_REQUEST,
            ),
            (Box::new(remove(CONNECTION)), StatusCode::BAD_REQUEST),
            (Box::new(set(CONNECTION, "close")), StatusCode::BAD_REQUEST),
            (Box::new(set(UPGRADE, "h2c")), StatusCode::BAD_REQUEST),
            (
                Box::new(remove(SEC_WEBSOCKET_VERSION)),
                StatusCode::BAD_REQUEST,
            ),
            (
                Box::new(set(SEC_WEBSOCKET_VERSION, "8")),
                StatusCode::UPGRADE_REQUIRED,
            ),
            (Box::new(remove(SEC_WEBSOCKET_KEY)), StatusCode::BAD_REQUEST),
            (
                Box::new(set(SEC_WEBSOCKET_KEY, "short==")),
                StatusCode::BAD_REQUEST,
            ),
            // 24 characters, but the last digit carries bits past the 16th byte.
            (
                Box::new(set(SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZB==")),
                StatusCode::BAD_REQUEST,
            ),
            (
                Box::new(|h| h.extensions.clear()),
                StatusCode::UPGRADE_REQUIRED,
            ),
        ];
        for (index, (edit, status)) in cases.into_iter().enumerate() {
            let error = check(head(edit)).expect_err(&format!("case {index}"));
            let response = error.problem().into_text_response();
            assert_eq!(response.status(), status, "case {index}: {error}");
            if status == StatusCode::UPGRADE_REQUIRED {
                assert_eq!(response.headers()[SEC_WEBSOCKET_VERSION], "13");
                assert!(matches!(error, E::UnsupportedVersion | E::NotUpgradable));
            }
        }
    }

    #[test]
    fn chooses_the_first_offered_protocol_that_is_supported() {
        let offer = |value: &'static str| {
            head(move |head| {
                head.headers
                    .insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(value));
            })
        };
        let chosen = check(offer("mqtt, graphql-ws, chat")).unwrap();
        let chosen = chosen.protocols(["chat", "graphql-ws"]);
        assert_eq!(chosen.selected_protocol().unwrap(), "graphql-ws");
        let none = check(offer("mqtt")).unwrap().protocols(["chat"]);
        assert_eq!(none.selected_protocol(), None);
        let not_offered = check(head(|_| {})).unwrap().protocols(["chat"]);
        assert_eq!(not_offered.selected_protocol(), None);
    }
}
