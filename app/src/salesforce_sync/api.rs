//! Server functions of the connector: Run now, and the runs for Source Overview. Both need
//! Configure Data Connectors and see only the caller's organisation.
use leptos::prelude::*;

use crate::error::AppError;
use crate::salesforce_sync::dto::{SyncRunRow, SyncSettingsView};

/// Starts a Salesforce run now (it goes on in the background); answers the run as started.
/// Refused while another run of the organisation is under way.
#[server(client = crate::wire::StewardClient)]
pub async fn run_salesforce_now() -> Result<SyncRunRow, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::salesforce_sync::ssr::service::run_now(&state, user.org_id).await
}

/// The organisation's latest Salesforce runs, newest first.
#[server(client = crate::wire::StewardClient)]
pub async fn list_salesforce_runs() -> Result<Vec<SyncRunRow>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::salesforce_sync::ssr::service::recent_runs(&state, user.org_id).await
}

/// Chooses the Salesforce Account field holding the CSM (an Email field or a Lookup to
/// User; empty: no CSM sync), checked against Salesforce's describe; answers the field's
/// API name. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn set_salesforce_csm_field(csm_field: String) -> Result<Option<String>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::salesforce_sync::ssr::csm::configure(&state, user.org_id, Some(&csm_field))
        .await
        .map(|field| field.map(|f| f.name))
}

/// Sets the daily run's time (`HH:MM`) and time zone (`UTC` or an offset such as
/// `+01:00`). Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn set_salesforce_schedule(daily_at: String, time_zone: String) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::salesforce_sync::ssr::schedule::set_daily(&state, user.org_id, &daily_at, &time_zone)
        .await
}

/// The CSM field and the daily run's time, as saved. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn get_salesforce_sync_settings() -> Result<SyncSettingsView, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::salesforce_sync::ssr::service::settings(&state, user.org_id).await
}
