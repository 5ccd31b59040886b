//! Server function of the API Status page (Configure Data Connectors).
use leptos::prelude::*;

use crate::api_status::dto::{ApiCallsPage, ApiStatusQuery};
use crate::error::AppError;

#[server(client = crate::wire::StewardClient, output = crate::wire::Json)]
pub async fn list_api_calls(query: ApiStatusQuery) -> Result<ApiCallsPage, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    // Calls this process answered a moment ago may still be queued for the writer.
    state.api_status.flush().await;
    crate::api_status::ssr::repo::list(&state.db, user.org_id, &query).await
}
