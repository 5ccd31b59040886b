//! Types of the API Status log shared by server and browser.
use serde::{Deserialize, Serialize};

/// Calls kept per organisation; older ones are dropped.
pub const KEPT_CALLS_PER_ORG: u64 = 1000;
/// Per-record failures kept with one call (the response itself lists them all).
pub const KEPT_FAILURES_PER_CALL: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiKind {
    Account,
    Event,
    Upload,
}

impl ApiKind {
    pub const ALL: [ApiKind; 3] = [ApiKind::Account, ApiKind::Event, ApiKind::Upload];

    pub fn key(self) -> &'static str {
        match self {
            ApiKind::Account => "account",
            ApiKind::Event => "event",
            ApiKind::Upload => "upload",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApiKind::Account => "Account API",
            ApiKind::Event => "Event API",
            ApiKind::Upload => "API Upload",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Natero's definition (API Status): Failure means the whole operation failed; otherwise
/// at least part succeeded, and Partial says some records of a bulk call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallStatus {
    Success,
    Partial,
    Failure,
}

impl CallStatus {
    pub const ALL: [CallStatus; 3] = [
        CallStatus::Success,
        CallStatus::Partial,
        CallStatus::Failure,
    ];

    /// `ok` is false when the call as a whole was refused (bad key, bad body, 4xx/5xx,
    /// `status_is_ok: false`).
    pub fn of(ok: bool, received: u32, failed: u32) -> Self {
        if !ok || (received > 0 && failed >= received) {
            CallStatus::Failure
        } else if failed > 0 {
            CallStatus::Partial
        } else {
            CallStatus::Success
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            CallStatus::Success => "success",
            CallStatus::Partial => "partial",
            CallStatus::Failure => "failure",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallStatus::Success => "Success",
            CallStatus::Partial => "Partial",
            CallStatus::Failure => "Failure",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// One record of a call that failed: its 0-based index in the request (`records[i]`, or
/// the line number for the Event API, 1-based), the record's id when it had one, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFailure {
    pub record: u32,
    pub id: Option<String>,
    pub message: String,
}

/// Calls per page of the API Status table.
pub const API_STATUS_PAGE_SIZE: u64 = 50;
/// Failures shown under a row in the table; the call's own view (`?call=ID`) shows all kept.
pub const FAILURES_SHOWN_PER_ROW: usize = 20;

/// The API Status filters; they round-trip through the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiStatusQuery {
    pub status: Option<CallStatus>,
    pub api: Option<ApiKind>,
    /// An endpoint pattern, e.g. `/api/v2/accounts`; empty for all.
    pub endpoint: String,
    /// One call with all its kept failures (the link from a row with many).
    pub call: Option<i32>,
    /// 1-based.
    pub page: u64,
}

impl ApiStatusQuery {
    pub const PATH: &'static str = "/settings/it/api-status";

    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            status: get("status").and_then(|v| CallStatus::from_key(v.trim())),
            api: get("api").and_then(|v| ApiKind::from_key(v.trim())),
            endpoint: get("endpoint")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(200)
                .collect(),
            call: get("call")
                .and_then(|v| v.trim().parse().ok())
                .filter(|id| *id > 0),
            page: get("page")
                .and_then(|v| v.trim().parse().ok())
                .filter(|p| *p > 0)
                .unwrap_or(1),
        }
    }

    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |k: &str, v: &str| {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::users::dto::encode(v)));
            }
        };
        push(
            "status",
            self.status.map(CallStatus::key).unwrap_or_default(),
        );
        push("api", self.api.map(ApiKind::key).unwrap_or_default());
        push("endpoint", &self.endpoint);
        if let Some(call) = self.call {
            push("call", &call.to_string());
        }
        if self.page > 1 {
            push("page", &self.page.to_string());
        }
        if parts.is_empty() {
            Self::PATH.to_owned()
        } else {
            format!("{}?{}", Self::PATH, parts.join("&"))
        }
    }
}

/// One call in the API Status table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCallRow {
    pub id: i32,
    pub at: crate::time_label::TimeLabel,
    pub api: ApiKind,
    pub method: String,
    /// With keys redacted.
    pub path: String,
    pub endpoint: String,
    pub status: CallStatus,
    pub http_status: u16,
    pub records_received: u32,
    pub records_failed: u32,
    pub duration_ms: u32,
    /// None for calls whose key could not be named (e.g. a revoked key).
    pub key_name: Option<String>,
    /// Why the call failed as a whole, when it did.
    pub message: Option<String>,
    /// The failures kept with the call (at most `FAILURES_SHOWN_PER_ROW` in the table).
    pub failures: Vec<RecordFailure>,
    /// How many failures were kept with the call, shown or not.
    pub failures_kept: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCallsPage {
    pub rows: Vec<ApiCallRow>,
    /// Calls matching the filters (at most `KEPT_CALLS_PER_ORG`).
    pub total: u64,
    pub page: u64,
    pub page_count: u64,
    /// The endpoint patterns present in the organisation's log, for the filter.
    pub endpoints: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_status_of_a_call() {
        assert_eq!(CallStatus::of(true, 10, 0), CallStatus::Success);
        assert_eq!(CallStatus::of(true, 0, 0), CallStatus::Success);
        assert_eq!(CallStatus::of(true, 10, 3), CallStatus::Partial);
        assert_eq!(CallStatus::of(true, 10, 10), CallStatus::Failure);
        assert_eq!(CallStatus::of(false, 10, 0), CallStatus::Failure);
    }

    #[test]
    fn test_api_status_query_round_trips() {
        let query = ApiStatusQuery {
            status: Some(CallStatus::Partial),
            api: Some(ApiKind::Account),
            endpoint: "/api/v2/accounts/{account_id}".into(),
            call: None,
            page: 3,
        };
        let href = query.href();
        assert_eq!(
            href,
            "/settings/it/api-status?status=partial&api=account&endpoint=%2Fapi%2Fv2%2Faccounts%2F%7Baccount_id%7D&page=3"
        );
        let back = ApiStatusQuery::from_params(|k| match k {
            "status" => Some("partial".into()),
            "api" => Some("account".into()),
            "endpoint" => Some("/api/v2/accounts/{account_id}".into()),
            "page" => Some("3".into()),
            "call" => Some("nope".into()),
            _ => None,
        });
        assert_eq!(back, query);
        assert_eq!(ApiStatusQuery::default().href(), "/settings/it/api-status");
        assert_eq!(
            ApiStatusQuery::from_params(|k| (k == "status").then(|| "bogus".into())),
            ApiStatusQuery {
                page: 1,
                ..Default::default()
            }
        );
    }
}
