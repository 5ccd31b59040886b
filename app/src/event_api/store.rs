//! Storing accepted events: one transaction per request with multi-row INSERTs, plus the
//! (org, account, UTC day) marks the usage rollup job drains (`usage_rollup_queue`).
use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set, TransactionTrait};

use crate::db::entities::{usage_events, usage_rollup_queue};
use crate::event_api::parse::Event;
use crate::time::DAY_MS;

/// Rows per INSERT statement. usage_events has 16 bound columns, so 1000 rows are 16,000
/// parameters: under SQLite's 32,766 and PostgreSQL's 65,535.
pub const ROWS_PER_INSERT: usize = 1000;

/// The first millisecond of the UTC day of `ms`.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// Who sent the events, and when they arrived.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub org_id: i32,
    pub key_id: Option<i32>,
    pub received_at: i64,
}

/// Stores `events` and marks their (account, day) for the rollup, in one transaction
/// committed before this returns.
pub async fn store(db: &DatabaseConnection, origin: Origin, events: &[Event]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let txn = db.begin().await?;
    insert_events(&txn, origin, events).await?;
    mark_days(&txn, origin, events).await?;
    txn.commit().await
}

/// The multi-row INSERTs of `events` (no transaction of its own).
pub async fn insert_events(
    db: &impl ConnectionTrait,
    origin: Origin,
    events: &[Event],
) -> Result<(), DbErr> {
    insert_rows(db, &events.iter().map(|e| (origin, e)).collect::<Vec<_>>()).await
}

/// The multi-row INSERTs of events from several requests (each row with its own origin).
pub async fn insert_rows(
    db: &impl ConnectionTrait,
    rows: &[(Origin, &Event)],
) -> Result<(), DbErr> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let models = chunk.iter().map(|(origin, e)| usage_events::ActiveModel {
            org_id: Set(origin.org_id),
            key_id: Set(origin.key_id),
            account_id: Set(e.account_id.clone()),
            user_id: Set(e.user_id.clone()),
            session_id: Set(e.session_id.clone()),
            action: Set(e.action.to_owned()),
            created_at: Set(e.created_at),
            product: Set(e.product.clone()),
            module: Set(e.module.clone()),
            feature: Set(e.feature.clone()),
            total: Set(e.total),
            time_spent: Set(e.time_spent),
            active_duration: Set(e.active_duration),
            details: Set(e.details.clone()),
            received_at: Set(origin.received_at),
            ..Default::default()
        });
        usage_events::Entity::insert_many(models)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The (org, account, UTC day) of each event, with when it was received (the latest, when
/// several requests touch one day).
pub type DayMarks<'a> = BTreeMap<(i32, &'a str, i64), i64>;

/// Adds the days `events` touch to `marks`.
pub fn collect_days<'a>(marks: &mut DayMarks<'a>, origin: Origin, events: &'a [Event]) {
    for e in events {
        let at = marks
            .entry((origin.org_id, e.account_id.as_str(), day_of(e.created_at)))
            .or_insert(origin.received_at);
        *at = Ord::max(*at, origin.received_at);
    }
}

/// Adds (org, account, day) to the rollup queue for every day the events touch.
pub async fn mark_days(
    db: &impl ConnectionTrait,
    origin: Origin,
    events: &[Event],
) -> Result<(), DbErr> {
    let mut marks = DayMarks::new();
    collect_days(&mut marks, origin, events);
    write_marks(db, &marks).await
}

/// Writes the marks. An existing mark gets a strictly larger `queued_at`, so the rollup
/// job, which deletes a mark only if `queued_at` is still what it read, never drops events
/// that arrived while it was computing that day.
pub async fn write_marks(db: &impl ConnectionTrait, marks: &DayMarks<'_>) -> Result<(), DbErr> {
    use usage_rollup_queue::Column;
    let marks: Vec<_> = marks.iter().collect();
    let table = Alias::new("usage_rollup_queue");
    let excluded = Alias::new("excluded");
    let current = Expr::col((table, Column::QueuedAt));
    let incoming = Expr::col((excluded, Column::QueuedAt));
    let bumped =
        Expr::case(incoming.clone().gt(current.clone()), incoming).finally(current.add(1i64));
    for chunk in marks.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|((org_id, account_id, day), queued_at)| {
            usage_rollup_queue::ActiveModel {
                org_id: Set(*org_id),
                account_id: Set((*account_id).to_owned()),
                day: Set(*day),
                queued_at: Set(**queued_at),
                ..Default::default()
            }
        });
        usage_rollup_queue::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([Column::OrgId, Column::AccountId, Column::Day])
                    .value(Column::QueuedAt, bumped.clone())
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_day_of_is_the_utc_day_start() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY_MS - 1), 0);
        assert_eq!(day_of(DAY_MS), DAY_MS);
        assert_eq!(day_of(1_465_400_000_000), 1_465_344_000_000);
        assert_eq!(day_of(-1), -DAY_MS);
    }
}
