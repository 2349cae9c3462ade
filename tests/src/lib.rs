//! Conformance suite for watchful's error-reporting contract.
//!
//! The tests live in `tests/`. They assert on real `tracing` output, captured with
//! `watchful::testing::capture`.
