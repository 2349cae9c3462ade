//! Serves the Conduit API on `http://127.0.0.1:$PORT/api` (8080 by default) until SIGINT or
//! SIGTERM. Configuration: `DATABASE_URL` (a SQLite file `conduit.db` in the working directory
//! by default, created on first start), `PORT`, `JWT_SECRET` (a development default, with a
//! WARN), `RUST_LOG`, and with the feature `otel`, `OTEL_EXPORTER_OTLP_ENDPOINT`. A failure to
//! start prints its chain of causes on stderr and exits 1.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use conduit::app::{Services, blueprint};
use conduit::config::{Config, ConfigError};
use conduit::db::{ConnectError, Db};
use conduit::password::Passwords;
use conduit::telemetry::{self, TelemetryError};
use conduit::token::{DEFAULT_TOKEN_TTL, TokenError, Tokens};
use watchful::server::ServerError;
use watchful::{BuildError, Server};

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("could not set up logging")]
    Telemetry(#[from] TelemetryError),
    #[error("could not read the configuration")]
    Config(#[from] ConfigError),
    #[error("could not open the database")]
    Database(#[from] ConnectError),
    #[error("JWT_SECRET is not usable")]
    Secret(#[from] TokenError),
    #[error("the application is not valid")]
    Build(#[from] BuildError),
    #[error("could not listen on port {port}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped with an error")]
    Serve(#[from] ServerError),
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), RunError> {
    // Kept until the server has stopped: dropping it flushes the exporters.
    let _telemetry = telemetry::init()?;
    let config = Config::from_env()?;
    tracing::info!(?config, "starting");
    if config.jwt_secret_is_default {
        tracing::warn!(
            "JWT_SECRET is not set: tokens are signed with a development secret that anyone can \
             read in the source; set JWT_SECRET in production"
        );
    }
    let services = Services {
        db: Db::connect(&config.database_url).await?,
        tokens: Tokens::new(config.jwt_secret.as_bytes(), DEFAULT_TOKEN_TTL)?,
        passwords: Passwords::default(),
    };
    let db = services.db.clone();
    let app = blueprint(services).build().await?;
    let port = config.port;
    let bind_error = |source| RunError::Bind { port, source };
    let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(bind_error)?;
    let address = server.local_addr().map_err(bind_error)?;
    tracing::info!(%address, "serving the Conduit API on http://{address}/api (Ctrl+C stops it)");
    server.serve(app).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}
