//! Error handlers: functions that turn a borrowed error into a response.

use super::adapter::ErrorHandlerFn;

plain_component!(
    /// A function that turns `&E` into a response; emitted by `#[error_handler]`.
    ErrorHandler,
    ErrorHandlerFn
);
