//! The usage rollup job: drains `usage_rollup_queue` and recomputes, from the events, each
//! queued (organisation, account, UTC day) into `usage_daily`, `usage_daily_features` and
//! `usage_daily_users` (the day's distinct users, so periods count them without the events).
//!
//! Runs as a leased job (`jobs::lease`), so one instance computes at a time even when
//! several share PostgreSQL. A recomputation replaces the day's rows with values derived
//! only from the events, so running it twice (a lease that ran out, a crash before the
//! queue row was removed) gives the same result. A queue row is removed only if its
//! `queued_at` is still the one read before computing: ingest bumps it, so events that
//! arrive during a computation get their day computed again on the next run.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::db::entities::{
    usage_daily, usage_daily_features, usage_daily_users, usage_events, usage_rollup_queue,
};
use crate::jobs::Job;
use crate::time::{now_ms, DAY_MS, MINUTE_MS};

/// The job's name in `job_leases`.
pub const JOB_NAME: &str = "usage_rollup";
/// How often the queue is drained: rollups are at most about this old (plus the run).
pub const INTERVAL: Duration = Duration::from_secs(30);
/// A gap longer than this between two events of a user (without `session_id`) starts a
/// new session.
pub const SESSION_GAP_MS: i64 = 30 * MINUTE_MS;
/// One run stops taking new days after this long (the lease is 5 minutes); the rest waits
/// for the next run.
const RUN_BUDGET: Duration = Duration::from_secs(60);
/// Queue rows read at a time.
const QUEUE_BATCH: u64 = 200;
/// Events read at a time when estimating sessions (memory stays bounded).
const SCAN_PAGE: u64 = 10_000;

/// `kind` of `usage_daily_features` rows.
pub const KIND_FEATURE: &str = "feature";
pub const KIND_MODULE: &str = "module";

/// The job for the scheduler.
pub fn job(db: DatabaseConnection) -> Job {
    Job::new(JOB_NAME, INTERVAL, move || {
        let db = db.clone();
        async move {
            let done = run(&db).await.map_err(|e| e.to_string())?;
            Ok(format!("{} account-days rolled up", done))
        }
    })
}

/// One run: recomputes queued days (those queued before the run started) until the queue
/// is empty or the time budget is spent. Returns how many account-days were computed.
pub async fn run(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let started = Instant::now();
    let cutoff = now_ms();
    let mut done = 0;
    let mut after_id = 0;
    loop {
        let batch = usage_rollup_queue::Entity::find()
            .filter(usage_rollup_queue::Column::QueuedAt.lte(cutoff))
            .filter(usage_rollup_queue::Column::Id.gt(after_id))
            .order_by_asc(usage_rollup_queue::Column::Id)
            .limit(QUEUE_BATCH)
            .all(db)
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after_id = last.id;
        for queued in batch {
            let rollup = compute_day(db, queued.org_id, &queued.account_id, queued.day).await?;
            write_day(db, &queued, &rollup).await?;
            done += 1;
            if started.elapsed() > RUN_BUDGET {
                return Ok(done);
            }
        }
    }
    Ok(done)
}

/// One account's usage on one day, computed from its events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayRollup {
    pub events: i64,
    pub active_users: i32,
    pub sessions: i32,
    pub session_ms: i64,
    /// (module, feature) → uses.
    pub features: Vec<(String, String, f64)>,
    /// module → time in ms.
    pub modules: Vec<(String, f64)>,
    /// The day's distinct users.
    pub users: Vec<String>,
}

fn in_day(
    query: sea_orm::Select<usage_events::Entity>,
    org_id: i32,
    account_id: &str,
    day: i64,
) -> sea_orm::Select<usage_events::Entity> {
    query
        .filter(usage_events::Column::OrgId.eq(org_id))
        .filter(usage_events::Column::AccountId.eq(account_id))
        .filter(usage_events::Column::CreatedAt.gte(day))
        .filter(usage_events::Column::CreatedAt.lt(day + DAY_MS))
}

