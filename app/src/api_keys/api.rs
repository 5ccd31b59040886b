use leptos::prelude::*;

use crate::api_keys::dto::{ApiKeySummary, NewApiKey};
use crate::error::AppError;

/// The organisation's API keys (never their secrets). Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_api_keys() -> Result<Vec<ApiKeySummary>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::api_keys::ssr::service::list(&state, &user).await
}

/// Creates a key (`kind` is `account` or `event`) and answers its secret(s), shown this
/// once only. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn create_api_key(kind: String, name: String) -> Result<NewApiKey, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::api_keys::ssr::service::create(&state, &user, &kind, &name).await
}

/// Revokes a key at once. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn revoke_api_key(key_id: i32) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::api_keys::ssr::service::revoke(&state, &user, key_id).await
}

/// Replaces a key with a new one; the old one keeps working `overlap_days` (0–30) more.
/// Answers the new secret(s), shown this once only. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn rotate_api_key(key_id: i32, overlap_days: i64) -> Result<NewApiKey, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::api_keys::ssr::service::rotate(&state, &user, key_id, overlap_days).await
}
