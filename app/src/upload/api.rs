//! Server functions of the API Upload page. Each needs Configure Data Connectors, calls one
//! service and answers `AppError`; every query is the caller's organisation's. The file
//! itself goes to the streaming HTTP route, not through a server function.
use leptos::prelude::*;

use crate::error::AppError;
use crate::upload::dto::{RowFailure, UndoReport, UploadField, UploadSummary};

/// The write APIs as (key, label), for the picker.
#[server(client = crate::wire::StewardClient)]
pub async fn list_upload_apis() -> Result<Vec<(String, String)>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    use crate::upload::dto::UploadApi;
    require_permission(Permission::ConfigureDataConnectors).await?;
    Ok(UploadApi::ALL
        .iter()
        .map(|a| (a.key().to_owned(), a.label().to_owned()))
        .collect())
}

/// The field table of an API (the same definitions as the OpenAPI document).
#[server(client = crate::wire::StewardClient)]
pub async fn upload_fields(api: String) -> Result<Vec<UploadField>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::fields(&api)
}

/// The organisation's uploads, newest first.
#[server(client = crate::wire::StewardClient)]
pub async fn list_uploads() -> Result<Vec<UploadSummary>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::history(&state, user.org_id).await
}

/// One upload and its failed rows (progress while it runs).
#[server(client = crate::wire::StewardClient)]
pub async fn upload_results(upload_id: i32) -> Result<(UploadSummary, Vec<RowFailure>), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::results(&state, user.org_id, upload_id).await
}

/// The column mapping remembered for an API: (normalised column, field or "" to ignore).
#[server(client = crate::wire::StewardClient)]
pub async fn load_upload_mapping(api: String) -> Result<Vec<(String, String)>, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::load_mapping(&state, user.org_id, &api).await
}

/// Remembers columns' fields for the organisation and API (used by the next file):
/// `columns[i]` (as in the file's header) feeds `fields[i]` ("" ignores the column); other
/// columns keep what was remembered for them.
#[server(client = crate::wire::StewardClient)]
pub async fn save_upload_mapping(
    api: String,
    columns: Vec<String>,
    fields: Vec<String>,
) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::save_mapping(&state, user.org_id, &api, columns, fields).await
}

/// Asks a running upload to stop between batches.
#[server(client = crate::wire::StewardClient)]
pub async fn cancel_upload(upload_id: i32) -> Result<(), AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::cancel(&state, user.org_id, upload_id).await
}

/// Undoes an applied upload (7 days); audited as the signed-in user.
#[server(client = crate::wire::StewardClient)]
pub async fn undo_upload(upload_id: i32) -> Result<UndoReport, AppError> {
    use crate::auth::ssr::context::require_permission;
    use crate::roles::permission::Permission;
    let (state, user) = require_permission(Permission::ConfigureDataConnectors).await?;
    crate::upload::ssr::page::undo(&state, &user, upload_id).await
}
