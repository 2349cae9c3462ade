//! Conformance suite for watchful: see the integration tests in `tests/`.
