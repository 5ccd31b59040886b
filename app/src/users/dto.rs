//! Wire types of the Users page, and the page's URL state.
use serde::{Deserialize, Serialize};

use crate::time_label::TimeLabel;

pub const PAGE_SIZE: u64 = 50;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserTab {
    #[default]
    Active,
    Inactive,
    Pending,
}

impl UserTab {
    pub const ALL: [UserTab; 3] = [UserTab::Active, UserTab::Inactive, UserTab::Pending];

    /// The `users.status` value and the URL key.
    pub fn key(self) -> &'static str {
        match self {
            UserTab::Active => "active",
            UserTab::Inactive => "inactive",
            UserTab::Pending => "pending",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserTab::Active => "Active",
            UserTab::Inactive => "Inactive",
            UserTab::Pending => "Pending",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.key() == key)
            .unwrap_or_default()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Name,
    Email,
    Role,
    Title,
    Seat,
    LastSignIn,
    TwoFactor,
    InvitedBy,
    InvitedAt,
    Expires,
}

impl UserSort {
    pub const ALL: [UserSort; 10] = [
        UserSort::Name,
        UserSort::Email,
        UserSort::Role,
        UserSort::Title,
        UserSort::Seat,
        UserSort::LastSignIn,
        UserSort::TwoFactor,
        UserSort::InvitedBy,
        UserSort::InvitedAt,
        UserSort::Expires,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Role => "role",
            UserSort::Title => "title",
            UserSort::Seat => "seat",
            UserSort::LastSignIn => "last_sign_in",
            UserSort::TwoFactor => "two_factor",
            UserSort::InvitedBy => "invited_by",
            UserSort::InvitedAt => "invited_at",
            UserSort::Expires => "expires",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or_default()
    }
}

/// Everything that decides which users are shown; it round-trips through the URL, so a
/// shared link opens the same view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    pub tab: UserTab,
    /// Matches name or email, case-insensitively.
    pub search: String,
    pub role_id: Option<i32>,
    /// Some(true): only CSM seats; Some(false): only analyst seats.
    pub seat: Option<bool>,
    /// Only users with no sign-in for at least this many days (or never).
    pub idle_days: Option<u32>,
    pub sort: UserSort,
    pub descending: bool,
    /// 1-based.
    pub page: u64,
}

