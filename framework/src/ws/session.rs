//! A WebSocket session: the callback given to `on_upgrade`, run in a task of its own once the
//! 101 is sent, with its error or panic observed through the request's late-error path.

use std::sync::{Arc, Mutex};

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tracing::Instrument;

use super::socket::WebSocket;
use crate::component::adapter::{BoxFuture, Step};
use crate::component::guard::guard;
use crate::error::BoxError;
use crate::request::RequestId;
use crate::response::{Response, StreamErrorReporter};
use crate::sync::lock;
use crate::telemetry::RootSpan;

/// What the future of a WebSocket session may return: `()`, or `Result<(), E>` whose `Err`
/// is observed like any error.
pub trait SessionResult: Send + 'static {
    /// The session's error, if it failed.
    fn into_result(self) -> Result<(), crate::Error>;
}

impl SessionResult for () {
    fn into_result(self) -> Result<(), crate::Error> {
        Ok(())
    }
}

impl<E> SessionResult for Result<(), E>
where
    E: Into<BoxError> + Send + 'static,
{
    fn into_result(self) -> Result<(), crate::Error> {
        self.map_err(crate::Error::new)
    }
}

/// The connection could not be upgraded after the 101 was sent (the client went away, or the
/// server does not hand over connections).
#[derive(Debug, thiserror::Error)]
#[error("the connection was not upgraded to a WebSocket")]
pub struct UpgradeFailed(#[source] hyper::Error);

/// The name of a session in its span and in the [`Panic`](crate::error::Panic) it may raise.
const SESSION: &str = "WebSocket session";

/// The whole session: the upgrade, then the callback.
type Session = BoxFuture<'static, Result<(), crate::Error>>;

/// A session waiting for its 101 to be sent, carried in the response's extensions (which
/// must be `Clone`, hence the shared slot) until the request is over.
#[derive(Clone)]
pub(super) struct PendingSession(Arc<Mutex<Option<Session>>>);

impl PendingSession {
    pub(super) fn new<F, Fut>(
        on_upgrade: OnUpgrade,
        protocol: Option<http::HeaderValue>,
        config: WebSocketConfig,
        callback: F,
    ) -> Self
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output: SessionResult> + Send + 'static,
    {
        let session = async move {
            let upgraded = on_upgrade.await.map_err(UpgradeFailed)?;
            let stream = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config),
            )
            .await;
            callback(WebSocket::new(stream, protocol))
                .await
                .into_result()
        };
        Self(Arc::new(Mutex::new(Some(Box::pin(session)))))
    }
}

/// Starts the session `response` carries, if any, once the request is over: in a task of its
/// own, under a span that follows from `root`, with its error or panic given to `reporter`.
pub(crate) fn start_session(
    response: &mut Response,
    root: &RootSpan,
    request_id: &RequestId,
    reporter: impl FnOnce() -> Box<dyn StreamErrorReporter>,
) {
    let Some(PendingSession(slot)) = response.extensions_mut().remove::<PendingSession>() else {
        return;
    };
    let Some(session) = lock(&slot).take() else {
        return;
    };
    let span = tracing::info_span!(parent: None, SESSION, request_id = request_id.as_str());
    span.follows_from(root.span());
    let reporter = reporter();
    let task = async move {
        let error = match guard(SESSION, || Step::Pending(session)).await {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error,
            Err(panic) => crate::Error::new(panic),
        };
        reporter.report(error).await;
    };
    tokio::spawn(task.instrument(span));
}

impl std::fmt::Debug for PendingSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSession").finish_non_exhaustive()
    }
}
