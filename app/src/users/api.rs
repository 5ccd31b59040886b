//! Server functions of the Users page. Every one needs Configure Users.
use leptos::prelude::*;

use crate::error::AppError;
use crate::users::dto::{UserPage, UserQuery};

#[server]
pub async fn list_users(query: UserQuery) -> Result<UserPage, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::users::ssr::repo::list_users(&state.db, user.org_id, &query).await
}

/// "New users": one role, one or many addresses. Answers per address.
#[server]
pub async fn invite_users(role_id: i32, emails: String) -> Result<Vec<crate::users::dto::InviteResult>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::users::ssr::invite::invite_users(&state, &user, role_id, &emails).await
}
