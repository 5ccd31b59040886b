//! Writes API calls into the API Status log and keeps only the newest
//! `KEPT_CALLS_PER_ORG` rows of each organisation. The path given must already be redacted
//! (`public_api::redact`).
//!
//! The APIs call [`record_if_enabled`] once they know the outcome of a request. It costs
//! them almost nothing: the call goes into a bounded queue, and one background writer per
//! process ([`ApiStatusLog`]) takes whatever has queued up and writes it in one transaction
//! (one multi-row insert; an organisation is pruned every `PRUNE_EVERY` of its calls and on
//! `flush`, and readers show only the newest 1000 whatever is stored). It gathers calls for
//! up to `COALESCE` (20 ms) before writing, so the log adds at most about 50 small
//! transactions a second whatever the request rate, rather than one per request.
//!
//! Nothing is dropped: when the queue is full (`QUEUE_CAPACITY` calls waiting) the API
//! request waits for room (back-pressure), and if the writer is gone the call is written
//! directly. A failed batch write is logged with `tracing::error!` and counted in
//! [`ApiStatusLog::failed_writes`]; the API answer never depends on the log.
//! Readers of the log call [`ApiStatusLog::flush`] first, so a call made by this process
//! is visible as soon as its response has been sent.
//! With `api_status_log = false` in the configuration recording is a no-op.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use tokio::sync::{mpsc, oneshot};

use crate::api_status::dto::{
    ApiKind, CallStatus, RecordFailure, KEPT_CALLS_PER_ORG, KEPT_FAILURES_PER_CALL,
};
use crate::db::entities::api_calls;
use crate::state::AppState;
use crate::time::now_ms;

/// Calls waiting for the writer before API requests wait for room.
pub const QUEUE_CAPACITY: usize = 10_000;
/// Most calls written in one transaction (16 columns each: well within the bind-parameter
/// limits of SQLite and PostgreSQL).
pub const MAX_BATCH: usize = 500;
/// The writer prunes an organisation once this many of its calls were written since the
/// last prune (and every organisation with unpruned calls on `flush`). Readers show only
/// the newest `KEPT_CALLS_PER_ORG` whatever is stored.
pub const PRUNE_EVERY: u32 = 100;
/// How long the writer gathers calls before writing them (a flush writes at once).
pub const COALESCE: std::time::Duration = std::time::Duration::from_millis(20);

/// One call as the API saw it.
#[derive(Clone, Debug)]
pub struct ApiCall {
    pub org_id: i32,
    pub api: ApiKind,
    pub method: String,
    /// Path and query, keys already redacted.
    pub path: String,
    /// The route pattern, e.g. `/api/v2/accounts/{account_id}`.
    pub endpoint: String,
    pub http_status: u16,
    /// False when the call as a whole failed (`status_is_ok: false`, 4xx, 5xx).
    pub ok: bool,
    pub records_received: u32,
    pub records_failed: u32,
    pub failures: Vec<RecordFailure>,
    pub message: Option<String>,
    pub key_id: Option<i32>,
    pub key_name: Option<String>,
    pub duration_ms: u32,
}

impl ApiCall {
    pub fn status(&self) -> CallStatus {
        CallStatus::of(
            self.ok && self.http_status < 400,
            self.records_received,
            self.records_failed,
        )
    }
}

/// Records `call` in the API Status log unless the log is turned off (`api_status_log`).
/// Returns once the call is queued; see the module documentation.
pub async fn record_if_enabled(state: &AppState, call: ApiCall) {
    state.api_status.submit(call).await;
}

/// Writes one call now, in the caller's connection or transaction, and prunes.
pub async fn record(db: &impl ConnectionTrait, call: ApiCall) -> Result<(), DbErr> {
    let org = BTreeSet::from([call.org_id]);
    write_batch(db, vec![(call, now_ms())], &org).await
}

enum Message {
    Call(ApiCall, i64),
    Flush(oneshot::Sender<()>),
}

/// The process's API Status writer (in `AppState`). Cloning shares it.
#[derive(Clone)]
pub struct ApiStatusLog {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    tx: mpsc::Sender<Message>,
    db: DatabaseConnection,
    failed_writes: AtomicU64,
}

impl ApiStatusLog {
    /// Recording turned off: every submit is a no-op.
    pub fn disabled() -> Self {
        Self { inner: None }
    }

