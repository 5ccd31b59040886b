//! Wire types of the audit log and its URL state.
use serde::{Deserialize, Serialize};

use crate::time_label::TimeLabel;

pub const AUDIT_PAGE_SIZE: u64 = 50;

/// What happened. The key is what the database stores, so keys never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    SignedIn,
    SignInFailed,
    UserInvited,
    SetupCompleted,
    InvitationResent,
    InvitationLinkCopied,
    InvitationRevoked,
    UserUpdated,
    UserDeactivated,
    UserReactivated,
    PasswordResetSent,
    PasswordResetRequested,
    PasswordChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    ApiKeyCreated,
    ApiKeyRevoked,
    ApiKeyRotated,
    CsmAssigned,
    CsmUnassigned,
    RecoveryCodesRegenerated,
    SessionsEnded,
    CredentialsSet,
    CredentialsDeleted,
    OAuthConnected,
    OAuthDisconnected,
    UploadUndone,
    EmailDomainSet,
    BccAddressRegenerated,
}

impl AuditAction {
    pub const ALL: [AuditAction; 32] = [
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::UserInvited,
        AuditAction::SetupCompleted,
        AuditAction::InvitationResent,
        AuditAction::InvitationLinkCopied,
        AuditAction::InvitationRevoked,
        AuditAction::UserUpdated,
        AuditAction::UserDeactivated,
        AuditAction::UserReactivated,
        AuditAction::PasswordResetSent,
        AuditAction::PasswordResetRequested,
        AuditAction::PasswordChanged,
        AuditAction::TwoFactorEnabled,
        AuditAction::TwoFactorDisabled,
        AuditAction::RoleCreated,
        AuditAction::RoleUpdated,
        AuditAction::RoleDeleted,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::ApiKeyRotated,
        AuditAction::CsmAssigned,
        AuditAction::CsmUnassigned,
        AuditAction::RecoveryCodesRegenerated,
        AuditAction::SessionsEnded,
        AuditAction::CredentialsSet,
        AuditAction::CredentialsDeleted,
        AuditAction::OAuthConnected,
        AuditAction::OAuthDisconnected,
        AuditAction::UploadUndone,
        AuditAction::EmailDomainSet,
        AuditAction::BccAddressRegenerated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditAction::SignedIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::UserInvited => "user_invited",
            AuditAction::SetupCompleted => "setup_completed",
            AuditAction::InvitationResent => "invitation_resent",
            AuditAction::InvitationLinkCopied => "invitation_link_copied",
            AuditAction::InvitationRevoked => "invitation_revoked",
            AuditAction::UserUpdated => "user_updated",
            AuditAction::UserDeactivated => "user_deactivated",
            AuditAction::UserReactivated => "user_reactivated",
            AuditAction::PasswordResetSent => "password_reset_sent",
            AuditAction::PasswordResetRequested => "password_reset_requested",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::TwoFactorEnabled => "two_factor_enabled",
            AuditAction::TwoFactorDisabled => "two_factor_disabled",
            AuditAction::RoleCreated => "role_created",
            AuditAction::RoleUpdated => "role_updated",
            AuditAction::RoleDeleted => "role_deleted",
            AuditAction::ApiKeyCreated => "api_key_created",
            AuditAction::ApiKeyRevoked => "api_key_revoked",
            AuditAction::ApiKeyRotated => "api_key_rotated",
            AuditAction::CsmAssigned => "csm_assigned",
            AuditAction::CsmUnassigned => "csm_unassigned",
            AuditAction::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            AuditAction::SessionsEnded => "sessions_ended",
            AuditAction::CredentialsSet => "credentials_set",
            AuditAction::CredentialsDeleted => "credentials_deleted",
            AuditAction::OAuthConnected => "oauth_connected",
            AuditAction::OAuthDisconnected => "oauth_disconnected",
            AuditAction::UploadUndone => "upload_undone",
            AuditAction::EmailDomainSet => "email_domain_set",
            AuditAction::BccAddressRegenerated => "bcc_address_regenerated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SignedIn => "Signed in",
            AuditAction::SignInFailed => "Failed sign-in",
            AuditAction::UserInvited => "Invited user",
            AuditAction::SetupCompleted => "Finished setup",
            AuditAction::InvitationResent => "Resent invitation",
            AuditAction::InvitationLinkCopied => "Copied invitation link",
            AuditAction::InvitationRevoked => "Revoked invitation",
            AuditAction::UserUpdated => "Edited user",
            AuditAction::UserDeactivated => "Deleted user",
            AuditAction::UserReactivated => "Reactivated user",
            AuditAction::PasswordResetSent => "Sent password reset",
            AuditAction::PasswordResetRequested => "Forgot password",
            AuditAction::PasswordChanged => "Changed password",
            AuditAction::TwoFactorEnabled => "Turned on 2FA",
            AuditAction::TwoFactorDisabled => "Turned off 2FA",
            AuditAction::RoleCreated => "Created role",
            AuditAction::RoleUpdated => "Edited role",
            AuditAction::RoleDeleted => "Deleted role",
            AuditAction::ApiKeyCreated => "Created API key",
            AuditAction::ApiKeyRevoked => "Revoked API key",
            AuditAction::ApiKeyRotated => "Rotated API key",
            AuditAction::CsmAssigned => "Assigned CSM",
            AuditAction::CsmUnassigned => "Unassigned CSM",
            AuditAction::RecoveryCodesRegenerated => "New recovery codes",
            AuditAction::SessionsEnded => "Signed out sessions",
            AuditAction::CredentialsSet => "Saved credentials",
            AuditAction::CredentialsDeleted => "Deleted credentials",
            AuditAction::OAuthConnected => "Connected OAuth provider",
            AuditAction::OAuthDisconnected => "Disconnected OAuth provider",
            AuditAction::UploadUndone => "Undid an API upload",
            AuditAction::EmailDomainSet => "Set the sending domain",
            AuditAction::BccAddressRegenerated => "Regenerated the BCC address",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// The audit log's filters; they round-trip through the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Matches the actor's name or email as recorded.
    pub actor: String,
    /// Matches the target's label (a user's email, a role's name).
    pub target: String,
    pub action: Option<AuditAction>,
    /// Inclusive dates, `YYYY-MM-DD`, in UTC.
    pub from: Option<String>,
    pub to: Option<String>,
    /// 1-based.
    pub page: u64,
}

impl AuditQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let date = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| is_date(v));
        Self {
            actor: get("actor")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(100)
                .collect(),
            target: get("target")
                .unwrap_or_default()
                .trim()
                .chars()
                .take(100)
                .collect(),
            action: get("action").and_then(|v| AuditAction::from_key(&v)),
            from: date("from"),
            to: date("to"),
            page: get("page")
                .and_then(|v| v.parse().ok())
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
        push("actor", &self.actor);
        push("target", &self.target);
        push(
            "action",
            self.action.map(AuditAction::key).unwrap_or_default(),
        );
        push("from", self.from.as_deref().unwrap_or_default());
        push("to", self.to.as_deref().unwrap_or_default());
        if self.page > 1 {
            push("page", &self.page.to_string());
        }
        if parts.is_empty() {
            "/settings/audit".to_owned()
        } else {
            format!("/settings/audit?{}", parts.join("&"))
        }
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && text[..4].parse::<u32>().is_ok()
        && text[5..7]
            .parse::<u32>()
            .is_ok_and(|m| (1..=12).contains(&m))
        && text[8..]
            .parse::<u32>()
            .is_ok_and(|d| (1..=31).contains(&d))
}

/// One changed field: its name and the value before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i32,
    pub at: TimeLabel,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub changes: Vec<AuditChange>,
    pub client_address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u64,
    pub page_count: u64,
    pub retention_days: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_audit_query_round_trips_and_ignores_bad_dates() {
        let query = AuditQuery {
            actor: "ada".into(),
            target: "bob@x.io".into(),
            action: Some(AuditAction::UserUpdated),
            from: Some("2026-01-01".into()),
            to: None,
            page: 2,
        };
        let href = query.href();
        assert_eq!(href, "/settings/audit?actor=ada&target=bob%40x.io&action=user_updated&from=2026-01-01&page=2");
        let back = AuditQuery::from_params(|k| match k {
            "actor" => Some("ada".into()),
            "target" => Some("bob@x.io".into()),
            "action" => Some("user_updated".into()),
            "from" => Some("2026-01-01".into()),
            "to" => Some("2026-13-01".into()),
            "page" => Some("2".into()),
            _ => None,
        });
        assert_eq!(back, query);
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(action.key()), Some(action));
        }
    }
}
