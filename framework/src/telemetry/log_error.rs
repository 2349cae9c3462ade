//! The ready-made error observers: [`LOG_ERROR`], and [`LogError`] for another level on 4xx.

use tracing::Level;

use super::error_source_chain;
use crate::Error;
use crate::component::ErrorObserver;

/// The ready-made error observer: one ERROR event per error, inside the request's root span,
/// with `error.msg`, `error.details`, `error.source_chain` and `error.type`, and
/// `error.backtrace` when the error carries a captured backtrace. The same fields (but the
/// backtrace) are on the root span: the framework records them there for the error that
/// produced the response, after the observers ran.
///
/// Register it with `bp.error_observer(LOG_ERROR)`. [`LogError`] logs errors answered with a
/// 4xx at another level.
#[crate::error_observer]
pub fn log_error(error: &Error) {
    emit(error, Level::ERROR);
}

/// Builds an error observer like [`LOG_ERROR`] whose level for the errors answered with a 4xx
/// (the client's mistakes) is configurable; every other error is still logged at ERROR.
///
/// [`LOG_ERROR`] is the contract: ERROR for every error, so that an alert on ERROR events
/// sees a client suddenly sending garbage as well as a broken dependency. A team that alerts
/// on ERROR and finds 4xx noisy can trade that for `LogError::new().client_errors(Level::WARN)`
/// (the trade-off is in [the telemetry docs](crate::telemetry#severity-policy)).
///
/// ```
/// use watchful::Blueprint;
/// use watchful::telemetry::LogError;
/// use tracing::Level;
///
/// let mut bp = Blueprint::new();
/// bp.error_observer(LogError::new().client_errors(Level::WARN));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LogError(());

impl LogError {
    /// Starts the observer's configuration.
    pub const fn new() -> Self {
        Self(())
    }

    /// The observer that logs the errors whose response is a 4xx at `level`, the others at
    /// ERROR; with `Level::ERROR`, it is [`LOG_ERROR`].
    pub fn client_errors(self, level: Level) -> ErrorObserver {
        match level {
            Level::ERROR => LOG_ERROR,
            Level::WARN => LOG_CLIENT_ERRORS_AT_WARN,
            Level::INFO => LOG_CLIENT_ERRORS_AT_INFO,
            Level::DEBUG => LOG_CLIENT_ERRORS_AT_DEBUG,
            _ => LOG_CLIENT_ERRORS_AT_TRACE,
        }
    }
}

/// [`LogError`] with 4xx at WARN.
#[crate::error_observer]
fn log_client_errors_at_warn(error: &Error) {
    emit(error, client_level(error, Level::WARN));
}

/// [`LogError`] with 4xx at INFO.
#[crate::error_observer]
fn log_client_errors_at_info(error: &Error) {
    emit(error, client_level(error, Level::INFO));
}

/// [`LogError`] with 4xx at DEBUG.
#[crate::error_observer]
fn log_client_errors_at_debug(error: &Error) {
    emit(error, client_level(error, Level::DEBUG));
}

/// [`LogError`] with 4xx at TRACE.
#[crate::error_observer]
fn log_client_errors_at_trace(error: &Error) {
    emit(error, client_level(error, Level::TRACE));
}

/// `level` for an error answered with a 4xx, ERROR for any other.
fn client_level(error: &Error, level: Level) -> Level {
    match error.response_status() {
        Some(status) if status.is_client_error() => level,
        _ => Level::ERROR,
    }
}

/// Emits the error event at `level` (a `tracing` event's level is part of its static
/// call site: one call site per level).
fn emit(error: &Error, level: Level) {
    macro_rules! event_at {
        ($level:expr) => {
            if tracing::enabled!($level) {
                tracing::event!(
                    $level,
                    error.msg = %error,
                    error.details = ?error,
                    error.source_chain = %error_source_chain(error),
                    error.type = error.type_name(),
                    error.backtrace = error.backtrace().map(display),
                    "an error occurred while serving the request",
                );
            }
        };
    }
    match level {
        Level::ERROR => event_at!(Level::ERROR),
        Level::WARN => event_at!(Level::WARN),
        Level::INFO => event_at!(Level::INFO),
        Level::DEBUG => event_at!(Level::DEBUG),
        _ => event_at!(Level::TRACE),
    }
}
