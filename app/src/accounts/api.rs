//! Server functions of the Accounts pages. Every one needs a signed-in user and reads or
//! changes only the caller's organisation, and only accounts the caller may see (all of
//! them with View All Accounts, otherwise the ones assigned to them).
use leptos::prelude::*;

use crate::accounts::dto::{AccountDetail, AccountListPage, AccountQuery};
use crate::error::AppError;

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_accounts(query: AccountQuery) -> Result<AccountListPage, AppError> {
    let (state, user) = crate::auth::ssr::context::require_user().await?;
    crate::accounts::ssr::repo::list_accounts(&state.db, &user, &query).await
}

/// One account with everything its page shows. NotFound when it is not the caller's to see.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn get_account(account_pk: i32) -> Result<AccountDetail, AppError> {
    let (state, user) = crate::auth::ssr::context::require_user().await?;
    crate::accounts::ssr::detail::load(&state.db, &user, account_pk).await
}

/// Assigns a CSM by hand (source manual). Needs Update Accounts.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn assign_csm(account_pk: i32, user_id: i32) -> Result<(), AppError> {
    use crate::roles::permission::Permission;
    let (state, caller) =
        crate::auth::ssr::context::require_permission(Permission::UpdateAccounts).await?;
    crate::accounts::ssr::assign::assign(&state, &caller, account_pk, user_id).await
}

/// Unassigns a CSM by hand; the API will not assign them again. Needs Update Accounts.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn unassign_csm(account_pk: i32, user_id: i32) -> Result<(), AppError> {
    use crate::roles::permission::Permission;
    let (state, caller) =
        crate::auth::ssr::context::require_permission(Permission::UpdateAccounts).await?;
    crate::accounts::ssr::assign::unassign(&state, &caller, account_pk, user_id).await
}
