// `save_credentials` takes each form field as an argument (one form per system, posted
// without JavaScript too); the macro's client stub needs the allow at module level.
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;

use crate::connections::dto::{CredentialStatus, OAuthOverview, SourceRow};
use crate::error::AppError;

/// Every credential system with who set it and when (never a value). Needs Configure Data
/// Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn list_credentials() -> Result<Vec<CredentialStatus>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::connections::ssr::credentials::list(&state, &user).await
}

/// Saves one system's credentials. `system` is a `CredentialSystem` key; the fields are the
/// system's own (`consumer_key`, `consumer_secret`, `host`, …); others are ignored. Needs
/// Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn save_credentials(
    system: String,
    consumer_key: Option<String>,
    consumer_secret: Option<String>,
    host: Option<String>,
    port: Option<String>,
    security: Option<String>,
    username: Option<String>,
    password: Option<String>,
    subdomain: Option<String>,
    agent_email: Option<String>,
    api_token: Option<String>,
    restricted_key: Option<String>,
) -> Result<CredentialStatus, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::connections::dto::CredentialSystem;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    let system = CredentialSystem::from_key(&system)
        .ok_or_else(|| AppError::Invalid("Choose a system from the list.".into()))?;
    let input = [
        ("consumer_key", consumer_key),
        ("consumer_secret", consumer_secret),
        ("host", host),
        ("port", port),
        ("security", security),
        ("username", username),
        ("password", password),
        ("subdomain", subdomain),
        ("agent_email", agent_email),
        ("api_token", api_token),
        ("restricted_key", restricted_key),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
    .collect();
    crate::connections::ssr::credentials::save(&state, &user, system, input).await
}

/// Deletes one system's credentials. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn delete_credentials(system: String) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::connections::dto::CredentialSystem;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    let system = CredentialSystem::from_key(&system)
        .ok_or_else(|| AppError::Invalid("Choose a system from the list.".into()))?;
    crate::connections::ssr::credentials::delete(&state, &user, system).await
}

/// Manage OAuth: the callback URL, the Connected App in use, the connection. Needs Configure
/// Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn get_oauth_overview() -> Result<OAuthOverview, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::connections::ssr::salesforce::overview(&state, &user).await
}

/// Disconnect: revokes the token at Salesforce and deletes it; answers a sentence. Needs
/// Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn disconnect_salesforce() -> Result<String, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::connections::ssr::salesforce::disconnect(&state, &user).await
}

/// The Source Overview's table of sources (every registered source). Needs Configure Data
/// Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn list_sources() -> Result<Vec<SourceRow>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::connections::ssr::sources::rows(&state, &user).await
}
