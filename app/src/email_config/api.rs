//! Email Configuration's server functions. Each needs Configure Data Connectors and works
//! within the caller's organisation only.
use leptos::prelude::*;

use crate::email_config::dto::EmailConfig;
use crate::error::AppError;

/// The sending domain, its records, status and last check. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn get_email_config() -> Result<EmailConfig, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::email_config::ssr::service::get(&state, &user).await
}

/// Sets the sending domain and default From (which must be on the domain). A new domain
/// gets a new DKIM key and starts pending. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn set_email_domain(
    domain: String,
    from_address: String,
) -> Result<EmailConfig, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::email_config::ssr::service::set_domain(&state, &user, &domain, &from_address).await
}

/// Looks every record up in DNS and updates the status. Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn verify_email_domain() -> Result<EmailConfig, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::email_config::ssr::service::verify(&state, &user).await
}

/// Sends a test email to the signed-in user; answers a sentence saying how it was sent.
/// Needs Configure Data Connectors.
#[server(client = crate::wire::StewardClient)]
pub async fn send_test_email() -> Result<String, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::email_config::ssr::service::send_test_email(&state, &user).await
}
