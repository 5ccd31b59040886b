//! Server functions of the Users page. Every one needs Configure Users, checks it, calls one
//! service and returns its typed answer.
use leptos::prelude::*;

use crate::error::AppError;
use crate::users::dto::{BulkAction, BulkOutcome, InviteResult, UserPage, UserQuery, UserTab};

#[cfg(feature = "ssr")]
async fn administrator() -> Result<(crate::state::AppState, crate::auth::dto::CurrentUser), AppError>
{
    crate::auth::ssr::context::require_permission(
        crate::roles::permission::Permission::ConfigureUsers,
    )
    .await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, AppError> {
    let (state, user) = administrator().await?;
    let relay = crate::mail::ssr::queue::relay_configured(&state, user.org_id).await?;
    crate::users::ssr::repo::list_users(&state.db, user.org_id, &query, relay).await
}

/// "New users": one role, one or many addresses. Answers per address. No role is refused
/// with a sentence: there is no default role.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn invite_users(
    role_id: Option<i32>,
    emails: String,
) -> Result<Vec<InviteResult>, AppError> {
    let (state, user) = administrator().await?;
    crate::users::ssr::invite::invite_users(&state, &user, role_id, &emails).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn update_user(
    user_id: i32,
    name: String,
    email: String,
    role_id: i32,
    title: String,
    phone: String,
) -> Result<(), AppError> {
    let (state, caller) = administrator().await?;
    let edit = crate::users::dto::UserEdit {
        name,
        email,
        role_id,
        title,
        phone,
    };
    crate::users::ssr::manage::update(&state, &caller, user_id, edit).await
}

/// "Delete": the user moves to Inactive and is signed out everywhere.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn deactivate_user(user_id: i32) -> Result<(), AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::manage::deactivate(&state, &caller, user_id).await
}

/// Back to Active, or Pending with a fresh invitation. Answers the tab they moved to.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn reactivate_user(user_id: i32) -> Result<UserTab, AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::manage::reactivate(&state, &caller, user_id).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn resend_invitation(user_id: i32) -> Result<(), AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::manage::renew_invitation(&state, &caller, user_id, true)
        .await
        .map(|_| ())
}

/// A fresh setup link to pass on by hand (the previous one stops working).
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn copy_invitation_link(user_id: i32) -> Result<String, AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::manage::renew_invitation(&state, &caller, user_id, false).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn revoke_invitation(user_id: i32) -> Result<(), AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::manage::revoke_invitation(&state, &caller, user_id).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn send_password_reset(user_id: i32) -> Result<(), AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::manage::send_password_reset(&state, &caller, user_id).await
}

/// Needs the acting administrator's password (and their code when they use two-factor
/// sign-in) and a reason, which is audited.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn disable_user_two_factor(
    user_id: i32,
    current_password: String,
    code: Option<String>,
    reason: String,
) -> Result<(), AppError> {
    let (state, caller) = administrator().await?;
    let removal = crate::users::ssr::manage::TwoFactorRemoval {
        current_password,
        code,
        reason,
    };
    crate::users::ssr::manage::disable_two_factor(&state, &caller, user_id, removal).await
}

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn bulk_update_users(
    action: BulkAction,
    role_id: Option<i32>,
    user_ids: Vec<i32>,
) -> Result<BulkOutcome, AppError> {
    let (state, caller) = administrator().await?;
    crate::users::ssr::bulk::apply(&state, &caller, action, role_id, &user_ids).await
}
