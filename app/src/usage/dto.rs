//! The usage summary of one account, shared by the server and the account page.
use serde::{Deserialize, Serialize};

/// Days the summary covers: today (UTC) and the 29 before.
pub const SUMMARY_DAYS: usize = 30;

/// An account's usage over the last `SUMMARY_DAYS` UTC days.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageSummary {
    /// The first day covered (UTC midnight, epoch ms) and its date, `YYYY-MM-DD`.
    pub from_day: i64,
    pub from_date: String,
    /// Distinct users with at least one event in the period (from the daily user rollup).
    pub active_users: u64,
    pub sessions: u64,
    pub session_minutes: u64,
    pub events: u64,
    /// Most used features, most first (at most 10).
    pub top_features: Vec<FeatureUse>,
    /// Modules by time spent, most first (at most 10).
    pub top_modules: Vec<ModuleTime>,
    /// One entry per day, oldest first, `SUMMARY_DAYS` entries (days without events are 0).
    pub days: Vec<UsageDay>,
}

impl UsageSummary {
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureUse {
    /// Empty when the events named no module.
    pub module: String,
    pub feature: String,
    /// Sum of the `feature` events' `total` (1 when absent).
    pub uses: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModuleTime {
    pub module: String,
    /// Sum of `moduleEnd` `time_spent` (milliseconds), in minutes.
    pub minutes: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageDay {
    /// UTC midnight, epoch ms, and the date `YYYY-MM-DD`.
    pub day: i64,
    pub date: String,
    pub active_users: u32,
    pub sessions: u32,
    pub session_minutes: u32,
    pub events: u64,
}
