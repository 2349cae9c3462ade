//! Error observers: functions that see every error once its response exists.

use super::adapter::ObserverFn;

plain_component!(
    /// A function that sees every error after its response exists; emitted by `#[error_observer]`.
    ErrorObserver,
    ObserverFn
);
