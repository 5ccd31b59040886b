//! Reads SOQL results page by page (shared/salesforce-reference.md §3.3) and sorts every
//! failure into what the run must do with it (§4.3, §4.5):
//! - retry with backoff: 5xx, 406 / 420 / 429, HTML or empty bodies, `QUERY_TIMEOUT`, the
//!   per-org concurrency limit, an unreachable instance;
//! - restart the query from the checkpoint: `INVALID_QUERY_LOCATOR` (idle cursor, too many
//!   cursors) and `INVALID_SESSION_ID` on a `nextRecordsUrl`, because a locator belongs to
//!   the session that opened it and a refresh ends that session (§3.3.7);
//! - stop, keep the checkpoint and say what to do: API access off, the daily request limit
//!   used up, a mapped field unknown or hidden, the connection needing re-authorization.
use std::time::Duration;

use serde_json::Value;

use crate::connections::ssr::salesforce::{self, Answer, CallError};
use crate::error::AppError;
use crate::state::AppState;

/// The REST API version the connector speaks.
pub const API_VERSION: &str = "62.0";

/// One page of a query's result.
#[derive(Debug)]
pub struct Page {
    pub records: Vec<Value>,
    /// The `nextRecordsUrl` of the following page; `None` on the last page.
    pub next: Option<String>,
    /// Records in the whole result (every page).
    pub total: u64,
    /// `(used, max)` daily API requests of the org, from `Sforce-Limit-Info`.
    pub api_usage: Option<(u64, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// API access is off for the organisation or the connected user.
    #[error("{code}: {message}")]
    ApiDisabled { code: String, message: String },
    /// The org's daily API requests are used up.
    #[error("REQUEST_LIMIT_EXCEEDED: {0}")]
    LimitExceeded(String),
    /// A selected field does not exist or is hidden from the connected user.
    #[error("INVALID_FIELD {field:?}: {message}")]
    InvalidField {
        field: Option<String>,
        message: String,
    },
    /// The query's cursor is gone: run the query again from the checkpoint.
    #[error("the query cursor is gone ({0}); restart from the checkpoint")]
    CursorGone(String),
    /// Transient failures that outlasted every retry.
    #[error("Salesforce is unavailable: {0}")]
    Unavailable(String),
    #[error("the Salesforce connection needs re-authorization")]
    NeedsReauthorization,
    #[error("no Salesforce connection")]
    NotConnected,
    /// Any other refusal (a malformed query is Steward's fault, not the admin's).
    #[error("Salesforce refused the request ({status}): {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

/// How transient failures are retried: `attempts` tries in all, waiting `first_wait`, then
/// twice as long each time.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    pub attempts: u32,
    pub first_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_wait: Duration::from_millis(500),
        }
    }
}

/// Runs `soql` (`queryAll` when `with_deleted`, so soft-deleted rows come too) and answers
/// its first page.
pub async fn query(
    state: &AppState,
    org_id: i32,
    soql: &str,
    with_deleted: bool,
    retry: Retry,
) -> Result<Page, ReadError> {
    // Datetime literals carry a '+': it must go as %2B or Salesforce reads a space (§3.3.4).
    let encoded: String = url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
    let resource = if with_deleted { "queryAll" } else { "query" };
    let path = format!("/services/data/v{API_VERSION}/{resource}?q={encoded}");
    read(state, org_id, &path, false, retry).await
}

/// The page at a `nextRecordsUrl`.
pub async fn more(
    state: &AppState,
    org_id: i32,
    next: &str,
    retry: Retry,
) -> Result<Page, ReadError> {
    if !next.starts_with("/services/data/") {
        return Err(ReadError::Refused {
            status: 0,
            code: "BAD_LOCATOR".into(),
            message: format!("unexpected nextRecordsUrl {next}"),
        });
    }
    read(state, org_id, next, true, retry).await
}

