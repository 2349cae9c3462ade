//! The application's tests, in one binary: in process with `TestClient` (fast, and able to
//! capture telemetry), and against the real server, spawned as a process (start-up,
//! configuration, logs on stdout, shutdown).

mod blueprint;
mod config;
mod greet;
mod helpers;
mod openapi;
mod ping;
mod server;
