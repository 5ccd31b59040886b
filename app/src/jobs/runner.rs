use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::lease;
use crate::time::now_ms;

type JobFn =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>> + Send + Sync>;

/// A named piece of periodic work. `run` returns a short summary for the log.
#[derive(Clone)]
pub struct Job {
    pub name: &'static str,
    pub interval: Duration,
    /// Longer than any run can take; if the holder dies the job waits at most this long.
    pub lease: Duration,
    pub run: JobFn,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, interval: Duration, run: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        Self {
            name,
            interval,
            lease: Duration::from_secs(300),
            run: Arc::new(move || Box::pin(run())),
        }
    }
}

/// Checks every `tick` which jobs are due and runs those whose lease this instance wins.
pub fn spawn_scheduler(
    db: DatabaseConnection,
    holder: String,
    jobs: Vec<Job>,
    tick: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            for job in &jobs {
                run_if_due(&db, &holder, job).await;
            }
        }
    })
}

/// One scheduling decision for one job; returns whether this instance ran it.
pub async fn run_if_due(db: &DatabaseConnection, holder: &str, job: &Job) -> bool {
    let interval_ms = job.interval.as_millis() as i64;
    let lease_ms = job.lease.as_millis() as i64;
    match lease::try_acquire(db, job.name, holder, interval_ms, lease_ms, now_ms()).await {
        Ok(true) => {}
        Ok(false) => return false,
        Err(e) => {
            tracing::warn!(job = job.name, error = %e, "could not check job lease");
            return false;
        }
    }
    match (job.run)().await {
        Ok(summary) => tracing::debug!(job = job.name, %summary, "job ran"),
        Err(error) => tracing::error!(job = job.name, %error, "job failed"),
    }
    if let Err(e) = lease::release(db, job.name, holder, now_ms()).await {
        tracing::warn!(job = job.name, error = %e, "could not release job lease");
    }
    true
}
