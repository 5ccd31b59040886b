//! The account page of an account with 10 million usage events in its last 30 days
//! (2,000 users, SQLite): the events are written straight into `usage_events`, the days
//! rolled up by the rollup job, then the server-rendered page is timed (its usage panel
//! reads only the rollup tables), beside the usage summary alone. Target: page p95 under
//! 50 ms. Prints figures; asserts nothing.
use std::net::SocketAddr;
use std::time::Instant;

use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::{admin_session, request_with, timed};

const EVENTS: usize = 10_000_000;
const USERS: usize = 2_000;
const DAYS: i64 = 30;
const ROWS_PER_STATEMENT: usize = 2_000;
const SAMPLES: usize = 200;

pub async fn run(state: &app::state::AppState, address: SocketAddr) {
    use app::db::entities::accounts;
    use sea_orm::ColumnTrait;

    let admin_org = app::db::entities::users::Entity::find()
        .filter(app::db::entities::users::Column::Email.eq("bench@example.com"))
        .one(&state.db)
        .await
        .unwrap()
        .unwrap()
        .org_id;
    let account = accounts::Entity::find()
        .filter(accounts::Column::OrgId.eq(admin_org))
        .order_by_asc(accounts::Column::Id)
        .one(&state.db)
        .await
        .unwrap()
        .expect("the accounts section made accounts");
    println!();
    println!(
        "Account page with {} M usage events in 30 days ({USERS} users, SQLite)",
        EVENTS / 1_000_000
    );

    // The events, spread evenly over the last 30 days.
    let started = Instant::now();
    let day = app::time::DAY_MS;
    let today = app::time::now_ms().div_euclid(day) * day;
    let first = today - (DAYS - 1) * day;
    let step = (DAYS * day) / EVENTS as i64;
    let account_id = account.account_id.replace('\'', "''");
    let actions = ["sessionSync", "feature", "moduleEnd", "pageViewEnd"];
    let mut written = 0;
    let mut txn = state.db.begin().await.expect("transaction");
    while written < EVENTS {
        let mut sql = String::with_capacity(ROWS_PER_STATEMENT * 160);
        sql.push_str("INSERT INTO usage_events (org_id, account_id, user_id, action, created_at, module, feature, total, time_spent, received_at) VALUES ");
        for i in written..(written + ROWS_PER_STATEMENT).min(EVENTS) {
            if i > written {
                sql.push(',');
            }
            let at = (first + i as i64 * step).min(today + day - 1);
            let action = actions[i % actions.len()];
            sql.push_str(&format!(
                "({admin_org},'{account_id}','user-{}','{action}',{at},'Reports','Export',1,60000,{at})",
                i % USERS
            ));
        }
        txn.execute_unprepared(&sql).await.expect("events");
        written += ROWS_PER_STATEMENT;
        // A commit per 200,000 rows keeps the writing quick.
        if written % 200_000 == 0 {
            txn.commit().await.expect("commit");
            txn = state.db.begin().await.expect("transaction");
        }
    }
    txn.commit().await.expect("commit");
    println!(
        "  wrote {} M events in {:.0} s",
        EVENTS / 1_000_000,
        started.elapsed().as_secs_f64()
    );

    // Roll the days up, as the job does after ingest.
    let started = Instant::now();
    let now = app::time::now_ms();
    for d in 0..DAYS {
        state
            .db
            .execute_unprepared(&format!(
                "INSERT INTO usage_rollup_queue (org_id, account_id, day, queued_at) VALUES ({admin_org},'{account_id}',{},{now})",
                first + d * day
            ))
            .await
            .ok();
    }
    while app::usage::ssr::rollup::run(&state.db)
        .await
        .expect("rollup")
        > 0
    {}
    println!(
        "  rolled up {DAYS} days in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let summary = timed(SAMPLES, || async {
        app::accounts::ssr::usage::summary(&state.db, admin_org, &account.account_id, now)
            .await
            .ok()
            .map(|_| 200)
    })
    .await;
    let token = admin_session(state).await;
    let html = format!("Accept: text/html\r\nCookie: steward_session={token}\r\n");
    let path = format!("/accounts/{}", account.id);
    let page = timed(SAMPLES, || request_with(address, "GET", &path, None, &html)).await;
    for (label, (median, p95)) in [
        ("usage summary alone (rollup tables)", summary),
        ("account page (server-rendered)", page),
    ] {
        println!("  {label:<44} median {median:>6.2} ms  p95 {p95:>6.2} ms   (target p95 < 50 ms)");
    }
}
