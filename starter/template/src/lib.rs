//! A watchful application: `GET /api/ping` and `GET /api/greet/{name}`, logs as text or JSON
//! lines on stdout, and configuration from `config/` and `APP_…` environment variables.
//!
//! `src/main.rs` runs it; this library is what the tests drive.

pub mod blueprint;
pub mod config;
pub mod middleware;
pub mod routes;
pub mod telemetry;
