use leptos::prelude::*;

use crate::error::AppError;
use crate::roles::dto::RoleSummary;

/// The organisation's roles with their permissions. Needs Configure Users.
#[server]
pub async fn list_roles() -> Result<Vec<RoleSummary>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::roles::ssr::repo::list_roles(&state.db, user.org_id).await
}
