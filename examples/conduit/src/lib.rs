//! The RealWorld (Conduit) API on watchful: its data layer.
//!
//! This crate holds what the HTTP routes will stand on: [`config`] (settings from the
//! environment), [`db`] (the sqlx pool, SQLite by default and PostgreSQL by URL, with embedded
//! migrations), the credentials ([`password`] hashing, [`token`] JWTs), and one repository
//! module per resource of the spec: [`users`], [`profiles`], [`articles`] (with favourites,
//! the feed and listing filters), [`tags`] and [`comments`]. Each repository has its own error
//! type; database failures keep the sqlx error as their source.
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

pub mod articles;
pub mod comments;
pub mod config;
pub mod db;
pub mod password;
pub mod profiles;
pub mod slug;
pub mod tags;
pub mod token;
pub mod users;
