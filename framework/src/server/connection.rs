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
//!
//! The header read timeout is kept here too, not by hyper: hyper's re-arms a timer for every
//! request (a boxed sleep entered into and removed from tokio's timer wheel) and reads the
//! socket once more after every request head to start it, about 1,400 instructions per request.
//! Here one timer per connection is only looked at when it fires, and each response's end
//! costs a clock read (see [`stop`]).

use std::convert::Infallible;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::{CONNECTION, HeaderValue};
use http::{Request, Version};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::time::{Instant, Sleep};

use crate::App;
use crate::request::{ConnectionInfo, RequestBody};
use crate::sync::lock;

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
    /// How long a connection may wait for a request's head: from its start (its TLS handshake
    /// included) or from the end of its previous response (HTTP/1).
    pub(super) silence_limit: Duration,
    /// Set by [`Server::tls`](super::Server::tls): every connection starts with a handshake.
    #[cfg(feature = "tls")]
    pub(super) tls: Option<crate::tls::Tls>,
}

/// What one connection's service tells its task.
struct Activity {
    /// Requests handed to the app whose response is not sent yet.
    in_flight: AtomicUsize,
    /// When the connection started, then when its last response was sent (or abandoned):
    /// where the wait for the next request's head starts. Written once per request, read when
    /// the timer fires: a lock, rather than a time as a number of nanoseconds after a start,
    /// which costs a subtraction and a conversion on every request.
    idle_since: Mutex<Instant>,
    /// Moves on every read that brought bytes and every request started or answered.
    events: AtomicU64,
    /// Whether a request arrived at all.
    served: AtomicBool,
    /// Whether the connection speaks HTTP/2.
    http2: AtomicBool,
}

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
            events: AtomicU64::new(0),
            served: AtomicBool::new(false),
            http2: AtomicBool::new(false),
        }
    }

    fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    fn bump(&self) {
        self.events.fetch_add(1, Ordering::Relaxed);
    }

    /// When a request's head is overdue, given `limit`, as far as is known `now`: `None` when
    /// no head is awaited against a limit (an HTTP/2 connection, which has served a request).
    /// While a request is in flight, its response's end is at least `limit` away.
    fn head_deadline(&self, limit: Duration, now: Instant) -> Option<Instant> {
        if self.http2.load(Ordering::Relaxed) {
            return None;
        }
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Some(now + limit);
        }
        Some(*lock(&self.idle_since) + limit)
    }
}

/// Counts a request as in flight until dropped: once its response was sent, or abandoned by
/// hyper. It lives in the response's body, which hyper drops when it is written out.
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
        let activity = &self.0;
        *lock(&activity.idle_since) = Instant::now();
        activity.in_flight.fetch_sub(1, Ordering::Relaxed);
        activity.bump();
    }
}

/// A response body that holds its request's [`InFlight`] until hyper has written it.
struct Sending {
    body: crate::response::Body,
    _in_flight: InFlight,
}

