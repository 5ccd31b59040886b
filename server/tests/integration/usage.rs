//! Usage rollups from Event API events: per account and day, sessions estimated with the
//! 30-minute rule when the client sends no session id, recomputed when more events
//! arrive, computed once across instances; and the 30-day summary of the account page.
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;

use app::db::entities::{
    usage_daily, usage_daily_features, usage_daily_users, usage_events, usage_rollup_queue,
};
use app::usage::ssr::rollup;

use crate::common::{spawn, TestApp};
use crate::event_api::{event, event_key, post_events};

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// Today's UTC midnight.
fn today() -> i64 {
    app::time::now_ms().div_euclid(DAY) * DAY
}

async fn send(app: &TestApp, path: &str, lines: &[String]) {
    let reply = post_events(app, path, lines.join("\n").into_bytes(), false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains("\"failed_results\":[]"),
        "{}",
        reply.body
    );
}

async fn daily(app: &TestApp, org_id: i32, account: &str) -> Vec<usage_daily::Model> {
    usage_daily::Entity::find()
        .filter(usage_daily::Column::OrgId.eq(org_id))
        .filter(usage_daily::Column::AccountId.eq(account))
        .order_by_asc(usage_daily::Column::Day)
        .all(&app.state.db)
        .await
        .unwrap()
}

async fn setup(app: &TestApp) -> (i32, String) {
    let _ = app.organisation_with_admin("Acme", "ada@acme.test").await;
    let org_id = app.org_id_of("ada@acme.test").await;
    let (auth, api, _) = event_key(app, org_id, "Web app").await;
    (org_id, format!("/v1/{auth}/{api}"))
}

