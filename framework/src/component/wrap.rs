//! Wrapping middleware: functions that run around the rest of the pipeline.

use super::adapter::WrapFn;

plain_component!(
    /// A wrapping middleware; emitted by `#[wrap]`, registered with `bp.wrap(..)`.
    Wrap,
    WrapFn
);
