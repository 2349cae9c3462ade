//! Conformance suite for watchful's error-reporting contract.
//!
//! The tests live in `tests/`. They assert on real `tracing` output, captured with
//! `watchful::testing::capture`. This library holds what several of them share.

use std::time::Duration;

/// The most any single step of a test over a real socket may take.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future`, failing the test if it takes longer than [`LIMIT`], so that a misbehaving
/// server fails the suite instead of hanging it.
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {LIMIT:?} waiting for {what}"))
}