impl http_body::Body for Sending {
    type Data = bytes::Bytes;
    type Error = crate::error::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
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
    let activity = Arc::new(Activity::new());
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
    let limit = shared.silence_limit;
    let timer = pin!(tokio::time::sleep(limit));
    let stop = stop(&activity, &asked, shutdown, timer, limit);
    tokio::select! {
        biased;
        result = connection.as_mut() => return log_end(result),
        stop = stop => if let Stop::Silence = stop {
            return tracing::debug!("no request head within the header read timeout: closing");
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
    /// No request head came within the header read timeout.
    Silence,
    /// Shutdown started.
    Shutdown,
}

/// Completes when shutdown starts, or when a request's head is overdue: `limit` after the
/// connection started or after its last response was sent, while no request is in flight
/// (on an HTTP/2 connection, only before its first request). That is the header read timeout,
/// which also closes a keep-alive connection left idle for as long.
///
/// The shutdown future is polled on the first poll, which registers this task's waker with it,
/// and after that only while no request was served yet or once shutdown was asked for (seen
/// on `asked`, a receiver of the same channel as `shutdown`'s, which cannot be read while
/// its future borrows it: the channel only ever changes to `true`, so that a change is the
/// shutdown, and a version number tells it without the value's lock): in between, it cannot
/// complete, and a connection's task is woken on every request. Its waker stays registered,
/// and a task's waker stays valid, so the shutdown still wakes the task, and the change it made
/// is seen before the poll is skipped.
///
/// `timer` is set for the first deadline, and is likewise polled only on the first poll and
/// once it has elapsed: then the deadline is worked out again from what the connection did
/// meanwhile, and the timer reset to it, so that a request costs no timer of its own.
fn stop<'a>(
    activity: &'a Activity,
    asked: &'a watch::Receiver<bool>,
    mut shutdown: Pin<&'a mut impl Future>,
    mut timer: Pin<&'a mut Sleep>,
    limit: Duration,
) -> impl Future<Output = Stop> + 'a {
    let mut first = true;
    let mut timed = true;
    std::future::poll_fn(move |cx| {
        let served = activity.served.load(Ordering::Relaxed);
        let changed = || asked.has_changed().unwrap_or(true);
        if (first || !served || changed()) && shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Stop::Shutdown);
        }
        if timed && (first || timer.is_elapsed()) {
            // Unconstrained by tokio's cooperative budget: a poll the budget turned down would
            // leave the timer without this task's waker, and it is not polled again until it
            // has elapsed.
            while Pin::new(&mut tokio::task::unconstrained(timer.as_mut()))
                .poll(cx)
                .is_ready()
            {
                let now = Instant::now();
                match activity.head_deadline(limit, now) {
                    Some(deadline) if deadline <= now => return Poll::Ready(Stop::Silence),
                    Some(deadline) => timer.as_mut().reset(deadline),
                    None => {
                        timed = false;
                        break;
                    }
                }
            }
        }
        first = false;
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
    Response = http::Response<Sending>,
    Error = Infallible,
    Future = impl Future<Output = Result<http::Response<Sending>, Infallible>> + Send,
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
            Ok(response.map(|body| Sending {
                body,
                _in_flight: in_flight,
            }))
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
        let activity = Activity::new();
        let mut waiting = receiver.clone();
        let shutdown = pin!(waiting.wait_for(|asked| *asked));
        let limit = Duration::from_secs(3600);
        let timer = pin!(tokio::time::sleep(limit));
        let mut stop = pin!(stop(&activity, &receiver, shutdown, timer, limit));
        let first = std::future::poll_fn(|cx| Poll::Ready(stop.as_mut().poll(cx))).await;
        assert!(first.is_pending());

        activity.served.store(true, Ordering::Relaxed);
        let idle = std::future::poll_fn(|cx| Poll::Ready(stop.as_mut().poll(cx))).await;
        assert!(idle.is_pending(), "nothing to stop for yet");

        sender.send_replace(true);
        let stopped = tokio::time::timeout(Duration::from_secs(5), stop).await;
        assert!(matches!(stopped, Ok(Stop::Shutdown)));
    }

    /// Polls `stop` until it completes, with tokio's clock paused (it advances when idle).
    async fn stopped_after(stop: impl Future<Output = Stop>) -> (Duration, Stop) {
        let started = Instant::now();
        let stop = stop.await;
        (started.elapsed(), stop)
    }

    /// The header read timeout counts from the end of the last response while no request is in
    /// flight, from the start of the connection before the first one, and not at all while a
    /// request is in flight (its response being made or written).
    #[tokio::test(start_paused = true)]
    async fn a_head_is_overdue_the_limit_after_the_last_response() {
        let (_sender, receiver) = watch::channel(false);
        let activity = Arc::new(Activity::new());
        let limit = Duration::from_secs(30);
        let mut waiting = receiver.clone();
        let shutdown = pin!(waiting.wait_for(|asked| *asked));
        let timer = pin!(tokio::time::sleep(limit));
        let stop = stop(&activity, &receiver, shutdown, timer, limit);

        let requests = async {
            // A first request 10 s in, in flight for 50 s (longer than the limit).
            tokio::time::sleep(Duration::from_secs(10)).await;
            let in_flight = InFlight::start(&activity, Version::HTTP_11);
            tokio::time::sleep(Duration::from_secs(50)).await;
            drop(in_flight);
            std::future::pending::<()>().await
        };
        let (took, stop) = tokio::select! {
            stopped = stopped_after(stop) => stopped,
            () = requests => unreachable!(),
        };
        assert!(matches!(stop, Stop::Silence));
        // The response ended at 60 s; no head came in the 30 s after it.
        assert_eq!(took, Duration::from_secs(90));
    }

    /// An HTTP/2 connection has no header read timeout once it has served a request.
    #[tokio::test(start_paused = true)]
    async fn an_http2_connection_that_served_a_request_has_no_head_deadline() {
        let opened = Instant::now();
        let activity = Activity::new();
        let limit = Duration::from_secs(30);
        assert_eq!(activity.head_deadline(limit, opened), Some(opened + limit));
        let activity = Arc::new(activity);
        drop(InFlight::start(&activity, Version::HTTP_2));
        assert_eq!(activity.head_deadline(limit, Instant::now()), None);
    }
}
