//! `POST /v1/{authKey}/{apiKey}`: checks the key pair, reads the body within the limits,
//! validates it line by line, stores the valid events (committed before answering) and
//! records the call in API Status.
//!
//! Answers (always JSON with `status_is_ok`):
//! - 200 `{"status_is_ok":true,"received":N,"accepted":M,"failed_results":[{"line":n,"message":…}]}`
//!   when at least one event was stored (failed lines, if any, are listed: Partial);
//! - 400 the same shape with `status_is_ok:false` and a `message` when no line was valid;
//! - 400 a JSON array, an empty body or bad gzip; 401 keys; 413 over 10 MB or over 10,000
//!   events (nothing stored); 415 an unknown Content-Encoding; 500 with a reference.
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::api_keys::dto::{ApiKeyKind, ACCOUNT_PREFIX, EVENT_API_PREFIX, EVENT_AUTH_PREFIX};
use crate::api_keys::ssr::{repo as key_repo, service};
use crate::api_status::dto::{ApiKind, RecordFailure};
use crate::api_status::ssr::recorder::{self, ApiCall};
use crate::crypto::token_hash;
use crate::error::AppError;
use crate::event_api::parse::{parse_body, LineFailure, Parsed, Refusal};
use crate::event_api::store::Origin;
use crate::event_api::ENDPOINT;
use crate::public_api::body::{read_limited, RETRY_AFTER_SECONDS};
use crate::public_api::redact::redact_path;
use crate::state::AppState;
use crate::time::now_ms;

/// The outcome of checking the two keys of the path.
enum KeyCheck {
    Valid {
        org_id: i32,
        key_id: i32,
        key_name: Option<String>,
    },
    /// 401; `org_id` when the presented key belongs to an organisation (its API Status
    /// shows the refusal), `None` when nothing identifies one.
    Refused {
        org_id: Option<i32>,
        key_id: Option<i32>,
        key_name: Option<String>,
        message: &'static str,
    },
}

const NOT_RECOGNISED: &str = "The Event API keys are not recognised, or the key was revoked or has expired. Use the auth key and api key of a Usage Event API key from IT Administration → Source Overview: /v1/{authKey}/{apiKey}.";
const ACCOUNT_KEY_HERE: &str = "This is an Account API key (stw_acct_…): it opens the Account API (/api/v2/). The Event API takes a Usage Event API key pair: /v1/{authKey}/{apiKey}.";
const SWAPPED: &str = "The keys are in the wrong order: the path is /v1/{authKey}/{apiKey}, the auth key (stw_evauth_…) first, then the api key (stw_evapi_…).";

/// What the handler answers and what API Status records about it.
struct Outcome {
    status: StatusCode,
    body: serde_json::Value,
    received: usize,
    failures: Vec<LineFailure>,
    message: Option<String>,
}

impl Outcome {
    fn refused(status: u16, message: String, received: usize) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            body: json!({"status_is_ok": false, "message": message}),
            received,
            failures: Vec::new(),
            message: Some(message),
        }
    }

    /// A failure of storage: 503 with `Retry-After` when it is only busy, 500 otherwise.
    fn failed(error: AppError, received: usize) -> Self {
        match error {
            AppError::Unavailable(_) => Self::refused(
                503,
                format!(
                    "Steward is busy right now and stored nothing of this call; retry in {RETRY_AFTER_SECONDS} s (see Retry-After)."
                ),
                received,
            ),
            AppError::Internal(reference) => {
                Self::refused(500, format!("Unexpected error (ref {reference})"), received)
            }
            other => Self::refused(500, other.to_string(), received),
        }
    }

    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}

pub async fn ingest(
    State(state): State<AppState>,
    Path((auth_key, api_key)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let path = redact_path(uri.path_and_query().map_or(uri.path(), |p| p.as_str()));
    let key = match check_keys(&state.db, &auth_key, &api_key).await {
        Ok(key) => key,
        Err(error) => return Outcome::failed(error, 0).into_response(),
    };
    let (org_id, key_id, key_name, outcome) = match key {
        KeyCheck::Valid {
            org_id,
            key_id,
            key_name,
        } => {
            let outcome = receive(&state, org_id, key_id, &headers, body).await;
            (Some(org_id), Some(key_id), key_name, outcome)
        }
        KeyCheck::Refused {
            org_id,
            key_id,
            key_name,
            message,
        } => (
            org_id,
            key_id,
            key_name,
            Outcome::refused(401, message.to_owned(), 0),
        ),
    };
    match org_id {
        Some(org_id) => {
            record_call(&state, org_id, key_id, key_name, &path, started, &outcome).await
        }
        None => tracing::info!(path = %path, "Event API call with unknown keys refused"),
    }
    outcome.into_response()
}

/// Reads, validates and stores the body of an authenticated call.
async fn receive(
    state: &AppState,
    org_id: i32,
    key_id: i32,
    headers: &HeaderMap,
    body: Body,
) -> Outcome {
    // `_hold` keeps the body's share of the large-body budget until the answer is ready.
    let (bytes, _hold) = match read_limited(&state.body_budget, headers, body).await {
        Ok(read) => (read.bytes, read.hold),
        Err(error) => return Outcome::refused(error.http_status(), error.message(), 0),
    };
    let now = now_ms();
    let mut parsed = match parse_body(&bytes, now) {
        Ok(parsed) => parsed,
        Err(refusal) => {
            let received = match refusal {
                Refusal::TooMany(count) => count,
                _ => 0,
            };
            return Outcome::refused(refusal.http_status(), refusal.message(), received);
        }
    };
    let origin = Origin {
        org_id,
        key_id: Some(key_id),
        received_at: now,
    };
    let events = std::mem::take(&mut parsed.events);
    let accepted = events.len();
    match state.events.store(origin, events).await {
        Ok(()) => answer(parsed, accepted),
        Err(error) => Outcome::failed(AppError::from(error), parsed.received),
    }
}

/// 200 when something was stored, 400 when every line failed.
fn answer(parsed: Parsed, accepted: usize) -> Outcome {
    let failed: Vec<serde_json::Value> = parsed
        .failures
        .iter()
        .map(|f| json!({"line": f.line, "message": f.message}))
        .collect();
    if accepted == 0 {
        let message = format!(
            "No event was stored: all {} lines failed validation (see failed_results).",
            parsed.received
        );
        Outcome {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "status_is_ok": false,
                "message": message,
                "received": parsed.received,
                "accepted": 0,
                "failed_results": failed,
            }),
            received: parsed.received,
            failures: parsed.failures,
            message: Some(message),
        }
    } else {
        Outcome {
            status: StatusCode::OK,
            body: json!({
                "status_is_ok": true,
                "received": parsed.received,
                "accepted": accepted,
                "failed_results": failed,
            }),
            received: parsed.received,
            failures: parsed.failures,
            message: None,
        }
    }
}

