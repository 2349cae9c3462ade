//! Pre-processing middleware: functions that run before the rest of the pipeline and may
//! return early.

use super::adapter::PreFn;

plain_component!(
    /// A pre-processing middleware; emitted by `#[pre_process]`, registered with
    /// `bp.pre_process(..)`.
    PreProcess,
    PreFn
);
