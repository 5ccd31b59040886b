use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// The default of `storage_wait_seconds`.
pub const DEFAULT_STORAGE_WAIT: Duration = Duration::from_secs(5);

/// Opens the database named by `url` with the default storage wait.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, DEFAULT_STORAGE_WAIT).await
}

/// Opens the database named by `url` (SQLite file or PostgreSQL). One code path serves
/// both; only the pool tuning differs. SQLite gets WAL, a busy timeout and a small pool
/// so concurrent writers wait instead of failing with "database is locked". `wait` bounds
/// how long a request waits for SQLite's write lock or for a pooled connection; past it the
/// error is "busy" (`AppError::Unavailable`, answered 503 with `Retry-After`).
pub async fn connect_with(url: &str, wait: Duration) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(wait.max(Duration::from_millis(100)));
    if url.starts_with("sqlite:") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // Each in-memory connection would be its own empty database: keep exactly one.
        options
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(1);
        options.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(wait)
                // Checkpoint every ~40 MB of WAL instead of ~4 MB: a page changed by many
                // commits is copied back once. Event ingest 46–48k → 50–54k events/s; the
                // commit that runs a checkpoint waits longer (ingest p99 28 → 50 ms).
                .pragma("wal_autocheckpoint", "10000")
                .foreign_keys(true)
        });
    } else {
        // A statement waiting for a row or table lock gives up after `wait` (SQLSTATE
        // 55P03), which is answered 503 like SQLite's busy timeout.
        let lock_timeout = wait.as_millis().to_string();
        options
            .max_connections(16)
            .min_connections(1)
            .map_sqlx_postgres_opts(move |o| o.options([("lock_timeout", lock_timeout.as_str())]));
    }
    Database::connect(options).await
}

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(url: &str, wait: Duration) -> Result<DatabaseConnection, DbErr> {
    let db = connect_with(url, wait).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}
