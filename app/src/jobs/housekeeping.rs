//! Periodic clean-up of rows that only matter for a while.
use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::Job;
use crate::auth::ssr::{session, throttle};
use crate::db::entities::{one_time_tokens, sign_in_throttle};
use crate::state::AppState;
use crate::time::{now_ms, DAY_MS};

/// Used or expired setup and reset links are kept this long for support questions.
const SPENT_TOKENS_KEPT_MS: i64 = 30 * DAY_MS;

pub fn jobs(state: &AppState) -> Vec<Job> {
    let sessions_state = state.clone();
    let throttle_state = state.clone();
    let tokens_state = state.clone();
    let mail_state = state.clone();
    let audit_state = state.clone();
    let resets_state = state.clone();
    let email_state = state.clone();
    let bcc_state = state.clone();
    vec![
        // BCC email: process messages a crash left stored but unprocessed, and drop
        // messages older than 30 days (the unmatched queue's window).
        Job::new("bcc_email_upkeep", Duration::from_secs(60), move || {
            let state = bcc_state.clone();
            async move {
                let retried = crate::bcc_email::ssr::queue::retry_stuck(&state)
                    .await
                    .map_err(|e| e.to_string())?;
                let purged = crate::bcc_email::ssr::queue::purge(&state.db)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{retried} stored messages processed, {purged} old messages removed"
                ))
            }
        }),
        Job::new(
            "recheck_email_domains",
            Duration::from_secs(24 * 3600),
            move || {
                let state = email_state.clone();
                async move {
                    let broke = crate::email_config::ssr::service::recheck_verified(&state)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!("{broke} verified sending domains broke"))
                }
            },
        ),
        crate::usage::ssr::rollup::job(state.db.clone()),
        crate::upload::ssr::background::job(state),
        crate::salesforce_sync::ssr::schedule::job(state),
        Job::new(
            "prune_audit_log",
            Duration::from_secs(6 * 3600),
            move || {
                let state = audit_state.clone();
                async move {
                    let removed = crate::audit::ssr::repo::prune(
                        &state.db,
                        state.settings.audit_retention_days,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    Ok(format!("{removed} audit entries past retention removed"))
                }
            },
        ),
        // Before mail delivery, at the same pace, so a reset link goes out in the same run.
        Job::new(
            "send_password_resets",
            Duration::from_secs(state.settings.mail_delivery_seconds),
            move || {
                let state = resets_state.clone();
                async move {
                    let handled = crate::auth::ssr::password_reset::process_requests(&state)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!("{handled} forgot-password requests handled"))
                }
            },
        ),
        Job::new(
            "deliver_mail",
            Duration::from_secs(state.settings.mail_delivery_seconds),
            move || {
                let state = mail_state.clone();
                async move {
                    let done = crate::mail::ssr::queue::deliver_due(&state)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!(
                        "{} sent, {} to retry, {} failed",
                        done.sent, done.retrying, done.failed
                    ))
                }
            },
        ),
        Job::new("expire_sessions", Duration::from_secs(300), move || {
            let state = sessions_state.clone();
            async move {
                let removed = session::delete_expired(&state.db, &state.settings, now_ms())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("{removed} sessions ended"))
            }
        }),
        Job::new(
            "prune_sign_in_throttle",
            Duration::from_secs(900),
            move || {
                let state = throttle_state.clone();
                async move {
                    let now = now_ms();
                    let removed = sign_in_throttle::Entity::delete_many()
                        .filter(
                            sign_in_throttle::Column::WindowStartedAt.lt(now - throttle::WINDOW_MS),
                        )
                        .filter(sign_in_throttle::Column::BlockedUntil.lt(now))
                        .exec(&state.db)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!("{} throttle rows pruned", removed.rows_affected))
                }
            },
        ),
        Job::new(
            "prune_one_time_tokens",
            Duration::from_secs(3600),
            move || {
                let state = tokens_state.clone();
                async move {
                    let cutoff = now_ms() - SPENT_TOKENS_KEPT_MS;
                    let removed = one_time_tokens::Entity::delete_many()
                        .filter(one_time_tokens::Column::ExpiresAt.lt(cutoff))
                        .exec(&state.db)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!("{} old links removed", removed.rows_affected))
                }
            },
        ),
    ]
}
