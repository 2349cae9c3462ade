//! The cost of one captured backtrace on the error path: what a panic costs when
//! `RUST_BACKTRACE`/`RUST_LIB_BACKTRACE` enable capture (the panic hook's capture), and what
//! recording it costs (`error.backtrace` renders it, symbols resolved). Also a whole request
//! whose handler panics, with capture on and off, to put both in proportion.
//!
//! `cargo bench -p watchful --bench backtrace` (add `-- --quick` for a short run).

use std::backtrace::Backtrace;
use std::hint::black_box;
use std::net::SocketAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use watchful::http::Request;
use watchful::request::{ConnectionInfo, RequestBody};
use watchful::telemetry::LOG_ERROR;
use watchful::{App, Blueprint, get};

#[get("/panic")]
pub fn panicking() -> &'static str {
    panic!("benchmarked panic")
}

fn app(rt: &Runtime) -> App {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(PANICKING);
    rt.block_on(bp.build()).expect("the app builds")
}

fn connection() -> ConnectionInfo {
    let local = SocketAddr::from(([127, 0, 0, 1], 8000));
    ConnectionInfo {
        peer_addr: SocketAddr::from(([127, 0, 0, 1], 40000)),
        local_addr: local,
        scheme: "http",
    }
}

fn backtraces(c: &mut Criterion) {
    c.bench_function("capture one backtrace", |b| {
        b.iter(|| black_box(Backtrace::force_capture()))
    });
    c.bench_function("capture and render one backtrace", |b| {
        b.iter(|| black_box(Backtrace::force_capture().to_string()))
    });

    // The panicking request: a subscriber that records the event, so that the backtrace is
    // rendered into `error.backtrace` when capture is on.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    // Installed before the app is built: the framework's hook chains to it, and it keeps the
    // benchmark from printing a panic message per iteration.
    std::panic::set_hook(Box::new(|_| {}));
    let app = app(&rt);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::sink)
        .finish();
    let _subscriber = tracing::subscriber::set_default(subscriber);
    let request = || {
        Request::get("/panic")
            .body(RequestBody::from_bytes(""))
            .expect("a valid request")
    };
    // Capture is decided once per process, from the environment: this run measures whichever
    // the environment asks for (`RUST_LIB_BACKTRACE=1` or `=0`).
    let capture = Backtrace::capture().status() == std::backtrace::BacktraceStatus::Captured;
    let name = if capture {
        "a panicking request, backtrace captured and logged"
    } else {
        "a panicking request, backtrace capture off"
    };
    c.bench_function(name, |b| {
        b.iter(|| black_box(rt.block_on(app.handle(request(), connection()))))
    });
}

criterion_group!(benches, backtraces);
criterion_main!(benches);
