//! The fixed set of permissions and landing pages, and the five default roles every new
//! organisation starts with. Shared by server and browser so the UI can hide what a user
//! may not use (the server refuses it anyway).
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    CsmSeat,
    ConfigureUsers,
    ConfigureDataConnectors,
    UpdateAccounts,
    ViewAllAccounts,
    ConfigureProductSettings,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::CsmSeat,
        Permission::ConfigureUsers,
        Permission::ConfigureDataConnectors,
        Permission::UpdateAccounts,
        Permission::ViewAllAccounts,
        Permission::ConfigureProductSettings,
    ];

    /// The key stored in `permissions.key` and `role_permissions.permission_key`.
    pub fn key(self) -> &'static str {
        match self {
            Permission::CsmSeat => "csm_seat",
            Permission::ConfigureUsers => "configure_users",
            Permission::ConfigureDataConnectors => "configure_data_connectors",
            Permission::UpdateAccounts => "update_accounts",
            Permission::ViewAllAccounts => "view_all_accounts",
            Permission::ConfigureProductSettings => "configure_product_settings",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Permission::CsmSeat => "Customer Success Manager Seat",
            Permission::ConfigureUsers => "Configure Users",
            Permission::ConfigureDataConnectors => "Configure Data Connectors",
            Permission::UpdateAccounts => "Update Accounts",
            Permission::ViewAllAccounts => "View All Accounts",
            Permission::ConfigureProductSettings => "Configure Product Settings",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// Permissions as people read them: their labels, sorted, separated by commas (the audit
/// log's "permissions" field).
pub fn permission_list(permissions: &[Permission]) -> String {
    let mut labels: Vec<&str> = permissions.iter().map(|p| p.label()).collect();
    labels.sort_unstable();
    labels.dedup();
    labels.join(", ")
}

/// Where a role's users arrive after signing in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LandingPage {
    Home,
    ManagementCenter,
    MyProfile,
}

impl LandingPage {
    pub const ALL: [LandingPage; 3] = [
        LandingPage::Home,
        LandingPage::ManagementCenter,
        LandingPage::MyProfile,
    ];

    pub fn key(self) -> &'static str {
        match self {
            LandingPage::Home => "home",
            LandingPage::ManagementCenter => "management_center",
            LandingPage::MyProfile => "my_profile",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            LandingPage::Home => "/",
            LandingPage::ManagementCenter => "/settings",
            LandingPage::MyProfile => "/settings/profile",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LandingPage::Home => "Home",
            LandingPage::ManagementCenter => "Management Center",
            LandingPage::MyProfile => "My Profile",
        }
    }

    /// Unknown keys (from a later version, say) fall back to Home rather than failing sign-in.
    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|p| p.key() == key)
            .unwrap_or(LandingPage::Home)
    }
}

pub const CSM_MANAGER: &str = "CSM Manager";

/// The default roles (natero-reference.md §5.2). Where the reference names only the seat,
/// we chose: a CSM may update accounts (the ones they are assigned), and the CSM Manager
/// lands on the Management Center because that is where setting up starts.
pub const DEFAULT_ROLES: [(&str, LandingPage, &[Permission]); 5] = [
    (CSM_MANAGER, LandingPage::ManagementCenter, &Permission::ALL),
    (
        "CSM",
        LandingPage::Home,
        &[Permission::CsmSeat, Permission::UpdateAccounts],
    ),
    (
        "Executive",
        LandingPage::Home,
        &[Permission::ViewAllAccounts, Permission::UpdateAccounts],
    ),
    (
        "Analyst",
        LandingPage::Home,
        &[
            Permission::ConfigureUsers,
            Permission::ConfigureDataConnectors,
            Permission::UpdateAccounts,
            Permission::ViewAllAccounts,
            Permission::ConfigureProductSettings,
        ],
    ),
    ("Guest", LandingPage::Home, &[Permission::ViewAllAccounts]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_keys_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(p));
        }
        for l in LandingPage::ALL {
            assert_eq!(LandingPage::from_key(l.key()), l);
        }
        assert_eq!(
            LandingPage::from_key("dashboard-from-the-future"),
            LandingPage::Home
        );
    }

    #[test]
    fn test_permission_list_is_sorted_labels() {
        assert_eq!(
            permission_list(&[
                Permission::ViewAllAccounts,
                Permission::CsmSeat,
                Permission::ConfigureUsers,
                Permission::CsmSeat
            ]),
            "Configure Users, Customer Success Manager Seat, View All Accounts"
        );
        assert_eq!(permission_list(&[]), "");
    }

    #[test]
    fn test_default_roles_match_the_reference() {
        let perms = |name: &str| {
            DEFAULT_ROLES
                .iter()
                .find(|r| r.0 == name)
                .unwrap()
                .2
                .to_vec()
        };
        assert_eq!(perms("CSM Manager").len(), 6);
        assert!(perms("CSM").contains(&Permission::CsmSeat));
        assert!(!perms("Analyst").contains(&Permission::CsmSeat));
        assert_eq!(perms("Analyst").len(), 5);
        assert_eq!(perms("Guest"), vec![Permission::ViewAllAccounts]);
        assert!(!perms("Executive").contains(&Permission::CsmSeat));
    }
}
