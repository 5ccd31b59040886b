//! The 30-day usage summary of one account, read from the daily rollups only (never the
//! raw events), so its cost does not grow with the events: at most 30 rows of
//! `usage_daily`, the period's feature and module rows, and the period's distinct users
//! counted over `usage_daily_users` (one row per user and day, read from its index).
use sea_orm::sea_query::{Expr, Func, Order};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::entities::{usage_daily, usage_daily_features, usage_daily_users};
use crate::error::AppError;
use crate::event_api::store::day_of;
use crate::time::{DAY_MS, MINUTE_MS};
use crate::time_label::exact_utc;
use crate::usage::dto::{FeatureUse, ModuleTime, UsageDay, UsageSummary, SUMMARY_DAYS};
use crate::usage::ssr::rollup::{KIND_FEATURE, KIND_MODULE};

const TOP: u64 = 10;

fn date(day: i64) -> String {
    exact_utc(day).chars().take(10).collect()
}

/// Usage of `account_id` (the external account id) in organisation `org_id` over the
/// `SUMMARY_DAYS` UTC days ending with the day of `now`. Sessions, session time, events,
/// features, modules and the period's distinct users all come from the rollups (current
/// within about a minute of ingest); distinct users are exact (one row per user and day).
pub async fn summary(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: &str,
    now: i64,
) -> Result<UsageSummary, AppError> {
    let from_day = day_of(now) - (SUMMARY_DAYS as i64 - 1) * DAY_MS;
    let until = day_of(now) + DAY_MS;

    let daily = usage_daily::Entity::find()
        .filter(usage_daily::Column::OrgId.eq(org_id))
        .filter(usage_daily::Column::AccountId.eq(account_id))
        .filter(usage_daily::Column::Day.gte(from_day))
        .filter(usage_daily::Column::Day.lt(until))
        .all(db)
        .await?;
    let mut days: Vec<UsageDay> = (0..SUMMARY_DAYS as i64)
        .map(|i| {
            let day = from_day + i * DAY_MS;
            UsageDay {
                day,
                date: date(day),
                ..Default::default()
            }
        })
        .collect();
    let mut summary = UsageSummary {
        from_day,
        from_date: date(from_day),
        ..Default::default()
    };
    let mut session_ms = 0i64;
    for row in &daily {
        let index = ((row.day - from_day) / DAY_MS) as usize;
        if let Some(entry) = days.get_mut(index) {
            entry.active_users = row.active_users.max(0) as u32;
            entry.sessions = row.sessions.max(0) as u32;
            entry.session_minutes = (row.session_ms.max(0) / MINUTE_MS) as u32;
            entry.events = row.events.max(0) as u64;
        }
        summary.sessions += row.sessions.max(0) as u64;
        summary.events += row.events.max(0) as u64;
        session_ms += row.session_ms.max(0);
    }
    summary.session_minutes = (session_ms / MINUTE_MS) as u64;
    summary.days = days;
    if daily.is_empty() {
        return Ok(summary);
    }

    let users: Option<i64> = usage_daily_users::Entity::find()
        .filter(usage_daily_users::Column::OrgId.eq(org_id))
        .filter(usage_daily_users::Column::AccountId.eq(account_id))
        .filter(usage_daily_users::Column::Day.gte(from_day))
        .filter(usage_daily_users::Column::Day.lt(until))
        .select_only()
        .expr_as(
            Func::count_distinct(Expr::col(usage_daily_users::Column::UserId)),
            "users",
        )
        .into_tuple()
        .one(db)
        .await?;
    summary.active_users = users.unwrap_or(0).max(0) as u64;

    let in_period = |kind: &str| {
        usage_daily_features::Entity::find()
            .filter(usage_daily_features::Column::OrgId.eq(org_id))
            .filter(usage_daily_features::Column::AccountId.eq(account_id))
            .filter(usage_daily_features::Column::Day.gte(from_day))
            .filter(usage_daily_features::Column::Day.lt(until))
            .filter(usage_daily_features::Column::Kind.eq(kind))
    };
    let sum_uses = Func::sum(Expr::col(usage_daily_features::Column::Uses));
    let features: Vec<(String, String, Option<f64>)> = in_period(KIND_FEATURE)
        .select_only()
        .column(usage_daily_features::Column::Module)
        .column(usage_daily_features::Column::Feature)
        .expr_as(sum_uses.clone(), "uses")
        .group_by(usage_daily_features::Column::Module)
        .group_by(usage_daily_features::Column::Feature)
        .order_by(sum_uses, Order::Desc)
        .order_by_asc(usage_daily_features::Column::Feature)
        .order_by_asc(usage_daily_features::Column::Module)
        .limit(TOP)
        .into_tuple()
        .all(db)
        .await?;
    summary.top_features = features
        .into_iter()
        .map(|(module, feature, uses)| FeatureUse {
            module,
            feature,
            uses: uses.unwrap_or(0.0),
        })
        .collect();
    let sum_time = Func::sum(Expr::col(usage_daily_features::Column::TimeMs));
    let modules: Vec<(String, Option<f64>)> = in_period(KIND_MODULE)
        .select_only()
        .column(usage_daily_features::Column::Module)
        .expr_as(sum_time.clone(), "time_ms")
        .group_by(usage_daily_features::Column::Module)
        .order_by(sum_time, Order::Desc)
        .order_by_asc(usage_daily_features::Column::Module)
        .limit(TOP)
        .into_tuple()
        .all(db)
        .await?;
    summary.top_modules = modules
        .into_iter()
        .map(|(module, ms)| ModuleTime {
            module,
            minutes: (ms.unwrap_or(0.0) / MINUTE_MS as f64 * 10.0).round() / 10.0,
        })
        .collect();
    Ok(summary)
}