    /// Starts the background writer on the current tokio runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        let inner = Arc::new(Inner {
            tx,
            db: db.clone(),
            failed_writes: AtomicU64::new(0),
        });
        tokio::spawn(run_writer(db, rx, Arc::downgrade(&inner)));
        Self { inner: Some(inner) }
    }

    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Calls that could not be written (database errors), since start.
    pub fn failed_writes(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |i| i.failed_writes.load(Ordering::Relaxed))
    }

    /// Queues `call`; waits only when `QUEUE_CAPACITY` calls are already waiting.
    pub async fn submit(&self, call: ApiCall) {
        let Some(inner) = &self.inner else { return };
        let message = Message::Call(call, now_ms());
        let message = match inner.tx.try_send(message) {
            Ok(()) => return,
            Err(mpsc::error::TrySendError::Full(message)) => match inner.tx.send(message).await {
                Ok(()) => return,
                Err(mpsc::error::SendError(message)) => message,
            },
            Err(mpsc::error::TrySendError::Closed(message)) => message,
        };
        // The writer is gone (runtime shutting down): write it here.
        if let Message::Call(call, at) = message {
            let org = BTreeSet::from([call.org_id]);
            if let Err(error) = write_batch_atomically(&inner.db, vec![(call, at)], &org).await {
                inner.failed_writes.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%error, "API Status: could not record a call");
            }
        }
    }

    /// Waits until every call queued before this one is written.
    pub async fn flush(&self) {
        let Some(inner) = &self.inner else { return };
        let (done, wait) = oneshot::channel();
        if inner.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run_writer(
    db: DatabaseConnection,
    mut rx: mpsc::Receiver<Message>,
    inner: std::sync::Weak<Inner>,
) {
    let mut calls = Vec::with_capacity(MAX_BATCH);
    let mut flushes = Vec::new();
    // Calls written per organisation since its last prune.
    let mut unpruned: BTreeMap<i32, u32> = BTreeMap::new();
    while let Some(first) = rx.recv().await {
        // Gather what arrives within `COALESCE` (or until a reader asks for a flush, or the
        // batch is full): under load one transaction then carries many calls.
        let deadline = tokio::time::Instant::now() + COALESCE;
        let mut next = Some(first);
        loop {
            while let Some(message) = next.take() {
                match message {
                    Message::Call(call, at) => calls.push((call, at)),
                    Message::Flush(done) => flushes.push(done),
                }
                if calls.len() < MAX_BATCH {
                    next = rx.try_recv().ok();
                }
            }
            if !flushes.is_empty() || calls.len() >= MAX_BATCH {
                break;
            }
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(message)) => next = Some(message),
                Ok(None) | Err(_) => break,
            }
        }
        for (call, _) in &calls {
            *unpruned.entry(call.org_id).or_default() += 1;
        }
        let prune: BTreeSet<i32> = unpruned
            .iter()
            .filter(|(_, n)| !flushes.is_empty() || **n >= PRUNE_EVERY)
            .map(|(org, _)| *org)
            .collect();
        if !calls.is_empty() || !prune.is_empty() {
            let count = calls.len() as u64;
            match write_batch_atomically(&db, std::mem::take(&mut calls), &prune).await {
                Ok(()) => unpruned.retain(|org, _| !prune.contains(org)),
                Err(error) => {
                    if let Some(inner) = inner.upgrade() {
                        inner.failed_writes.fetch_add(count, Ordering::Relaxed);
                    }
                    tracing::error!(%error, calls = count, "API Status: could not record calls");
                }
            }
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

fn row(call: ApiCall, at: i64) -> api_calls::ActiveModel {
    let status = call.status();
    let failures = (!call.failures.is_empty()).then(|| {
        let kept: Vec<&RecordFailure> = call.failures.iter().take(KEPT_FAILURES_PER_CALL).collect();
        serde_json::to_string(&kept).unwrap_or_default()
    });
    api_calls::ActiveModel {
        org_id: Set(call.org_id),
        api: Set(call.api.key().to_owned()),
        method: Set(call.method),
        path: Set(call.path),
        endpoint: Set(call.endpoint),
        status: Set(status.key().to_owned()),
        http_status: Set(i32::from(call.http_status)),
        records_received: Set(call.records_received.min(i32::MAX as u32) as i32),
        records_failed: Set(call.records_failed.min(i32::MAX as u32) as i32),
        duration_ms: Set(call.duration_ms.min(i32::MAX as u32) as i32),
        key_id: Set(call.key_id),
        key_name: Set(call.key_name),
        message: Set(call.message),
        failures: Set(failures),
        created_at: Set(at),
        ..Default::default()
    }
}

/// Inserts the calls in one statement, then prunes the organisations in `prune`.
async fn write_batch(
    db: &impl ConnectionTrait,
    calls: Vec<(ApiCall, i64)>,
    prune_orgs: &BTreeSet<i32>,
) -> Result<(), DbErr> {
    if !calls.is_empty() {
        let rows: Vec<api_calls::ActiveModel> =
            calls.into_iter().map(|(c, at)| row(c, at)).collect();
        api_calls::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    for org_id in prune_orgs {
        prune(db, *org_id).await?;
    }
    Ok(())
}

/// `write_batch` in one transaction of its own.
async fn write_batch_atomically(
    db: &DatabaseConnection,
    calls: Vec<(ApiCall, i64)>,
    prune_orgs: &BTreeSet<i32>,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    write_batch(&txn, calls, prune_orgs).await?;
    txn.commit().await
}

/// Drops the organisation's calls older than its newest `KEPT_CALLS_PER_ORG`.
async fn prune(db: &impl ConnectionTrait, org_id: i32) -> Result<(), DbErr> {
    let boundary: Option<i32> = api_calls::Entity::find()
        .select_only()
        .column(api_calls::Column::Id)
        .filter(api_calls::Column::OrgId.eq(org_id))
        .order_by_desc(api_calls::Column::Id)
        .offset(KEPT_CALLS_PER_ORG)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    if let Some(boundary) = boundary {
        api_calls::Entity::delete_many()
            .filter(api_calls::Column::OrgId.eq(org_id))
            .filter(api_calls::Column::Id.lte(boundary))
            .exec(db)
            .await?;
    }
    Ok(())
}
