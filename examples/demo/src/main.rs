//! watchful's demo: `GET /hello/{name}` succeeds, `GET /orders/{id}` fails with a two-level
//! source chain. Logs are JSON lines on stdout: one ERROR event per error, and one line when
//! each request's root span closes, carrying its fields.
//!
//! Run it with `cargo run -p demo`, then `curl -i localhost:8000/orders/7`.

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use watchful::http::StatusCode;
use watchful::request::RawPathParams;
use watchful::telemetry::LOG_ERROR;
use watchful::{Blueprint, Server, error_handler, get};

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

#[get("/orders/{id}")]
pub fn get_order(params: &RawPathParams) -> Result<String, OrderError> {
    Err(OrderError {
        id: params.get("id").unwrap_or_default().to_owned(),
        source: StorageError(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused (os error 111)",
        )),
    })
}

#[error_handler]
pub fn order_error(_error: &OrderError) -> (StatusCode, &'static str) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "Orders are unavailable; try again later.\n",
    )
}

fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.route(HELLO);
    bp.route(GET_ORDER).error_handler(ORDER_ERROR);
    bp
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_span_events(FmtSpan::CLOSE)
        .with_current_span(true)
        .init();

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
    }
}
