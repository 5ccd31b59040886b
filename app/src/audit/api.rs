//! Server function of the Audit log page (Configure Users).
use leptos::prelude::*;

use crate::audit::dto::{AuditPage, AuditQuery};
use crate::error::AppError;

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_audit_events(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::audit::ssr::repo::list(
        &state.db,
        user.org_id,
        &query,
        state.settings.audit_retention_days,
    )
    .await
}
