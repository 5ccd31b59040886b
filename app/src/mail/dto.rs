//! Wire types of the Outbox page and its URL state.
use serde::{Deserialize, Serialize};

use crate::time_label::TimeLabel;

pub const OUTBOX_PAGE_SIZE: u64 = 50;

/// A message's delivery status. The key is what `outbound_mail.status` stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MailStatus {
    Queued,
    Sent,
    Failed,
    /// No relay configured: kept for an administrator to read.
    Outbox,
}

impl MailStatus {
    pub const ALL: [MailStatus; 4] = [
        MailStatus::Queued,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Outbox,
    ];

    pub fn key(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Outbox => "outbox",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MailStatus::Queued => "Queued",
            MailStatus::Sent => "Sent",
            MailStatus::Failed => "Failed",
            // Not "Outbox": that is the page's name.
            MailStatus::Outbox => "Unsent",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The outbox's filter and page; they round-trip through the URL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxQuery {
    pub status: Option<MailStatus>,
    /// 1-based.
    pub page: u64,
}

impl OutboxQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            status: get("status").and_then(|v| MailStatus::from_key(v.trim())),
            page: get("page")
                .and_then(|v| v.trim().parse().ok())
                .filter(|p| *p > 0)
                .unwrap_or(1),
        }
    }

    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.status {
            parts.push(format!("status={}", status.key()));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/settings/outbox".to_owned()
        } else {
            format!("/settings/outbox?{}", parts.join("&"))
        }
    }
}

/// Whether the one-time link a message carries still works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Works,
    /// Its owner used it (set up their account, chose a new password).
    Used,
    /// A newer link was issued to the same person.
    Replaced,
    /// The invitation was revoked or the user deleted.
    Revoked,
    Expired,
}

impl LinkState {
    /// The mark beside the message; None for a link that works.
    pub fn mark(self) -> Option<&'static str> {
        match self {
            LinkState::Works => None,
            LinkState::Used => Some("link used"),
            LinkState::Replaced => Some("link replaced"),
            LinkState::Revoked => Some("link revoked"),
            LinkState::Expired => Some("link expired"),
        }
    }

    /// Said above an opened message whose link no longer works.
    pub fn explain(self) -> Option<&'static str> {
        match self {
            LinkState::Works => None,
            LinkState::Used => Some("This link was used and no longer works."),
            LinkState::Replaced => Some("This link no longer works: a newer one was sent to the same person. Pass on the newest one."),
            LinkState::Revoked => Some("This link no longer works: the invitation was revoked or the user deleted."),
            LinkState::Expired => Some("This link has expired. Resend the invitation or the reset link for a new one."),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRow {
    pub id: i32,
    pub created: TimeLabel,
    pub to: String,
    pub subject: String,
    /// "Invitation", "Password reset", "Notice".
    pub kind: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// When the next delivery attempt is due; only for queued messages.
    pub next_attempt: Option<TimeLabel>,
    /// The state of the one-time link inside, for invitations and password resets.
    pub link: Option<LinkState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub rows: Vec<OutboxRow>,
    pub total: u64,
    pub page: u64,
    pub page_count: u64,
    /// False while no mail relay is configured: new messages stay here, unsent.
    pub relay_configured: bool,
}

/// One message with its plain-text body, opened for an administrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub mail: OutboxRow,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_outbox_query_round_trips_and_ignores_nonsense() {
        let query = OutboxQuery {
            status: Some(MailStatus::Failed),
            page: 3,
        };
        assert_eq!(query.href(), "/settings/outbox?status=failed&page=3");
        let back = OutboxQuery::from_params(|k| match k {
            "status" => Some("failed".into()),
            "page" => Some("3".into()),
            _ => None,
        });
        assert_eq!(back, query);
        let junk = OutboxQuery::from_params(|k| match k {
            "status" => Some("lost".into()),
            "page" => Some("0".into()),
            _ => None,
        });
        assert_eq!(
            junk,
            OutboxQuery {
                status: None,
                page: 1
            }
        );
        assert_eq!(junk.href(), "/settings/outbox");
        for status in MailStatus::ALL {
            assert_eq!(MailStatus::from_key(status.key()), Some(status));
        }
    }
}
