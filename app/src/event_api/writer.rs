//! Group commit of accepted events on SQLite.
//!
//! SQLite has one writer at a time, and with 100 events per request the commit, not the
//! rows, is most of a transaction's cost (measured: 100 rows per transaction ≈ 36,000
//! events/s, 1,000 rows ≈ 74,000 events/s on the benchmark machine). So on SQLite one
//! background writer per process takes every request that has queued up while the
//! previous transaction ran, writes them all in one transaction, and only then answers
//! each request: every event is still committed before its response, and under load a
//! commit carries many requests. Idle, a request is written at once (nothing waits for a
//! batch to fill).
//!
//! Should a group's transaction fail, each request of the group is written again in a
//! transaction of its own, so one request's problem never fails another's.
//!
//! On PostgreSQL, which takes concurrent writers, each request commits its own transaction.
use sea_orm::{DatabaseBackend, DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::event_api::parse::Event;
use crate::event_api::store::{self, Origin};

/// Requests waiting for the writer before new ones wait for room.
const QUEUE_CAPACITY: usize = 1024;
/// Most events one group transaction carries.
const MAX_EVENTS_PER_COMMIT: usize = 20_000;

struct Job {
    origin: Origin,
    events: Vec<Event>,
    done: oneshot::Sender<Result<(), DbErr>>,
}

/// Where the Event API hands its accepted events; see the module documentation.
#[derive(Clone)]
pub struct EventWriter {
    db: DatabaseConnection,
    /// The group writer's queue (SQLite only).
    queue: Option<mpsc::Sender<Job>>,
}

impl EventWriter {
    /// On SQLite, starts the group writer on the current tokio runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let queue = (db.get_database_backend() == DatabaseBackend::Sqlite).then(|| {
            let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
            tokio::spawn(run(db.clone(), rx));
            tx
        });
        Self { db, queue }
    }

    /// Stores `events` and marks their days for the rollup; returns once committed.
    pub async fn store(&self, origin: Origin, events: Vec<Event>) -> Result<(), DbErr> {
        if events.is_empty() {
            return Ok(());
        }
        let Some(queue) = &self.queue else {
            return store::store(&self.db, origin, &events).await;
        };
        let (done, answer) = oneshot::channel();
        let job = Job {
            origin,
            events,
            done,
        };
        match queue.send(job).await {
            Ok(()) => answer
                .await
                .unwrap_or_else(|_| Err(DbErr::Custom("the event writer stopped".into()))),
            // The writer is gone (runtime shutting down): write here, in turn.
            Err(mpsc::error::SendError(job)) => {
                let _turn = crate::db::write_turn(&self.db).await;
                store::store(&self.db, job.origin, &job.events).await
            }
        }
    }
}

async fn run(db: DatabaseConnection, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut count = first.events.len();
        let mut jobs = vec![first];
        while count < MAX_EVENTS_PER_COMMIT {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.events.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let _turn = crate::db::write_turn(&db).await;
        match write_group(&db, &jobs).await {
            Ok(()) => {
                for job in jobs {
                    let _ = job.done.send(Ok(()));
                }
            }
            // Busy storage refuses every request alike: each is answered 503 at once
            // instead of waiting its own turn to be refused again.
            Err(error) if crate::error::is_busy(&error) => {
                for job in jobs {
                    let _ = job.done.send(Err(error.clone()));
                }
            }
            Err(error) => {
                tracing::warn!(%error, requests = jobs.len(), "event group refused; writing its requests one by one");
                for job in jobs {
                    let stored = store::store(&db, job.origin, &job.events).await;
                    let _ = job.done.send(stored);
                }
            }
        }
    }
}

/// Every job's events and rollup marks in one transaction, with as few statements as the
/// bind-parameter limits allow (each statement is a round trip to SQLite's thread).
async fn write_group(db: &DatabaseConnection, jobs: &[Job]) -> Result<(), DbErr> {
    let rows: Vec<(Origin, &Event)> = jobs
        .iter()
        .flat_map(|job| job.events.iter().map(move |e| (job.origin, e)))
        .collect();
    let mut marks = store::DayMarks::new();
    for job in jobs {
        store::collect_days(&mut marks, job.origin, &job.events);
    }
    let txn = db.begin().await?;
    store::insert_rows(&txn, &rows).await?;
    store::write_marks(&txn, &marks).await?;
    txn.commit().await
}
