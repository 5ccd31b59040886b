//! Wire types of the Accounts pages, and their URL state.
use serde::{Deserialize, Serialize};

use crate::time_label::TimeLabel;
use crate::users::dto::encode;

pub const PAGE_SIZE: u64 = 50;
/// Contacts, product users and interactions shown on the account page (newest or
/// alphabetical first); the page says how many there are in all.
pub const SECTION_LIMIT: u64 = 200;
/// Days in the account page's usage summary, today included.
pub const USAGE_DAYS: usize = crate::usage::dto::SUMMARY_DAYS;

/// The list's views. For a user without View All Accounts every view is limited to the
/// accounts assigned to them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountView {
    #[default]
    All,
    /// Active, not churned, not deleted.
    Active,
    Churned,
    /// No CSM assigned.
    Unassigned,
    /// Assigned to the signed-in user.
    Mine,
}

impl AccountView {
    pub const ALL: [AccountView; 5] = [
        AccountView::All,
        AccountView::Active,
        AccountView::Churned,
        AccountView::Unassigned,
        AccountView::Mine,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AccountView::All => "all",
            AccountView::Active => "active",
            AccountView::Churned => "churned",
            AccountView::Unassigned => "unassigned",
            AccountView::Mine => "mine",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountView::All => "All",
            AccountView::Active => "Active",
            AccountView::Churned => "Churned",
            AccountView::Unassigned => "Unassigned",
            AccountView::Mine => "My accounts",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|v| v.key() == key)
            .unwrap_or_default()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountSort {
    #[default]
    Name,
    AccountId,
    Stage,
    Mrr,
    JoinDate,
    Renewal,
    Csms,
}

impl AccountSort {
    pub const ALL: [AccountSort; 7] = [
        AccountSort::Name,
        AccountSort::AccountId,
        AccountSort::Stage,
        AccountSort::Mrr,
        AccountSort::JoinDate,
        AccountSort::Renewal,
        AccountSort::Csms,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AccountSort::Name => "name",
            AccountSort::AccountId => "account_id",
            AccountSort::Stage => "stage",
            AccountSort::Mrr => "mrr",
            AccountSort::JoinDate => "join_date",
            AccountSort::Renewal => "renewal",
            AccountSort::Csms => "csms",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or_default()
    }
}

/// Everything that decides which accounts the list shows; it round-trips through the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountQuery {
    pub view: AccountView,
    /// Matches the name or the account id, case-insensitively.
    pub search: String,
    pub sort: AccountSort,
    pub descending: bool,
    /// 1-based.
    pub page: u64,
}

impl AccountQuery {
    /// Reads the URL's query parameters; anything malformed falls back to its default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            view: AccountView::from_key(&get("view").unwrap_or_default()),
            search: get("q")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(crate::limits::MAX_SEARCH_CHARS)
                .collect(),
            sort: AccountSort::from_key(&get("sort").unwrap_or_default()),
            descending: get("dir").as_deref() == Some("desc"),
            page: get("page")
                .and_then(|v| v.parse().ok())
                .filter(|p| *p > 0)
                .unwrap_or(1),
        }
    }

    /// The URL query string for this view (defaults left out, to keep links short).
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = vec![];
        if self.view != AccountView::All {
            parts.push(("view", self.view.key().into()));
        }
        if !self.search.is_empty() {
            parts.push(("q", self.search.clone()));
        }
        if self.sort != AccountSort::Name {
            parts.push(("sort", self.sort.key().into()));
        }
        if self.descending {
            parts.push(("dir", "desc".into()));
        }
        if self.page > 1 {
            parts.push(("page", self.page.to_string()));
        }
        parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn href(&self) -> String {
        let query = self.to_query_string();
        if query.is_empty() {
            "/accounts".to_owned()
        } else {
            format!("/accounts?{query}")
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    Churned,
    /// Deactivated through the API (DELETE) or marked deleted.
    Inactive,
}

impl AccountStatus {
    pub fn of(is_active: bool, is_churned: bool, is_deleted: bool) -> Self {
        if is_churned {
            AccountStatus::Churned
        } else if !is_active || is_deleted {
            AccountStatus::Inactive
        } else {
            AccountStatus::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::Churned => "Churned",
            AccountStatus::Inactive => "Inactive",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    /// Our id: the account page is `/accounts/{id}`.
    pub id: i32,
    /// The client's case-sensitive id.
    pub account_id: String,
    pub name: String,
    pub stage: Option<String>,
    pub mrr: Option<f64>,
    /// `YYYY-MM-DD` (UTC) and how far away it is.
    pub renewal: Option<DateLabel>,
    /// Names of the assigned CSMs, alphabetical.
    pub csms: Vec<String>,
    pub status: AccountStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountListPage {
    pub rows: Vec<AccountRow>,
    /// Accounts matching the query, over all pages.
    pub total: u64,
    pub page: u64,
    pub page_count: u64,
    /// Accounts per view (in `AccountView::ALL` order), ignoring the search.
    pub counts: [u64; 5],
    /// The caller holds View All Accounts (otherwise every view is their accounts only).
    pub view_all: bool,
}

/// A calendar date for people: `2026-11-22`, with "in 3 days" beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateLabel {
    pub date: String,
    pub relative: String,
    /// The day is before today (UTC): a renewal date that has passed is overdue.
    pub past: bool,
}

impl DateLabel {
    pub fn new(at_ms: i64, now_ms: i64) -> Self {
        const DAY_MS: i64 = 86_400_000;
        let label = TimeLabel::new(at_ms, now_ms);
        Self {
            date: label.exact.chars().take(10).collect(),
            relative: label.relative,
            past: at_ms.div_euclid(DAY_MS) < now_ms.div_euclid(DAY_MS),
        }
    }
}

/// Numbers as people read them: thousands separated, at most two decimals, no trailing
/// zeros (`1,234.5`). Used for MRR, scores and dimension values.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let rounded = (value * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let text = format!("{:.2}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if negative { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// Money as people read it: a dollar sign, thousands separated, always two decimals
/// (`$1,234.50`, `-$42.13`). Steward shows MRR in US dollars, as Natero did; the Account
/// API stores the number it is sent.
pub fn format_money(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let cents = (value * 100.0).round();
    let sign = if cents < 0.0 { "-" } else { "" };
    let whole = format_number((cents.abs() / 100.0).trunc());
    format!("{sign}${whole}.{:02}", (cents.abs() % 100.0) as u32)
}

/// Milliseconds as "3 h 25 min", "12 min" or "40 s".
pub fn format_duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        0 => format!("{} s", ms / 1000),
        1..=59 => format!("{minutes} min"),
        _ => {
            let (hours, rest) = (minutes / 60, minutes % 60);
            if rest == 0 {
                format!("{} h", format_number(hours as f64))
            } else {
                format!("{} h {rest} min", format_number(hours as f64))
            }
        }
    }
}

/// The account page's sections, as `?tab=` keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountTab {
    #[default]
    Overview,
    Details,
    People,
    History,
    Interactions,
}

