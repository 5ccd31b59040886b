use leptos::prelude::*;

use crate::error::AppError;
use crate::roles::dto::RoleSummary;

/// The organisation's roles with their permissions. Needs Configure Users.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_roles() -> Result<Vec<RoleSummary>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::roles::ssr::repo::list_roles(&state.db, user.org_id).await
}

/// Creates a role (no `role_id`) or edits one. `landing` is a `LandingPage` key and
/// `permissions` the keys of the checked permissions (the form sends `permissions[]`).
/// Returns the role's id. Needs Configure Users.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn save_role(
    role_id: Option<i32>,
    name: String,
    landing: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<i32, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::roles::ssr::service::save_role(&state, &user, role_id, &name, &landing, &permissions)
        .await
}

/// Deletes a role nobody holds. Needs Configure Users.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn delete_role(role_id: i32) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::roles::ssr::service::delete_role(&state, &user, role_id).await
}
