//! `GET /api/v2/api_status`: Steward's addition so an integrator's program can read what
//! API Status shows (the organisation's last 1000 calls, newest first) with the Account API
//! key. Filters `status` (success|partial|failure), `api` (account|event|upload),
//! `endpoint` (a route pattern); paths are stored redacted, so no key is ever returned.
use axum::extract::{Request, State};
use axum::response::Response;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{json, Value as Json};

use crate::account_api::http::{serve, Ctx, Outcome};
use crate::api_status::dto::{ApiKind, CallStatus, RecordFailure, KEPT_CALLS_PER_ORG};
use crate::db::entities::api_calls;
use crate::state::AppState;

pub async fn list_calls(State(state): State<AppState>, request: Request) -> Response {
    serve(state, "/api/v2/api_status", request, |ctx| async move {
        list(ctx).await
    })
    .await
}

/// The query parameter `name` read with `parse` (trimmed, lower-cased); absent or empty is
/// None, anything else unknown is refused naming the `allowed` values.
fn choice<T>(
    ctx: &Ctx,
    name: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, Outcome> {
    match ctx.param(name).map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => parse(&s)
            .map(Some)
            .ok_or_else(|| Outcome::refused(format!("Unknown {name} '{s}'; use {allowed}."))),
    }
}

async fn list(ctx: Ctx) -> Outcome {
    let status = match choice(
        &ctx,
        "status",
        CallStatus::from_key,
        "success, partial or failure",
    ) {
        Ok(status) => status,
        Err(refused) => return refused,
    };
    let api = match choice(&ctx, "api", ApiKind::from_key, "account, event or upload") {
        Ok(api) => api,
        Err(refused) => return refused,
    };
    // Calls are written by a background writer: include the ones still queued.
    ctx.state.api_status.flush().await;
    let mut select = api_calls::Entity::find().filter(api_calls::Column::OrgId.eq(ctx.org_id));
    if let Some(status) = status {
        select = select.filter(api_calls::Column::Status.eq(status.key()));
    }
    if let Some(api) = api {
        select = select.filter(api_calls::Column::Api.eq(api.key()));
    }
    if let Some(endpoint) = ctx.param("endpoint").filter(|e| !e.trim().is_empty()) {
        select = select.filter(api_calls::Column::Endpoint.eq(endpoint.trim()));
    }
    let rows = match select
        .order_by_desc(api_calls::Column::Id)
        .limit(KEPT_CALLS_PER_ORG)
        .all(ctx.db())
        .await
    {
        Ok(rows) => rows,
        Err(error) => return Outcome::from(crate::error::AppError::from(error)),
    };
    let results: Vec<Json> = rows.into_iter().map(call_json).collect();
    let mut body = json!({ "status_is_ok": true, "results": results });
    body["max_page_size"] = json!(KEPT_CALLS_PER_ORG);
    Outcome::ok(body)
}

fn call_json(row: api_calls::Model) -> Json {
    let failures: Vec<RecordFailure> = row
        .failures
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    json!({
        "id": row.id,
        "time": row.created_at,
        "api": row.api,
        "method": row.method,
        "path": row.path,
        "endpoint": row.endpoint,
        "status": CallStatus::from_key(&row.status).map(CallStatus::label).unwrap_or("Failure"),
        "http_status": row.http_status,
        "records_received": row.records_received,
        "records_failed": row.records_failed,
        "duration_ms": row.duration_ms,
        "key_name": row.key_name,
        "message": row.message,
        "failed_results": failures,
    })
}
