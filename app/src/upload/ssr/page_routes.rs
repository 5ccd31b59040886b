//! The page's own HTTP routes, signed in by the session cookie (the security layer refuses
//! cross-site posts to them, as it does for every form): the file goes here rather than
//! through a server function so that it streams from the browser's disk into the reader
//! with upload progress, and the CSV files come back as downloads.
//!
//! - `POST /settings/it/api-upload/preview?api=` — the start of a file (at most
//!   `PREVIEW_BYTES`, `partial=true` when it is only the start): `PreviewAnswer` as JSON
//!   (the rows as read, or why the file cannot be uploaded).
//! - `POST /settings/it/api-upload/file?api=&dry_run=&file_name=` — the whole file; staged
//!   as it streams, then run in the background: `UploadStarted` as JSON.
//! - `GET /settings/it/api-upload/template/{api}` — the template CSV.
//! - `GET /settings/it/api-upload/errors/{upload_id}` — the error CSV.
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::account_api::http::{natero_bool, parse_query};
use crate::auth::dto::CurrentUser;
use crate::auth::ssr::session::token_from_headers;
use crate::error::AppError;
use crate::roles::permission::Permission;
use crate::state::AppState;
use crate::upload::dto::{FileRefusal, PreviewAnswer, UploadApi, UploadStarted};
use crate::upload::ssr::columns::template_csv;
use crate::upload::ssr::preview::{preview, PREVIEW_BYTES};
use crate::upload::ssr::reader::{body_reader, Refusal, MAX_UPLOAD_BYTES};
use crate::upload::ssr::repo::Who;
use crate::upload::ssr::routes::{csv_response, file_name_of};
use crate::upload::ssr::{background, service};

pub const PAGE: &str = "/settings/it/api-upload";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{PAGE}/preview"), post(preview_file))
        .route(&format!("{PAGE}/file"), post(upload_file))
        .route(&format!("{PAGE}/template/{{api}}"), get(template))
        .route(&format!("{PAGE}/errors/{{upload_id}}"), get(errors))
}

/// A sentence for the page, with the status that fits.
fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    let body = FileRefusal {
        line: None,
        column: None,
        message: message.into(),
    };
    (status, Json(body)).into_response()
}

fn error_response(error: AppError) -> Response {
    let status = match &error {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // Every AppError's text is fit for the page (internal ones carry a reference only).
    refused(status, error.to_string())
}

/// The signed-in user allowed to configure data connectors.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, AppError> {
    let token = token_from_headers(headers).ok_or(AppError::Unauthenticated)?;
    let user = crate::auth::ssr::context::user_for_token(state, &token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !user.can(Permission::ConfigureDataConnectors) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

fn api_of(query: &[(String, String)]) -> Result<UploadApi, AppError> {
    query
        .iter()
        .find(|(k, _)| k == "api")
        .and_then(|(_, v)| UploadApi::from_key(v))
        .ok_or_else(|| AppError::invalid("Choose an API from the list."))
}

async fn preview_file(State(state): State<AppState>, request: Request) -> Response {
    let query = parse_query(request.uri().query());
    let user = match caller(&state, request.headers()).await {
        Ok(user) => user,
        Err(e) => return error_response(e),
    };
    let api = match api_of(&query) {
        Ok(api) => api,
        Err(e) => return error_response(e),
    };
    let partial = query.iter().any(|(k, v)| k == "partial" && natero_bool(v));
    let bytes = match axum::body::to_bytes(request.into_body(), PREVIEW_BYTES).await {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => {
            return refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("A preview reads at most {PREVIEW_BYTES} bytes of the file."),
            )
        }
    };
    match preview(&state.db, &state.events, user.org_id, api, bytes, partial).await {
        Ok(Ok(preview)) => Json(PreviewAnswer::Read(preview)).into_response(),
        Ok(Err(refusal)) => Json(PreviewAnswer::Refused(refusal)).into_response(),
        Err(e) => error_response(e),
    }
}

async fn upload_file(State(state): State<AppState>, request: Request) -> Response {
    let query = parse_query(request.uri().query());
    let user = match caller(&state, request.headers()).await {
        Ok(user) => user,
        Err(e) => return error_response(e),
    };
    let api = match api_of(&query) {
        Ok(api) => api,
        Err(e) => return error_response(e),
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_UPLOAD_BYTES) {
        return refused(StatusCode::PAYLOAD_TOO_LARGE, Refusal::too_large().message);
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let dry_run = param("dry_run").is_some_and(natero_bool);
    let file_name = file_name_of(param("file_name"), api);
    let who = Who {
        user_id: Some(user.id),
        key_id: None,
        label: user.email.clone(),
    };
    let body: Body = request.into_body();
    let source = body_reader(body.into_data_stream(), false);
    let staged = service::stage(
        &state.db,
        user.org_id,
        api,
        &who,
        &file_name,
        dry_run,
        source,
    )
    .await;
    match staged {
        Ok(service::Staged::Ready { upload_id }) => {
            let path = format!(
                "{PAGE}/file?api={}{}",
                api.key(),
                if dry_run { "&dry_run=true" } else { "" }
            );
            background::start(&state, user.org_id, upload_id, path);
            Json(UploadStarted {
                upload_id,
                refusal: None,
            })
            .into_response()
        }
        Ok(service::Staged::Refused { upload_id, refusal }) => {
            let status = if refusal.message == Refusal::too_large().message {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::OK
            };
            let started = UploadStarted {
                upload_id,
                refusal: Some(FileRefusal {
                    line: refusal.line,
                    column: refusal.column,
                    message: refusal.message,
                }),
            };
            (status, Json(started)).into_response()
        }
        Err(e) => error_response(e),
    }
}

async fn template(
    State(state): State<AppState>,
    Path(api): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = caller(&state, &headers).await {
        return error_response(e);
    }
    match UploadApi::from_key(&api) {
        Some(api) => csv_response(template_csv(api), &format!("{}-template.csv", api.key())),
        None => error_response(AppError::NotFound),
    }
}

async fn errors(
    State(state): State<AppState>,
    Path(upload_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match caller(&state, &headers).await {
        Ok(user) => user,
        Err(e) => return error_response(e),
    };
    let Some(id) = upload_id.parse::<i32>().ok().filter(|id| *id > 0) else {
        return error_response(AppError::NotFound);
    };
    match service::error_csv(&state.db, user.org_id, id).await {
        Ok(csv) => csv_response(csv, &format!("upload-{id}-errors.csv")),
        Err(e) => error_response(e),
    }
}