impl UserQuery {
    /// Reads the URL's query parameters; anything malformed falls back to its default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            tab: UserTab::from_key(&get("tab").unwrap_or_default()),
            search: get("q")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(100)
                .collect(),
            role_id: get("role").and_then(|v| v.parse().ok()),
            seat: match get("seat").as_deref() {
                Some("csm") => Some(true),
                Some("analyst") => Some(false),
                _ => None,
            },
            idle_days: get("idle").and_then(|v| v.parse().ok()).filter(|d| *d > 0),
            sort: UserSort::from_key(&get("sort").unwrap_or_default()),
            descending: get("dir").as_deref() == Some("desc"),
            page: get("page")
                .and_then(|v| v.parse().ok())
                .filter(|p| *p > 0)
                .unwrap_or(1),
        }
    }

    /// The URL query string for this view (defaults left out, to keep links short).
    pub fn to_query_string(&self) -> String {
        let mut parts: Vec<(String, String)> = vec![("tab".into(), self.tab.key().into())];
        if !self.search.is_empty() {
            parts.push(("q".into(), self.search.clone()));
        }
        if let Some(role) = self.role_id {
            parts.push(("role".into(), role.to_string()));
        }
        if let Some(seat) = self.seat {
            parts.push(("seat".into(), if seat { "csm" } else { "analyst" }.into()));
        }
        if let Some(days) = self.idle_days {
            parts.push(("idle".into(), days.to_string()));
        }
        if self.sort != UserSort::Name {
            parts.push(("sort".into(), self.sort.key().into()));
        }
        if self.descending {
            parts.push(("dir".into(), "desc".into()));
        }
        if self.page > 1 {
            parts.push(("page".into(), self.page.to_string()));
        }
        parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn href(&self) -> String {
        format!("/settings/users?{}", self.to_query_string())
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role_id: i32,
    pub role_name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub csm_seat: bool,
    pub last_sign_in: Option<TimeLabel>,
    pub two_factor: bool,
    pub invited_by: Option<String>,
    pub invited_at: Option<TimeLabel>,
    pub invite_expires: Option<TimeLabel>,
    pub invite_expired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleOption {
    pub id: i32,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    /// Users matching the query, over all pages.
    pub total: u64,
    pub page: u64,
    pub page_count: u64,
    /// Users per tab, ignoring search and filters.
    pub counts: [u64; 3],
    pub seats_in_use: u64,
    pub roles: Vec<RoleOption>,
    /// False while no mail relay is configured: invitations and resets wait in the Outbox.
    pub relay_configured: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_query_round_trips_through_the_url() {
        let query = UserQuery {
            tab: UserTab::Pending,
            search: "ada & co".into(),
            role_id: Some(3),
            seat: Some(false),
            idle_days: Some(30),
            sort: UserSort::LastSignIn,
            descending: true,
            page: 4,
        };
        let text = query.to_query_string();
        assert_eq!(text, "tab=pending&q=ada%20%26%20co&role=3&seat=analyst&idle=30&sort=last_sign_in&dir=desc&page=4");
        let params: Vec<(String, String)> = text
            .split('&')
            .map(|p| p.split_once('=').unwrap())
            .map(|(k, v)| (k.to_owned(), v.replace("%20", " ").replace("%26", "&")))
            .collect();
        let back = UserQuery::from_params(|k| {
            params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(back, query);
    }

    #[test]
    fn test_malformed_parameters_fall_back_to_defaults() {
        let back = UserQuery::from_params(|k| match k {
            "tab" => Some("bogus".into()),
            "page" => Some("-2".into()),
            "role" => Some("x".into()),
            "sort" => Some("nope".into()),
            _ => None,
        });
        assert_eq!(
            back,
            UserQuery {
                page: 1,
                ..Default::default()
            }
        );
    }
}

/// What happened to one address of a "New users" request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteOutcome {
    Invited,
    /// Not a usable address; says why.
    Invalid(String),
    /// Already a user of the organisation, in this state.
    AlreadyUser {
        status: UserTab,
        user_id: i32,
    },
    /// A valid address that could not be invited (the seat limit, say); says why.
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteResult {
    /// The address as typed.
    pub address: String,
    pub outcome: InviteOutcome,
    /// The name of the role the request gave (what an invited address became).
    pub role: String,
}

/// Splits what was typed into addresses: commas, semicolons, spaces and new lines all
/// separate; repeats are kept once.
pub fn split_addresses(input: &str) -> Vec<String> {
    let mut seen = Vec::<String>::new();
    for part in input.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
        let part = part.trim();
        if !part.is_empty() && !seen.iter().any(|s| s.eq_ignore_ascii_case(part)) {
            seen.push(part.to_owned());
        }
    }
    seen
}

#[cfg(test)]
mod invite_tests {
    use super::*;

    #[test]
    fn test_addresses_split_on_every_separator_and_dedupe() {
        assert_eq!(
            split_addresses(" a@x.io, b@x.io;c@x.io\nd@x.io  A@X.io ,, "),
            vec!["a@x.io", "b@x.io", "c@x.io", "d@x.io"]
        );
        assert!(split_addresses(" ,; \n").is_empty());
    }
}

/// The Edit dialog's fields, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEdit {
    pub name: String,
    pub email: String,
    pub role_id: i32,
    pub title: String,
    pub phone: String,
}

/// What a bulk action does to each selected user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    ChangeRole,
    Delete,
    Reactivate,
    ResendInvitation,
}

impl BulkAction {
    pub fn label(self) -> &'static str {
        match self {
            BulkAction::ChangeRole => "Change role",
            BulkAction::Delete => "Delete",
            BulkAction::Reactivate => "Reactivate",
            BulkAction::ResendInvitation => "Resend invitation",
        }
    }

    /// The actions offered on a tab.
    pub fn for_tab(tab: UserTab) -> &'static [BulkAction] {
        match tab {
            UserTab::Active => &[BulkAction::ChangeRole, BulkAction::Delete],
            UserTab::Inactive => &[BulkAction::Reactivate, BulkAction::ChangeRole],
            UserTab::Pending => &[
                BulkAction::ResendInvitation,
                BulkAction::ChangeRole,
                BulkAction::Delete,
            ],
        }
    }
}

pub const MAX_BULK_USERS: usize = 500;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkFailure {
    pub user_id: i32,
    /// The user's email, or the id when it is not one of the organisation's users.
    pub user: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub succeeded: u32,
    pub failures: Vec<BulkFailure>,
}
