//! One writer at a time on SQLite. The database allows one writer anyway; waiting here, in
//! order, is fairer and faster than waiting in SQLite's busy handler, which polls with
//! sleeps of up to 100 ms (that showed as a p99 of 250 ms on the Event API while the API
//! Status writer competed for the lock). Nothing to wait for on PostgreSQL.
//!
//! Every write transaction starts with [`begin_write`]: the turn, then `BEGIN IMMEDIATE` on
//! SQLite. A plain (deferred) transaction that reads and then writes fails at once with
//! SQLITE_BUSY_SNAPSHOT (517) when any other connection commits between its first read and
//! its first write, and no busy timeout retries that. `BEGIN IMMEDIATE` takes the write lock
//! first (waiting up to the busy timeout, then answering busy = 503), so nobody can commit
//! in between: not the writers that take the turn, nor single-statement writes that do not
//! (session stamps, job leases), nor another process (the CLI).
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::MutexGuard;

static SQLITE_WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held for the length of a write that is not a transaction of its own making (the Event
/// API's group commit, the API Status writer). Not re-entrant: never call it, or
/// [`begin_write`], while holding a turn.
pub async fn write_turn(db: &impl ConnectionTrait) -> Option<MutexGuard<'static, ()>> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => Some(SQLITE_WRITER.lock().await),
        _ => None,
    }
}

/// A transaction that holds the write turn until it commits, rolls back or is dropped.
/// It is used exactly like a `DatabaseTransaction` (it derefs to one and is a connection).
pub struct WriteTransaction {
    // Field order matters: the transaction is dropped (rolled back) before the turn is
    // released, so the next writer never meets a half-open transaction.
    txn: DatabaseTransaction,
    _turn: Option<MutexGuard<'static, ()>>,
}

/// Takes the write turn, then begins a transaction that holds SQLite's write lock from its
/// start. Every write transaction starts here (see the module comment for why).
pub async fn begin_write<C>(db: &C) -> Result<WriteTransaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    let turn = write_turn(db).await;
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTransaction { txn, _turn: turn })
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
