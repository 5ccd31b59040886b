//! What every Account API endpoint shares: authentication (`?api_key=` or HTTP Basic with
//! user `api`), the JSON envelope with `status_is_ok`, reading and checking bodies, list
//! parameters, and recording each call in API Status (path redacted, never a key).
use std::future::Future;
use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value as Json};

use crate::api_keys::dto::{ApiKeyKind, EVENT_API_PREFIX, EVENT_AUTH_PREFIX};
use crate::api_keys::ssr::repo as key_repo;
use crate::api_keys::ssr::service::{check, KeyCheck};
use crate::api_status::dto::{ApiKind, RecordFailure};
use crate::api_status::ssr::recorder::{self, ApiCall};
use crate::crypto::token_hash;
use crate::error::AppError;
use crate::public_api::body::{read_limited, BudgetHold, RETRY_AFTER_SECONDS};
use crate::public_api::limits::{MAX_PAGE_SIZE, MAX_RECORDS};
use crate::public_api::redact::redact_path;
use crate::state::AppState;

/// The authenticated caller and the request's parts a handler needs.
pub struct Ctx {
    pub state: AppState,
    pub org_id: i32,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// Behind a mutex only so that `&Ctx` is `Send` (a body is not `Sync`).
    pub body: std::sync::Mutex<Option<Body>>,
    /// The share of the large-body budget the body holds, until the handler is done.
    pub body_hold: BudgetHold,
}

impl Ctx {
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.state.db
    }

    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Natero's query booleans: true/false, an integer (0 is false), anything else false.
    pub fn flag(&self, name: &str) -> bool {
        self.param(name).is_some_and(natero_bool)
    }

    /// The body as JSON, or the outcome that refuses it (413/415/400, or 200 with
    /// `status_is_ok: false` for JSON that does not parse).
    pub async fn json_body(&mut self) -> Result<Json, Outcome> {
        let body = self
            .body
            .get_mut()
            .ok()
            .and_then(Option::take)
            .unwrap_or_default();
        let read = read_limited(&self.state.body_budget, &self.headers, body)
            .await
            .map_err(|e| Outcome::error(e.http_status(), e.message()))?;
        self.body_hold = read.hold;
        let bytes = read.bytes;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Outcome::refused(
                "The request body is empty; send a JSON object.",
            ));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| Outcome::refused(format!("The request body is not valid JSON: {e}")))
    }

    /// `{"records":[{…}, …]}` with at most `MAX_RECORDS` objects (first-level validation).
    pub async fn records(&mut self) -> Result<Vec<Json>, Outcome> {
        let body = self.json_body().await?;
        let Json::Object(mut object) = body else {
            return Err(Outcome::refused(
                "The request body must be a JSON object with a \"records\" array.",
            ));
        };
        let records = match object.remove("records") {
            Some(Json::Array(records)) => records,
            Some(other) => {
                return Err(Outcome::refused(format!(
                    "\"records\" must be an array of objects, not {}.",
                    crate::account_api::fields::kind_of(&other)
                )))
            }
            None => {
                return Err(Outcome::refused(
                    "The request body has no \"records\" array: send {\"records\": [{…}, …]}.",
                ))
            }
        };
        if records.len() > MAX_RECORDS {
            return Err(Outcome::refused(format!(
                "Too many records: {} in one request. Send at most {MAX_RECORDS} records per request.",
                records.len()
            ))
            .received(records.len()));
        }
        if let Some((i, bad)) = records.iter().enumerate().find(|(_, r)| !r.is_object()) {
            return Err(Outcome::refused(format!(
                "\"records\" must be an array of objects: records[{i}] is {}.",
                crate::account_api::fields::kind_of(bad)
            ))
            .received(records.len()));
        }
        Ok(records)
    }

    /// The body of a PUT: `{"data": {…}}` or the bare object.
    pub async fn put_body(&mut self) -> Result<Json, Outcome> {
        let body = self.json_body().await?;
        let record = match body {
            Json::Object(mut object) if object.contains_key("data") => {
                object.remove("data").unwrap_or(Json::Null)
            }
            other => other,
        };
        if !record.is_object() {
            return Err(Outcome::refused(
                "The request body must be a JSON object: {\"data\": {…}} or the record itself.",
            ));
        }
        Ok(record)
    }
}

pub fn natero_bool(value: &str) -> bool {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        return true;
    }
    match value.parse::<i64>() {
        Ok(n) => n != 0,
        Err(_) => false,
    }
}

/// A handler's answer plus what API Status records about it.
pub struct Outcome {
    pub status: StatusCode,
    pub body: Json,
    pub received: usize,
    pub failures: Vec<RecordFailure>,
}

