//! What the server functions call: Run now (in the background) and the recent runs.
use super::reader::Retry;
use super::run::{self, Trigger, SOURCE};
use crate::error::AppError;
use crate::salesforce_sync::dto::{SyncRunRow, SyncSettingsView};
use crate::state::AppState;

/// Starts a run of the organisation and lets it go on in the background.
pub async fn run_now(state: &AppState, org_id: i32) -> Result<SyncRunRow, AppError> {
    let started = run::begin(state, org_id, SOURCE, Trigger::Manual).await?;
    let run_id = started.run_id;
    tokio::spawn(async move {
        if let Err(error) = started.complete(Retry::default()).await {
            tracing::warn!(org_id, run_id, %error, "Salesforce run ended with an error");
        }
    });
    Ok(run::summary(
        &run::find_run(&state.db, org_id, run_id).await?,
    ))
}

/// The organisation's 20 latest runs.
pub async fn recent_runs(state: &AppState, org_id: i32) -> Result<Vec<SyncRunRow>, AppError> {
    Ok(run::list_runs(&state.db, org_id, SOURCE, 20)
        .await?
        .iter()
        .map(run::summary)
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
