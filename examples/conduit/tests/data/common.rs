//! Test fixtures: a database per test and a few users.

use std::sync::atomic::{AtomicU32, Ordering};

use argon2::Params;
use conduit::db::Db;
use conduit::password::Passwords;
use conduit::users::{self, NewUser, User};
use tempfile::TempDir;

/// A migrated database that lives as long as the value.
pub struct TestDb {
    /// The database.
    pub db: Db,
    /// Passwords hashed at Argon2's minimum cost, to keep the suite fast.
    pub passwords: Passwords,
    _dir: Option<TempDir>,
}

/// A new, empty database. SQLite in a temporary directory, unless `DATABASE_URL` is a
/// PostgreSQL URL: then a database named after this process and a counter is created on that
/// server and used (they are left behind for the server's owner to drop; CI's is temporary).
pub async fn test_db() -> TestDb {
    let passwords = Passwords::with_params(
        Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None).expect("valid params"),
    );
    let server = std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"));
    match server {
        Some(url) => TestDb {
            db: fresh_postgres_database(&url).await,
            passwords,
            _dir: None,
        },
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            TestDb {
                db: Db::connect(&url).await.expect("opens a new SQLite file"),
                passwords,
                _dir: Some(dir),
            }
        }
    }
}

async fn fresh_postgres_database(url: &str) -> Db {
    use sqlx::Connection;
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "conduit_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(url)
        .await
        .expect("connects to the PostgreSQL server in DATABASE_URL");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .expect("drops a leftover test database");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("creates the test database");
    admin.close().await.expect("closes");
    // Same server and credentials, other database: replace the URL's path, keep its query.
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    let url = match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    };
    Db::connect(&url).await.expect("migrates the test database")
}

impl TestDb {
    /// Registers `name` with the email `name@example.com` and the password `name-password`.
    pub async fn user(&self, name: &str) -> User {
        let email = format!("{name}@example.com");
        let password = format!("{name}-password");
        let new = NewUser {
            username: name,
            email: &email,
            password: &password,
        };
        users::register(&self.db, &self.passwords, new)
            .await
            .expect("registers")
    }
}
