//! API Upload for programs, with the Account API key (`?api_key=` or HTTP Basic `api`):
//!
//! - `POST /api/v2/upload/{api}` — body `text/csv` (gzip with `Content-Encoding: gzip`),
//!   `?dry_run=true` to only check, `?file_name=` to name it in the history. Read as it
//!   streams, then applied in batches through the API's own code. Answers Natero's
//!   envelope: `status_is_ok`, `upload_id`, `received`, `applied`, `failed_results:
//!   [{line, column, message}]`.
//! - `GET /api/v2/upload/{api}/template` — the template CSV.
//! - `GET /api/v2/upload/{upload_id}/errors` — the error CSV (failed rows + `error`).
//! - `POST /api/v2/upload/{upload_id}/undo` — undoes an apply (7 days).
//!
//! Each upload is one call of API "Upload" in API Status, with its per-row failures.
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value as Json};

use crate::account_api::http::{account_key, natero_bool, parse_query};
use crate::api_status::ssr::recorder::{self, ApiCall};
use crate::audit::ssr::record::Actor;
use crate::error::AppError;
use crate::public_api::redact::redact_path;
use crate::state::AppState;
use crate::upload::dto::{UploadApi, UploadStatus};
use crate::upload::ssr::api_call;
use crate::upload::ssr::columns::template_csv;
use crate::upload::ssr::reader::{body_reader, Refusal, MAX_UPLOAD_BYTES};
use crate::upload::ssr::repo::{self, Who};
use crate::upload::ssr::service::{self, Staged};

/// Failures listed in one answer (all are kept for the error CSV).
pub const MAX_LISTED_FAILURES: u64 = 10_000;

pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for tail in ["", "/"] {
        router = router
            .route(&format!("/api/v2/upload/{{target}}{tail}"), post(upload))
            .route(
                &format!("/api/v2/upload/{{target}}/template{tail}"),
                get(template),
            )
            .route(
                &format!("/api/v2/upload/{{target}}/errors{tail}"),
                get(errors),
            )
            .route(&format!("/api/v2/upload/{{target}}/undo{tail}"), post(undo));
    }
    router
}

fn envelope(status: u16, body: Json) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(body),
    )
        .into_response()
}

fn refused(status: u16, message: impl Into<String>) -> Response {
    envelope(
        status,
        json!({"status_is_ok": false, "message": message.into()}),
    )
}

fn failed(error: AppError) -> Response {
    match error {
        AppError::NotFound => refused(404, "Upload not found"),
        AppError::Invalid(message) => refused(200, message),
        AppError::Unavailable(_) => refused(
            503,
            "Steward is busy right now; retry in a second (see Retry-After).",
        ),
        AppError::Internal(reference) => {
            refused(500, format!("Unexpected error (ref {reference})"))
        }
        other => match AppError::internal("upload", &other) {
            AppError::Internal(reference) => {
                refused(500, format!("Unexpected error (ref {reference})"))
            }
            _ => refused(500, "Unexpected error"),
        },
    }
}

/// The caller's organisation and key, or the answer that refuses the call.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<(i32, i32, String), Response> {
    account_key(state, headers, query)
        .await
        .map_err(|(status, message)| refused(status, message))
}

fn unknown_api(target: &str) -> String {
    format!(
        "Unknown API '{target}': use one of {}.",
        UploadApi::ALL.map(UploadApi::key).join(", ")
    )
}

