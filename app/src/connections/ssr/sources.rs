//! The Source Overview's table of sources: one registry, `SOURCES`. A feature that pulls
//! data into Steward (a connector, CSV uploads, BCC email…) adds one function here that
//! answers its row; the page lists whatever the registry answers, in order. Usage events
//! are left out on purpose (the Source Overview excludes them).
use std::future::Future;
use std::pin::Pin;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::dto::CurrentUser;
use crate::connections::dto::SourceRow;
use crate::connections::ssr::salesforce;
use crate::db::entities::{api_calls, oauth_connections, sync_settings};
use crate::error::AppError;
use crate::salesforce_sync::ssr::run;
use crate::state::AppState;
use crate::time_label::exact_utc;

type RowFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<SourceRow>, AppError>> + Send + 'a>>;
/// A source: answers its row for an organisation, or None when it does not apply.
pub type SourceFn = for<'a> fn(&'a AppState, i32) -> RowFuture<'a>;

/// Every source, in the order the table shows them.
pub const SOURCES: &[SourceFn] = &[salesforce_row, account_api_row, bcc_email_row];

pub async fn rows(state: &AppState, user: &CurrentUser) -> Result<Vec<SourceRow>, AppError> {
    let mut out = Vec::new();
    for source in SOURCES {
        if let Some(row) = source(state, user.org_id).await? {
            out.push(row);
        }
    }
    Ok(out)
}

fn salesforce_row(state: &AppState, org_id: i32) -> RowFuture<'_> {
    Box::pin(async move {
        let connection = oauth_connections::Entity::find()
            .filter(oauth_connections::Column::OrgId.eq(org_id))
            .filter(oauth_connections::Column::Provider.eq(salesforce::PROVIDER))
            .one(&state.db)
            .await?;
        let last = run::list_runs(&state.db, org_id, run::SOURCE, 1)
            .await?
            .into_iter()
            .next();
        let connected = connection
            .as_ref()
            .is_some_and(|c| c.status == salesforce::STATUS_CONNECTED);
        let mut status: String = match connection.as_ref().map(|c| c.status.as_str()) {
            None => "Not connected".into(),
            Some(salesforce::STATUS_CONNECTED) => "Connected".into(),
            Some(salesforce::STATUS_NEEDS_REAUTH) => "Needs re-authorization".into(),
            Some(_) => "Revoked".into(),
        };
        if let Some(run) = &last {
            status.push_str(match run.status.as_str() {
                "running" => " · running",
                "failed" => " · last run failed",
                _ => " · last run succeeded",
            });
        }
        let next_run = if connected {
            let settings = sync_settings::Entity::find()
                .filter(sync_settings::Column::OrgId.eq(org_id))
                .filter(sync_settings::Column::Source.eq(run::SOURCE))
                .one(&state.db)
                .await?;
            let (at, zone) = settings
                .map(|s| (s.daily_at, s.time_zone))
                .unwrap_or_else(|| ("03:00".into(), "UTC".into()));
            Some(format!("Daily at {at} ({zone})"))
        } else {
            None
        };
        Ok(Some(SourceRow {
            name: "Salesforce".into(),
            status,
            last_run: last
                .as_ref()
                .map(|r| r.started_at)
                .or(connection.as_ref().and_then(|c| c.last_success_at))
                .map(exact_utc),
            records_last_run: last.as_ref().map(|r| r.records_written),
            errors_last_run: last.as_ref().map(|r| r.records_skipped),
            next_run,
            href: Some("/settings/it/oauth".into()),
        }))
    })
}

fn account_api_row(state: &AppState, org_id: i32) -> RowFuture<'_> {
    Box::pin(async move {
        let last = api_calls::Entity::find()
            .filter(api_calls::Column::OrgId.eq(org_id))
            .filter(api_calls::Column::Api.eq("account"))
            .order_by_desc(api_calls::Column::CreatedAt)
            .one(&state.db)
            .await?;
        Ok(Some(SourceRow {
            name: "Account API".into(),
            status: match last.as_ref().map(|c| c.status.as_str()) {
                None => "No calls yet".into(),
                Some("success") => "Last call succeeded".into(),
                Some("partial") => "Last call partly failed".into(),
                Some(_) => "Last call failed".into(),
            },
            last_run: last.as_ref().map(|c| exact_utc(c.created_at)),
            records_last_run: last.as_ref().map(|c| i64::from(c.records_received)),
            errors_last_run: last.as_ref().map(|c| i64::from(c.records_failed)),
            // Pushed by the customer's systems: no schedule.
            next_run: None,
            href: Some("/settings/it/api-status".into()),
        }))
    })
}

/// BCC email: messages received in the last day and what became of them. "Records" are the
/// matched messages, "errors" the refused ones; unmatched ones wait in their queue.
fn bcc_email_row(state: &AppState, org_id: i32) -> RowFuture<'_> {
    Box::pin(async move {
        let (received, matched, unmatched, refused, newest) =
            crate::bcc_email::ssr::queue::last_day_counts(&state.db, org_id).await?;
        Ok(Some(SourceRow {
            name: "BCC email".into(),
            status: if received == 0 {
                "No messages in the last day".into()
            } else {
                format!(
                    "Last day: {received} received, {matched} matched, {unmatched} unmatched, {refused} refused"
                )
            },
            last_run: newest.map(exact_utc),
            records_last_run: Some(matched),
            errors_last_run: Some(refused),
            // Mail arrives when it is sent: no schedule.
            next_run: None,
            href: Some("/settings/it/unmatched-email".into()),
        }))
    })
}
