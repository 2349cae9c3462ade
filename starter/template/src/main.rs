//! Runs the application: loads the configuration, sets up logging, builds the app and serves
//! it until SIGINT or SIGTERM, then drains in-flight requests and exits 0. A failure prints its
//! chain of causes on stderr and exits 1.

use std::process::ExitCode;

use starter_template::blueprint::blueprint;
use starter_template::config::{Config, ConfigError};
use starter_template::telemetry::{self, TelemetryError};
use watchful::server::ServerError;
use watchful::{BuildError, Server};

/// Why the application stopped with an error.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error("could not load the configuration")]
    Config(#[from] ConfigError),
    #[error("could not set up logging")]
    Telemetry(#[from] TelemetryError),
    #[error("the application is not valid")]
    Build(#[from] BuildError),
    #[error("could not listen on {address}")]
    Bind {
        address: String,
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
    let config = Config::load()?;
    // Kept until the server has stopped: dropping it flushes the exporters.
    let _telemetry = telemetry::init(&config.telemetry)?;
    telemetry::install_panic_hook();

    let app = blueprint(&config).build().await?;
    let settings = &config.server;
    let bind_error = |source| RunError::Bind {
        address: format!("{}:{}", settings.host, settings.port),
        source,
    };
    let server = Server::bind((settings.host, settings.port))
        .await
        .map_err(bind_error)?
        .shutdown_timeout(settings.shutdown_timeout());
    let address = server.local_addr().map_err(bind_error)?;
    tracing::info!(%address, "listening on http://{address} (Ctrl+C stops the server)");

    server.serve(app).await?;
    tracing::info!("stopped");
    Ok(())
}
