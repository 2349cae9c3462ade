//! [`Server`]: serves an [`App`] over HTTP/1.1 and HTTP/2 with hyper (cleartext, or HTTPS with
//! the feature `tls`), and shuts down gracefully.
//!
//! ```no_run
//! use watchful::{Blueprint, Server};
//!
//! # async fn run(bp: Blueprint) -> Result<(), Box<dyn std::error::Error>> {
//! let app = bp.build().await?;
//! // Serves until SIGINT or SIGTERM, then drains in-flight requests.
//! Server::bind("127.0.0.1:8000").await?.serve(app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # HTTPS
//!
//! With the feature `tls`, `Server::bind_tls(addr, config)` (or `.tls(config)` on any server)
//! serves HTTPS with a rustls `ServerConfig` (re-exported as `watchful::server::rustls`):
//! HTTP/2 or HTTP/1.1 as the client chooses by ALPN, `url.scheme` = `https` on every root span.
//! A client whose TLS handshake fails is logged at DEBUG and disconnected; the server goes on.

mod connection;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::App;
use crate::request::ConnectionInfo;

/// rustls, whose `ServerConfig` [`Server::tls`] takes: use this path, so that versions match.
#[cfg(feature = "tls")]
pub use tokio_rustls::rustls;

/// An HTTP server for one [`App`].
///
/// Defaults: `TCP_NODELAY` on every connection, 30 s to read a request's headers, 30 s for
/// in-flight requests to finish on shutdown, at most
/// [`DEFAULT_MAX_CONNECTIONS`](Server::DEFAULT_MAX_CONNECTIONS) open connections, and shutdown
/// on SIGINT or SIGTERM.
///
/// # Shutdown
///
/// When shutdown starts, the listener stops accepting, but the connections already waiting in
/// its backlog are accepted and served. Every response made from then on carries
/// `Connection: close`; a keep-alive connection is closed only once it has been quiet for
/// 250 ms (no request being served, no byte received), so that a request already on its way
/// is served rather than cut off. HTTP/2 connections are sent `GOAWAY`. A client that
/// honours `Connection: close` loses no request.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    header_read_timeout: Duration,
    shutdown_timeout: Duration,
    max_connections: usize,
    handle_signals: bool,
    shutdown: watch::Sender<bool>,
    /// Set by [`Server::tls`]: every connection starts with a TLS handshake.
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::Tls>,
}

/// Asks a running [`Server`] to shut down gracefully. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    /// Stops accepting connections and lets in-flight requests finish.
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}

/// Why [`Server::serve`] stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The handler for SIGINT or SIGTERM could not be installed.
    #[error("failed to listen for shutdown signals")]
    Signals(#[source] io::Error),
    /// In-flight requests were still running when the shutdown timeout expired; their
    /// connections were closed.
    #[error("connections were still busy after the shutdown timeout of {0:?}")]
    ShutdownTimeout(Duration),
}

impl Server {
    /// The default limit on open connections: generous for one process, yet a bound on the
    /// file descriptors a flood of connections can take (raise `ulimit -n` above it).
    pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

