//! One connection: its hyper service, what it tells the server about its activity, and how it
//! ends on shutdown without losing a request.
//!
//! hyper's own graceful shutdown of an HTTP/1 connection closes it at once when it is idle
//! between requests (`Conn::disable_keep_alive` in `hyper/src/proto/h1/conn.rs`), even if
//! the next request's bytes are already in the socket or half-parsed in hyper's buffer: that
//! request is lost. So shutdown here does not start with it:
//!
//! 1. every response made from then on carries `Connection: close`, after which hyper
//!    closes the connection itself;
//! 2. a connection is told to shut down (hyper's graceful shutdown, which for HTTP/1 now only
//!    closes an idle connection, or turns keep-alive off after the response being written)
//!    once it has been quiet for [`IDLE_GRACE`]: no request being served, and no byte read;
//! 3. HTTP/2 connections get their `GOAWAY` at once: the protocol lets a client know which
//!    requests were taken.

use std::convert::Infallible;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::{CONNECTION, HeaderValue};
use http::{Request, Version};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, watch};

use crate::App;
use crate::request::{ConnectionInfo, RequestBody};

/// How long a connection must stay quiet, once shutdown starts, before it is closed: longer
/// than a client takes to send its next request after reading a response (a round trip).
pub(super) const IDLE_GRACE: Duration = Duration::from_millis(250);

/// What every connection of a server shares.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) builder: auto::Builder<TokioExecutor>,
    pub(super) app: App,
    /// Set when shutdown starts: responses made from then on close their connection.
    pub(super) closing: Arc<AtomicBool>,
    pub(super) shutdown: watch::Receiver<bool>,
    /// How long a connection may stay silent before its first request (or its TLS handshake
    /// may take).
    pub(super) silence_limit: Duration,
    /// Set by [`Server::tls`](super::Server::tls): every connection starts with a handshake.
    #[cfg(feature = "tls")]
    pub(super) tls: Option<crate::tls::Tls>,
}

/// What one connection's service tells its task.
#[derive(Default)]
struct Activity {
    /// Requests handed to the app whose response is not made yet.
    in_flight: AtomicUsize,
    /// Moves on every read that brought bytes and every request started or answered.
    events: AtomicU64,
    /// Whether a request arrived at all.
    served: AtomicBool,
    /// Whether the connection speaks HTTP/2.
    http2: AtomicBool,
}

impl Activity {
    fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    fn bump(&self) {
        self.events.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts a request as in flight until dropped (answered, or abandoned by hyper).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>, version: Version) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.bump();
        if !activity.served.load(Ordering::Relaxed) {
            activity.served.store(true, Ordering::Relaxed);
            activity
                .http2
                .store(version == Version::HTTP_2, Ordering::Relaxed);
        }
        Self(Arc::clone(activity))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.bump();
    }
}

/// Serves one accepted connection until it ends, holding its `permit` (see
/// [`Server::max_connections`](super::Server::max_connections)), if it has one, until then.
pub(super) async fn serve<S>(
    shared: Shared,
    stream: S,
    info: ConnectionInfo,
    permit: Option<OwnedSemaphorePermit>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let _permit = permit;
    let activity = Arc::new(Activity::default());
    let io = Tracked {
        inner: stream,
        activity: Arc::clone(&activity),
    };
    let closing = Arc::clone(&shared.closing);
    let service = service(shared.app.clone(), closing, info, Arc::clone(&activity));
    let connection = shared
        .builder
        .serve_connection_with_upgrades(TokioIo::new(io), service)
        .into_owned();
    let mut connection = pin!(connection);
    let asked = shared.shutdown.clone();
    let mut shutdown = shared.shutdown.clone();
    let shutdown = pin!(shutdown.wait_for(|asked| *asked));
    // hyper times out slow headers, but not a client that sends nothing at all: the protocol
    // detection waits for its first bytes.
    let silence = pin!(tokio::time::sleep(shared.silence_limit));
    let stop = stop(&activity, &asked, shutdown, silence);
    tokio::select! {
        biased;
        result = connection.as_mut() => return log_end(result),
        stop = stop => if let Stop::Silence = stop {
            return tracing::debug!("no request within the header read timeout: closing");
        },
    }
    if !activity.http2.load(Ordering::Relaxed) {
        loop {
            let seen = activity.events();
            tokio::select! {
                result = connection.as_mut() => return log_end(result),
                () = tokio::time::sleep(IDLE_GRACE) => {}
            }
            let quiet =
                activity.events() == seen && activity.in_flight.load(Ordering::Relaxed) == 0;
            if quiet {
                break;
            }
        }
    }
    connection.as_mut().graceful_shutdown();
    log_end(connection.await);
}

