//! What the Source Overview shows of connector runs.
use serde::{Deserialize, Serialize};

/// One per-record note of a run's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunNote {
    /// Account | Contact | User
    pub object: String,
    /// The Salesforce record's Id.
    pub id: String,
    pub note: String,
}

/// A connector run as the admin reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRunRow {
    pub id: i32,
    /// manual | schedule | cli
    pub trigger: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// running | succeeded | failed
    pub status: String,
    pub read: i64,
    pub written: i64,
    pub skipped: i64,
    pub csm_assigned: i64,
    pub csm_skipped: i64,
    pub api_calls: i64,
    pub api_remaining: Option<i64>,
    /// What went wrong and what to do.
    pub error: Option<String>,
    pub notes: Vec<RunNote>,
    /// Per object: (object, read, written, skipped).
    pub per_object: Vec<(String, i64, i64, i64)>,
}

impl SyncRunRow {
    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }

    /// One line: `Salesforce run 7 succeeded: 2500 read, 2500 written, 0 skipped; …`, and
    /// the admin's message when it failed.
    pub fn line(&self) -> String {
        let remaining = self
            .api_remaining
            .map(|r| format!(" ({r} left today)"))
            .unwrap_or_default();
        let mut line = format!(
            "Salesforce run {} {}: {} read, {} written, {} skipped; CSM assignments {} made, {} skipped; {} API calls{remaining}",
            self.id,
            self.status,
            self.read,
            self.written,
            self.skipped,
            self.csm_assigned,
            self.csm_skipped,
            self.api_calls,
        );
        if let Some(error) = &self.error {
            line.push_str(". ");
            line.push_str(error);
        }
        line
    }
}

/// The connector's settings as the admin edits them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSettingsView {
    /// The Salesforce Account field holding the CSM; empty: no CSM sync.
    pub csm_field: String,
    /// `HH:MM`.
    pub daily_at: String,
    /// `UTC` or an offset such as `+01:00`.
    pub time_zone: String,
}
