//! The bench's OpenTelemetry scenario: one server serving the plaintext route (the same
//! handler as the bench's scenario 1) with every span exported through a default
//! `tracing-opentelemetry` layer to an `opentelemetry_sdk` tracer provider whose simple
//! processor hands each span to [`Discard`]:
//!
//! - `watchful`: watchful with its `otel` feature (trace propagation, `trace_id`, the
//!   request metrics through the global meter provider, which is the no-op one here);
//! - `axum`: axum with tower-http's `TraceLayer`, its span and response event at INFO.
//!
//! `watchful-bench-otel serve <watchful|axum> --port PORT --log FILE` takes the bench
//! driver's command line (`--log` is accepted and unused: nothing is logged but the spans),
//! runs until its standard input closes, then prints its allocation counts as JSON on stdout
//! and exits, as `watchful-bench serve` does.

#[path = "../../bench/src/alloc_count.rs"]
mod alloc_count;
mod sink;

use std::process::ExitCode;

use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use watchful::{Blueprint, Server};

const USAGE: &str = "usage: watchful-bench-otel serve <watchful|axum> --port PORT --log FILE";

/// The response body, as in the bench's scenario 1.
const HELLO: &str = "Hello, World!";

fn main() -> ExitCode {
    match serve(&std::env::args().skip(1).collect::<Vec<_>>()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (server, port) = match args {
        [serve, server, flag, port, log, _]
            if serve == "serve" && flag == "--port" && log == "--log" =>
        {
            (server.as_str(), port.parse::<u16>()?)
        }
        _ => return Err(USAGE.into()),
    };
    if server != "watchful" && server != "axum" {
        return Err(USAGE.into());
    }
    let _provider = sink::install()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    exit_when_stdin_closes();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener)?;
        if server == "watchful" {
            serve_watchful(listener).await
        } else {
            serve_axum(listener).await
        }
    })
}

/// watchful: the route alone; the root span is the framework's.
async fn serve_watchful(listener: TcpListener) -> Result<(), Box<dyn std::error::Error>> {
    let mut bp = Blueprint::new();
    bp.route(PLAINTEXT);
    let app = bp.build().await?;
    Server::from_listener(listener)
        .handle_signals(false)
        .serve(app)
        .await?;
    Ok(())
}

#[watchful::get("/plaintext")]
fn plaintext() -> &'static str {
    HELLO
}

/// axum: the route under tower-http's `TraceLayer`, span and response event at INFO (its
/// defaults are DEBUG) like watchful's root span.
async fn serve_axum(listener: TcpListener) -> Result<(), Box<dyn std::error::Error>> {
    let app = axum::Router::new()
        .route("/plaintext", get(|| async { HELLO }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        );
    axum::serve(listener, app).await?;
    Ok(())
}

/// Exits the process, after printing its allocation counts as JSON on stdout, when stdin
/// closes: the bench driver's clean stop, after which callgrind writes its profile.
fn exit_when_stdin_closes() {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let counts = serde_json::to_string(&alloc_count::Allocations::now()).unwrap_or_default();
        println!("{counts}");
        std::process::exit(0);
    });
}
