//! The HTTP door: `POST /api/inbound-mail/{token}` with a `message/rfc822` body, for
//! forwarders and mail services. 404 for an unknown or retired token (before the body is
//! read), 415 for another content type, 413 when `Content-Length` says the message is over
//! `inbound_max_message_bytes` or the body grows past it (reading stops there), 202 once
//! the raw message is stored. The token is redacted from the request log.
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::address::{lookup_token, Lookup};
use super::pipeline::{self, Door};
use crate::state::AppState;

pub const PATH: &str = "/api/inbound-mail/{token}";

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, post(inbound))
}

fn answer(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"status_is_ok": status.is_success(), "message": message})),
    )
        .into_response()
}

fn failed(error: crate::error::AppError) -> Response {
    answer(error.status_code(), &error.to_string())
}

async fn inbound(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let org_id = match lookup_token(&state.db, &token).await {
        Ok(Lookup::Active { org_id }) => org_id,
        Ok(_) => return answer(StatusCode::NOT_FOUND, "Unknown or retired BCC address."),
        Err(error) => return failed(crate::error::AppError::from(error)),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type != "message/rfc822" {
        return answer(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the raw message with Content-Type: message/rfc822.",
        );
    }
    let limit = state.settings.inbound.max_message_bytes;
    let too_large = format!("The message is larger than the limit of {limit} bytes.");
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return answer(StatusCode::PAYLOAD_TOO_LARGE, &too_large);
    }
    let raw = match axum::body::to_bytes(body, limit).await {
        Ok(raw) => raw,
        Err(_) => return answer(StatusCode::PAYLOAD_TOO_LARGE, &too_large),
    };
    if raw.is_empty() {
        return answer(StatusCode::BAD_REQUEST, "The message is empty.");
    }
    match pipeline::receive(&state, org_id, Door::Http, None, &raw).await {
        Ok(id) => (
            StatusCode::ACCEPTED,
            Json(json!({"status_is_ok": true, "message": "Stored.", "id": id})),
        )
            .into_response(),
        Err(error) => failed(error),
    }
}
