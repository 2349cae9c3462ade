//! The data layer's suite: every repository function, its success and each of its errors.
//!
//! Each test gets a database of its own: a fresh SQLite file by default, or, when
//! `DATABASE_URL` is a `postgres://` URL, a fresh database created on that server (see
//! [`common::test_db`]), so the same suite checks both dialects.

mod articles;
mod comments;
mod common;
mod profiles;
mod tags;
mod users;
