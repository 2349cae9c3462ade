//! Test fixtures: a database per test, on SQLite and on PostgreSQL, and a few users.

/// Runs each named `async fn(TestDb)` once per database, as the tests `NAME::sqlite` and
/// `NAME::postgres` (which passes, saying why, when there is no PostgreSQL server). A test
/// function left out of the list is dead code, which the lints refuse.
macro_rules! on_both_databases {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[tokio::test]
            async fn sqlite() {
                super::$test(crate::common::TestDb::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(db) = crate::common::TestDb::postgres().await {
                    super::$test(db).await;
                }
            }
        }
    )+};
}

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

impl TestDb {
    /// A new SQLite file in a temporary directory, deleted with the value.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        Self {
            db: Db::connect(&url).await.expect("opens a new SQLite file"),
            passwords: cheap_passwords(),
            _dir: Some(dir),
        }
    }

    /// A new database on the PostgreSQL server of `DATABASE_URL`, or `None` (with a line
    /// saying why) when that is not a `postgres://` URL. The database is named after this
    /// process and a counter, and left behind for the server's owner to drop (CI's server is
    /// temporary).
    pub async fn postgres() -> Option<Self> {
        let server = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"));
        let Some(url) = server else {
            eprintln!("skipped: DATABASE_URL is not a postgres:// URL (see .ci/postgres.sh)");
            return None;
        };
        Some(Self {
            db: fresh_postgres_database(&url).await,
            passwords: cheap_passwords(),
            _dir: None,
        })
    }
}

/// Argon2 at its minimum cost, to keep the suite fast.
fn cheap_passwords() -> Passwords {
    Passwords::with_params(
        Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None).expect("valid params"),
    )
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
