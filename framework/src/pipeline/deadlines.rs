//! The two clocks of a request in flight: the request timeout, the server's time to answer,
//! and the body read timeout, the client's time to send its body.
//!
//! The body's clock only matters while the pipeline waits for body bytes, which the body
//! itself tells through a [`BodyWait`]: a handler that never reads the body never meets it.
//! Should the request timeout expire while the pipeline waits for the body, the body is to
//! blame too: the client, not the server, is late.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep, sleep_until};

/// Whether a request's body is being waited for: its last poll found no bytes yet.
#[derive(Debug, Default)]
pub(crate) struct BodyWait(AtomicBool);

impl BodyWait {
    fn is_waiting(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Records whether the body's last poll found no bytes yet.
    pub(crate) fn set_waiting(&self, waiting: bool) {
        self.0.store(waiting, Ordering::Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A body that tells its [`BodyWait`] whether its reader is waiting for bytes.
    pub(crate) struct Watched<B> {
        #[pin]
        body: B,
        wait: Arc<BodyWait>,
    }
}

impl<B> Watched<B> {
    pub(crate) fn new(body: B, wait: Arc<BodyWait>) -> Self {
        Self { body, wait }
    }
}

impl<B: Body<Data = Bytes>> Body for Watched<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.project();
        let polled = this.body.poll_frame(cx);
        this.wait.set_waiting(polled.is_pending());
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The limits a request runs within.
pub(crate) struct Limits<'a> {
    /// The route's request timeout.
    pub(crate) request: Option<Duration>,
    /// The route's body read timeout, and the wait of a body still to arrive (`None` when the
    /// body was complete from the start).
    pub(crate) body: Option<(Duration, &'a BodyWait)>,
}

/// Which clock ran out, and the time it allowed.
pub(crate) enum Late {
    /// The pipeline ran out of the request timeout.
    Server(Duration),
    /// The pipeline was waiting for the body when a timeout ran out.
    Client(Duration),
}

/// Runs `pipeline` within `limits`, counted from `started` (set now if unset). The timers are
/// armed only if the pipeline does not finish when first polled (a sync handler never waits),
/// and then on the heap: the pipeline is borrowed and the fast path's state stays small, since
/// it is part of every request's future.
pub(crate) fn within<'a, F: Future<Output = crate::Response>>(
    pipeline: Pin<&'a mut F>,
    limits: Limits<'a>,
    started: &'a OnceLock<Instant>,
) -> Within<'a, F> {
    Within {
        pipeline,
        limits,
        started,
        timers: None,
    }
}

/// The future of [`within`]: written out rather than `async`, whose state machine kept the
/// limits twice and the timers' locals beside the fast path's.
pub(crate) struct Within<'a, F> {
    pipeline: Pin<&'a mut F>,
    limits: Limits<'a>,
    started: &'a OnceLock<Instant>,
    /// Armed the first time the pipeline waits.
    timers: Option<Timers>,
}

/// The clocks of a pipeline that waited.
struct Timers {
    request: Option<Pin<Box<Sleep>>>,
    body: Option<Pin<Box<Sleep>>>,
    /// Whether the body's clock ran out (it matters only while the body is waited for).
    body_late: bool,
}

impl<F: Future<Output = crate::Response>> Future for Within<'_, F> {
    type Output = Result<crate::Response, Late>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Poll::Ready(response) = this.pipeline.as_mut().poll(cx) {
            return Poll::Ready(Ok(response));
        }
        let limits = &this.limits;
        if limits.request.is_none() && limits.body.is_none() {
            return Poll::Pending;
        }
        let timers = this.timers.get_or_insert_with(|| {
            let start = *this.started.get_or_init(Instant::now);
            let timer = |limit: Duration| Box::pin(sleep_until(start + limit));
            Timers {
                request: limits.request.map(timer),
                body: limits.body.map(|(limit, _)| timer(limit)),
                body_late: false,
            }
        });
        let waiting = limits.body.is_some_and(|(_, wait)| wait.is_waiting());
        if let Some(timer) = &mut timers.body
            && !timers.body_late
        {
            timers.body_late = timer.as_mut().poll(cx).is_ready();
        }
        if let Some((limit, _)) = limits.body
            && timers.body_late
            && waiting
        {
            return Poll::Ready(Err(Late::Client(limit)));
        }
        if let Some(timer) = &mut timers.request
            && let Some(limit) = limits.request
            && timer.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Err(match waiting {
                true => Late::Client(limit),
                false => Late::Server(limit),
            }));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Response;
    use http_body_util::BodyExt;
    use std::pin::pin;

    fn limits(request: u64, body: Option<(u64, &BodyWait)>) -> Limits<'_> {
        Limits {
            request: Some(Duration::from_secs(request)),
            body: body.map(|(secs, wait)| (Duration::from_secs(secs), wait)),
        }
    }

    async fn late(after: u64, limits: Limits<'_>) -> Option<Late> {
        let pipeline = async move {
            tokio::time::sleep(Duration::from_secs(after)).await;
            Response::default()
        };
        within(pin!(pipeline), limits, &OnceLock::new()).await.err()
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_server_meets_the_request_timeout() {
        let wait = BodyWait::default();
        let slow = late(60, limits(30, Some((10, &wait)))).await;
        assert!(matches!(slow, Some(Late::Server(limit)) if limit.as_secs() == 30));
        assert!(late(5, limits(30, Some((10, &wait)))).await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_pipeline_waiting_for_the_body_meets_the_body_timeout() {
        let wait = Arc::new(BodyWait::default());
        let (sender, body) = channel_body();
        let body = Watched::new(body, Arc::clone(&wait));
        let pipeline = async move {
            let _ = body.collect().await;
            Response::default()
        };
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let _ = sender.send(Bytes::from_static(b"some")).await;
            std::future::pending::<()>().await;
        });
        let started = Instant::now();
        let late = within(
            pin!(pipeline),
            limits(30, Some((10, &wait))),
            &OnceLock::new(),
        )
        .await
        .err();
        assert!(matches!(late, Some(Late::Client(limit)) if limit.as_secs() == 10));
        assert_eq!(started.elapsed().as_secs(), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn the_request_timeout_blames_the_client_while_it_waits_for_the_body() {
        let wait = Arc::new(BodyWait::default());
        let (_sender, body) = channel_body();
        let body = Watched::new(body, Arc::clone(&wait));
        let pipeline = async move {
            let _ = body.collect().await;
            Response::default()
        };
        let late = within(
            pin!(pipeline),
            limits(5, Some((10, &wait))),
            &OnceLock::new(),
        )
        .await
        .err();
        assert!(matches!(late, Some(Late::Client(limit)) if limit.as_secs() == 5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_nobody_reads_is_never_late() {
        let wait = BodyWait::default();
        let late = late(
            20,
            Limits {
                request: None,
                body: Some((Duration::from_secs(10), &wait)),
            },
        )
        .await;
        assert!(late.is_none());
    }

    /// A body fed by hand, frame by frame.
    fn channel_body() -> (
        tokio::sync::mpsc::Sender<Bytes>,
        impl Body<Data = Bytes, Error = std::convert::Infallible>,
    ) {
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        let stream = http_body_util::StreamBody::new(ReceiverStream(receiver));
        (sender, stream)
    }

    struct ReceiverStream(tokio::sync::mpsc::Receiver<Bytes>);

    impl futures_core::Stream for ReceiverStream {
        type Item = Result<Frame<Bytes>, std::convert::Infallible>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.0
                .poll_recv(cx)
                .map(|bytes| bytes.map(|b| Ok(Frame::data(b))))
        }
    }
}
