//! BCC email's server functions, each within the caller's organisation. Seeing the address
//! needs a signed-in user (everyone may BCC it); Regenerate and the unmatched queue need
//! Configure Data Connectors.
use leptos::prelude::*;

use crate::bcc_email::dto::{BccAddress, UnmatchedQueue};
use crate::error::AppError;

/// The organisation's BCC address (made on first use).
#[server(client = crate::wire::StewardClient)]
pub async fn get_bcc_address() -> Result<BccAddress, AppError> {
    use crate::auth::ssr::context::require_user;
    let (state, user) = require_user().await?;
    crate::bcc_email::ssr::address::get(&state, user.org_id).await
}

/// Retires the BCC address and makes a new one. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn regenerate_bcc_address() -> Result<BccAddress, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::bcc_email::ssr::address::regenerate(&state, &user).await
}

/// Unmatched and refused email of the last 30 days. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn list_unmatched_email() -> Result<UnmatchedQueue, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::bcc_email::ssr::queue::list(&state.db, user.org_id).await
}

/// Assigns an unmatched email to an account, optionally adding one of its recipients as a
/// contact of that account. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn assign_unmatched_email(
    id: i32,
    account_id: String,
    add_contact: Option<String>,
) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::bcc_email::ssr::queue::assign(&state, &user, id, &account_id, add_contact.as_deref())
        .await
}

/// Discards an unmatched email. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn discard_unmatched_email(id: i32) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::bcc_email::ssr::queue::discard(&state, &user, id).await
}