impl AccountTab {
    pub const ALL: [AccountTab; 5] = [
        AccountTab::Overview,
        AccountTab::Details,
        AccountTab::People,
        AccountTab::History,
        AccountTab::Interactions,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AccountTab::Overview => "overview",
            AccountTab::Details => "details",
            AccountTab::People => "people",
            AccountTab::History => "history",
            AccountTab::Interactions => "interactions",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountTab::Overview => "Overview",
            AccountTab::Details => "Fields & dimensions",
            AccountTab::People => "Contacts & users",
            AccountTab::History => "Stage & NPS",
            AccountTab::Interactions => "Interactions",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.key() == key)
            .unwrap_or_default()
    }
}

/// Where an assignment came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssignmentSource {
    Api,
    /// By hand in Steward: who, and when (`YYYY-MM-DD`).
    Manual {
        by: String,
        on: String,
    },
    /// By the Salesforce connector's CSM sync: when (`YYYY-MM-DD HH:MM UTC`).
    Salesforce {
        on: String,
    },
}

impl AssignmentSource {
    pub fn label(&self) -> String {
        match self {
            AssignmentSource::Api => "API".to_owned(),
            AssignmentSource::Manual { .. } => format!("Manual ({})", self.detail()),
            AssignmentSource::Salesforce { on } => format!("Salesforce, {on}"),
        }
    }

