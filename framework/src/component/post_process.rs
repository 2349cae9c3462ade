//! Post-processing middleware: functions that take the response and return one.

use super::adapter::PostFn;

plain_component!(
    /// A post-processing middleware; emitted by `#[post_process]`, registered with
    /// `bp.post_process(..)`.
    PostProcess,
    PostFn
);
