//! Server functions of Source Mapping. Both need Configure Data Connectors and see only
//! the caller's organisation.
use std::collections::HashMap;

use leptos::prelude::*;

use crate::error::AppError;
use crate::source_mapping::dto::SourceMappingView;

/// The table of every source's fields and the Salesforce mapping editor.
#[server(client = crate::wire::StewardClient)]
pub async fn get_source_mapping() -> Result<SourceMappingView, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::source_mapping::ssr::service::view(&state, user.org_id).await
}

/// Saves the Salesforce mapping: `m[r<key>]` the Salesforce field of each Steward field,
/// `m[o<key>]` its ownership, `m[csm]` the CSM field; checked against Salesforce's
/// describe, and nothing is stored when anything is refused.
#[server(client = crate::wire::StewardClient)]
pub async fn save_salesforce_mapping(m: HashMap<String, String>) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::source_mapping::ssr::mapping::save(&state, user.org_id, user.id, &m).await
}