/// Why the server ends a connection before the connection ends by itself.
enum Stop {
    /// No request came within the silence limit.
    Silence,
    /// Shutdown started.
    Shutdown,
}

/// Completes when shutdown starts, or when `silence` elapses before the first request.
///
/// Both futures are polled on the first poll, which registers this task's waker with them,
/// and after that only while no request was served yet or once shutdown was asked for (read
/// from `asked`, a receiver of the same channel as `shutdown`'s, which cannot be read while
/// its future borrows it): in between, neither can complete, and a connection's task is woken
/// on every request. The wakers stay registered, and a task's waker stays valid, so the
/// shutdown still wakes the task, and the value it sent is read before the poll is skipped.
fn stop<'a>(
    activity: &'a Activity,
    asked: &'a watch::Receiver<bool>,
    mut shutdown: Pin<&'a mut impl Future>,
    mut silence: Pin<&'a mut tokio::time::Sleep>,
) -> impl Future<Output = Stop> + 'a {
    let mut first = true;
    std::future::poll_fn(move |cx| {
        let served = activity.served.load(Ordering::Relaxed);
        if !first && served && !*asked.borrow() {
            return Poll::Pending;
        }
        first = false;
        if shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Stop::Shutdown);
        }
        if !served && silence.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Stop::Silence);
        }
        Poll::Pending
    })
}

fn log_end(result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(error) = result {
        tracing::debug!(error = %error, "connection closed with an error");
    }
}

/// The hyper service of one connection: every request goes to the app; once shutdown has
/// started, HTTP/1 responses close the connection.
fn service(
    app: App,
    closing: Arc<AtomicBool>,
    connection: ConnectionInfo,
    activity: Arc<Activity>,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = crate::Response,
    Error = Infallible,
    Future = impl Future<Output = Result<crate::Response, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |request: Request<Incoming>| {
        let version = request.version();
        let in_flight = InFlight::start(&activity, version);
        let served = app.handle(request.map(RequestBody::incoming), connection);
        let closing = Arc::clone(&closing);
        async move {
            let mut response = served.await;
            if version != Version::HTTP_2 && closing.load(Ordering::Relaxed) {
                let close = HeaderValue::from_static("close");
                response.headers_mut().insert(CONNECTION, close);
            }
            drop(in_flight);
            Ok(response)
        }
    })
}

pin_project_lite::pin_project! {
    /// A connection's stream, telling its [`Activity`] about every read that brought bytes.
    struct Tracked<S> {
        #[pin]
        inner: S,
        activity: Arc<Activity>,
    }
}

impl<S: AsyncRead> AsyncRead for Tracked<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let polled = this.inner.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bump();
        }
        polled
    }
}

impl<S: AsyncWrite> AsyncWrite for Tracked<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shutdown sent while the connection is idle after a request ends it, however the
    /// server's own bookkeeping of the shutdown is ordered with it.
    #[tokio::test]
    async fn a_shutdown_reaches_a_connection_that_served_a_request() {
        let (sender, receiver) = watch::channel(false);
        let activity = Activity::default();
        let mut waiting = receiver.clone();
        let shutdown = pin!(waiting.wait_for(|asked| *asked));
        let silence = pin!(tokio::time::sleep(Duration::from_secs(3600)));
        let mut stop = pin!(stop(&activity, &receiver, shutdown, silence));
        let first = std::future::poll_fn(|cx| Poll::Ready(stop.as_mut().poll(cx))).await;
        assert!(first.is_pending());

        activity.served.store(true, Ordering::Relaxed);
        let idle = std::future::poll_fn(|cx| Poll::Ready(stop.as_mut().poll(cx))).await;
        assert!(idle.is_pending(), "nothing to stop for yet");

        sender.send_replace(true);
        let stopped = tokio::time::timeout(Duration::from_secs(5), stop).await;
        assert!(matches!(stopped, Ok(Stop::Shutdown)));
    }
}
