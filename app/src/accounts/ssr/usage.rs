//! The account page's usage summary for the last `USAGE_DAYS` UTC days: per-day active
//! users, sessions and session time from `usage_daily`, top features from
//! `usage_daily_features`, and distinct active users over the period from the events
//! themselves (daily counts cannot be added up without counting a person twice).
//!
//! `summary` is the one entry point the page uses, so it can be pointed at the usage
//! service of the rollup slice without touching the page.
use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::accounts::dto::{FeatureUse, UsageDay, UsageSummary, USAGE_DAYS};
use crate::accounts::ssr::detail::date;
use crate::db::entities::{usage_daily, usage_daily_features, usage_events};
use crate::error::AppError;
use crate::time::DAY_MS;

const TOP_FEATURES: u64 = 5;

pub async fn summary(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: &str,
    now: i64,
) -> Result<UsageSummary, AppError> {
    let today = now - now.rem_euclid(DAY_MS);
    let first = today - (USAGE_DAYS as i64 - 1) * DAY_MS;

    let daily = usage_daily::Entity::find()
        .filter(usage_daily::Column::OrgId.eq(org_id))
        .filter(usage_daily::Column::AccountId.eq(account_id))
        .filter(usage_daily::Column::Day.gte(first))
        .filter(usage_daily::Column::Day.lte(today))
        .all(db)
        .await?;
    let days: Vec<UsageDay> = (0..USAGE_DAYS as i64)
        .map(|i| {
            let day = first + i * DAY_MS;
            let row = daily.iter().find(|d| d.day == day);
            UsageDay {
                date: date(day),
                active_users: row.map_or(0, |r| Ord::max(r.active_users, 0) as u64),
                sessions: row.map_or(0, |r| Ord::max(r.sessions, 0) as u64),
                session_ms: row.map_or(0, |r| Ord::max(r.session_ms, 0)),
            }
        })
        .collect();

    let uses: SimpleExpr = Func::sum(Expr::col(usage_daily_features::Column::Uses)).into();
    let top: Vec<(String, String, Option<f64>)> = usage_daily_features::Entity::find()
        .select_only()
        .column(usage_daily_features::Column::Module)
        .column(usage_daily_features::Column::Feature)
        .column_as(uses.clone(), "uses")
        .filter(usage_daily_features::Column::OrgId.eq(org_id))
        .filter(usage_daily_features::Column::AccountId.eq(account_id))
        .filter(usage_daily_features::Column::Kind.eq("feature"))
        .filter(usage_daily_features::Column::Day.gte(first))
        .filter(usage_daily_features::Column::Day.lte(today))
        .group_by(usage_daily_features::Column::Module)
        .group_by(usage_daily_features::Column::Feature)
        .order_by_desc(uses)
        .order_by_asc(usage_daily_features::Column::Feature)
        .order_by_asc(usage_daily_features::Column::Module)
        .limit(TOP_FEATURES)
        .into_tuple()
        .all(db)
        .await?;

    let active_users: Option<i64> = usage_events::Entity::find()
        .select_only()
        .column_as(
            Expr::col(usage_events::Column::UserId).count_distinct(),
            "users",
        )
        .filter(usage_events::Column::OrgId.eq(org_id))
        .filter(usage_events::Column::AccountId.eq(account_id))
        .filter(usage_events::Column::CreatedAt.gte(first))
        .into_tuple()
        .one(db)
        .await?;

    Ok(UsageSummary {
        active_users: Ord::max(active_users.unwrap_or(0), 0) as u64,
        sessions: days.iter().map(|d| d.sessions).sum(),
        session_ms: days.iter().map(|d| d.session_ms).sum(),
        top_features: top
            .into_iter()
            .filter(|(_, feature, _)| !feature.is_empty())
            .map(|(module, feature, uses)| FeatureUse {
                module,
                feature,
                uses: uses.unwrap_or(0.0),
            })
            .collect(),
        days,
    })
}
