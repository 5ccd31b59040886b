//! The account page's usage summary: the usage slice's 30-day summary
//! (`crate::usage::ssr::summary`, from the rollup tables only, distinct users included),
//! shaped for the page: the top five features and times in milliseconds.
use sea_orm::ConnectionTrait;

use crate::accounts::dto::{FeatureUse, UsageDay, UsageSummary, USAGE_DAYS};
use crate::error::AppError;
use crate::time::MINUTE_MS;

const TOP_FEATURES: usize = 5;

pub async fn summary(
    db: &impl ConnectionTrait,
    org_id: i32,
    account_id: &str,
    now: i64,
) -> Result<UsageSummary, AppError> {
    let usage = crate::usage::ssr::summary(db, org_id, account_id, now).await?;
    debug_assert_eq!(usage.days.len(), USAGE_DAYS);
    Ok(UsageSummary {
        days: usage
            .days
            .into_iter()
            .map(|d| UsageDay {
                date: d.date,
                active_users: u64::from(d.active_users),
                sessions: u64::from(d.sessions),
                session_ms: i64::from(d.session_minutes) * MINUTE_MS,
            })
            .collect(),
        active_users: usage.active_users,
        sessions: usage.sessions,
        session_ms: usage.session_minutes as i64 * MINUTE_MS,
        top_features: usage
            .top_features
            .into_iter()
            .filter(|f| !f.feature.is_empty())
            .take(TOP_FEATURES)
            .map(|f| FeatureUse {
                module: f.module,
                feature: f.feature,
                uses: f.uses,
            })
            .collect(),
    })
}
