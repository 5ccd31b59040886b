//! One writer at a time on SQLite. The database allows one writer anyway; waiting here, in
//! order, is fairer and faster than waiting in SQLite's busy handler, which polls with
//! sleeps of up to 100 ms (that showed as a p99 of 250 ms on the Event API while the API
//! Status writer competed for the lock). Nothing to wait for on PostgreSQL.
use sea_orm::{ConnectionTrait, DatabaseBackend};

/// Held for the length of a write transaction by the Event API, the usage rollup, the API
/// Status writer and the Account API's bulk upserts.
pub async fn write_turn(db: &impl ConnectionTrait) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static SQLITE_WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => Some(SQLITE_WRITER.lock().await),
        _ => None,
    }
}