/// Yesterday's events of account "a1": u1 without session ids in two sessions (a 31-minute
/// gap), u2 in one explicit session, u3 in two explicit sessions; features and modules.
fn yesterdays_events() -> Vec<String> {
    let d = today() - DAY;
    let none = json!({});
    vec![
        // u1: 10:00, 10:20, 10:50 (gap 30 min: same session) → 50 min; then 11:21 (gap 31) → 0 min
        event(
            "feature",
            "a1",
            "u1",
            d + 600 * MIN,
            json!({"feature": "Export", "module": "Reports"}),
        ),
        event(
            "feature",
            "a1",
            "u1",
            d + 620 * MIN,
            json!({"feature": "Export", "module": "Reports", "total": 4}),
        ),
        event(
            "moduleEnd",
            "a1",
            "u1",
            d + 650 * MIN,
            json!({"module": "Reports", "time_spent": 120000}),
        ),
        event("pageViewEnd", "a1", "u1", d + 681 * MIN, none.clone()),
        // u2: one session "s1" from 09:00 to 12:00 despite the gap → 180 min
        event(
            "identifyUser",
            "a1",
            "u2",
            d + 540 * MIN,
            json!({"session_id": "s1", "details": {"name": "U Two"}}),
        ),
        event(
            "feature",
            "a1",
            "u2",
            d + 720 * MIN,
            json!({"session_id": "s1", "feature": "Share"}),
        ),
        // u3: sessions "x" (one event, but sessionSync says 5 minutes active) and "y" (10 min)
        event(
            "sessionSync",
            "a1",
            "u3",
            d + 60 * MIN,
            json!({"session_id": "x", "active_duration": 300000}),
        ),
        event(
            "moduleEnd",
            "a1",
            "u3",
            d + 100 * MIN,
            json!({"session_id": "y", "module": "Admin", "time_spent": 60000}),
        ),
        event(
            "sessionIdle",
            "a1",
            "u3",
            d + 110 * MIN,
            json!({"session_id": "y"}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_rollups_count_users_sessions_time_features_and_modules() {
    let app = spawn().await;
    let (org_id, path) = setup(&app).await;
    send(&app, &path, &yesterdays_events()).await;
    // Another account and today's events, to be kept apart.
    send(
        &app,
        &path,
        &[event(
            "feature",
            "a2",
            "u1",
            today() + MIN,
            json!({"feature": "Export"}),
        )],
    )
    .await;
    send(
        &app,
        &path,
        &[event(
            "sessionSync",
            "a1",
            "u1",
            app::time::now_ms() - MIN,
            json!({}),
        )],
    )
    .await;
    assert_eq!(
        usage_rollup_queue::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        3
    );

    assert_eq!(rollup::run(&app.state.db).await.unwrap(), 3);
    assert_eq!(
        usage_rollup_queue::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0,
        "queue drained"
    );

    let rows = daily(&app, org_id, "a1").await;
    assert_eq!(rows.len(), 2);
    let y = &rows[0];
    assert_eq!(y.day, today() - DAY);
    assert_eq!(y.events, 9);
    assert_eq!(y.active_users, 3);
    assert_eq!(y.sessions, 2 + 1 + 2);
    // Sessions of 50, 0, 180, 5 and 10 minutes.
    assert_eq!(y.session_ms, (50 + 180 + 5 + 10) * MIN);
    assert_eq!(
        (rows[1].day, rows[1].events, rows[1].sessions),
        (today(), 1, 1)
    );

    let features = usage_daily_features::Entity::find()
        .filter(usage_daily_features::Column::AccountId.eq("a1"))
        .filter(usage_daily_features::Column::Day.eq(today() - DAY))
        .order_by_asc(usage_daily_features::Column::Kind)
        .order_by_asc(usage_daily_features::Column::Module)
        .order_by_asc(usage_daily_features::Column::Feature)
        .all(&app.state.db)
        .await
        .unwrap();
    let seen: Vec<(&str, &str, &str, f64, f64)> = features
        .iter()
        .map(|f| {
            (
                f.kind.as_str(),
                f.module.as_str(),
                f.feature.as_str(),
                f.uses,
                f.time_ms,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("feature", "", "Share", 1.0, 0.0),
            ("feature", "Reports", "Export", 5.0, 0.0),
            ("module", "Admin", "", 0.0, 60000.0),
            ("module", "Reports", "", 0.0, 120000.0),
        ]
    );

    let summary = app::usage::ssr::summary(&app.state.db, org_id, "a1", app::time::now_ms())
        .await
        .unwrap();
    assert_eq!(summary.days.len(), 30);
    assert_eq!(summary.from_day, today() - 29 * DAY);
    assert_eq!(summary.days[29].day, today());
    assert_eq!(summary.days[28].sessions, 5);
    assert_eq!(summary.days[28].session_minutes, 245);
    assert_eq!(summary.days[28].active_users, 3);
    assert_eq!(summary.days[29].events, 1);
    assert_eq!(summary.events, 10);
    assert_eq!(summary.sessions, 6);
    assert_eq!(summary.session_minutes, 245);
    // u1 was active on both days: counted once.
    assert_eq!(summary.active_users, 3);
    assert_eq!(summary.top_features[0].feature, "Export");
    assert_eq!(summary.top_features[0].uses, 5.0);
    assert_eq!(summary.top_modules[0].module, "Reports");
    assert_eq!(summary.top_modules[0].minutes, 2.0);
    let empty = app::usage::ssr::summary(&app.state.db, org_id, "nobody", app::time::now_ms())
        .await
        .unwrap();
    assert!(empty.is_empty() && empty.days.len() == 30 && empty.top_features.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_later_events_recompute_the_day_and_reruns_change_nothing() {
    let app = spawn().await;
    let (org_id, path) = setup(&app).await;
    let d = today() - DAY;
    send(
        &app,
        &path,
        &[event(
            "feature",
            "a1",
            "u1",
            d + 60 * MIN,
            json!({"feature": "F"}),
        )],
    )
    .await;
    rollup::run(&app.state.db).await.unwrap();
    assert_eq!(daily(&app, org_id, "a1").await[0].events, 1);
    // Nothing queued: a run does nothing; the rollup stays.
    assert_eq!(rollup::run(&app.state.db).await.unwrap(), 0);

    // 20 minutes later: the same session, now 20 minutes long.
    send(
        &app,
        &path,
        &[event(
            "feature",
            "a1",
            "u1",
            d + 80 * MIN,
            json!({"feature": "F"}),
        )],
    )
    .await;
    rollup::run(&app.state.db).await.unwrap();
    let row = &daily(&app, org_id, "a1").await[0];
    assert_eq!((row.events, row.sessions, row.session_ms), (2, 1, 20 * MIN));

    // Recomputing the same day again (a second instance, a retried run) gives the same rows.
    let again = rollup::compute_day(&app.state.db, org_id, "a1", d)
        .await
        .unwrap();
    assert_eq!(
        (again.events, again.sessions, again.session_ms),
        (2, 1, 20 * MIN)
    );
    assert_eq!(again.features, [(String::new(), "F".to_owned(), 2.0)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_mark_for_a_day_being_computed_is_bumped_not_lost() {
    let app = spawn().await;
    let (_, path) = setup(&app).await;
    let d = today() - DAY;
    send(
        &app,
        &path,
        &[event(
            "feature",
            "a1",
            "u1",
            d + MIN,
            json!({"feature": "F"}),
        )],
    )
    .await;
    let first = usage_rollup_queue::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // Another request for the same day, even within the same millisecond, raises queued_at,
    // so the job (which deletes the mark only if queued_at is unchanged) computes it again.
    let origin = app::event_api::store::Origin {
        org_id: first.org_id,
        key_id: None,
        received_at: first.queued_at,
    };
    let parsed = app::event_api::parse::parse_body(
        event("feature", "a1", "u2", d + 2 * MIN, json!({"feature": "F"})).as_bytes(),
        app::time::now_ms(),
    )
    .unwrap();
    app::event_api::store::store(&app.state.db, origin, &parsed.events)
        .await
        .unwrap();
    let marks = usage_rollup_queue::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].id, first.id);
    assert!(marks[0].queued_at > first.queued_at);
}

/// Two (and three) instances on one database: the leased job runs on exactly one; direct
/// concurrent recomputations (as after a lost lease) still leave correct rollups.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_rollups_are_computed_once_across_instances() {
    let app = spawn().await;
    let (org_id, path) = setup(&app).await;
    send(&app, &path, &yesterdays_events()).await;

    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(app::db::connect::connect(&app.database_url).await.unwrap());
    }
    let mut handles = Vec::new();
    for (i, db) in instances.iter().enumerate() {
        let job = rollup::job(db.clone());
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            app::jobs::runner::run_if_due(&db, &format!("instance-{i}"), &job).await
        }));
    }
    let mut ran = 0;
    for handle in handles {
        ran += handle.await.unwrap() as usize;
    }
    assert_eq!(ran, 1, "exactly one instance ran the rollup");
    let rows = daily(&app, org_id, "a1").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].events, rows[0].sessions, rows[0].active_users),
        (9, 5, 3)
    );

    // More events, then all instances recompute at once without the lease: same result as
    // one computation, no duplicate rows.
    send(
        &app,
        &path,
        &[event(
            "feature",
            "a1",
            "u4",
            today() - DAY + MIN,
            json!({"feature": "Export"}),
        )],
    )
    .await;
    let mut handles = Vec::new();
    for db in &instances {
        let db = db.clone();
        handles.push(tokio::spawn(async move { rollup::run(&db).await }));
    }
    for handle in handles {
        // A concurrent duplicate may lose a write race on PostgreSQL's unique index; the
        // day stays queued then and the next run completes it.
        let _ = handle.await.unwrap();
    }
    rollup::run(&app.state.db).await.unwrap();
    let rows = daily(&app, org_id, "a1").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].events, rows[0].sessions, rows[0].active_users),
        (10, 6, 4)
    );
    let features = usage_daily_features::Entity::find()
        .filter(usage_daily_features::Column::Kind.eq("feature"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        features, 3,
        "Export in Reports, Export without module, Share"
    );
    assert_eq!(
        usage_rollup_queue::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

/// The account page's 30-day figures come from the rollup tables alone: right after a
/// rollup (distinct users counted once across days), and unchanged once the raw events are
/// gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_account_page_usage_comes_from_the_rollups_not_the_events() {
    let app = spawn().await;
    let (org_id, path) = setup(&app).await;
    let none = json!({});
    let lines = vec![
        event(
            "feature",
            "a1",
            "u1",
            today() - 2 * DAY + 60 * MIN,
            json!({"feature": "Export"}),
        ),
        event(
            "sessionSync",
            "a1",
            "u2",
            today() - 2 * DAY + 70 * MIN,
            none.clone(),
        ),
        event(
            "sessionSync",
            "a1",
            "u1",
            today() - DAY + 60 * MIN,
            none.clone(),
        ),
        event(
            "sessionSync",
            "a1",
            "u3",
            today() - DAY + 90 * MIN,
            none.clone(),
        ),
        event("sessionSync", "a1", "u4", today() + MIN, none.clone()),
        event("sessionSync", "b2", "u9", today() + MIN, none),
    ];
    send(&app, &path, &lines).await;
    rollup::run(&app.state.db).await.unwrap();
    let page = || async {
        app::accounts::ssr::usage::summary(&app.state.db, org_id, "a1", app::time::now_ms())
            .await
            .unwrap()
    };
    let before = page().await;
    // u1 on two days counts once; b2's user is not a1's.
    assert_eq!(before.active_users, 4);
    let per_day: Vec<u64> = before.days[27..].iter().map(|d| d.active_users).collect();
    assert_eq!(per_day, [2, 2, 1]);
    assert_eq!(before.sessions, 5);
    assert_eq!(before.top_features[0].feature, "Export");
    let kept = usage_daily_users::Entity::find()
        .filter(usage_daily_users::Column::OrgId.eq(org_id))
        .filter(usage_daily_users::Column::AccountId.eq("a1"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(kept, 5, "one row per user and day");

    // Without the raw events the page says the same.
    usage_events::Entity::delete_many()
        .filter(usage_events::Column::OrgId.eq(org_id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(page().await, before);
}
