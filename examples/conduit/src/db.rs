//! The database: connecting, migrating, and the conventions every query follows.
//!
//! # One code path for SQLite and PostgreSQL
//!
//! The pool is a [`sqlx::AnyPool`]: the driver is chosen at run time from the URL and every
//! repository runs the same SQL on both. That works because the queries keep to what both
//! dialects accept, and to the value types `Any` can carry in sqlx 0.8 (integers, floats, text,
//! blobs; no date/time, UUID or JSON types):
//!
//! - placeholders are `$1, $2, …` (PostgreSQL's spelling, which sqlx's SQLite driver also binds);
//! - new ids come back with `INSERT … RETURNING id` (SQLite ≥ 3.35; the bundled one is newer);
//! - truth values are selected as `CASE WHEN … THEN 1 ELSE 0 END` and read as `i64`, because
//!   SQLite has no boolean and `Any` will not decode its integers as `bool`;
//! - timestamps are stored as `BIGINT` milliseconds since the Unix epoch, UTC: both dialects
//!   order and compare them natively, and `db::timestamp` turns them into [`OffsetDateTime`].
//!
//! The alternative, an enum over a `SqlitePool` and a `PgPool`, would allow native timestamp
//! and boolean columns but doubles every query's call site (or needs generic bounds over
//! `sqlx::Database` that are harder to read than the SQL). The schema is the only place where
//! the dialects differ (`INTEGER PRIMARY KEY` against `GENERATED … AS IDENTITY`), so the
//! migrations live in one folder per dialect, `migrations/sqlite` and `migrations/postgres`,
//! with identical tables and columns.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateError, Migrator};
use time::OffsetDateTime;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database engine a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:…`: an embedded file (or memory) database.
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Backend {
    /// The engine a database URL names, if it is one this application supports.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else {
            None
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// A connection pool to a migrated database. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    /// Where writes go. SQLite lets one connection write at a time and makes the others wait
    /// in its busy handler, which sleeps in steps of up to 100 ms: under concurrent writes
    /// that put 0.9 s on the 99th percentile of a write. A pool of one connection queues the
    /// writers instead, first come first served. PostgreSQL writes through `pool`.
    writer: AnyPool,
    backend: Backend,
}

/// The database could not be opened or brought to the current schema.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL names neither SQLite nor PostgreSQL. The URL is not repeated: it may hold a
    /// password.
    #[error("DATABASE_URL must start with sqlite:, postgres:// or postgresql://")]
    UnsupportedUrl,
    /// Connecting failed (unreachable server, bad credentials, unwritable file, …).
    #[error("could not connect to the database")]
    Connect(#[source] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("could not apply the database migrations")]
    Migrate(#[source] MigrateError),
}

/// A query failed, or returned a value this application cannot have written.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The query failed (connection lost, constraint violated, pool timed out, …).
    #[error("a database query failed")]
    Query(#[from] sqlx::Error),
    /// A stored timestamp is outside the range [`OffsetDateTime`] can represent.
    #[error("the stored timestamp {millis} ms is out of range")]
    Timestamp {
        /// The stored value.
        millis: i64,
        /// Why it does not convert.
        #[source]
        source: time::error::ComponentRange,
    },
}

impl Db {
    /// Connects to `url` and applies the pending migrations. A SQLite URL with `mode=rwc`
    /// creates the file if it does not exist.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let backend = Backend::from_url(url).ok_or(ConnectError::UnsupportedUrl)?;
        sqlx::any::install_default_drivers();
        let mut options = AnyPoolOptions::new();
        if backend == Backend::Sqlite && is_in_memory(url) {
            // Every connection to `sqlite::memory:` opens its own empty database: keep exactly
            // one, forever, so the migrated schema and the data stay visible.
            options = options
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = options.connect(url).await.map_err(ConnectError::Connect)?;
        backend
            .migrator()
            .run(&pool)
            .await
            .map_err(ConnectError::Migrate)?;
        if backend == Backend::Sqlite && !is_in_memory(url) {
            // Write-ahead logging lets readers proceed while one connection writes; the mode
            // is stored in the file, so setting it once per start is enough.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(ConnectError::Connect)?;
        }
        let writer = if backend == Backend::Sqlite && !is_in_memory(url) {
            AnyPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .map_err(ConnectError::Connect)?
        } else {
            pool.clone()
        };
        Ok(Self {
            pool,
            writer,
            backend,
        })
    }

    /// The pool, for the repositories' reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for statements that write (and the transactions that hold them).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// The engine behind the pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for the pool's connections to close, for a clean shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// True when `err` is a violation of a `UNIQUE` or primary-key constraint.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The current time as stored: milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Converts a stored timestamp back into a date and time (UTC).
pub(crate) fn timestamp(millis: i64) -> Result<OffsetDateTime, DbError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|source| DbError::Timestamp { millis, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            Backend::from_url("sqlite://conduit.db?mode=rwc"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u:p@localhost/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://localhost/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://localhost/db"), None);
    }

    #[tokio::test]
    async fn an_unsupported_url_is_refused_without_echoing_it() {
        let err = Db::connect("mysql://user:hunter2@localhost/db")
            .await
            .expect_err("unsupported");
        assert!(matches!(err, ConnectError::UnsupportedUrl));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn an_in_memory_database_keeps_its_schema_across_queries() {
        let db = Db::connect("sqlite::memory:").await.expect("connects");
        for _ in 0..3 {
            let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
                .fetch_one(db.pool())
                .await
                .expect("the migrated table is there");
            assert_eq!(count, 0);
        }
    }

    #[tokio::test]
    async fn a_sqlite_file_is_created_and_migrated_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("new.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = Db::connect(&url).await.expect("creates the file");
        assert!(path.exists());
        db.close().await;
        // A second start finds the migrations applied and does nothing.
        let db = Db::connect(&url).await.expect("reopens");
        assert_eq!(db.backend(), Backend::Sqlite);
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .expect("reads the journal mode");
        assert_eq!(mode, "wal");
        // Writes queue for one connection rather than in SQLite's busy handler.
        assert_eq!(db.writer().options().get_max_connections(), 1);
        assert!(db.pool().options().get_max_connections() > 1);
    }

    #[tokio::test]
    async fn a_missing_file_without_create_mode_is_a_connect_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("absent.db").display());
        let err = Db::connect(&url).await.expect_err("no such file");
        assert!(matches!(err, ConnectError::Connect(_)), "{err:?}");
    }

    #[test]
    fn timestamps_round_trip_through_milliseconds() {
        let now = now_millis();
        let at = timestamp(now).expect("in range");
        assert_eq!(at.unix_timestamp_nanos() / 1_000_000, i128::from(now));
        assert!(matches!(
            timestamp(i64::MAX),
            Err(DbError::Timestamp { .. })
        ));
    }
}
