//! What the server functions call: Run now (in the background) and the recent runs.
use super::reader::Retry;
use super::run::{self, Trigger, SOURCE};
use crate::db::entities::sync_runs;
use crate::error::AppError;
use crate::salesforce_sync::dto::{RunNote, SyncRunRow, SyncSettingsView};
use crate::state::AppState;
use crate::time_label::exact_utc;

pub fn row(run: &sync_runs::Model) -> SyncRunRow {
    SyncRunRow {
        id: run.id,
        trigger: run.trigger.clone(),
        started_at: exact_utc(run.started_at),
        finished_at: run.finished_at.map(exact_utc),
        status: run.status.clone(),
        read: run.records_read,
        written: run.records_written,
        skipped: run.records_skipped,
        csm_assigned: run.csm_assigned,
        csm_skipped: run.csm_skipped,
        api_calls: run.api_calls,
        api_remaining: run.api_remaining,
        error: run.error.clone(),
        notes: run::notes(run)
            .into_iter()
            .map(|n| RunNote {
                object: n.object,
                id: n.id,
                note: n.note,
            })
            .collect(),
        per_object: run::object_counts(run)
            .into_iter()
            .map(|c| (c.object, c.read, c.written, c.skipped))
            .collect(),
    }
}

/// Starts a run of the organisation and lets it go on in the background.
pub async fn run_now(state: &AppState, org_id: i32) -> Result<SyncRunRow, AppError> {
    let started = run::begin(state, org_id, SOURCE, Trigger::Manual).await?;
    let run_id = started.run_id;
    tokio::spawn(async move {
        if let Err(error) = started.complete(Retry::default()).await {
            tracing::warn!(org_id, run_id, %error, "Salesforce run ended with an error");
        }
    });
    Ok(row(&run::find_run(&state.db, org_id, run_id).await?))
}

/// The organisation's 20 latest runs.
pub async fn recent_runs(state: &AppState, org_id: i32) -> Result<Vec<SyncRunRow>, AppError> {
    Ok(run::list_runs(&state.db, org_id, SOURCE, 20)
        .await?
        .iter()
        .map(row)
        .collect())
}

/// The organisation's connector settings (defaults when none are saved).
pub async fn settings(state: &AppState, org_id: i32) -> Result<SyncSettingsView, AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use crate::db::entities::sync_settings;
    let row = sync_settings::Entity::find()
        .filter(sync_settings::Column::OrgId.eq(org_id))
        .filter(sync_settings::Column::Source.eq(SOURCE))
        .one(&state.db)
        .await?;
    Ok(match row {
        Some(row) => SyncSettingsView {
            csm_field: row.csm_field.unwrap_or_default(),
            daily_at: row.daily_at,
            time_zone: row.time_zone,
        },
        None => SyncSettingsView {
            csm_field: String::new(),
            daily_at: "03:00".into(),
            time_zone: "UTC".into(),
        },
    })
}
