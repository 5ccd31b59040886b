//! Server functions of the Outbox page (Configure Users).
use leptos::prelude::*;

use crate::error::AppError;
use crate::mail::dto::{OutboxMessage, OutboxPage, OutboxQuery};

/// The organisation's outgoing mail, newest first, one page at a time.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_outbox(query: OutboxQuery) -> Result<OutboxPage, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::mail::ssr::outbox::list(&state, user.org_id, &query).await
}

/// One message of the organisation with its text body (decrypted), so an administrator can
/// pass on a setup link when no relay is configured.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn open_outbox_message(id: i32) -> Result<OutboxMessage, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureUsers).await?;
    crate::mail::ssr::outbox::open(&state, user.org_id, id).await
}
