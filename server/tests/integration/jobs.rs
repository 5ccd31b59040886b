//! Background work runs exactly once when several instances share one database.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::db::entities::job_leases;
use app::jobs::runner::run_if_due;
use app::jobs::Job;
use sea_orm::sea_query::Expr;
use sea_orm::EntityTrait;

use crate::common::spawn;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_due_job_runs_once_across_instances() {
    let app = spawn().await;
    // Three "instances": separate connection pools on the same database.
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(app::db::connect::connect(&app.database_url).await.unwrap());
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let job = Job::new("count", Duration::from_secs(3600), move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok("counted".to_owned())
        }
    });

    let mut handles = Vec::new();
    for round in 0..5 {
        for (i, db) in instances.iter().enumerate() {
            let (db, job) = (db.clone(), job.clone());
            handles.push(tokio::spawn(async move {
                run_if_due(&db, &format!("instance-{i}-{round}"), &job).await
            }));
        }
    }
    let mut ran = 0;
    for handle in handles {
        ran += handle.await.unwrap() as usize;
    }
    assert_eq!(ran, 1, "exactly one instance won");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // When the interval has passed, it runs once more, again on exactly one instance.
    job_leases::Entity::update_many()
        .col_expr(job_leases::Column::LastRunAt, Expr::value(0i64))
        .exec(&app.state.db)
        .await
        .unwrap();
    let mut handles = Vec::new();
    for (i, db) in instances.iter().enumerate() {
        let (db, job) = (db.clone(), job.clone());
        handles.push(tokio::spawn(async move {
            run_if_due(&db, &format!("again-{i}"), &job).await
        }));
    }
    let mut ran = 0;
    for handle in handles {
        ran += handle.await.unwrap() as usize;
    }
    assert_eq!(ran, 1);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_crashed_holders_lease_runs_out() {
    let app = spawn().await;
    let now = app::time::now_ms();
    assert!(app::jobs::lease::try_acquire(
        &app.state.db,
        "job",
        "dead-instance",
        1000,
        60_000,
        now
    )
    .await
    .unwrap());
    // The holder died without releasing: nobody may run it while the lease lives...
    assert!(!app::jobs::lease::try_acquire(
        &app.state.db,
        "job",
        "other",
        1000,
        60_000,
        now + 30_000
    )
    .await
    .unwrap());
    // ...and someone may once it has run out.
    assert!(app::jobs::lease::try_acquire(
        &app.state.db,
        "job",
        "other",
        1000,
        60_000,
        now + 61_000
    )
    .await
    .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_housekeeping_removes_expired_sessions() {
    let app = spawn().await;
    app.organisation_with_admin("Acme", "ada@acme.test").await;
    use app::db::entities::sessions;
    sessions::Entity::update_many()
        .col_expr(sessions::Column::ExpiresAt, Expr::value(0i64))
        .exec(&app.state.db)
        .await
        .unwrap();
    let jobs = app::jobs::housekeeping::jobs(&app.state);
    let expire = jobs.iter().find(|j| j.name == "expire_sessions").unwrap();
    assert!(run_if_due(&app.state.db, "me", expire).await);
    assert!(sessions::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .is_empty());
}