    /// Who and when, without the kind: "by Ada Admin, 2026-03-01" ("API" for the API).
    pub fn detail(&self) -> String {
        match self {
            AssignmentSource::Api => "API".to_owned(),
            AssignmentSource::Manual { by, on } => format!("by {by}, {on}"),
            AssignmentSource::Salesforce { on } => format!("Salesforce, {on}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsmAssignmentRow {
    pub user_id: i32,
    pub name: String,
    pub email: String,
    pub source: AssignmentSource,
}

/// A user who may be assigned: active, and their role has the CSM seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsmChoice {
    pub user_id: i32,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
    /// Where a value that a connector can fill came from: "Salesforce, 2026-11-29 03:00
    /// UTC" while it is still the value Salesforce wrote, else "Account API".
    pub origin: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionRow {
    pub key: String,
    /// "Label", "Value" or "Event".
    pub kind: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLink {
    pub name: String,
    /// Only http(s) addresses; anything else is shown as text.
    pub url: Option<String>,
    pub description: Option<String>,
}

/// A CRM contact or a product user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub user_id: String,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    /// Contacts: the primary contact.
    pub primary: bool,
    /// Product users: first day in the product.
    pub joined: Option<String>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRow {
    pub name: String,
    pub start: String,
    /// None while the stage is current.
    pub end: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NpsRow {
    pub date: String,
    pub score: f64,
    pub username: Option<String>,
    pub survey: Option<String>,
    pub comments: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRow {
    pub date: String,
    pub kind: String,
    pub contact: Option<String>,
    pub added_by: Option<String>,
    pub subject: Option<String>,
    pub description: String,
}

/// One UTC day of usage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub active_users: u64,
    pub sessions: u64,
    pub session_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureUse {
    pub module: String,
    pub feature: String,
    pub uses: f64,
}

/// The last `USAGE_DAYS` days of an account's product usage, from the daily rollups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageSummary {
    /// Oldest first, one entry per day (days without events are zeros).
    pub days: Vec<UsageDay>,
    /// Distinct users with at least one event in the period.
    pub active_users: u64,
    pub sessions: u64,
    pub session_ms: i64,
    /// Most used first, at most five.
    pub top_features: Vec<FeatureUse>,
}

impl UsageSummary {
    pub fn is_empty(&self) -> bool {
        self.active_users == 0
            && self.sessions == 0
            && self.top_features.is_empty()
            && self.days.iter().all(|d| d.active_users == 0)
    }
}

/// Everything the account page shows, loaded at once (lists capped at `SECTION_LIMIT`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub id: i32,
    pub account_id: String,
    pub name: String,
    pub status: AccountStatus,
    pub stage: Option<String>,
    pub mrr: Option<f64>,
    pub renewal: Option<DateLabel>,
    /// Every field that is set, in the Account API's order.
    pub fields: Vec<Field>,
    pub documents: Vec<DocumentLink>,
    pub dimensions: Vec<DimensionRow>,
    pub csms: Vec<CsmAssignmentRow>,
    /// CSMs someone unassigned by hand (the API does not re-add them).
    pub unassigned_by_hand: Vec<CsmAssignmentRow>,
    /// The caller may assign and unassign (Update Accounts).
    pub can_update: bool,
    /// Users who can be assigned now (empty without Update Accounts).
    pub csm_choices: Vec<CsmChoice>,
    pub contacts: Vec<PersonRow>,
    pub contacts_total: u64,
    pub users: Vec<PersonRow>,
    pub users_total: u64,
    /// Newest first.
    pub stages: Vec<StageRow>,
    /// Newest first.
    pub nps: Vec<NpsRow>,
    /// Newest first.
    pub interactions: Vec<InteractionRow>,
    pub interactions_total: u64,
    pub usage: UsageSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_query_round_trips_through_the_url() {
        let query = AccountQuery {
            view: AccountView::Churned,
            search: "Ada & Co/1".into(),
            sort: AccountSort::Renewal,
            descending: true,
            page: 3,
        };
        let text = query.to_query_string();
        assert_eq!(
            text,
            "view=churned&q=Ada%20%26%20Co%2F1&sort=renewal&dir=desc&page=3"
        );
        let back = AccountQuery::from_params(|k| match k {
            "view" => Some("churned".into()),
            "q" => Some("Ada & Co/1".into()),
            "sort" => Some("renewal".into()),
            "dir" => Some("desc".into()),
            "page" => Some("3".into()),
            _ => None,
        });
        assert_eq!(back, query);
        assert_eq!(AccountQuery::default().href(), "/accounts");
    }

    #[test]
    fn test_malformed_parameters_fall_back_to_defaults() {
        let back = AccountQuery::from_params(|k| match k {
            "view" => Some("everything".into()),
            "page" => Some("0".into()),
            "sort" => Some("nope".into()),
            _ => None,
        });
        assert_eq!(
            back,
            AccountQuery {
                page: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn test_numbers_and_durations_read_well() {
        assert_eq!(format_number(1234.5), "1,234.5");
        assert_eq!(format_number(1_000_000.0), "1,000,000");
        assert_eq!(format_number(-42.129), "-42.13");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(999.999), "1,000");
    }

    #[test]
    fn test_money_has_a_currency_and_two_decimals() {
        assert_eq!(format_money(1234.5), "$1,234.50");
        assert_eq!(format_money(1_000_000.0), "$1,000,000.00");
        assert_eq!(format_money(-42.129), "-$42.13");
        assert_eq!(format_money(0.0), "$0.00");
        assert_eq!(format_money(999.999), "$1,000.00");
        assert_eq!(format_money(0.07), "$0.07");
    }

    #[test]
    fn test_a_renewal_day_before_today_is_past() {
        let noon = 1_772_366_400_000; // 2026-03-01 12:00 UTC
        assert!(
            !DateLabel::new(noon - 3_600_000, noon).past,
            "earlier today"
        );
        assert!(DateLabel::new(noon - 86_400_000, noon).past, "yesterday");
        assert!(!DateLabel::new(noon + 86_400_000, noon).past);
        assert_eq!(format_duration(40_000), "40 s");
        assert_eq!(format_duration(12 * 60_000), "12 min");
        assert_eq!(format_duration(205 * 60_000), "3 h 25 min");
        assert_eq!(format_duration(120 * 60_000), "2 h");
    }

    #[test]
    fn test_status_prefers_churned() {
        assert_eq!(AccountStatus::of(true, false, false), AccountStatus::Active);
        assert_eq!(
            AccountStatus::of(false, true, false),
            AccountStatus::Churned
        );
        assert_eq!(
            AccountStatus::of(false, false, false),
            AccountStatus::Inactive
        );
        assert_eq!(
            AccountStatus::of(true, false, true),
            AccountStatus::Inactive
        );
    }
}
