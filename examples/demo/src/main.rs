//! watchful's demo: `GET /hello/{name}` succeeds, `GET /orders/{id}` fails: with a two-level
//! source chain (503) for a numeric id, as the client's mistake (400) otherwise. Logs are JSON lines on stdout: one ERROR event per error, and one line when
//! each request's root span closes, carrying its fields.
//!
//! Run it with `cargo run -p demo`, then `curl -i localhost:8000/orders/7`; its OpenAPI
//! document, with the error responses of each route, is at `localhost:8000/openapi.json`.
//!
//! Built with `--features otel`, it also exports traces, metrics and logs with OTLP over HTTP
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (and the other `OTEL_*` variables, see
//! `watchful::otel::init`), e.g. `OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
//! cargo run -p demo --features otel`.

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use watchful::http::StatusCode;
use watchful::openapi::Info;
use watchful::request::RawPathParams;
use watchful::telemetry::LOG_ERROR;
use watchful::{Blueprint, Server, error_handler, get};

/// Greets `name`.
#[get("/hello/{name}")]
pub fn hello(params: &RawPathParams) -> String {
    format!("Hello, {}!\n", params.get("name").unwrap_or("stranger"))
}

/// Why an order could not be shown.
#[derive(Debug, thiserror::Error)]
#[error("order {id} could not be loaded")]
pub struct OrderError {
    id: String,
    #[source]
    source: StorageError,
}

/// The storage layer's failure.
#[derive(Debug, thiserror::Error)]
#[error("the orders database is unreachable")]
pub struct StorageError(#[source] std::io::Error);

/// An order id that is not a number: the client's mistake.
#[derive(Debug, thiserror::Error)]
#[error("the order id `{id}` is not a number")]
pub struct BadOrderId {
    id: String,
    #[source]
    source: std::num::ParseIntError,
}

/// Shows an order; always fails, to show the error path.
#[get("/orders/{id}")]
pub fn get_order(params: &RawPathParams) -> Result<String, GetOrderError> {
    let id = params.get("id").unwrap_or_default();
    if let Err(source) = id.parse::<u64>() {
        return Err(GetOrderError::BadId(BadOrderId {
            id: id.to_owned(),
            source,
        }));
    }
    Err(GetOrderError::Unavailable(OrderError {
        id: id.to_owned(),
        source: StorageError(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused (os error 111)",
        )),
    }))
}

/// What `GET /orders/{id}` can fail with.
#[derive(Debug, thiserror::Error)]
pub enum GetOrderError {
    /// The id is not a number: 400.
    #[error(transparent)]
    BadId(BadOrderId),
    /// The order could not be loaded: 503.
    #[error(transparent)]
    Unavailable(OrderError),
}

#[error_handler(responses(400 = &'static str, 503 = &'static str))]
pub fn order_error(error: &GetOrderError) -> (StatusCode, &'static str) {
    match error {
        GetOrderError::BadId(_) => (StatusCode::BAD_REQUEST, "An order id is a number.\n"),
        GetOrderError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Orders are unavailable; try again later.\n",
        ),
    }
}

fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(HELLO);
    bp.route(GET_ORDER).error_handler(ORDER_ERROR);
    bp.openapi_info(Info::new("watchful demo", env!("CARGO_PKG_VERSION")));
    bp.openapi_route("/openapi.json");
    bp
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let exporting = std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
    #[cfg(feature = "otel")]
    let otel = exporting.then(watchful::otel::init).transpose()?;
    let subscriber = tracing_subscriber::registry()
        .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_span_events(FmtSpan::CLOSE)
                .with_current_span(true),
        );
    #[cfg(feature = "otel")]
    let subscriber = subscriber.with(otel.as_ref().map(watchful::otel::OtelGuard::layer));
    subscriber.init();
    if exporting && cfg!(not(feature = "otel")) {
        tracing::warn!(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but the demo was built without the feature `otel`: not exporting"
        );
    }

    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|e| format!("PORT={port:?} is not a port: {e}"))?,
        Err(_) => 8000,
    };
    let app = blueprint().build().await?;
    let server = Server::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = server.local_addr()?;
    eprintln!("watchful demo on http://{addr} (Ctrl+C stops it). Try:");
    eprintln!("  curl -i http://{addr}/hello/ada");
    eprintln!("  curl -i http://{addr}/orders/7");
    eprintln!("  curl -i http://{addr}/openapi.json");
    // The server flushes the exporters once in-flight requests are done; `otel`, dropped
    // after it, shuts them down.
    server.serve(app).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use watchful::testing::TestClient;

    use super::*;

    #[tokio::test]
    async fn hello_succeeds_and_orders_fail_with_503() {
        let client = TestClient::new(blueprint().build().await.unwrap());
        assert_eq!(
            client.get("/hello/ada").send().await.text(),
            "Hello, ada!\n"
        );
        let response = client.get("/orders/7").send().await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!response.text().contains("database"));
        let response = client.get("/orders/seven").send().await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn the_openapi_document_shows_the_error_responses_of_each_route() {
        let client = TestClient::new(blueprint().build().await.unwrap());
        let response = client.get("/openapi.json").send().await;
        let document: serde_json::Value = response.json().unwrap();
        let order = &document["paths"]["/orders/{id}"]["get"];
        for status in ["400", "503"] {
            let description = order["responses"][status]["description"].as_str().unwrap();
            assert!(
                description.contains("GetOrderError"),
                "{status}: {description}"
            );
        }
        assert!(client.app().openapi_missing_schemas().is_empty());

        // CI validates the document with an independent OpenAPI 3.1 validator (.ci/openapi.sh).
        if let Some(dir) = std::env::var_os("WATCHFUL_OPENAPI_DIR") {
            std::fs::write(
                std::path::Path::new(&dir).join("demo.json"),
                response.bytes(),
            )
            .unwrap();
        }
    }
}
