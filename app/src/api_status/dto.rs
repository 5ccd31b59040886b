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
