//! Conformance suite for watchful's error-reporting contract.
//!
//! The tests live in `tests/`; this library holds what they share: [`capture`], a real
//! `tracing` subscriber layer that records every event and span with its fields, so that tests
//! assert on what a log pipeline would receive.

pub mod capture;
