//! Logs as the starter writes them: every event and every closed span as one JSON line on
//! stdout, filtered by `RUST_LOG` (`info` when unset). Each request ends with the line of its
//! root span, `HTTP request`, with its fields (`http.route`, `http.response.status_code`,
//! `request_id`, and `error.*` when an error produced the response); each error also has the
//! ERROR line of `LOG_ERROR`.
//!
//! Built with the feature `otel`, traces, metrics and logs are also exported with OTLP over
//! HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (see `watchful::otel::init` for the other
//! `OTEL_*` variables).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` is not a filter.
    #[error("RUST_LOG={0:?} is not a valid log filter")]
    InvalidFilter(String, #[source] tracing_subscriber::filter::ParseError),
    /// Another global subscriber was installed first.
    #[error("logging was already initialised")]
    AlreadyInitialised(#[source] tracing_subscriber::util::TryInitError),
    /// The OpenTelemetry exporters could not be set up.
    #[cfg(feature = "otel")]
    #[error("could not set up the OpenTelemetry export")]
    Otel(#[source] watchful::otel::OtelError),
}

/// Keeps the OpenTelemetry exporters, if any, alive: dropping it flushes and stops them.
#[derive(Debug)]
pub struct TelemetryGuard {
    #[cfg(feature = "otel")]
    _otel: Option<watchful::otel::OtelGuard>,
}

/// Installs the global subscriber.
pub fn init() -> Result<TelemetryGuard, TelemetryError> {
    let filter = match std::env::var(EnvFilter::DEFAULT_ENV) {
        Ok(filter) => EnvFilter::try_new(&filter)
            .map_err(|source| TelemetryError::InvalidFilter(filter, source))?,
        Err(_) => EnvFilter::new("info"),
    };
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_span_events(FmtSpan::CLOSE);
    let subscriber = tracing_subscriber::registry().with(filter).with(json);
    let exporting = std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
    #[cfg(feature = "otel")]
    {
        let otel = exporting
            .then(watchful::otel::init)
            .transpose()
            .map_err(TelemetryError::Otel)?;
        subscriber
            .with(otel.as_ref().map(watchful::otel::OtelGuard::layer))
            .try_init()
            .map_err(TelemetryError::AlreadyInitialised)?;
        Ok(TelemetryGuard { _otel: otel })
    }
    #[cfg(not(feature = "otel"))]
    {
        subscriber
            .try_init()
            .map_err(TelemetryError::AlreadyInitialised)?;
        if exporting {
            tracing::warn!(
                "OTEL_EXPORTER_OTLP_ENDPOINT is set, but conduit was built without the feature `otel`: not exporting"
            );
        }
        Ok(TelemetryGuard {})
    }
}