    /// Binds a listener to `addr` (port 0 picks a free port; see
    /// [`local_addr`](Server::local_addr)).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        Ok(Self::from_listener(TcpListener::bind(addr).await?))
    }

    /// Serves on a listener bound elsewhere.
    pub fn from_listener(listener: TcpListener) -> Self {
        Self {
            listener,
            header_read_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(30),
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            handle_signals: true,
            shutdown: watch::Sender::new(false),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// How long a client may take to send a request's headers before the connection is
    /// closed: counted from when the connection opens (its TLS handshake included) and, on
    /// HTTP/1, from the end of each response, so that a keep-alive connection left idle that
    /// long is closed too.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long in-flight requests may run once shutdown starts.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The most connections open at once. Past it, the server stops accepting until one
    /// closes: new connections wait in the listener's backlog instead of being accepted and
    /// dropped.
    ///
    /// # Panics
    ///
    /// If `limit` is 0 or above [`Semaphore::MAX_PERMITS`].
    pub fn max_connections(mut self, limit: usize) -> Self {
        assert!(
            (1..=Semaphore::MAX_PERMITS).contains(&limit),
            "max_connections must be between 1 and {}",
            Semaphore::MAX_PERMITS
        );
        self.max_connections = limit;
        self
    }

    /// Whether SIGINT and SIGTERM start a graceful shutdown (on by default).
    pub fn handle_signals(mut self, enabled: bool) -> Self {
        self.handle_signals = enabled;
        self
    }

    /// A handle that starts a graceful shutdown.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// Serves `app` until shutdown is asked for, then stops accepting connections, serves
    /// those already waiting, and waits up to the shutdown timeout for the connections to
    /// finish (see [Shutdown](Server#shutdown)); connections still busy then are closed.
    pub async fn serve(self, app: App) -> Result<(), ServerError> {
        app.log_warnings();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // The header read timeout is the connection's own (see `connection::serve`), cheaper
        // than hyper's: hyper gets no timer, and so keeps none.
        builder.http1().header_read_timeout(None);
        let shared = connection::Shared {
            builder,
            app,
            closing: Arc::new(AtomicBool::new(false)),
            shutdown: self.shutdown.subscribe(),
            silence_limit: self.header_read_timeout,
            #[cfg(feature = "tls")]
            tls: self.tls,
        };
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let mut connections = JoinSet::new();
        let mut shutdown = self.shutdown.subscribe();
        let asked = async move { shutdown.wait_for(|asked| *asked).await.is_ok() };
        let signal = shutdown_signal(self.handle_signals)?;
        tokio::pin!(asked, signal);

        loop {
            tokio::select! {
                (permit, accepted) = accept(&self.listener, &permits) => {
                    if let Some((stream, peer_addr)) = accepted {
                        spawn(&mut connections, &shared, stream, peer_addr, Some(permit));
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                _ = &mut asked => break,
                () = &mut signal => break,
            }
        }

        tracing::info!("shutting down: serving the requests already received");
        shared.closing.store(true, Ordering::Relaxed);
        self.shutdown.send_replace(true);
        accept_backlog(&self.listener, &permits, &mut connections, &shared);
        drop(self.listener);
        let timeout = self.shutdown_timeout;
        let drained = async { while connections.join_next().await.is_some() {} };
        let drained = match tokio::time::timeout(timeout, drained).await {
            Ok(()) => Ok(()),
            Err(_) => {
                connections.shutdown().await;
                Err(ServerError::ShutdownTimeout(timeout))
            }
        };
        // The last requests' spans and metrics are exported before the process can exit.
        #[cfg(feature = "otel")]
        crate::otel::flush().await;
        drained
    }
}

/// HTTPS (feature `tls`).
#[cfg(feature = "tls")]
impl Server {
    /// Binds a listener to `addr` that serves HTTPS with `config`; see [`tls`](Server::tls).
    pub async fn bind_tls(
        addr: impl ToSocketAddrs,
        config: rustls::ServerConfig,
    ) -> io::Result<Self> {
        Ok(Self::bind(addr).await?.tls(config))
    }

    /// Serves HTTPS with `config`: HTTP/2 or HTTP/1.1 as the client chooses by ALPN. A
    /// configuration with no `alpn_protocols` is given `h2` and `http/1.1`; one that names
    /// protocols is kept as it is.
    ///
    /// A failed TLS handshake closes that connection and is logged at DEBUG; the handshake
    /// counts against the [header read timeout](Server::header_read_timeout). The root span's
    /// `url.scheme` is `https`.
    ///
    /// The configuration is rustls' own, re-exported as [`server::rustls`](crate::server::rustls)
    /// so that no version has to match; `ServerConfig::builder()` uses the `ring` provider
    /// unless the application installs another.
    ///
    /// ```no_run
    /// use watchful::server::rustls::ServerConfig;
    /// use watchful::server::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    /// use watchful::{Blueprint, Server};
    ///
    /// # async fn run(
    /// #     bp: Blueprint,
    /// #     certificates: Vec<CertificateDer<'static>>,
    /// #     key: PrivateKeyDer<'static>,
    /// # ) -> Result<(), Box<dyn std::error::Error>> {
    /// let config = ServerConfig::builder()
    ///     .with_no_client_auth()
    ///     .with_single_cert(certificates, key)?;
    /// Server::bind_tls("0.0.0.0:8443", config)
    ///     .await?
    ///     .serve(bp.build().await?)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, config: rustls::ServerConfig) -> Self {
        self.tls = Some(crate::tls::Tls::new(config));
        self
    }
}

/// Waits for a connection slot, then for a connection. `None` when accepting failed
/// (typically out of file descriptors), after a back-off instead of a spin.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> (OwnedSemaphorePermit, Option<(TcpStream, SocketAddr)>) {
    let permit = Arc::clone(permits)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    match listener.accept().await {
        Ok(accepted) => (permit, Some(accepted)),
        Err(error) => {
            tracing::warn!(error = %error, "failed to accept a connection");
            tokio::time::sleep(Duration::from_millis(50)).await;
            (permit, None)
        }
    }
}

/// Accepts, without waiting, the connections already in the listener's backlog: their
/// clients connected before shutdown and may have sent a request. The backlog is bounded by
/// the system, so they are served even past the connection limit.
fn accept_backlog(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    connections: &mut JoinSet<()>,
    shared: &connection::Shared,
) {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    while let Poll::Ready(Ok((stream, peer_addr))) = listener.poll_accept(&mut cx) {
        let permit = Arc::clone(permits).try_acquire_owned().ok();
        spawn(connections, shared, stream, peer_addr, permit);
    }
}

/// Serves an accepted connection in a task of its own, after its TLS handshake when the
/// server serves HTTPS.
fn spawn(
    connections: &mut JoinSet<()>,
    shared: &connection::Shared,
    stream: TcpStream,
    peer_addr: SocketAddr,
    permit: Option<OwnedSemaphorePermit>,
) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(error = %error, "failed to set TCP_NODELAY");
    }
    let local_addr = match stream.local_addr() {
        Ok(local_addr) => local_addr,
        Err(error) => {
            // Only a connection already reset by its peer has no local address.
            tracing::debug!(error = %error, "failed to read a connection's local address");
            return;
        }
    };
    #[cfg(feature = "tls")]
    if let Some(tls) = shared.tls.clone() {
        let (shared, limit) = (shared.clone(), shared.silence_limit);
        connections.spawn(async move {
            if let Some(stream) = tls.accept(stream, limit).await {
                let info = ConnectionInfo {
                    peer_addr,
                    local_addr,
                    scheme: "https",
                };
                connection::serve(shared, stream, info, permit).await;
            }
        });
        return;
    }
    let info = ConnectionInfo {
        peer_addr,
        local_addr,
        scheme: "http",
    };
    connections.spawn(connection::serve(shared.clone(), stream, info, permit));
}

/// Completes on SIGINT or SIGTERM; never, when signals are not handled.
fn shutdown_signal(enabled: bool) -> Result<impl Future<Output = ()>, ServerError> {
    #[cfg(unix)]
    let mut terminate = if enabled {
        let kind = tokio::signal::unix::SignalKind::terminate();
        Some(tokio::signal::unix::signal(kind).map_err(ServerError::Signals)?)
    } else {
        None
    };
    Ok(async move {
        if !enabled {
            return std::future::pending().await;
        }
        #[cfg(unix)]
        let terminate = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            result = tokio::signal::ctrl_c() => {
                if let Err(error) = result {
                    tracing::error!(error = %error, "failed to listen for SIGINT");
                    std::future::pending::<()>().await;
                }
            }
            () = terminate => {}
        }
    })
}
