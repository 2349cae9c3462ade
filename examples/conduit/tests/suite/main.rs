//! Conduit's suite, in one test binary: [`data`] drives the repositories, [`api`] the HTTP
//! API in process with watchful's `TestClient`.
//!
//! Every test runs on both databases: `NAME::sqlite` on a fresh SQLite file, and
//! `NAME::postgres` on a fresh database of the PostgreSQL server that `DATABASE_URL` points
//! at, when it is a `postgres://` URL (`bash .ci/postgres.sh cargo test -p conduit` starts a
//! throwaway one); otherwise the PostgreSQL variants print why they are skipped and pass. See
//! [`common`].

#[macro_use]
mod common;
mod api;
mod binary;
mod data;
