//! Logs: every event and every closed span as one line on stdout, as text or JSON.
//!
//! Each request ends with one line for its root span, `HTTP request`, carrying the span's fields
//! (`http.request.method`, `http.route`, `http.response.status_code`, `request_id`, and the
//! `error.*` fields when an error produced the response) and its duration (`time.busy` +
//! `time.idle`). Each error also gets an ERROR line from the `LOG_ERROR` observer.
//!
//! Built with the feature `otel`, traces, metrics and logs are also exported with OTLP over
//! HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` or `telemetry.otlp_endpoint` is set.

use std::io::IsTerminal;

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetryConfig};

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `RUST_LOG` or `telemetry.filter` is not a filter.
    #[error("{origin}={filter:?} is not a valid log filter")]
    InvalidFilter {
        /// Where the filter came from: `RUST_LOG` or `telemetry.filter`.
        origin: &'static str,
        /// The filter.
        filter: String,
        /// What is wrong with it.
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
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

/// Installs the global subscriber: `RUST_LOG` if set, else `config.filter`, decides what is
/// logged; `config.format` decides how. Exports with OTLP too when an endpoint is configured
/// (see [`TelemetryConfig::otlp_endpoint`]).
pub fn init(config: &TelemetryConfig) -> Result<TelemetryGuard, TelemetryError> {
    let filter = filter(config)?;
    let layer = match config.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_span_events(FmtSpan::CLOSE)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .with_span_events(FmtSpan::CLOSE)
            .boxed(),
    };
    let subscriber = tracing_subscriber::registry().with(filter).with(layer);
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .or_else(|| config.otlp_endpoint.clone());
    #[cfg(feature = "otel")]
    {
        let otel = endpoint
            .map(|endpoint| {
                watchful::otel::OtelBuilder::default()
                    .endpoint(endpoint)
                    .init()
            })
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
        if endpoint.is_some() {
            tracing::warn!(
                "an OTLP endpoint is configured, but the application was built without the feature `otel`: not exporting"
            );
        }
        Ok(TelemetryGuard {})
    }
}

fn filter(config: &TelemetryConfig) -> Result<EnvFilter, TelemetryError> {
    let (origin, filter) = match std::env::var_os(EnvFilter::DEFAULT_ENV) {
        Some(filter) => ("RUST_LOG", filter.to_string_lossy().into_owned()),
        None => ("telemetry.filter", config.filter.clone()),
    };
    EnvFilter::try_new(&filter).map_err(|source| TelemetryError::InvalidFilter {
        origin,
        filter,
        source,
    })
}

/// Logs every panic as an ERROR event (`panic.payload`, `panic.location`) inside the current
/// span, then runs the hook that was installed before (by default, the one that prints the
/// panic on stderr).
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let payload = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(a payload that is not text)");
        let location = info
            .location()
            .map_or_else(|| "unknown".to_owned(), ToString::to_string);
        tracing::error!(
            panic.payload = payload,
            panic.location = location,
            "a panic occurred",
        );
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use watchful::testing::capture;

    use super::*;

    #[test]
    fn a_panic_is_logged_as_an_error_event() {
        let (telemetry, _guard) = capture();
        install_panic_hook();

        let part = 2;
        let text = std::panic::catch_unwind(|| panic!("the flux capacitor broke"));
        let formatted = std::panic::catch_unwind(|| panic!("part {part} broke"));

        assert!(text.is_err() && formatted.is_err());
        let errors = telemetry.error_events();
        for payload in ["the flux capacitor broke", "part 2 broke"] {
            let event = errors
                .iter()
                .find(|event| event.field("panic.payload") == Some(payload))
                .unwrap_or_else(|| panic!("no event for {payload:?} in {errors:#?}"));
            let location = event.field("panic.location").unwrap_or_default();
            assert!(location.contains("telemetry.rs"), "{event:?}");
        }
    }

    #[test]
    fn a_bad_filter_names_the_key() {
        let config = TelemetryConfig {
            format: LogFormat::Json,
            filter: "info,=[".to_owned(),
            otlp_endpoint: None,
        };
        // RUST_LOG, when set by whoever runs the tests, takes precedence.
        if std::env::var_os(EnvFilter::DEFAULT_ENV).is_none() {
            let error = filter(&config).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with(r#"telemetry.filter="info,=[" is not"#),
                "{error}"
            );
        }
    }
}