/// Reads the day's events (aggregates in SQL; sessions from a paged scan in time order).
pub async fn compute_day(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: &str,
    day: i64,
) -> Result<DayRollup, DbErr> {
    use usage_events::Column;
    let counts: Option<(i64, i64)> = in_day(usage_events::Entity::find(), org_id, account_id, day)
        .select_only()
        .expr_as(Func::count(Expr::col(Column::Id)), "events")
        .expr_as(Func::count_distinct(Expr::col(Column::UserId)), "users")
        .into_tuple()
        .one(db)
        .await?;
    let (events, users) = counts.unwrap_or_default();
    let mut rollup = DayRollup {
        events,
        active_users: i32::try_from(users).unwrap_or(i32::MAX),
        ..Default::default()
    };
    if events == 0 {
        return Ok(rollup);
    }
    rollup.users = in_day(usage_events::Entity::find(), org_id, account_id, day)
        .select_only()
        .column(Column::UserId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;

    let features: Vec<(Option<String>, Option<String>, Option<f64>)> =
        in_day(usage_events::Entity::find(), org_id, account_id, day)
            .filter(Column::Action.eq("feature"))
            .select_only()
            .column(Column::Module)
            .column(Column::Feature)
            .expr_as(
                Func::sum(Func::coalesce([
                    Expr::col(Column::Total),
                    Expr::val(1.0f64),
                ])),
                "uses",
            )
            .group_by(Column::Module)
            .group_by(Column::Feature)
            .into_tuple()
            .all(db)
            .await?;
    rollup.features = features
        .into_iter()
        .map(|(m, f, uses)| {
            (
                m.unwrap_or_default(),
                f.unwrap_or_default(),
                uses.unwrap_or(0.0),
            )
        })
        .collect();
    let modules: Vec<(Option<String>, Option<f64>)> =
        in_day(usage_events::Entity::find(), org_id, account_id, day)
            .filter(Column::Action.eq("moduleEnd"))
            .select_only()
            .column(Column::Module)
            .expr_as(
                Func::sum(Func::coalesce([
                    Expr::col(Column::TimeSpent),
                    Expr::val(0.0f64),
                ])),
                "time_ms",
            )
            .group_by(Column::Module)
            .into_tuple()
            .all(db)
            .await?;
    rollup.modules = modules
        .into_iter()
        .map(|(m, t)| (m.unwrap_or_default(), t.unwrap_or(0.0)))
        .collect();

    let mut sessions = Sessions::default();
    let mut after: Option<(i64, i64)> = None;
    loop {
        let mut page = in_day(usage_events::Entity::find(), org_id, account_id, day);
        if let Some((at, id)) = after {
            page = page.filter(
                Condition::any().add(Column::CreatedAt.gt(at)).add(
                    Condition::all()
                        .add(Column::CreatedAt.eq(at))
                        .add(Column::Id.gt(id)),
                ),
            );
        }
        type Row = (i64, i64, String, Option<String>, String, Option<f64>);
        let rows: Vec<Row> = page
            .select_only()
            .column(Column::Id)
            .column(Column::CreatedAt)
            .column(Column::UserId)
            .column(Column::SessionId)
            .column(Column::Action)
            .column(Column::ActiveDuration)
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .limit(SCAN_PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let full = rows.len() as u64 == SCAN_PAGE;
        for (id, at, user, session, action, active) in rows {
            let active = if action == "sessionSync" {
                active.unwrap_or(0.0)
            } else {
                0.0
            };
            sessions.add(user, session, at, active);
            after = Some((at, id));
        }
        if !full {
            break;
        }
    }
    let (count, ms) = sessions.totals();
    rollup.sessions = i32::try_from(count).unwrap_or(i32::MAX);
    rollup.session_ms = ms;
    Ok(rollup)
}

/// A session being built: first and last event, summed `active_duration`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: i64,
    end: i64,
    active: f64,
}

impl Span {
    fn new(at: i64, active: f64) -> Self {
        Self {
            start: at,
            end: at,
            active,
        }
    }

    fn add(&mut self, at: i64, active: f64) {
        self.start = self.start.min(at);
        self.end = self.end.max(at);
        self.active += active;
    }

    fn length_ms(&self) -> i64 {
        (self.end - self.start).max(self.active.round() as i64)
    }
}

/// Sessions of one account-day, fed events in time order.
#[derive(Default, Debug)]
pub struct Sessions {
    /// (user, session_id) → span, for events that carry a session id.
    explicit: HashMap<(String, String), Span>,
    /// user → the open estimated session, for events without one.
    open: HashMap<String, Span>,
    closed: u64,
    closed_ms: i64,
}

impl Sessions {
    /// One event; events of a user must come in time order.
    pub fn add(&mut self, user: String, session_id: Option<String>, at: i64, active: f64) {
        if let Some(session) = session_id {
            self.explicit
                .entry((user, session))
                .and_modify(|s| s.add(at, active))
                .or_insert_with(|| Span::new(at, active));
            return;
        }
        match self.open.get_mut(&user) {
            Some(span) if at - span.end <= SESSION_GAP_MS => span.add(at, active),
            Some(span) => {
                self.closed += 1;
                self.closed_ms += span.length_ms();
                *span = Span::new(at, active);
            }
            None => {
                self.open.insert(user, Span::new(at, active));
            }
        }
    }

    /// Number of sessions and their summed length in ms.
    pub fn totals(&self) -> (u64, i64) {
        let spans = self.explicit.values().chain(self.open.values());
        let (count, ms) = spans.fold((0u64, 0i64), |(n, ms), s| (n + 1, ms + s.length_ms()));
        (self.closed + count, self.closed_ms + ms)
    }
}

/// Replaces the day's rollup rows and removes the queue row if nothing new arrived, in one
/// transaction.
async fn write_day(
    db: &DatabaseConnection,
    queued: &usage_rollup_queue::Model,
    rollup: &DayRollup,
) -> Result<(), DbErr> {
    let (org_id, account_id, day) = (queued.org_id, queued.account_id.as_str(), queued.day);
    let txn = crate::db::begin_write(db).await?;
    usage_daily::Entity::delete_many()
        .filter(usage_daily::Column::OrgId.eq(org_id))
        .filter(usage_daily::Column::AccountId.eq(account_id))
        .filter(usage_daily::Column::Day.eq(day))
        .exec(&txn)
        .await?;
    usage_daily_features::Entity::delete_many()
        .filter(usage_daily_features::Column::OrgId.eq(org_id))
        .filter(usage_daily_features::Column::AccountId.eq(account_id))
        .filter(usage_daily_features::Column::Day.eq(day))
        .exec(&txn)
        .await?;
    usage_daily_users::Entity::delete_many()
        .filter(usage_daily_users::Column::OrgId.eq(org_id))
        .filter(usage_daily_users::Column::AccountId.eq(account_id))
        .filter(usage_daily_users::Column::Day.eq(day))
        .exec(&txn)
        .await?;
    for chunk in rollup.users.chunks(1000) {
        let models = chunk.iter().map(|user| usage_daily_users::ActiveModel {
            org_id: Set(org_id),
            account_id: Set(account_id.to_owned()),
            day: Set(day),
            user_id: Set(user.clone()),
            ..Default::default()
        });
        usage_daily_users::Entity::insert_many(models)
            .exec_without_returning(&txn)
            .await?;
    }
    if rollup.events > 0 {
        usage_daily::Entity::insert(usage_daily::ActiveModel {
            org_id: Set(org_id),
            account_id: Set(account_id.to_owned()),
            day: Set(day),
            active_users: Set(rollup.active_users),
            sessions: Set(rollup.sessions),
            session_ms: Set(rollup.session_ms),
            events: Set(rollup.events),
            updated_at: Set(now_ms()),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
        let features = rollup.features.iter().map(|(module, feature, uses)| {
            (KIND_FEATURE, module.as_str(), feature.as_str(), *uses, 0.0)
        });
        let modules = rollup
            .modules
            .iter()
            .map(|(module, ms)| (KIND_MODULE, module.as_str(), "", 0.0, *ms));
        let rows: Vec<_> = features.chain(modules).collect();
        for chunk in rows.chunks(1000) {
            let models = chunk.iter().map(|(kind, module, feature, uses, ms)| {
                usage_daily_features::ActiveModel {
                    org_id: Set(org_id),
                    account_id: Set(account_id.to_owned()),
                    day: Set(day),
                    kind: Set((*kind).to_owned()),
                    module: Set((*module).to_owned()),
                    feature: Set((*feature).to_owned()),
                    uses: Set(*uses),
                    time_ms: Set(*ms),
                    ..Default::default()
                }
            });
            usage_daily_features::Entity::insert_many(models)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    usage_rollup_queue::Entity::delete_many()
        .filter(usage_rollup_queue::Column::Id.eq(queued.id))
        .filter(usage_rollup_queue::Column::QueuedAt.eq(queued.queued_at))
        .exec(&txn)
        .await?;
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = MINUTE_MS;

    #[test]
    fn test_thirty_minutes_of_silence_start_a_new_session() {
        let mut s = Sessions::default();
        for at in [0, 10 * M, 40 * M] {
            s.add("u1".into(), None, at, 0.0);
        }
        // 40 − 10 = 30 minutes: still the same session.
        assert_eq!(s.totals(), (1, 40 * M));
        s.add("u1".into(), None, 71 * M, 0.0);
        assert_eq!(s.totals(), (2, 40 * M));
        s.add("u1".into(), None, 80 * M, 0.0);
        assert_eq!(s.totals(), (2, 49 * M));
        // Another user's events interleave without joining the first user's sessions.
        s.add("u2".into(), None, 81 * M, 0.0);
        assert_eq!(s.totals(), (3, 49 * M));
    }

    #[test]
    fn test_session_ids_group_events_whatever_the_gaps() {
        let mut s = Sessions::default();
        s.add("u1".into(), Some("a".into()), 0, 0.0);
        s.add("u1".into(), Some("a".into()), 120 * M, 0.0);
        s.add("u1".into(), Some("b".into()), 5 * M, 0.0);
        s.add("u2".into(), Some("a".into()), 5 * M, 0.0);
        assert_eq!(s.totals(), (3, 120 * M));
    }

    #[test]
    fn test_reported_active_time_counts_when_longer() {
        let mut s = Sessions::default();
        s.add("u1".into(), None, 0, 90_000.0);
        assert_eq!(s.totals(), (1, 90_000));
    }
}