async fn read(
    state: &AppState,
    org_id: i32,
    path: &str,
    on_cursor: bool,
    retry: Retry,
) -> Result<Page, ReadError> {
    let mut wait = retry.first_wait;
    let mut attempt = 1;
    loop {
        let failure = match salesforce::get(state, org_id, path).await {
            Ok(answer) => return page(answer),
            Err(error) => classify(error, on_cursor),
        };
        match failure {
            Failure::Transient(last) if attempt < retry.attempts => {
                tracing::info!(org_id, attempt, %last, "Salesforce call failed; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            Failure::Transient(last) => return Err(ReadError::Unavailable(last)),
            Failure::Final(error) => return Err(error),
        }
    }
}

fn page(answer: Answer) -> Result<Page, ReadError> {
    let Answer {
        mut body,
        api_usage,
    } = answer;
    let Some(Value::Array(records)) = body.get_mut("records").map(Value::take) else {
        return Err(ReadError::Unavailable(
            "the query answer has no records list".into(),
        ));
    };
    Ok(Page {
        records,
        next: body["nextRecordsUrl"].as_str().map(str::to_owned),
        total: body["totalSize"].as_u64().unwrap_or(0),
        api_usage,
    })
}

enum Failure {
    Transient(String),
    Final(ReadError),
}

/// `[{"errorCode": …, "message": …}]` → (code, message); anything else is `None`.
fn error_body(body: &str) -> Option<(String, String)> {
    let value: Value = serde_json::from_str(body).ok()?;
    let first = value.as_array()?.first()?;
    Some((
        first["errorCode"].as_str()?.to_owned(),
        first["message"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// `No such column 'CSM__c' on entity 'Account'` → `CSM__c`.
fn unknown_column(message: &str) -> Option<String> {
    let rest = message.split("No such column '").nth(1)?;
    Some(rest.split('\'').next()?.to_owned())
}

fn classify(error: CallError, on_cursor: bool) -> Failure {
    let (status, body) = match error {
        CallError::Status { status, body } => (status, body),
        CallError::Unreachable(reason) => return Failure::Transient(reason),
        CallError::NeedsReauthorization => return Failure::Final(ReadError::NeedsReauthorization),
        CallError::NotConnected => return Failure::Final(ReadError::NotConnected),
        CallError::App(error) => return Failure::Final(ReadError::App(error)),
    };
    let Some((code, message)) = error_body(&body) else {
        // HTML from Salesforce Edge, an empty 406, a body cut short: all transient (§4.3).
        return if matches!(status, 406 | 420 | 429) || status >= 500 {
            Failure::Transient(format!("HTTP {status} without an error body"))
        } else {
            Failure::Final(ReadError::Refused {
                status,
                code: String::new(),
                message: body.chars().take(200).collect(),
            })
        };
    };
    let error = match code.as_str() {
        "API_DISABLED_FOR_ORG" | "API_CURRENTLY_DISABLED" => {
            ReadError::ApiDisabled { code, message }
        }
        "REQUEST_LIMIT_EXCEEDED" if message.contains("ConcurrentPerOrgLongTxn") => {
            return Failure::Transient(message)
        }
        "REQUEST_LIMIT_EXCEEDED" => ReadError::LimitExceeded(message),
        "INVALID_FIELD" => ReadError::InvalidField {
            field: unknown_column(&message),
            message,
        },
        "INVALID_QUERY_LOCATOR" => ReadError::CursorGone(message),
        // The token was refreshed and the retry still failed: on a cursor that is the
        // cursor's session ending, not the connection's.
        "INVALID_SESSION_ID" if on_cursor => ReadError::CursorGone(message),
        "QUERY_TIMEOUT" | "SERVER_UNAVAILABLE" | "UNKNOWN_EXCEPTION" => {
            return Failure::Transient(format!("{code}: {message}"))
        }
        _ if status >= 500 || matches!(status, 406 | 420 | 429) => {
            return Failure::Transient(format!("{code}: {message}"))
        }
        _ => ReadError::Refused {
            status,
            code,
            message,
        },
    };
    Failure::Final(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, body: &str) -> CallError {
        CallError::Status {
            status,
            body: body.into(),
        }
    }

    #[test]
    fn failures_are_sorted_into_retry_restart_and_stop() {
        let transient = |e| matches!(classify(e, false), Failure::Transient(_));
        assert!(transient(status(503, "<html>down</html>")));
        assert!(transient(status(406, "")));
        assert!(transient(status(
            400,
            r#"[{"message":"Your query request was running for too long.","errorCode":"QUERY_TIMEOUT"}]"#
        )));
        assert!(transient(status(
            403,
            r#"[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
        )));
        assert!(transient(CallError::Unreachable("timed out".into())));
        let fin = |e, cursor| match classify(e, cursor) {
            Failure::Final(e) => e,
            Failure::Transient(t) => panic!("transient: {t}"),
        };
        assert!(matches!(
            fin(
                status(
                    403,
                    r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
                ),
                false
            ),
            ReadError::LimitExceeded(_)
        ));
        assert!(matches!(
            fin(
                status(
                    403,
                    r#"[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]"#
                ),
                false
            ),
            ReadError::ApiDisabled { .. }
        ));
        match fin(
            status(
                400,
                r#"[{"message":"\nSELECT Id, CSM__c FROM Account\n^\nERROR at Row:1:Column:12\nNo such column 'CSM__c' on entity 'Account'.","errorCode":"INVALID_FIELD"}]"#,
            ),
            false,
        ) {
            ReadError::InvalidField { field, .. } => assert_eq!(field.as_deref(), Some("CSM__c")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            fin(
                status(
                    400,
                    r#"[{"message":"invalid query locator","errorCode":"INVALID_QUERY_LOCATOR"}]"#
                ),
                true
            ),
            ReadError::CursorGone(_)
        ));
        let session =
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(matches!(
            fin(status(401, session), true),
            ReadError::CursorGone(_)
        ));
        assert!(matches!(
            fin(status(401, session), false),
            ReadError::Refused { .. }
        ));
        assert!(matches!(
            fin(
                status(
                    400,
                    r#"[{"message":"unexpected token: FORM","errorCode":"MALFORMED_QUERY"}]"#
                ),
                false
            ),
            ReadError::Refused { .. }
        ));
    }

    #[test]
    fn limit_info_is_read_with_or_without_the_per_app_part() {
        assert_eq!(
            salesforce::parse_limit_info("api-usage=18/15000"),
            Some((18, 15000))
        );
        assert_eq!(
            salesforce::parse_limit_info(
                "api-usage=25/5000; per-app-api-usage=17/250(appName=sample)"
            ),
            Some((25, 5000))
        );
        assert_eq!(salesforce::parse_limit_info("nonsense"), None);
    }
}
