//! Server function of the API page (Configure Data Connectors).
use leptos::prelude::*;

use crate::api_docs::dto::ApiPageInfo;
use crate::error::AppError;

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn describe_api() -> Result<ApiPageInfo, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, _user) = require_permission(Permission::ConfigureDataConnectors).await?;
    Ok(crate::api_docs::ssr::page_info(&state.settings.base_url()))
}