impl Outcome {
    pub fn ok(body: Json) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            received: 0,
            failures: vec![],
        }
    }

    /// `{"status_is_ok": true}`.
    pub fn done() -> Self {
        Self::ok(json!({"status_is_ok": true}))
    }

    /// HTTP 200 with `status_is_ok: false`: the request was understood but refused.
    pub fn refused(message: impl Into<String>) -> Self {
        Self::error(200, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::error(404, message)
    }

    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            body: json!({"status_is_ok": false, "message": message.into()}),
            received: 0,
            failures: vec![],
        }
    }

    pub fn received(mut self, count: usize) -> Self {
        self.received = count;
        self
    }

    fn ok_flag(&self) -> bool {
        self.body["status_is_ok"].as_bool().unwrap_or(false)
    }

    fn message(&self) -> Option<String> {
        self.body["message"].as_str().map(str::to_owned)
    }
}

/// Said when storage is busy (503, with `Retry-After`).
const BUSY: &str = "Steward is busy right now and wrote nothing of this call; retry in a second (see Retry-After).";

impl From<AppError> for Outcome {
    fn from(error: AppError) -> Self {
        let reference = match error {
            AppError::Unavailable(_) => return Outcome::error(503, BUSY),
            AppError::Internal(reference) => reference,
            other => match AppError::internal("account api", &other) {
                AppError::Internal(reference) => reference,
                _ => String::new(),
            },
        };
        Outcome::error(500, format!("Unexpected error (ref {reference})"))
    }
}

impl From<sea_orm::DbErr> for Outcome {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::from(error).into()
    }
}

/// A refused key: the message, and the key's organisation when it has one (revoked or
/// expired keys), so the call can still be shown in that organisation's API Status.
struct Refusal {
    message: &'static str,
    key: Option<(i32, i32, String)>,
    /// 401, or 503 when the key could not be checked because storage was busy.
    status: u16,
}

fn presented_key(headers: &HeaderMap, query: &[(String, String)]) -> Result<String, Refusal> {
    if let Some((_, key)) = query.iter().find(|(k, _)| k == "api_key") {
        return Ok(key.clone());
    }
    let refusal = |message| Refusal {
        message,
        key: None,
        status: 401,
    };
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        return Err(refusal(
            "Missing API key: pass ?api_key=KEY, or HTTP Basic authentication with the user name 'api' and the key as password.",
        ));
    };
    let basic = authorization
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        })
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(basic) = basic else {
        return Err(refusal(
            "Unsupported Authorization header: use HTTP Basic with the user name 'api' and the key as password, or ?api_key=KEY.",
        ));
    };
    match basic.split_once(':') {
        Some(("api", key)) => Ok(key.to_owned()),
        _ => Err(refusal(
            "Wrong HTTP Basic user name: use the user name 'api' and the API key as password.",
        )),
    }
}

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<(i32, i32, String), Refusal> {
    let key = presented_key(headers, query)?;
    let key = key.trim();
    if key.starts_with(EVENT_API_PREFIX) || key.starts_with(EVENT_AUTH_PREFIX) {
        // Refused, and recorded in the API Status of the organisation the key belongs to.
        let hash = token_hash(key);
        let owner = if key.starts_with(EVENT_API_PREFIX) {
            key_repo::find_by_hash(&state.db, ApiKeyKind::Event, &hash).await
        } else {
            key_repo::find_event_key_by_auth_hash(&state.db, &hash).await
        };
        return Err(Refusal {
            message: "This is an Event API key. The Account API needs an Account API key (stw_acct_…): create one under IT Administration → Source Overview.",
            key: owner.ok().flatten().map(|k| (k.org_id, k.id, k.name)),
            status: 401,
        });
    }
    match check(&state.db, ApiKeyKind::Account, key).await {
        Ok(KeyCheck::Valid {
            org_id,
            key_id,
            name,
        }) => Ok((org_id, key_id, name)),
        Ok(KeyCheck::Refused {
            org_id,
            key_id,
            name,
        }) => Err(Refusal {
            message: "This API key was revoked or has expired: use a current key from IT Administration → Source Overview.",
            key: Some((org_id, key_id, name)),
            status: 401,
        }),
        Ok(KeyCheck::Unknown) => Err(Refusal {
            message: "API key not recognised: check the key, or create one under IT Administration → Source Overview.",
            key: None,
            status: 401,
        }),
        // Never 401 for a key we could not look at: the client would drop a good key.
        Err(AppError::Unavailable(_)) => Err(Refusal {
            message: BUSY,
            key: None,
            status: 503,
        }),
        Err(error) => {
            tracing::error!(error = %error, "account api: key check failed");
            Err(Refusal {
                message: "The API key could not be checked because of an error on our side; try again.",
                key: None,
                status: 500,
            })
        }
    }
}

