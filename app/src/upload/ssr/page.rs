//! The services behind the page's server functions (one each), scoped to the caller's
//! organisation.
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::ConnectionTrait;

use crate::audit::ssr::record::Actor;
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::context::client;
use crate::error::AppError;
use crate::state::AppState;
use crate::upload::dto::{RowFailure, UndoReport, UploadApi, UploadField, UploadSummary};
use crate::upload::ssr::columns::{columns, field_table};
use crate::upload::ssr::reader::column_key;
use crate::upload::ssr::{repo, service};

/// Uploads the history shows.
const HISTORY_ROWS: u64 = 200;
/// Failed rows the page lists (the error CSV has them all).
const LISTED_FAILURES: u64 = 1000;

fn api_of(key: &str) -> Result<UploadApi, AppError> {
    UploadApi::from_key(key).ok_or_else(|| AppError::invalid("Choose an API from the list."))
}

pub fn fields(api: &str) -> Result<Vec<UploadField>, AppError> {
    Ok(field_table(api_of(api)?))
}

pub async fn history(state: &AppState, org_id: i32) -> Result<Vec<UploadSummary>, AppError> {
    Ok(repo::list(&state.db, org_id, HISTORY_ROWS).await?)
}

pub async fn results(
    state: &AppState,
    org_id: i32,
    upload_id: i32,
) -> Result<(UploadSummary, Vec<RowFailure>), AppError> {
    let upload = repo::find(&state.db, org_id, upload_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let failures = repo::failures(&state.db, org_id, upload_id, LISTED_FAILURES)
        .await?
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    Ok((upload.summary, failures))
}

pub async fn load_mapping(
    state: &AppState,
    org_id: i32,
    api: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let mut pairs: Vec<(String, String)> = repo::mapping(&state.db, org_id, api_of(api)?)
        .await?
        .into_iter()
        .collect();
    pairs.sort();
    Ok(pairs)
}

/// Remembers columns' fields: each column (normalised as the upload matches it) to a field
/// of the API, a dimension column, or "" (ignored); columns not given keep what was
/// remembered for them. Unknown fields are refused by name.
pub async fn save_mapping(
    state: &AppState,
    org_id: i32,
    api: &str,
    columns_in: Vec<String>,
    fields_in: Vec<String>,
) -> Result<(), AppError> {
    let api = api_of(api)?;
    if columns_in.len() != fields_in.len() {
        return Err(AppError::invalid("Each column needs a field (or none)."));
    }
    let mapping = columns_in.into_iter().zip(fields_in);
    let known = columns(api);
    // Adds to what was remembered: a choice for one column leaves the others' alone.
    let mut saved = repo::mapping(&state.db, org_id, api).await?;
    for (column, field) in mapping {
        let field = field.trim().to_owned();
        let ok = field.is_empty()
            || known.iter().any(|c| {
                if c.dimension {
                    let family = c.name.split('.').next().unwrap_or_default();
                    field
                        .strip_prefix(family)
                        .and_then(|rest| rest.strip_prefix('.'))
                        .is_some_and(|key| !key.trim().is_empty())
                } else {
                    c.name == field
                }
            });
        if !ok {
            return Err(AppError::invalid(format!(
                "'{field}' is not a field of {}: pick one from the field table.",
                api.label()
            )));
        }
        if column.trim().is_empty() || column.len() > 200 {
            return Err(AppError::invalid("Each mapped column needs a name."));
        }
        saved.insert(column_key(&column), field);
    }
    Ok(repo::save_mapping(&state.db, org_id, api, &saved).await?)
}

pub async fn cancel(state: &AppState, org_id: i32, upload_id: i32) -> Result<(), AppError> {
    let update = Query::update()
        .table("uploads")
        .value("cancel_requested", Expr::val(true))
        .and_where(Expr::col("org_id").eq(org_id))
        .and_where(Expr::col("id").eq(upload_id))
        .and_where(Expr::col("status").eq("running"))
        .to_owned();
    let _turn = crate::db::write_turn(&state.db).await;
    let done = state.db.execute(&update).await?;
    if done.rows_affected() == 0 {
        return Err(match repo::find(&state.db, org_id, upload_id).await? {
            None => AppError::NotFound,
            Some(_) => AppError::invalid("This upload is not running any more."),
        });
    }
    Ok(())
}

pub async fn undo(
    state: &AppState,
    user: &CurrentUser,
    upload_id: i32,
) -> Result<UndoReport, AppError> {
    let actor = Actor::user(user, client(state).address);
    service::undo(&state.db, user.org_id, upload_id, &actor).await
}
