//! Wire types of the API keys slice. Summaries never carry a secret; `NewApiKey` carries
//! the full key(s) exactly once, in the answer that creates them.
use serde::{Deserialize, Serialize};

use crate::time_label::TimeLabel;

/// Prefix of Account API keys.
pub const ACCOUNT_PREFIX: &str = "stw_acct_";
/// Prefix of Event API auth keys (the first path segment of `/v1/{authKey}/{apiKey}`).
pub const EVENT_AUTH_PREFIX: &str = "stw_evauth_";
/// Prefix of Event API api keys (the second path segment).
pub const EVENT_API_PREFIX: &str = "stw_evapi_";
/// Longest key name.
pub const MAX_KEY_NAME_CHARS: usize = 80;
/// Longest overlap, in days, during which a rotated key keeps working.
pub const MAX_OVERLAP_DAYS: i64 = 30;

/// Which API a key opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiKeyKind {
    /// The Account API (`/api/v2/…`, `?api_key=` or HTTP Basic).
    Account,
    /// The Usage Event API (`/v1/{authKey}/{apiKey}`).
    Event,
}

impl ApiKeyKind {
    pub const ALL: [ApiKeyKind; 2] = [ApiKeyKind::Account, ApiKeyKind::Event];

    pub fn key(self) -> &'static str {
        match self {
            ApiKeyKind::Account => "account",
            ApiKeyKind::Event => "event",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApiKeyKind::Account => "Account API key",
            ApiKeyKind::Event => "Usage Event API key",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key.trim())
    }

    /// The prefix of the key stored in `secret_hash`: the account key, or the event api key.
    pub fn prefix(self) -> &'static str {
        match self {
            ApiKeyKind::Account => ACCOUNT_PREFIX,
            ApiKeyKind::Event => EVENT_API_PREFIX,
        }
    }
}

/// Whether a key still opens its API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    /// Rotated with an overlap: works until then.
    Expires(TimeLabel),
    /// Its overlap ran out.
    Expired(TimeLabel),
    Revoked(TimeLabel),
}

impl KeyStatus {
    pub fn is_usable(&self) -> bool {
        matches!(self, KeyStatus::Active | KeyStatus::Expires(_))
    }
}

/// One key as the Source Overview lists it: no secret, only its visible part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: i32,
    pub kind: ApiKeyKind,
    pub name: String,
    /// `stw_acct_AbCdEf…wxyz`.
    pub masked: String,
    /// Who created it, as named now; None when it came from the command line.
    pub created_by: Option<String>,
    pub created: TimeLabel,
    pub last_used: Option<TimeLabel>,
    pub status: KeyStatus,
    /// Already rotated: rotate its replacement instead.
    pub replaced: bool,
}

/// A key just created or rotated, with its secrets: shown once, never again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub id: i32,
    pub kind: ApiKeyKind,
    pub name: String,
    /// The account key, or the event api key (second path segment).
    pub api_key: String,
    /// Event keys only: the auth key (first path segment).
    pub auth_key: Option<String>,
}