/// The file name the history shows: as given, without control characters, at most 200
/// characters; `<api>.csv` when none is given.
pub fn file_name_of(given: Option<&str>, api: UploadApi) -> String {
    given
        .map(|n| {
            n.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("{}.csv", api.key()))
}

fn upload_id_of(target: &str) -> Option<i32> {
    target.parse::<i32>().ok().filter(|id| *id > 0)
}

async fn template(
    State(state): State<AppState>,
    Path(target): Path<String>,
    request: Request,
) -> Response {
    let query = parse_query(request.uri().query());
    if let Err(refusal) = caller(&state, request.headers(), &query).await {
        return refusal;
    }
    let Some(api) = UploadApi::from_key(&target) else {
        return refused(404, unknown_api(&target));
    };
    csv_response(template_csv(api), &format!("{}-template.csv", api.key()))
}

pub fn csv_response(body: String, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn errors(
    State(state): State<AppState>,
    Path(target): Path<String>,
    request: Request,
) -> Response {
    let query = parse_query(request.uri().query());
    let (org_id, _, _) = match caller(&state, request.headers(), &query).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(id) = upload_id_of(&target) else {
        return refused(404, "Upload not found");
    };
    match service::error_csv(&state.db, org_id, id).await {
        Ok(csv) => csv_response(csv, &format!("upload-{id}-errors.csv")),
        Err(e) => failed(e),
    }
}

async fn undo(
    State(state): State<AppState>,
    Path(target): Path<String>,
    request: Request,
) -> Response {
    let query = parse_query(request.uri().query());
    let (org_id, _, key_name) = match caller(&state, request.headers(), &query).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(id) = upload_id_of(&target) else {
        return refused(404, "Upload not found");
    };
    let actor = Actor::anonymous(&format!("API key '{key_name}'"), None);
    match service::undo(&state.db, org_id, id, &actor).await {
        Ok(report) => envelope(
            200,
            json!({
                "status_is_ok": true,
                "upload_id": id,
                "removed": report.removed,
                "restored": report.restored,
                "conflicts": report.conflicts.iter().map(|c| json!({
                    "record": c.record, "field": c.field, "message": c.message,
                })).collect::<Vec<_>>(),
            }),
        ),
        Err(e) => failed(e),
    }
}

fn failure_json(line: Option<u64>, column: Option<&str>, message: &str) -> Json {
    json!({"line": line, "column": column, "message": message})
}

async fn upload(
    State(state): State<AppState>,
    Path(target): Path<String>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let path = redact_path(
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/"),
    );
    let query = parse_query(request.uri().query());
    let (org_id, key_id, key_name) = match caller(&state, request.headers(), &query).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (response, call) =
        upload_as(&state, org_id, key_id, &key_name, &target, &query, request).await;
    if let Some(mut call) = call {
        call.path = path;
        call.duration_ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
        recorder::record_if_enabled(&state, call).await;
    }
    response
}

async fn upload_as(
    state: &AppState,
    org_id: i32,
    key_id: i32,
    key_name: &str,
    target: &str,
    query: &[(String, String)],
    request: Request,
) -> (Response, Option<ApiCall>) {
    let mut record = api_call::blank(org_id, Some((key_id, key_name)));
    let refuse = |mut record: ApiCall, status: u16, message: String| {
        record.http_status = status;
        record.ok = false;
        record.message = Some(message.clone());
        (refused(status, message), Some(record))
    };
    let api = match UploadApi::from_key(target) {
        Some(api) => api,
        None => return refuse(record, 404, unknown_api(target)),
    };
    record.endpoint = api_call::endpoint(api);
    let headers = request.headers().clone();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_UPLOAD_BYTES) {
        return refuse(record, 413, Refusal::too_large().message);
    }
    let gzip = match headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
        .as_str()
    {
        "" | "identity" => false,
        "gzip" | "x-gzip" => true,
        other => {
            return refuse(
                record,
                415,
                format!("Unsupported Content-Encoding '{other}': send the CSV as is or gzip it."),
            )
        }
    };
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let dry_run = param("dry_run").is_some_and(natero_bool);
    let file_name = file_name_of(param("file_name"), api);
    let who = Who {
        user_id: None,
        key_id: Some(key_id),
        label: format!("API key '{key_name}'"),
    };
    let body: Body = request.into_body();
    let source = body_reader(body.into_data_stream(), gzip);
    let staged = service::stage(&state.db, org_id, api, &who, &file_name, dry_run, source).await;
    let upload_id = match staged {
        Ok(Staged::Ready { upload_id }) => upload_id,
        Ok(Staged::Refused { upload_id, refusal }) => {
            let message = refusal.describe();
            record.ok = false;
            record.message = Some(message.clone());
            let status = if refusal.message == Refusal::too_large().message {
                413
            } else {
                200
            };
            record.http_status = status;
            return (
                envelope(
                    status,
                    json!({
                        "status_is_ok": false,
                        "upload_id": upload_id,
                        "message": message,
                        "received": 0,
                        "applied": 0,
                        "failed_results": [failure_json(refusal.line, refusal.column.as_deref(), &refusal.message)],
                    }),
                ),
                Some(record),
            );
        }
        Err(error) => {
            record.ok = false;
            record.http_status = 500;
            return (failed(error), Some(record));
        }
    };
    let upload = match service::run_held(&state.db, &state.events, org_id, upload_id).await {
        Ok(Some(u)) => u,
        // Only if this instance lost the upload's lease to another that resumed it.
        Ok(None) => match repo::find(&state.db, org_id, upload_id).await {
            Ok(Some(u)) => u,
            Ok(None) => return (failed(AppError::NotFound), None),
            Err(error) => return (failed(error.into()), None),
        },
        Err(error) => {
            record.ok = false;
            record.http_status = 500;
            return (failed(error), Some(record));
        }
    };
    let failures = match repo::failures(&state.db, org_id, upload_id, MAX_LISTED_FAILURES).await {
        Ok(f) => f,
        Err(error) => {
            record.ok = false;
            record.http_status = 500;
            return (failed(error.into()), Some(record));
        }
    };
    let summary = &upload.summary;
    // Recorded by whoever ran it to the end; a running upload is recorded when it ends.
    let record = (summary.status != UploadStatus::Running)
        .then(|| api_call::finished(org_id, &upload, &failures, Some((key_id, key_name))));
    let body = json!({
        "status_is_ok": true,
        "upload_id": upload_id,
        "api": api.key(),
        "dry_run": dry_run,
        "status": summary.status.key(),
        "delimiter": summary.delimiter,
        "encoding": summary.encoding,
        "received": summary.rows,
        "applied": if summary.status == UploadStatus::DryRun { 0 } else { summary.applied },
        "would_apply": if summary.status == UploadStatus::DryRun { summary.applied } else { 0 },
        "failed": summary.failed,
        "failed_results": failures.iter().map(|(f, _)| failure_json(Some(f.line), f.column.as_deref(), &f.message)).collect::<Vec<_>>(),
    });
    (envelope(200, body), record)
}
