//! HTTPS (feature `tls`): the TLS handshake of each accepted connection, with rustls through
//! `tokio-rustls` (with the `ring` provider), before the connection is served as usual.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;

use crate::Server;

/// The protocols offered by ALPN when the configuration names none, in order of preference.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The TLS side of a [`Server`]: one shared configuration for every connection.
#[derive(Clone)]
pub(crate) struct Tls(TlsAcceptor);

impl Tls {
    fn new(mut config: ServerConfig) -> Self {
        if config.alpn_protocols.is_empty() {
            config.alpn_protocols = ALPN.iter().map(|protocol| protocol.to_vec()).collect();
        }
        Self(TlsAcceptor::from(Arc::new(config)))
    }

    /// The TLS stream over `stream` once the handshake is done; `None` when it fails or takes
    /// longer than `limit`, which is logged at DEBUG: a client's bad handshake is its own
    /// business, and the server goes on.
    pub(crate) async fn accept(
        &self,
        stream: TcpStream,
        limit: Duration,
    ) -> Option<TlsStream<TcpStream>> {
        match tokio::time::timeout(limit, self.0.accept(stream)).await {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(error)) => {
                tracing::debug!(error = %error, "TLS handshake failed: closing");
                None
            }
            Err(_) => {
                tracing::debug!("no TLS handshake within the header read timeout: closing");
                None
            }
        }
    }
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// HTTPS (feature `tls`).
impl Server {
    /// Binds a listener to `addr` that serves HTTPS with `config`; see [`tls`](Server::tls).
    pub async fn bind_tls(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<Self> {
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
    pub fn tls(mut self, config: ServerConfig) -> Self {
        self.tls = Some(Tls::new(config));
        self
    }
}