/// The Account API key check for key-authenticated routes that answer outside `serve`
/// (API Upload's streamed bodies and CSV answers): the caller's (org id, key id, key
/// name), or the HTTP status and message that refuse it.
pub async fn account_key(
    state: &AppState,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<(i32, i32, String), (u16, &'static str)> {
    authenticate(state, headers, query)
        .await
        .map_err(|refusal| (refusal.status, refusal.message))
}

pub fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Runs one API call: authenticates, runs `handler`, records the call in API Status and
/// answers the JSON envelope. `endpoint` is the route pattern shown in API Status.
pub async fn serve<F, Fut>(
    state: AppState,
    endpoint: &'static str,
    request: Request,
    handler: F,
) -> Response
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let started = Instant::now();
    let method = request.method().to_string();
    let path = redact_path(
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/"),
    );
    let (parts, body) = request.into_parts();
    let query = parse_query(parts.uri.query());
    let (outcome, key) = match authenticate(&state, &parts.headers, &query).await {
        Ok((org_id, key_id, name)) => {
            let ctx = Ctx {
                state: state.clone(),
                org_id,
                query,
                headers: parts.headers,
                body: std::sync::Mutex::new(Some(body)),
                body_hold: BudgetHold::default(),
            };
            (handler(ctx).await, Some((org_id, key_id, name)))
        }
        Err(refusal) => {
            tracing::info!(%method, %path, reason = refusal.message, "account api call refused");
            (Outcome::error(refusal.status, refusal.message), refusal.key)
        }
    };
    if let Some((org_id, key_id, key_name)) = key {
        let failed = outcome.failures.len();
        let call = ApiCall {
            org_id,
            api: ApiKind::Account,
            method,
            path,
            endpoint: endpoint.to_owned(),
            http_status: outcome.status.as_u16(),
            ok: outcome.ok_flag(),
            records_received: outcome.received as u32,
            records_failed: failed as u32,
            failures: outcome.failures.clone(),
            message: outcome.message(),
            key_id: Some(key_id),
            key_name: Some(key_name),
            duration_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
        };
        record_in_api_status(&state, call).await;
    }
    let mut response = (outcome.status, axum::Json(outcome.body)).into_response();
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// The one place the Account API writes to API Status (queued; off when `api_status_log`
/// is false).
async fn record_in_api_status(state: &AppState, call: ApiCall) {
    recorder::record_if_enabled(state, call).await;
}

/// `page`, `order_by`, `direction` and `include_inactive` of a list.
pub struct ListParams {
    pub page: u64,
    pub order_by: Option<String>,
    pub descending: bool,
    pub direction: Option<String>,
    pub include_inactive: bool,
}

impl ListParams {
    pub fn parse(ctx: &Ctx, order_columns: &[&str]) -> Result<Self, Outcome> {
        let page = match ctx.param("page").map(str::trim) {
            None | Some("") => 0,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|p| *p <= 1_000_000)
                .ok_or_else(|| {
                    Outcome::refused(format!("Invalid page '{text}': pages are numbered from 0."))
                })?,
        };
        let order_by = match ctx.param("order_by").map(str::trim) {
            None | Some("") => None,
            Some(column) if order_columns.contains(&column) => Some(column.to_owned()),
            Some(column) => {
                return Err(Outcome::refused(format!(
                    "Unknown order_by '{column}'; use one of {}.",
                    order_columns.join(", ")
                )))
            }
        };
        let direction = match ctx
            .param("direction")
            .map(|d| d.trim().to_ascii_lowercase())
        {
            None => None,
            Some(d) if d.is_empty() => None,
            Some(d) if d == "asc" || d == "desc" => Some(d),
            Some(d) => {
                return Err(Outcome::refused(format!(
                    "Unknown direction '{d}'; use asc or desc."
                )))
            }
        };
        Ok(Self {
            page,
            order_by,
            descending: direction.as_deref() == Some("desc"),
            direction,
            include_inactive: ctx.flag("include_inactive"),
        })
    }

    pub fn offset(&self) -> u64 {
        self.page * MAX_PAGE_SIZE
    }

    /// The list envelope: results, paging, and the sort parameters echoed.
    pub fn envelope(&self, results: Vec<Json>) -> Outcome {
        let mut body = json!({
            "status_is_ok": true,
            "results": results,
            "current_page": self.page,
            "max_page_size": MAX_PAGE_SIZE,
        });
        if let Some(order_by) = &self.order_by {
            body["order_by"] = Json::from(order_by.clone());
        }
        if let Some(direction) = &self.direction {
            body["direction"] = Json::from(direction.clone());
        }
        Outcome::ok(body)
    }
}

/// The answer to a bulk POST: `failed_results` always present.
pub fn bulk_outcome(
    received: usize,
    failures: &[crate::account_api::upsert::Failure],
    with_user: bool,
) -> Outcome {
    let mut outcome = Outcome::ok(json!({
        "status_is_ok": true,
        "failed_results": failures.iter().map(|f| f.to_json(with_user)).collect::<Vec<_>>(),
    }));
    outcome.received = received;
    outcome.failures = failures.iter().map(|f| f.to_record_failure()).collect();
    outcome
}
