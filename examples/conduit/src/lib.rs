//! The RealWorld (Conduit) API on watchful.
//!
//! [`app`] builds the blueprint of the HTTP API, whose routes live in [`http`], one module per
//! resource; [`telemetry`] sets up the JSON logs (and the OTLP export with the feature
//! `otel`); `src/main.rs` serves it. Below the routes is the data layer: [`config`] (settings
//! from the environment), [`db`] (the sqlx pool, SQLite by default and PostgreSQL by URL, with
//! embedded migrations), the credentials ([`password`] hashing, [`token`] JWTs), and one
//! repository module per resource of the spec: [`users`], [`profiles`], [`articles`] (with
//! favourites, the feed and listing filters), [`tags`] and [`comments`]. Each repository has
//! its own error type; database failures keep the sqlx error as their source.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use conduit::{config::Config, db::Db, password::Passwords, users};
//!
//! let config = Config::from_env()?;
//! let db = Db::connect(&config.database_url).await?;
//! let new = users::NewUser { username: "jake", email: "jake@jake.jake", password: "jakejake" };
//! let jake = users::register(&db, &Passwords::default(), new).await?;
//! assert_eq!(jake.username, "jake");
//! # Ok(())
//! # }
//! ```

pub mod app;
pub mod articles;
pub mod comments;
pub mod config;
pub mod db;
pub mod http;
pub mod password;
pub mod profiles;
pub mod slug;
pub mod tags;
pub mod telemetry;
pub mod token;
pub mod users;