/// Checks `/v1/{authKey}/{apiKey}`. Keys are hashed before any lookup and never logged.
async fn check_keys(
    db: &DatabaseConnection,
    auth_key: &str,
    api_key: &str,
) -> Result<KeyCheck, AppError> {
    let (auth_key, api_key) = (auth_key.trim(), api_key.trim());
    // An Account API key in either place: say so, in its organisation's API Status.
    if let Some(account_key) = [auth_key, api_key]
        .into_iter()
        .find(|k| k.starts_with(ACCOUNT_PREFIX))
    {
        let owner =
            key_repo::find_by_hash(db, ApiKeyKind::Account, &token_hash(account_key)).await?;
        return Ok(KeyCheck::Refused {
            org_id: owner.as_ref().map(|k| k.org_id),
            key_id: owner.as_ref().map(|k| k.id),
            key_name: owner.map(|k| k.name),
            message: ACCOUNT_KEY_HERE,
        });
    }
    if auth_key.starts_with(EVENT_API_PREFIX) && api_key.starts_with(EVENT_AUTH_PREFIX) {
        let owner = key_repo::find_by_hash(db, ApiKeyKind::Event, &token_hash(auth_key)).await?;
        return Ok(KeyCheck::Refused {
            org_id: owner.as_ref().map(|k| k.org_id),
            key_id: owner.as_ref().map(|k| k.id),
            key_name: owner.map(|k| k.name),
            message: SWAPPED,
        });
    }
    let presented = format!("{auth_key}/{api_key}");
    match service::check(db, ApiKeyKind::Event, &presented).await? {
        service::KeyCheck::Valid {
            org_id,
            key_id,
            name,
        } => Ok(KeyCheck::Valid {
            org_id,
            key_id,
            key_name: Some(name),
        }),
        // Revoked or expired: the refusal shows in that organisation's API Status.
        service::KeyCheck::Refused {
            org_id,
            key_id,
            name,
        } => Ok(KeyCheck::Refused {
            org_id: Some(org_id),
            key_id: Some(key_id),
            key_name: Some(name),
            message: NOT_RECOGNISED,
        }),
        service::KeyCheck::Unknown => {
            // A known api key with a wrong auth key is also shown to its organisation.
            let owner = if api_key.starts_with(EVENT_API_PREFIX) {
                key_repo::find_by_hash(db, ApiKeyKind::Event, &token_hash(api_key)).await?
            } else {
                None
            };
            Ok(KeyCheck::Refused {
                org_id: owner.as_ref().map(|k| k.org_id),
                key_id: owner.as_ref().map(|k| k.id),
                key_name: owner.map(|k| k.name),
                message: NOT_RECOGNISED,
            })
        }
    }
}

/// The one place the Event API writes to API Status. A failure to record is logged; the
/// client's answer does not depend on it.
async fn record_call(
    state: &AppState,
    org_id: i32,
    key_id: Option<i32>,
    key_name: Option<String>,
    path: &str,
    started: Instant,
    outcome: &Outcome,
) {
    let call = ApiCall {
        org_id,
        api: ApiKind::Event,
        method: "POST".to_owned(),
        path: path.to_owned(),
        endpoint: ENDPOINT.to_owned(),
        http_status: outcome.status.as_u16(),
        ok: outcome.status.is_success(),
        records_received: u32::try_from(outcome.received).unwrap_or(u32::MAX),
        records_failed: if outcome.status.is_success() {
            u32::try_from(outcome.failures.len()).unwrap_or(u32::MAX)
        } else {
            u32::try_from(outcome.received).unwrap_or(u32::MAX)
        },
        failures: outcome
            .failures
            .iter()
            .map(|f| RecordFailure {
                record: f.line,
                id: None,
                message: f.message.clone(),
            })
            .collect(),
        message: outcome.message.clone(),
        key_id,
        key_name,
        duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
    };
    recorder::record_if_enabled(state, call).await;
}
