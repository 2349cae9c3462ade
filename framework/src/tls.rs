//! HTTPS (feature `tls`): the TLS handshake of each accepted connection, with rustls through
//! `tokio-rustls` (with the `ring` provider), before the connection is served as usual.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;

/// The protocols offered by ALPN when the configuration names none, in order of preference.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The TLS side of a [`Server`](crate::Server): one shared configuration for every connection.
#[derive(Clone)]
pub(crate) struct Tls(TlsAcceptor);

impl Tls {
    /// The acceptor for `config`, which gets ALPN for HTTP/2 and HTTP/1.1 if it names none.
    pub(crate) fn new(mut config: ServerConfig) -> Self {
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
