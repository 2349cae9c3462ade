//! `GET /api/ping`: the health check.

use watchful::get;

/// Answers `pong` whenever the server is up: point load balancers and uptime checks here.
#[get("/ping")]
pub fn ping() -> &'static str {
    "pong"
}
