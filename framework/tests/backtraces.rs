//! Backtraces on the error path, with capture enabled by `RUST_LIB_BACKTRACE=1`: a panic's
//! backtrace is captured where it panicked and recorded as `error.backtrace` on the ERROR
//! event (and, with the feature `otel`, as `exception.stacktrace` on the trace); with the
//! feature `anyhow`, an `anyhow::Error`'s own backtrace is used.
//!
//! One test: whether capture is on is read from the environment once per process.

use watchful::telemetry::LOG_ERROR;
use watchful::testing::{TestClient, capture};
use watchful::{Blueprint, get};

#[get("/panic")]
pub fn explode_in_the_handler() -> &'static str {
    panic!("the handler exploded")
}

#[get("/fine")]
pub fn fine() -> &'static str {
    "fine"
}

#[cfg(feature = "anyhow")]
#[get("/anyhow")]
pub fn fail_with_anyhow() -> Result<&'static str, anyhow::Error> {
    Err(make_anyhow_error())
}

#[cfg(feature = "anyhow")]
#[inline(never)]
fn make_anyhow_error() -> anyhow::Error {
    anyhow::anyhow!("made by anyhow")
}

#[tokio::test]
async fn captured_backtraces_are_recorded_on_the_error_path_only() {
    // SAFETY: set before any thread of this process reads the environment's backtrace
    // setting, and this binary has a single test.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "1") };
    let (telemetry, _guard) = capture();
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(EXPLODE_IN_THE_HANDLER);
    bp.route(FINE);
    #[cfg(feature = "anyhow")]
    bp.route(FAIL_WITH_ANYHOW);
    let client = TestClient::new(bp.build().await.expect("the app builds"));

    client.get("/fine").send().await;
    assert!(
        telemetry
            .events()
            .iter()
            .all(|event| event.field("error.backtrace").is_none())
    );

    let response = client.get("/panic").send().await;
    assert_eq!(response.status(), 500);
    let event = &telemetry.error_events()[0];
    let trace = event.field("error.backtrace").expect("error.backtrace");
    assert!(
        trace.contains("explode_in_the_handler"),
        "the backtrace is the panic's, taken where it happened:\n{trace}"
    );
    // The backtrace has its own field, not part of the error's `Debug`.
    assert_eq!(
        event.field("error.details"),
        Some(
            r#"Panic { component: "backtraces::explode_in_the_handler", message: "the handler exploded", .. }"#
        )
    );

    #[cfg(feature = "anyhow")]
    {
        telemetry.clear();
        client.get("/anyhow").send().await;
        let event = &telemetry.error_events()[0];
        let trace = event.field("error.backtrace").expect("anyhow's backtrace");
        assert!(trace.contains("make_anyhow_error"), "{trace}");
    }
}
